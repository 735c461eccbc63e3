"""Who we are to each API: one authenticator per account, and a cache so a new session does not
log in again.

- Wootric and CXI: OAuth2 at Wootric's `/oauth/token` (password, client_credentials or a stored
  refresh token). The token is renewed shortly before `expires_in` runs out, and once on a 401.
  A client_credentials token comes without a refresh token, so renewing means logging in again.
- Apptentive: a static token, sent as `Authorization: OAuth <token>`.
- Crowdskout: a token obtained by the authorization-code flow (`workbench auth`), sent as Bearer.

Tokens go in the `Authorization` header only. None of these classes shows a secret in its repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from workbench.sources.errors import AuthenticationFailed, ServerError

TOKEN_ATTEMPTS = 6
"""Tries of one token request before giving up (the token endpoint can fail like any other)."""
REFRESH_MARGIN = 120.0
"""Renew a token this many seconds before it expires (or at 90% of a shorter lifetime)."""


class Authenticator(Protocol):
    """Gives the Authorization header, and renews it when the server says it is no longer good."""

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]: ...

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> bool:
        """Called after a 401 with the headers that were refused; True if a retry may help."""
        ...


@dataclass
class CachedToken:
    access_token: SecretStr
    expires_at: float
    refresh_token: SecretStr | None = None

    def __repr__(self) -> str:
        refresh = self.refresh_token is not None
        return f"CachedToken(expires_at={self.expires_at:.0f}, refresh={refresh})"


class TokenCache:
    """Tokens by account in one JSON file, mode 0600, replaced atomically on every write.

    A file that cannot be read is ignored (the account logs in again), never an error: a cache is
    an optimisation, and a corrupt one must not stop a sync.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, account: str) -> CachedToken | None:
        entry = self._read_all().get(account)
        if not isinstance(entry, dict):
            return None
        try:
            refresh = entry.get("refresh_token")
            return CachedToken(
                access_token=SecretStr(str(entry["access_token"])),
                expires_at=float(entry["expires_at"]),
                refresh_token=SecretStr(str(refresh)) if refresh else None,
            )
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, account: str, token: CachedToken | None) -> None:
        data = self._read_all()
        if token is None:
            data.pop(account, None)
        else:
            data[account] = {
                "access_token": token.access_token.get_secret_value(),
                "expires_at": token.expires_at,
                "refresh_token": token.refresh_token.get_secret_value()
                if token.refresh_token
                else None,
            }
        with contextlib.suppress(OSError):  # a cache we cannot write only costs a login
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


class StaticToken:
    """A token that never changes (Apptentive, or Crowdskout after `workbench auth`)."""

    def __init__(self, token: SecretStr, scheme: str, *, account: str, hint: str) -> None:
        self._token = token
        self._scheme = scheme
        self._account = account
        self._hint = hint

    def __repr__(self) -> str:
        return f"StaticToken(scheme={self._scheme!r}, account={self._account!r})"

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        return {"Authorization": f"{self._scheme} {self._token.get_secret_value()}"}

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> bool:
        return False


@dataclass(frozen=True)
class WootricGrant:
    """The credentials of a Wootric or CXI account; which fields are set decides the grant."""

    email: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    account_token: str | None = None

    def __repr__(self) -> str:
        return f"WootricGrant(kind={self.kind!r}, account_token={self.account_token!r})"

    @property
    def kind(self) -> str:
        if self.email and self.password:
            return "password"
        if self.client_id and self.client_secret:
            return "client_credentials"
        if self.refresh_token:
            return "refresh_token"
        return "none"


