"""The sandbox's shared state: configuration, clock, tokens, rate limits and counters.

Every platform module (wootric, cxi, apptentive, crowdskout) receives the one `World` and keeps
its own data beside it. Tokens live here rather than in a platform module because Wootric's OAuth
endpoint issues the tokens that the CXI API accepts.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workbench.sandbox.clock import Clock
from workbench.sandbox.faults import FaultSpec


@dataclass
class SandboxConfig:
    """What a sandbox run looks like; every field has a command-line flag in `sandbox serve`."""

    seed: int = 7
    responses: int = 20_000
    """Wootric NPS responses across all NPS accounts; the other platforms scale from it."""
    rate_limit: int | None = 100
    """Requests per window per Wootric account; None switches rate limiting off."""
    rate_window: float = 60.0
    token_ttl: float = 7200.0
    faults: FaultSpec = field(default_factory=FaultSpec)
    end: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    """The newest generated row is just before this instant; data spans the two years before."""
    bursts: tuple[int, ...] = (400, 2_200)
    """Sizes of same-second bursts in the first NPS account (one beyond a single query's 1,500)."""
    dense_days: tuple[int, ...] = ()
    """Sizes of single days packed with that many extra responses (a campaign's day, in office
    hours) in the first NPS account, on top of `responses`; none by default, so the default
    dataset stays what every figure was measured on."""

    def __post_init__(self) -> None:
        for name in ("bursts", "dense_days"):
            problem = size_problem(getattr(self, name))
            if problem:
                raise SandboxConfigError(name, problem)


MAX_SIZES = 100
"""Most bursts (or dense days) a dataset holds: each gets a second (a day) of its own."""


class SandboxConfigError(ValueError):
    """A `SandboxConfig` that cannot be generated: which field, and one line saying what to do
    (so that `sandbox serve` can name its own flag)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def size_problem(sizes: tuple[int, ...]) -> str | None:
    """What is wrong with a tuple of burst or day sizes (one line), or None."""
    if len(sizes) > MAX_SIZES:
        return f"{len(sizes)} sizes given, at most {MAX_SIZES} are allowed; give fewer"
    for size in sizes:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            return f"{size!r} is not a whole number of rows of 1 or more; give sizes like 2000"
    return None


@dataclass
class IssuedToken:
    token: str
    subject: str  # account token (Wootric/CXI), organization id (Crowdskout)
    grant: str
    expires_at: float
    refresh_token: str | None = None


class TokenRegistry:
    """Access and refresh tokens issued by the sandbox's OAuth endpoints."""

    def __init__(self, clock: Clock, ttl: float) -> None:
        self._clock = clock
        self.ttl = ttl
        self._access: dict[str, IssuedToken] = {}
        self._refresh: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def issue(self, subject: str, grant: str, *, with_refresh: bool, prefix: str) -> IssuedToken:
        issued = IssuedToken(
            token=f"{prefix}-{secrets.token_hex(16)}",
            subject=subject,
            grant=grant,
            expires_at=self._clock.now() + self.ttl,
            refresh_token=f"{prefix}-refresh-{secrets.token_hex(16)}" if with_refresh else None,
        )
        with self._lock:
            self._access[issued.token] = issued
            if issued.refresh_token:
                self._refresh[issued.refresh_token] = issued
        return issued

    def check(self, token: str) -> IssuedToken | None:
        """The live token, or None if unknown, revoked or expired."""
        with self._lock:
            issued = self._access.get(token)
        if issued is None or issued.expires_at <= self._clock.now():
            return None
        return issued

    def redeem_refresh(self, refresh_token: str) -> IssuedToken | None:
        """Take a refresh token (each works once) and return what it was issued with."""
        with self._lock:
            return self._refresh.pop(refresh_token, None)

    def expire(self, token: str) -> None:
        """End a token now, as the 'expire' fault does mid-run."""
        with self._lock:
            issued = self._access.get(token)
            if issued is not None:
                issued.expires_at = 0.0

    def expire_all(self) -> None:
        with self._lock:
            for issued in self._access.values():
                issued.expires_at = 0.0


@dataclass
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix seconds at which the window's counter starts again

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset),
        }


class RateLimiter:
    """A fixed window per account: `limit` requests, then 429 until the window resets."""

    def __init__(self, clock: Clock, limit: int | None, window: float) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision | None:
        """Count one request for `key`; None when rate limiting is off."""
        if self.limit is None:
            return None
        now = self._clock.now()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.window:
                start, used = now, 0
            reset = int(-(-(start + self.window) // 1))  # ceil: never tell a client to come early
            if used >= self.limit:
                self._windows[key] = (start, used)
                return RateDecision(False, self.limit, 0, reset)
            used += 1
            self._windows[key] = (start, used)
            return RateDecision(True, self.limit, self.limit - used, reset)

    def exhaust(self, key: str) -> None:
        """Use up the current window, as a 429 storm does."""
        if self.limit is None:
            return
        now = self._clock.now()
        with self._lock:
            start, _ = self._windows.get(key, (now, 0))
            if now >= start + self.window:
                start = now
            self._windows[key] = (start, self.limit)


class World:
    """All the sandbox's state that is not one platform's data."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = Clock()
        self.tokens = TokenRegistry(self.clock, self.config.token_ttl)
        self.rate = RateLimiter(self.clock, self.config.rate_limit, self.config.rate_window)
        self.counters: Counter[str] = Counter()
        """Named event counts: `requests`, `token_in_url`, `status_429`, `fault_500`, ..."""
        self._counter_lock = threading.Lock()

    def count(self, name: str, n: int = 1) -> None:
        with self._counter_lock:
            self.counters[name] += n
