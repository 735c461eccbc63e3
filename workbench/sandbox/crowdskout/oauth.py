"""Crowdskout's OAuth 2.0 authorization-code flow, as documented, with RFC 6749 errors.

`GET /oauth/authorize?client_id&redirect_uri&response_type=code&state` stands for the login
form: the sandbox approves at once and redirects (302) to `redirect_uri?code=...&state=...`.
`POST /oauth/access_token` (form-encoded, as documented) exchanges the code for
`{"access_token", "token_type": "Bearer", "expires_in": 315360000}`.

Decisions where the docs are silent, all from RFC 6749:

- a missing or unknown `client_id`, or a `redirect_uri` the organization did not register, is
  answered 400 with `{"error", "error_description"}` and no redirect (4.1.2.1: never redirect to
  an unverified URI). An organization without registered URIs accepts any loopback URI
  (`http://127.0.0.1:*`, `http://localhost:*`), which is how a desktop client receives the code;
- other authorize errors (`response_type` missing or not `code`) redirect with `error` and the
  `state`;
- codes live 10 minutes of the sandbox clock, work once, and are bound to the client and the
  exact `redirect_uri`; presenting a used code again also revokes the token it bought (4.1.2);
- token errors: `invalid_request` (400) for a missing parameter, `invalid_client` (401) for a
  wrong client id or secret (in the body, as documented, or with HTTP Basic),
  `invalid_grant` (400) for a bad, expired, used or foreign code or a different redirect_uri,
  `unsupported_grant_type` (400). Token answers carry `Cache-Control: no-store`;
- the token lasts the documented `expires_in` (ten years) and has no refresh token.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS, CrowdskoutOrganization
from workbench.sandbox.rails import params
from workbench.sandbox.web import answer
from workbench.sandbox.world import World

CODE_TTL = 600.0
TOKEN_LIFETIME = 315_360_000
"""The documented `expires_in`: ten years."""
GRANT = "authorization_code"
TOKEN_PREFIX = "crowdskout"


@dataclass
class IssuedCode:
    code: str
    client_id: str
    redirect_uri: str
    organization_id: int
    expires_at: float
    used: bool = False
    token: str | None = None


def oauth_error(status: int, code: str, description: str) -> Response:
    return answer(
        {"error": code, "error_description": description},
        status=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def loopback(uri: str) -> bool:
    parsed = urlparse(uri)
    return (
        parsed.scheme == "http"
        and parsed.hostname in {"127.0.0.1", "localhost"}
        and not parsed.fragment
    )


def with_query(uri: str, values: dict[str, str]) -> str:
    parsed = urlparse(uri)
    query = parse_qsl(parsed.query, keep_blank_values=True) + list(values.items())
    return urlunparse(parsed._replace(query=urlencode(query)))


class AuthorizationServer:
    """Issues codes and tokens; the one place that knows which token is whose."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._codes: dict[str, IssuedCode] = {}
        self._lock = threading.Lock()

    @staticmethod
    def client(client_id: str | None) -> CrowdskoutOrganization | None:
        return next((o for o in CROWDSKOUT_ORGANIZATIONS if o.client_id == client_id), None)

    @staticmethod
    def redirect_allowed(organization: CrowdskoutOrganization, uri: str) -> bool:
        if organization.redirect_uris:
            return uri in organization.redirect_uris
        return loopback(uri)

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        organization = self.client(query.get("client_id"))
        if organization is None:
            return oauth_error(400, "invalid_client", "client_id is missing or unknown.")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri or not self.redirect_allowed(organization, redirect_uri):
            return oauth_error(
                400,
                "invalid_request",
                "redirect_uri is missing or is not registered for this client.",
            )
        state = {"state": query["state"]} if "state" in query else {}
        response_type = query.get("response_type")
        if response_type != "code":
            error = "invalid_request" if response_type is None else "unsupported_response_type"
            return RedirectResponse(
                with_query(redirect_uri, {"error": error, **state}), status_code=302
            )
        issued = IssuedCode(
            code=secrets.token_urlsafe(24),
            client_id=organization.client_id,
            redirect_uri=redirect_uri,
            organization_id=organization.organization_id,
            expires_at=self.world.clock.now() + CODE_TTL,
        )
        with self._lock:
            self._codes[issued.code] = issued
        return RedirectResponse(
            with_query(redirect_uri, {"code": issued.code, **state}), status_code=302
        )

    async def access_token(self, request: Request) -> Response:
        values = await params(request)
        client_id, client_secret = values.get("client_id"), values.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic ") and not client_secret:
            try:
                decoded = base64.b64decode(basic[6:].strip()).decode()
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            client_id, _, client_secret = decoded.partition(":")
        missing = [
            name
            for name, value in (
                ("grant_type", values.get("grant_type")),
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("code", values.get("code")),
                ("redirect_uri", values.get("redirect_uri")),
            )
            if not value
        ]
        if values.get("grant_type") and values["grant_type"] != GRANT:
            return oauth_error(
                400, "unsupported_grant_type", "grant_type must be authorization_code."
            )
        if missing:
            return oauth_error(
                400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}."
            )
        organization = self.client(client_id)
        if organization is None or not secrets.compare_digest(
            organization.client_secret, client_secret or ""
        ):
            return oauth_error(401, "invalid_client", "Client authentication failed.")
        return self._redeem(organization, values["code"], values["redirect_uri"])

    def _redeem(
        self, organization: CrowdskoutOrganization, code: str, redirect_uri: str
    ) -> Response:
        now = self.world.clock.now()
        with self._lock:
            issued = self._codes.get(code)
            if issued is None or issued.client_id != organization.client_id:
                return oauth_error(400, "invalid_grant", "The authorization code is invalid.")
            if issued.used:
                if issued.token:
                    self.world.tokens.expire(issued.token)
                return oauth_error(
                    400, "invalid_grant", "The authorization code has already been used."
                )
            if issued.expires_at <= now:
                return oauth_error(400, "invalid_grant", "The authorization code has expired.")
            if issued.redirect_uri != redirect_uri:
                return oauth_error(
                    400,
                    "invalid_grant",
                    "redirect_uri does not match the one the code was issued for.",
                )
            issued.used = True
            token = self.world.tokens.issue(
                str(organization.organization_id), GRANT, with_refresh=False, prefix=TOKEN_PREFIX
            )
            # the shared registry gives every token the Wootric lifetime; Crowdskout's is longer
            token.expires_at = now + TOKEN_LIFETIME
            issued.token = token.token
        return answer(
            {"access_token": token.token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def organization_for(self, request: Request) -> int | None:
        """The organization a live Crowdskout bearer token belongs to, or None."""
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        issued = self.world.tokens.check(token.strip())
        if issued is None or issued.grant != GRANT or not issued.token.startswith(TOKEN_PREFIX):
            return None
        try:
            return int(issued.subject)
        except ValueError:
            return None
