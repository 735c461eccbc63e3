"""How often and how long a request is tried again: the retry policy every client and the token
endpoint share, the failures that prove a request was never sent, and how the end of a wait is
shown to a person. Below `http` and `auth`, so that both use it without importing each other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import httpx

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""The only failures that prove a request was not sent."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    """Tries for one request on transient failures (the first try included)."""
    initial: float = 0.2
    maximum: float = 8.0
    max_rate_waits: int = 30
    """How many 429s in a row one request sits out before giving up with RateLimited."""
    max_rate_wait: float = 300.0
    """The longest wait for a rate window (seconds); a reset further ahead fails with
    RateLimited saying when the platform allows requests again."""

    def backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait up to the exponential bound (AWS architecture blog)."""
        return random.uniform(0, min(self.maximum, self.initial * 2**attempt))

    def bare_429_pause(self, waits: int) -> float:
        """Seconds to pause after a 429 that names no reset: doubling from one second up to
        the documented one-minute window."""
        return min(60.0, 2.0 ** max(waits - 1, 0))


def clock_time(when: float) -> str:
    """A Unix time as the person's local HH:MM:SS (with the date if it is not today)."""
    moment = datetime.fromtimestamp(when).astimezone()
    if moment.date() != datetime.now().astimezone().date():
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%H:%M:%S")