class WootricOAuth:
    """Access tokens from Wootric's `/oauth/token`, for the Wootric NPS and the CXI API."""

    def __init__(
        self,
        auth_base_url: str,
        grant: WootricGrant,
        *,
        account: str,
        cache: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = auth_base_url.rstrip("/") + "/oauth/token"
        self._grant = grant
        self._account = account
        self._cache = cache
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: CachedToken | None = cache.load(account) if cache else None
        self.logins = 0
        """How many times a token was obtained from the server (tests count them)."""

    def __repr__(self) -> str:
        return f"WootricOAuth(account={self._account!r}, grant={self._grant.kind!r})"

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        token = self._token
        if token is None or self._needs_renewal(token):
            async with self._lock:
                token = self._token
                if token is None or self._needs_renewal(token):
                    token = await self._obtain(http, token)
        return {"Authorization": f"Bearer {token.access_token.get_secret_value()}"}

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> bool:
        async with self._lock:
            current = self._token
            if current is not None and rejected.get("Authorization") != (
                f"Bearer {current.access_token.get_secret_value()}"
            ):
                return True  # another request already renewed it
            await self._obtain(http, current, after_401=True)
            return True

    def _needs_renewal(self, token: CachedToken) -> bool:
        return self._clock() >= token.expires_at

    async def _obtain(
        self, http: httpx.AsyncClient, previous: CachedToken | None, *, after_401: bool = False
    ) -> CachedToken:
        """Refresh if we hold a refresh token, otherwise (or if that fails) log in again."""
        attempts: list[dict[str, str]] = []
        refresh = previous.refresh_token if previous else None
        refresh = refresh or self._grant.refresh_token
        if refresh is not None:
            attempts.append(
                {"grant_type": "refresh_token", "refresh_token": refresh.get_secret_value()}
            )
        login = self._login_form()
        if login:
            attempts.append(login)
        if not attempts:
            raise AuthenticationFailed(
                "no credentials to obtain a token with; add an email and password or a client id "
                "and secret with `workbench accounts add NAME --replace`",
                account=self._account,
            )
        failure: AuthenticationFailed | None = None
        for form in attempts:
            try:
                token = await self._post(http, form)
            except AuthenticationFailed as exc:
                failure = exc
                continue
            self._token = token
            if self._cache:
                self._cache.store(self._account, token)
            return token
        self._token = None
        if self._cache:
            self._cache.store(self._account, None)
        assert failure is not None
        raise failure

    def _login_form(self) -> dict[str, str] | None:
        grant = self._grant
        if grant.kind == "password":
            assert grant.email
            assert grant.password
            return {
                "grant_type": "password",
                "username": grant.email,
                "password": grant.password.get_secret_value(),
            }
        if grant.kind == "client_credentials":
            assert grant.client_id
            assert grant.client_secret
            return {
                "grant_type": "client_credentials",
                "client_id": grant.client_id,
                "client_secret": grant.client_secret.get_secret_value(),
            }
        return None

    async def _post(self, http: httpx.AsyncClient, form: dict[str, str]) -> CachedToken:
        """POST the grant; 5xx, 429, dropped connections and garbled bodies are retried."""
        # account_token is an account's public identifier, and the docs pass it in the query.
        params = {"account_token": self._grant.account_token} if self._grant.account_token else None
        kind = form["grant_type"]
        problem = ""
        for attempt in range(TOKEN_ATTEMPTS):
            if attempt:
                await asyncio.sleep(random.uniform(0, min(4.0, 0.2 * 2**attempt)))
            try:
                response = await http.post(self._url, data=form, params=params)
            except httpx.HTTPError as exc:
                problem = f"could not reach the token endpoint ({type(exc).__name__})"
                continue
            self.logins += 1
            status = response.status_code
            if status in (400, 401):
                raise AuthenticationFailed(
                    f"the token endpoint refused the {kind} grant ({_oauth_error(response)}). "
                    "Check the account's credentials; if they changed, run "
                    "`workbench accounts add NAME --replace`",
                    account=self._account,
                    status=status,
                )
            if status >= 500 or status == 429:
                problem = f"the token endpoint answered {status}"
                continue
            try:
                body = response.json()
                access = str(body["access_token"])
                lifetime = float(body.get("expires_in") or 7200)
            except (ValueError, KeyError, TypeError):
                problem = f"the token endpoint answered {status} without a readable token"
                continue
            margin = min(REFRESH_MARGIN, lifetime * 0.1)
            refresh = body.get("refresh_token")
            return CachedToken(
                access_token=SecretStr(access),
                expires_at=self._clock() + lifetime - margin,
                refresh_token=SecretStr(str(refresh)) if refresh else None,
            )
        raise ServerError(
            f"{problem} {TOKEN_ATTEMPTS} times; check the network and the account's base URL, "
            "then try again later",
            account=self._account,
        )


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"status {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or response.status_code)
    return f"status {response.status_code}"
