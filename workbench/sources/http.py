"""The HTTP plumbing every API client shares: auth, rate budget, retries and error mapping.

One `ApiClient` per account. A request waits for the account's rate budget, sends the token in
the Authorization header, and is retried with exponential backoff and full jitter on 5xx,
timeouts, dropped connections and unreadable bodies (a bounded number of tries); on a 429 it
waits until the announced reset (at most `RetryPolicy.max_rate_wait` seconds). Authentication is
the authenticator's own `httpx.Auth` flow (`auth.py`): it sets the header and, on a 401, renews
the token and sends the request again within the same try; a 401 it hands back becomes
`AuthenticationFailed`. Other 4xx become the exceptions in `errors.py`, carrying the server's
message.

A request that is not idempotent (a POST) is sent again only when it surely never reached the
server (the connection could not be made) or the server said it refused it (429, or 503 with
Retry-After). After a time-out, a cut answer, 500, 502 or 504 it may have been applied, so it
fails with a `ServerError` saying so instead of creating the row twice.

The retry loop is written out, and the project has no retry library (`stamina` was declared
and dropped, unused), because a library cannot take the transient retries alone cleanly: they
share one loop with the 429 wait (until the reset, held for every request of the account by the
rate budget, and not counted as a try), the 503 Retry-After wait (the server's pause, not the
backoff) and the write rule (a POST is tried again only when it surely never reached the server,
decided per failure). Wrapped in
`stamina.retry_context`, each of those would have to escape the library's attempt count, and the
backoff the library would own is one line here (`RetryPolicy.backoff`), with a sleep the tests
inject.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
import orjson

from workbench.sources.auth import RENEWED, Authenticator
from workbench.sources.errors import (
    AuthenticationFailed,
    NetworkError,
    RateLimited,
    ServerError,
    UnreadableAnswer,
    error_for_status,
)
from workbench.sources.ratelimit import RateBudget, RateHeaders, RateWindowTooFar, retry_after
from workbench.sources.retry import NOT_SENT, RetryPolicy, clock_time

log = logging.getLogger("workbench.sources")

RETRY_STATUSES = frozenset({500, 502, 503, 504})
TRANSIENT = (httpx.TransportError, ValueError)  # ValueError: a truncated or garbled JSON body
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods safe to send again; any other is sent again only when it surely never reached the
server (`NOT_SENT`) or the server refused it (429, 503 with Retry-After)."""


purpose: ContextVar[str | None] = ContextVar("purpose", default=None)
"""What the requests made in this context are for (a sync sets the table it fills), so that
`RequestStats.by_purpose` can say how many requests each table cost on a shared client."""


