"""Wootric's OAuth endpoint and the bearer tokens /v1 takes, as Doorkeeper answers them.

`POST /oauth/token` grants `password` (a user's email and password; `account_token` in the query
picks one of the user's accounts, else the first), `client_credentials` (an account's client id
and secret, in the body or as HTTP Basic; no refresh token in the answer) and `refresh_token`
(each refresh token works once; the answer carries a new one). The answer is exactly
`{access_token, token_type: "bearer", expires_in, refresh_token?, scope: "public"}` with
`Cache-Control: no-store`. Errors are Doorkeeper's `{"error", "error_description"}`: 400
`invalid_request` (a parameter missing), `invalid_grant` (bad password, account or refresh
token), `unsupported_grant_type`; 401 `invalid_client` with `WWW-Authenticate`. CXI accounts log
in here too; the CXI API checks its own tokens.

Where the docs are silent: a client belongs to one account, so `client_credentials` with an
`account_token` naming another account fails as an unknown client (401); the old access token
stays valid after a refresh (Doorkeeper's default); a 401 from /v1 is Doorkeeper's
`invalid_token` ("missing", "invalid"; an expired token is "invalid" too, since the shared token
registry does not say why a token is no longer good).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Container
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response

from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS, wootric_account
from workbench.sandbox.rails import Params
from workbench.sandbox.web import answer
from workbench.sandbox.wootric.params import ApiError, read_params
from workbench.sandbox.world import World

INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
TOKEN_PREFIX = "wootric"


class OAuthError(Exception):
    """A Doorkeeper error: `{"error", "error_description"}`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class OAuth:
    """The token endpoint and the bearer check, over the world's token registry."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def token(self, request: Request) -> Response:
        no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        try:
            params = await read_params(request)
            values = params.values
            grant = values.get("grant_type", "").strip()
            if not grant:
                raise OAuthError(400, "invalid_request", "Missing required parameter: grant_type.")
            if grant == "password":
                subject, refresh = self._password_grant(values), True
            elif grant == "client_credentials":
                subject, refresh = self._client_grant(request, values), False
            elif grant == "refresh_token":
                subject, refresh = self._refresh_grant(values), True
            else:
                raise OAuthError(400, "unsupported_grant_type", UNSUPPORTED_GRANT)
        except ApiError as exc:
            return answer(exc.body, exc.status, no_store)
        except OAuthError as exc:
            headers = dict(no_store)
            if exc.status == 401:
                headers["WWW-Authenticate"] = (
                    f'Bearer realm="Doorkeeper", error="{exc.error}", '
                    f'error_description="{exc.description}"'
                )
            body: dict[str, Any] = {"error": exc.error, "error_description": exc.description}
            return answer(body, exc.status, headers)
        issued = self.world.tokens.issue(subject, grant, with_refresh=refresh, prefix=TOKEN_PREFIX)
        body = {
            "access_token": issued.token,
            "token_type": "bearer",
            "expires_in": int(self.world.config.token_ttl),
        }
        if issued.refresh_token:
            body["refresh_token"] = issued.refresh_token
        body["scope"] = "public"
        return answer(body, 200, no_store)

    def _password_grant(self, values: dict[str, str]) -> str:
        username = values.get("username", "").strip()
        password = values.get("password", "")
        for missing in ("username", "password"):
            if not values.get(missing):
                raise OAuthError(400, "invalid_request", f"Missing required parameter: {missing}.")
        user = next(
            (
                u
                for u in WOOTRIC_USERS
                if u.email.lower() == username.lower() and u.password == password
            ),
            None,
        )
        if user is None:
            raise OAuthError(400, "invalid_grant", INVALID_GRANT)
        wanted = values.get("account_token")
        if not wanted:
            return user.account_tokens[0]
        if wanted not in user.account_tokens:
            raise OAuthError(400, "invalid_grant", INVALID_GRANT)
        return wanted

    def _client_grant(self, request: Request, values: dict[str, str]) -> str:
        """Client credentials from the body or HTTP Basic. A client belongs to one account: an
        `account_token` naming another account fails as an unknown client would."""
        client_id, client_secret = values.get("client_id"), values.get("client_secret")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if not client_id and scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_id, _, client_secret = (unquote_plus(p) for p in decoded.partition(":"))
        account = next(
            (
                a
                for a in WOOTRIC_ACCOUNTS
                if a.client_id == client_id and a.client_secret == client_secret
            ),
            None,
        )
        wanted = values.get("account_token")
        if account is None or (wanted and wanted != account.account_token):
            raise OAuthError(401, "invalid_client", INVALID_CLIENT)
        return account.account_token

    def _refresh_grant(self, values: dict[str, str]) -> str:
        token = values.get("refresh_token", "").strip()
        if not token:
            raise OAuthError(400, "invalid_request", "Missing required parameter: refresh_token.")
        previous = self.world.tokens.redeem_refresh(token)
        if previous is None:
            raise OAuthError(400, "invalid_grant", INVALID_GRANT)
        return previous.subject

    def authenticate(
        self, request: Request, params: Params, accounts: Container[str]
    ) -> str | Response:
        """The account (one of `accounts`) a bearer token or the legacy `access_token` opens,
        or the 401 to answer."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        token = token or params.values.get("access_token", "").strip()
        if not token:
            return unauthorized("The access token is missing")
        issued = self.world.tokens.check(token)
        if issued is None:
            return unauthorized("The access token is invalid")
        if issued.subject not in accounts:
            account = wootric_account(issued.subject)
            kind = account.product.upper() if account else "another"
            return unauthorized(f"The access token is invalid (a {kind} account's token)")
        return issued.subject


def unauthorized(description: str) -> Response:
    header = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{description}"'
    return answer(
        {"error": "invalid_token", "error_description": description},
        401,
        {"WWW-Authenticate": header},
    )
