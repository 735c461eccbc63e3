"""The HTTP plumbing every API client shares: auth, rate budget, retries and error mapping.

One `ApiClient` per account. A request waits for the account's rate budget, sends the token in
the Authorization header, and is retried with exponential backoff and full jitter on 5xx,
timeouts, dropped connections and unreadable bodies (a bounded number of tries); on a 429 it
waits until the announced reset; on a 401 the authenticator renews the token once. Other 4xx
become the exceptions in `errors.py`, carrying the server's message.

The retry loop is written out rather than delegated to a retry library because 429 (wait for the
reset, not a backoff) and 401 (renew, then retry once) need their own paths inside it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from workbench.sources.auth import Authenticator
from workbench.sources.errors import ServerError, SourceError, error_for_status
from workbench.sources.ratelimit import RateBudget, RateHeaders

log = logging.getLogger("workbench.sources")

MAX_RENEWALS = 3
"""Token renewals one request may trigger: a token can expire again mid-run, but a token that
is refused right after every renewal means the credentials no longer work."""
MAX_STALE_RETRIES = 10
"""Retries with a token another request renewed while this one was in flight."""
RETRY_STATUSES = frozenset({500, 502, 503, 504})
TRANSIENT = (httpx.TransportError, ValueError)  # ValueError: a truncated or garbled JSON body
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods safe to send again; a POST is retried only when it surely never reached the server
(or the server said it did nothing: 502/503/504), so a create never happens twice."""
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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
    """Seconds requests sat out 429s waiting for the rate window to reset."""
    renewed_tokens: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_purpose: dict[str, int] = field(default_factory=dict)

    def count(self) -> None:
        self.requests += 1
        tag = purpose.get()
        if tag is not None:
            self.by_purpose[tag] = self.by_purpose.get(tag, 0) + 1


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    """Tries for one request on transient failures (the first try included)."""
    initial: float = 0.2
    maximum: float = 8.0
    max_rate_waits: int = 30
    """How many 429s in a row one request sits out before giving up with RateLimited."""

    def backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait up to the exponential bound (AWS architecture blog)."""
        return random.uniform(0, min(self.maximum, self.initial * 2**attempt))


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
        self.stats = RequestStats()
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"Accept": "application/json", "User-Agent": "feedback-workbench"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ApiClient(account={self.account!r}, base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

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
    ) -> tuple[httpx.Response, Any]:
        """Send one request until it succeeds or fails for good; returns (response, parsed).

        `parse` reads the body (JSON by default); a body that cannot be parsed counts as a
        transient failure, because a truncated answer is retried like a dropped connection.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        read = parse or _json_or_none
        attempt = 0
        rate_waits = 0
        renewals = 0
        stale = 0
        async with self._slots:
            while True:
                auth_headers = await self._auth.headers(self._http) if self._auth else {}
                await self.budget.acquire()
                self.stats.count()
                try:
                    response = await self._http.request(
                        method,
                        url,
                        params=params,
                        data=data,
                        json=json,
                        files=files,
                        headers={**auth_headers, **(headers or {})},
                    )
                    rate = RateHeaders.parse(response.headers)
                    parsed = read(response) if ok(response.status_code) else None
                except TRANSIENT as exc:
                    await self.budget.abandon()
                    if method not in IDEMPOTENT and not isinstance(exc, NOT_SENT):
                        raise ServerError(
                            f"{method} {path} was cut off ({_describe(exc)}) after it reached the "
                            "server, so it may or may not have been applied; check on the "
                            "platform before you repeat it",
                            account=self.account,
                        ) from None
                    attempt += 1
                    if attempt >= self._retry.attempts:
                        raise ServerError(
                            f"{method} {path} failed {attempt} times ({_describe(exc)}); check "
                            "the network and try again later",
                            account=self.account,
                        ) from None
                    self.stats.retries += 1
                    log.info("%s %s: %s, retrying", method, path, _describe(exc))
                    await self._sleep(self._retry.backoff(attempt))
                    continue
                status = response.status_code
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if status == 429:
                    self.stats.rate_limited += 1
                    rate_waits += 1
                    delay = await self.budget.blocked_until(rate, fallback=60.0)
                    if rate_waits > self._retry.max_rate_waits:
                        raise error_for_status(
                            429, "", account=self.account, method=method, path=path
                        )
                    log.info("%s %s: 429, waiting %.1fs for the rate window", method, path, delay)
                    self.stats.waited += delay
                    await self._sleep(delay)
                    continue
                await self.budget.release(rate)
                if status == 401 and self._auth:
                    if await self._auth.headers(self._http) != auth_headers:
                        # Another request renewed the token meanwhile: try the new one.
                        stale += 1
                        if stale <= MAX_STALE_RETRIES:
                            continue
                    elif renewals < MAX_RENEWALS:
                        renewals += 1
                        if await self._auth.renew(self._http, auth_headers):
                            self.stats.renewed_tokens += 1
                            continue
                if status in RETRY_STATUSES and (method in IDEMPOTENT or status != 500):
                    attempt += 1
                    if attempt < self._retry.attempts:
                        self.stats.retries += 1
                        await self._sleep(self._retry.backoff(attempt))
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


def _json_or_none(response: httpx.Response) -> Any:
    if response.status_code in (204, 304) or not response.content:
        return None
    return orjson.loads(response.content)  # 3-4x faster than json on 50-row pages


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


__all__ = ["ApiClient", "RequestStats", "RetryPolicy", "SourceError", "server_message"]