@dataclass
class RequestStats:
    """What an account's client has done; sync progress shows these."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    waited: float = 0.0
    """Seconds requests sat waiting for the rate window to reset."""
    waiting_until: float | None = None
    """While requests wait for the rate window: when it opens (Unix seconds), else None;
    progress shows it as "waiting for the rate window until HH:MM:SS" (`waiting_message`)."""
    renewed_tokens: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_purpose: dict[str, int] = field(default_factory=dict)

    def count(self) -> None:
        self.requests += 1
        tag = purpose.get()
        if tag is not None:
            self.by_purpose[tag] = self.by_purpose.get(tag, 0) + 1

    def waiting_message(self) -> str | None:
        """ "waiting for the rate window until HH:MM:SS" (local time) while that is so."""
        if self.waiting_until is None:
            return None
        return f"waiting for the rate window until {clock_time(self.waiting_until)}"


def rate_limited(account: str, method: str, path: str, until: float) -> RateLimited:
    minutes = max((until - time.time()) / 60, 0)
    return RateLimited(
        f"{method} {path}: the rate limit allows requests again at {clock_time(until)} "
        f"(in {minutes:.0f} min), longer than the wait we allow; sync again after that",
        account=account,
        status=429,
    )


class ApiClient:
    """HTTP for one account of one platform."""

    def __init__(
        self,
        *,
        account: str,
        base_url: str,
        auth: Authenticator | None,
        timeout: float = 30.0,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        budget: RateBudget | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.account = account
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self.budget = budget or RateBudget()
        self._slots = asyncio.Semaphore(concurrency)
        self._sleep = sleep
        self._window_waiters: dict[int, float] = {}
        self._waiter_ids = itertools.count()
        self.stats = RequestStats()
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"Accept": "application/json", "User-Agent": "feedback-workbench"},
            follow_redirects=False,
        )
        if auth is not None:
            auth.attach(self._http, self._refused)

    def __repr__(self) -> str:
        return f"ApiClient(account={self.account!r}, base_url={self.base_url!r})"

    @property
    def retry(self) -> RetryPolicy:
        return self._retry

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _refused(self, renewed: bool, again: bool) -> None:
        """Counts a 401 the authenticator's flow handled: a renewal, and a request sent again
        (the refused answer is one more request, sent under the same rate slot)."""
        if renewed:
            self.stats.renewed_tokens += 1
        if again:
            self.stats.by_status[401] = self.stats.by_status.get(401, 0) + 1
            self.stats.count()

    def _waiting(self) -> Callable[[float | None], None]:
        """An `on_wait` for one request: keeps `stats.waiting_until` at the latest window end
        any request of this client is waiting for, and None when none waits."""
        key = next(self._waiter_ids)

        def on_wait(until: float | None) -> None:
            if until is None:
                self._window_waiters.pop(key, None)
            else:
                self._window_waiters[key] = until
            waiters = self._window_waiters.values()
            self.stats.waiting_until = max(waiters) if waiters else None

        return on_wait

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        parse: Callable[[httpx.Response], Any] | None = None,
        ok: Callable[[int], bool] = lambda status: status < 300 or status == 304,
        idempotent: bool | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Send one request until it succeeds or fails for good; returns (response, parsed).

        `parse` reads the body (JSON by default); a body that cannot be parsed counts as a
        transient failure, because a truncated answer is retried like a dropped connection.
        `idempotent` overrides the method's rule, e.g. for a POST that only reads (a lookup).
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        read = parse or exact_json
        replayable = method in IDEMPOTENT if idempotent is None else idempotent
        policy = self._retry
        attempt = 0
        rate_waits = 0
        bare_waits = 0
        on_wait = self._waiting()
        async with self._slots:
            while True:
                failure: Exception | None = None
                response: httpx.Response | None = None
                parsed: Any = None
                reopen = 0.0
                try:
                    async with self.budget.slot(
                        max_wait=policy.max_rate_wait, on_wait=on_wait
                    ) as ticket:
                        self.stats.waited += ticket.waited
                        self.stats.count()
                        try:
                            response = await self._http.request(
                                method,
                                url,
                                params=params,
                                data=data,
                                json=json,
                                files=files,
                                headers=headers,
                                auth=self._auth,
                            )
                        except httpx.TransportError as exc:
                            failure = exc  # no answer: the slot's exit abandons the ticket
                        else:
                            rate = RateHeaders.parse(response.headers)
                            if response.status_code == 429:
                                pause = retry_after(response.headers, time.time())
                                if pause is None and rate is None:
                                    bare_waits += 1
                                    pause = policy.bare_429_pause(bare_waits)
                                reopen = ticket.refused(
                                    rate, fallback=60.0 if pause is None else pause
                                )
                            else:
                                ticket.answered(rate)
                except RateWindowTooFar as far:
                    raise rate_limited(self.account, method, path, far.until) from None
                if response is not None and failure is None and ok(response.status_code):
                    try:
                        parsed = read(response)
                    except ValueError as exc:
                        failure = exc
                if failure is not None:
                    if not replayable and not isinstance(failure, NOT_SENT):
                        raise _failure_error(failure)(
                            f"{method} {path} was cut off ({_describe(failure)}) after it reached "
                            "the server, so it may or may not have been applied; check on the "
                            "platform before you repeat it",
                            account=self.account,
                        ) from None
                    attempt += 1
                    if attempt >= policy.attempts:
                        raise _failure_error(failure)(
                            f"{method} {path} failed {attempt} times ({_describe(failure)}); "
                            "check the network and try again later",
                            account=self.account,
                        ) from None
                    self.stats.retries += 1
                    log.info("%s %s: %s, retrying", method, path, _describe(failure))
                    await self._sleep(policy.backoff(attempt))
                    continue
                assert response is not None
                status = response.status_code
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if status == 429:
                    self.stats.rate_limited += 1
                    rate_waits += 1
                    if rate_waits > policy.max_rate_waits:
                        raise error_for_status(
                            429, "", account=self.account, method=method, path=path
                        )
                    log.info(
                        "%s %s: 429, waiting %.1fs for the rate window",
                        method,
                        path,
                        max(reopen - self.budget.now(), 0.0),
                    )
                    continue  # the budget holds every request of the account until `reopen`
                if status == 401 and self._auth:
                    renewed = bool(response.extensions.get(RENEWED))
                    raise AuthenticationFailed(
                        f"{method} {path} answered 401"
                        + _with(server_message(response))
                        + f". {self._auth.refused_hint(renewed=renewed)}",
                        account=self.account,
                        status=401,
                    )
                if status in RETRY_STATUSES:
                    pause = retry_after(response.headers, time.time())
                    refused = status == 503 and pause is not None
                    if not replayable and not refused:
                        raise ServerError(
                            f"{method} {path} answered {status}"
                            + _with(server_message(response))
                            + " after it reached the server, so it may or may not have been "
                            "applied; check on the platform before you repeat it",
                            account=self.account,
                            status=status,
                        )
                    attempt += 1
                    if attempt < policy.attempts:
                        self.stats.retries += 1
                        if pause is not None and pause <= policy.max_rate_wait:
                            log.info("%s %s: %s, retrying after %.1fs", method, path, status, pause)
                            on_wait(time.time() + pause)
                            try:
                                await self._sleep(pause)
                            finally:
                                on_wait(None)
                            self.stats.waited += pause
                        else:
                            await self._sleep(policy.backoff(attempt))
                        continue
                if not ok(status):
                    raise error_for_status(
                        status,
                        server_message(response),
                        account=self.account,
                        method=method,
                        path=path,
                    )
                return response, parsed

    async def get(self, path: str, **kwargs: Any) -> Any:
        """GET and return the parsed JSON body."""
        return (await self.request("GET", path, **kwargs))[1]


_LONG_DIGITS = re.compile(rb"[0-9]{20,}")


def exact_json(response: httpx.Response) -> Any:
    """The JSON body (None for 204, 304 or no body), integers of any size kept exact.

    orjson (3-4x faster than json on 50-row pages) cannot keep an integer past 64 bits (a
    property of 18446744073709551617 would lose digits); a body holding such a long run of
    digits is read again with the standard library, which keeps every digit. A truncated or
    garbled body raises ValueError, which the request loop retries."""
    if response.status_code in (204, 304) or not response.content:
        return None
    if _LONG_DIGITS.search(response.content):
        return json.loads(response.content)
    return orjson.loads(response.content)


def _failure_error(exc: BaseException) -> type[ServerError]:
    """A request that failed without a usable answer: no answer at all, or one unreadable."""
    return UnreadableAnswer if isinstance(exc, ValueError) else NetworkError


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValueError):
        return "the answer was cut short or is not valid JSON"
    return type(exc).__name__


def server_message(response: httpx.Response) -> str:
    """The server's own words about an error, from whichever field this API puts them in."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if isinstance(body, dict):
        for key in ("error_description", "message", "error", "errors", "messages"):
            value = body.get(key)
            if value:
                if isinstance(value, list):
                    return "; ".join(str(v) for v in value)
                if isinstance(value, dict):
                    return "; ".join(f"{k} {v}" for k, v in value.items())
                return str(value)
    return response.reason_phrase or ""


