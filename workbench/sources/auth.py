"""Who we are to each API: one authenticator per account, and a cache so a new session does not
log in again.

- Wootric and CXI: OAuth2 at Wootric's `/oauth/token` (password, client_credentials or a stored
  refresh token). The token is renewed shortly before `expires_in` runs out, and once on a 401.
  A client_credentials token comes without a refresh token, so renewing means logging in again.
- Apptentive: a static token, sent as `Authorization: OAuth <token>`.
- Crowdskout: a token obtained by the authorization-code flow (`workbench auth`), sent as Bearer.

Tokens go in the `Authorization` header only. None of these classes shows a secret in its repr.

Each authenticator is an `httpx.Auth`: its `async_auth_flow` sets the header, and on a 401 renews
the token (single-flight: one renewal per refused token, however many requests were refused with
it) and sends the request again, at most `MAX_RENEWALS` renewals of its own and
`MAX_STALE_RETRIES` retries with a token another request renewed meanwhile. A 401 it cannot get
past is handed back to `ApiClient`, which turns it into `AuthenticationFailed` with
`refused_hint`. The token endpoint is called on the account's own httpx client
(`Authenticator.attach`), outside the flow, so that its failures can be retried and waited for.

Why not authlib's httpx integration (`AsyncOAuth2Client`, `OAuth2Auth`): it renews a token only
when it has expired and only with a refresh token (no new password or client_credentials login
for a client_credentials token, which comes without one), never on a 401, and it sends the
token request once, with no wait on the endpoint's 429 or 503 Retry-After. The Wootric endpoint
also wants `account_token` in the query (the documented curl), and its refresh tokens work once
(the documented answer carries a new one), so a refresh grant that may have reached the server
must not be sent again, and the token cache must be read again before a login. Each of these
would be an override of authlib's session around a flow of our own, so the grants stay here.
Crowdskout's token (authorization code, `oauth_code.py`) cannot be renewed at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from workbench.settings.accounts import WootricCredentials, wootric_grant
from workbench.settings.files import write_atomic
from workbench.sources.errors import (
    AuthenticationFailed,
    NetworkError,
    RateLimited,
    ServerError,
    SourceError,
)
from workbench.sources.ratelimit import RateHeaders, retry_after
from workbench.sources.retry import NOT_SENT, RetryPolicy, clock_time

REFRESH_MARGIN = 120.0
"""Renew a token this many seconds before it expires (or at 90% of a shorter lifetime)."""


Renewal = Literal["renewed", "superseded", "refused"]
"""What `Authenticator.renew` did after a 401: obtained a new token ("renewed"), found that
another request had already replaced the refused one ("superseded": just try the new one), or
cannot renew this kind of token ("refused")."""


MAX_RENEWALS = 3
"""Token renewals one request may itself trigger: a token can expire again mid-run, but a token
that is refused right after every renewal means the credentials no longer work. A 401 for a token
another request has already renewed costs nothing: the request just tries the new one."""
MAX_STALE_RETRIES = 50
"""Retries with a token another request renewed while this one was in flight (a guard against a
loop; each one means a renewal really happened, and those are bounded per request)."""
RENEWED = "workbench.renewed"
"""Set in the extensions of a 401 the flow gave up on: whether this request renewed the token
(`refused_hint(renewed=...)`)."""


class Authenticator(httpx.Auth):
    """Gives the Authorization header, and renews it when the server says it is no longer good.

    Subclasses give `headers`, `renew` and `refused_hint`; the flow around them is here.
    """

    _http: httpx.AsyncClient | None = None
    _on_refused: Callable[[bool, bool], None] | None = None

    def attach(
        self, http: httpx.AsyncClient, on_refused: Callable[[bool, bool], None] | None = None
    ) -> None:
        """Use `http` for the token endpoint, and call `on_refused(renewed, again)` after each
        401: whether the token was renewed, and whether the request is sent again (`ApiClient`
        counts both in its stats)."""
        self._http = http
        self._on_refused = on_refused

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        raise NotImplementedError

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> Renewal:
        """Called after a 401 with the headers that were refused. Single-flight: one renewal per
        refused token, however many requests were refused with it."""
        raise NotImplementedError

    def refused_hint(self, *, renewed: bool) -> str:
        """What the person should do when the server keeps refusing the token (one sentence)."""
        raise NotImplementedError

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("the workbench's authenticators work with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        http = self._http
        if http is None:
            raise RuntimeError(f"{self!r} is not attached to a client")
        renewals = 0
        stale = 0
        while True:
            sent = await self.headers(http)
            request.headers.update(sent)
            response = yield request
            if response.status_code != 401:
                return
            # Read to the end first: that gives the connection back to the pool, which the
            # token endpoint may need (one connection at concurrency 1).
            await response.aread()
            outcome = await self.renew(http, sent)
            if outcome == "renewed":
                renewals += 1
                again = renewals <= MAX_RENEWALS
            elif outcome == "superseded":
                # Another request renewed the token meanwhile: try the new one; this costs
                # this request none of its renewals.
                stale += 1
                again = stale <= MAX_STALE_RETRIES
            else:
                again = False
            if self._on_refused is not None:
                self._on_refused(outcome == "renewed", again)
            if not again:
                response.extensions[RENEWED] = renewals > 0
                return


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
            text = json.dumps(data)
            write_atomic(
                self.path, lambda temp: temp.write_text(text, encoding="utf-8"), mode=0o600
            )


class StaticToken(Authenticator):
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

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> Renewal:
        return "refused"

    def refused_hint(self, *, renewed: bool) -> str:
        hint = self._hint.strip()
        hint = hint[:1].upper() + hint[1:]
        return hint if hint.endswith((".", "!", "?")) else hint + "."


class WootricGrant(WootricCredentials, frozen=True):
    """The credentials of a Wootric or CXI account; which fields are set decides the grant."""

    def __repr__(self) -> str:
        return f"WootricGrant(kind={self.kind!r}, account_token={self.account_token!r})"

    __str__ = __repr__

    @property
    def kind(self) -> str:
        kind = wootric_grant(self.email, self.password, self.client_id, self.client_secret)
        if kind == "refresh_token" and not self.refresh_token:
            return "none"  # nothing complete to send
        return kind


class _MaybeSpent(Exception):
    """A refresh grant was sent and no usable answer came back: the single-use refresh token
    may have been spent, so the grant must not be sent again."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class WootricOAuth(Authenticator):
    """Access tokens from Wootric's `/oauth/token`, for the Wootric NPS and the CXI API.

    Single-flight: one lock covers obtaining a token, so concurrent requests that find the token
    missing, expiring or refused wait for one request to the token endpoint. A failure of the
    endpoint is remembered for the authenticator's lifetime: every later caller gets the same
    error at once instead of trying again (one account's tables fail together, not one by one).

    The refresh grant is never sent twice with the same refresh token once it may have reached
    the server: a refresh token works once, and a second try would burn it. After such a failure
    the token cache is read again (another process may have renewed), then a password or client
    credentials login is tried if the account has one (those may be sent again).
    """

    def __init__(
        self,
        auth_base_url: str,
        grant: WootricGrant,
        *,
        account: str,
        cache: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self._url = auth_base_url.rstrip("/") + "/oauth/token"
        self._grant = grant
        self._account = account
        self._cache = cache
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._token: CachedToken | None = cache.load(account) if cache else None
        self._failure: SourceError | None = None
        self.logins = 0
        """How many times a token was obtained from the server (tests count them)."""
        self.posts = 0
        """How many requests went to the token endpoint (tests count them)."""

    def __repr__(self) -> str:
        return f"WootricOAuth(account={self._account!r}, grant={self._grant.kind!r})"

    @property
    def failure(self) -> SourceError | None:
        """The token endpoint's failure, once it failed: every later call raises it."""
        return self._failure

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure.with_traceback(None)

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        token = self._token
        if token is None or self._needs_renewal(token):
            self._raise_failure()
            async with self._lock:
                self._raise_failure()
                token = self._token
                if token is None or self._needs_renewal(token):
                    token = await self._remembering(self._obtain(http, token))
        return {"Authorization": f"Bearer {token.access_token.get_secret_value()}"}

    async def renew(self, http: httpx.AsyncClient, rejected: dict[str, str]) -> Renewal:
        async with self._lock:
            current = self._token
            if current is not None and rejected.get("Authorization") != _bearer(current):
                return "superseded"  # another request already renewed it
            self._raise_failure()
            await self._remembering(self._obtain(http, current))
            return "renewed"

    def refused_hint(self, *, renewed: bool) -> str:
        command = f"`workbench accounts add {self._account} --replace`"
        if renewed:
            return (
                "The API refused freshly issued tokens too; check that the account's "
                f"credentials may use this API, and if they changed, run {command}."
            )
        return f"Check the account's credentials; if they changed, run {command}."

    async def _remembering(self, obtaining: Any) -> CachedToken:
        try:
            return await obtaining
        except SourceError as exc:
            self._failure = exc
            raise

    def _needs_renewal(self, token: CachedToken) -> bool:
        return self._clock() >= token.expires_at

    def _from_cache(self, previous: CachedToken | None) -> CachedToken | None:
        """A token another request or process stored meanwhile, if it is good and not the one
        we are replacing."""
        if self._cache is None:
            return None
        cached = self._cache.load(self._account)
        if cached is None or self._needs_renewal(cached):
            return None
        if previous is not None and _bearer(cached) == _bearer(previous):
            return None
        return cached

    def _keep(self, token: CachedToken) -> CachedToken:
        self._token = token
        if self._cache:
            self._cache.store(self._account, token)
        return token

    async def _obtain(self, http: httpx.AsyncClient, previous: CachedToken | None) -> CachedToken:
        """Refresh if we hold a refresh token, otherwise (or if that fails) log in again."""
        fresh = self._from_cache(previous)
        if fresh is not None:
            self._token = fresh
            return fresh
        refresh = previous.refresh_token if previous else None
        if self._cache is not None:
            cached = self._cache.load(self._account)
            # Another process may have renewed and stored a newer refresh token (the one we
            # hold would then be spent).
            if cached is not None and cached.refresh_token is not None:
                refresh = cached.refresh_token
        refresh = refresh or self._grant.refresh_token
        login = self._login_form()
        if refresh is None and login is None:
            raise AuthenticationFailed(
                "no credentials to obtain a token with; add an email and password or a client id "
                f"and secret with `workbench accounts add {self._account} --replace`",
                account=self._account,
            )
        failure: AuthenticationFailed | None = None
        if refresh is not None:
            form = {"grant_type": "refresh_token", "refresh_token": refresh.get_secret_value()}
            try:
                return self._keep(await self._post(http, form, replayable=False))
            except AuthenticationFailed as exc:
                failure = exc  # the refresh token is refused: it is of no more use
                self._forget()
            except _MaybeSpent as spent:
                fresh = self._from_cache(previous)
                if fresh is not None:
                    self._token = fresh
                    return fresh
                if login is None:
                    raise AuthenticationFailed(
                        f"{spent.problem} after the refresh token was sent, and a refresh token "
                        "works only once, so it may be used up; add the account again with a "
                        f"new refresh token or a login: `workbench accounts add {self._account} "
                        "--replace`",
                        account=self._account,
                    ) from None
        if login is not None:
            try:
                return self._keep(await self._post(http, login, replayable=True))
            except AuthenticationFailed:
                self._forget()
                raise
        self._forget()
        assert failure is not None
        raise failure

    def _forget(self) -> None:
        self._token = None
        if self._cache:
            self._cache.store(self._account, None)

    def _login_form(self) -> dict[str, str] | None:
        """The form of a grant that logs in (password or client credentials): who, and the
        secret that proves it; None for a grant that cannot log in again."""
        grant = self._grant
        logins = {
            "password": (("username", grant.email), ("password", grant.password)),
            "client_credentials": (
                ("client_id", grant.client_id),
                ("client_secret", grant.client_secret),
            ),
        }
        if grant.kind not in logins:
            return None
        (who_field, who), (secret_field, secret) = logins[grant.kind]
        assert who
        assert secret
        return {
            "grant_type": grant.kind,
            who_field: who,
            secret_field: secret.get_secret_value(),
        }

    async def _post(
        self, http: httpx.AsyncClient, form: dict[str, str], *, replayable: bool
    ) -> CachedToken:
        """POST the grant, `RetryPolicy.attempts` tries at most.

        Sent again after a connection that could not be made, a 429 (after its reset) or a 503
        with Retry-After; after anything else only if `replayable` (a login may be repeated; a
        refresh grant raises `_MaybeSpent` instead).
        """
        # account_token is an account's public identifier, and the docs pass it in the query.
        params = {"account_token": self._grant.account_token} if self._grant.account_token else None
        kind = form["grant_type"]
        policy = self._retry
        problem = ""
        unreached = False
        pause: float | None = None
        tries = 0
        while tries < policy.attempts:
            if tries:
                await self._sleep(policy.backoff(tries) if pause is None else pause)
            tries += 1
            pause = None
            try:
                self.posts += 1
                response = await http.post(self._url, data=form, params=params)
            except httpx.HTTPError as exc:
                problem = f"could not reach the token endpoint ({type(exc).__name__})"
                unreached = True
                if isinstance(exc, NOT_SENT) or replayable:
                    continue
                raise _MaybeSpent(
                    f"the token endpoint did not answer ({type(exc).__name__})"
                ) from None
            unreached = False
            status = response.status_code
            if status in (400, 401):
                raise AuthenticationFailed(
                    f"the token endpoint refused the {kind} grant ({_oauth_error(response)}). "
                    "Check the account's credentials; if they changed, run "
                    f"`workbench accounts add {self._account} --replace`",
                    account=self._account,
                    status=status,
                )
            if status == 429 or (status == 503 and "retry-after" in response.headers):
                pause = self._rate_pause(response, tries)
                problem = f"the token endpoint answered {status}"
                continue
            if status >= 500:
                problem = f"the token endpoint answered {status}"
                if replayable:
                    continue
                raise _MaybeSpent(problem)
            try:
                body = response.json()
                access = str(body["access_token"])
                lifetime = float(body.get("expires_in") or 7200)
            except (ValueError, KeyError, TypeError):
                problem = f"the token endpoint answered {status} without a readable token"
                if replayable:
                    continue
                raise _MaybeSpent(problem) from None
            self.logins += 1
            margin = min(REFRESH_MARGIN, lifetime * 0.1)
            refresh = body.get("refresh_token")
            return CachedToken(
                access_token=SecretStr(access),
                expires_at=self._clock() + lifetime - margin,
                refresh_token=SecretStr(str(refresh)) if refresh else None,
            )
        raise (NetworkError if unreached else ServerError)(
            f"{problem} {tries} times; check the network and the account's base URL, "
            "then try again later",
            account=self._account,
        )

    def _rate_pause(self, response: httpx.Response, tries: int) -> float:
        """Seconds to wait before the next token request after a refusal; raises RateLimited
        past `RetryPolicy.max_rate_wait`."""
        now = time.time()
        rate = RateHeaders.parse(response.headers)
        pause = retry_after(response.headers, now)
        if pause is None and rate is not None:
            pause = max(rate.reset - now, 0.0) + 0.05
        if pause is None:
            pause = self._retry.bare_429_pause(tries)
        if pause > self._retry.max_rate_wait:
            raise RateLimited(
                "the token endpoint's rate limit allows requests again at "
                f"{clock_time(now + pause)}, longer than the wait we allow; sync again then",
                account=self._account,
                status=response.status_code,
            )
        return pause


def _bearer(token: CachedToken) -> str:
    return f"Bearer {token.access_token.get_secret_value()}"


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"status {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or response.status_code)
    return f"status {response.status_code}"