def _with(message: str) -> str:
    message = message.strip().rstrip(".")
    return f": {message}" if message else ""


class PlatformClient:
    """What every platform's client does with its account's `ApiClient`: names the account in
    its repr (never a token) and closes it."""

    def __init__(self, http: ApiClient) -> None:
        self.http = http

    def __repr__(self) -> str:
        return f"{type(self).__name__}(account={self.http.account!r})"

    async def aclose(self) -> None:
        await self.http.aclose()


S = TypeVar("S")


class ShortfallClient(PlatformClient, Generic[S]):
    """A client whose reads can fall short of the whole (the API cannot hand out every row):
    it keeps each shortfall `S` for the sync's report and passes it to `on_shortfall` at once."""

    def __init__(
        self,
        http: ApiClient,
        *,
        concurrency: int = 8,
        on_shortfall: Callable[[S], None] | None = None,
    ) -> None:
        super().__init__(http)
        self.concurrency = max(1, concurrency)
        self.on_shortfall = on_shortfall
        self.shortfalls: list[S] = []
        """What the last reads could not reach; the sync reports these to the analyst."""

    def _short(self, shortfall: S) -> None:
        self.shortfalls.append(shortfall)
        if self.on_shortfall:
            self.on_shortfall(shortfall)


__all__ = ["ApiClient", "PlatformClient", "RequestStats", "ShortfallClient", "server_message"]
