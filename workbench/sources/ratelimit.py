"""Pacing requests to the rate budget the server announces in `X-Rate-Limit-*` headers.

Wootric allows `X-Rate-Limit-Limit` requests per window and says when the window resets. We spend
the window's budget as fast as the concurrency allows, then wait for the reset: that keeps a long
read at the allowed rate without a single 429. One budget is shared by all concurrent requests of
an account, because the server counts them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RESET_MARGIN = 0.05
"""Seconds added after the announced reset, so that we never arrive a hair too early."""


@dataclass(frozen=True)
class RateHeaders:
    limit: int
    remaining: int
    reset: float  # Unix seconds

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders | None:
        """The rate-limit headers, or None when the endpoint is not limited (no headers)."""
        try:
            return cls(
                limit=int(headers["x-rate-limit-limit"]),
                remaining=int(headers["x-rate-limit-remaining"]),
                reset=float(headers["x-rate-limit-reset"]),
            )
        except (KeyError, ValueError):
            return None


class RateBudget:
    """How many requests an account may still start before the window resets.

    Until the first answer with headers arrives the limit is unknown, so only one request is let
    through; after that the budget is what the server said, minus what we started since.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._limit: int | None = None
        self._tokens = 1
        self._reset_at = 0.0
        self._in_flight = 0
        self._probing = False
        self._changed = asyncio.Condition()
        self.waits = 0
        """How many times a request waited for a window to reset (shown in sync progress)."""
        self.waited_seconds = 0.0

    @property
    def remaining(self) -> int | None:
        return None if self._limit is None else max(self._tokens, 0)

    @property
    def limit(self) -> int | None:
        return self._limit

    async def acquire(self) -> None:
        """Wait until a request may start, and count it."""
        waited = False
        async with self._changed:
            while True:
                now = self._clock()
                if self._limit is None:
                    if not self._probing:
                        self._probing = True
                        break
                    await self._changed.wait()
                    continue
                if self._reset_at and now >= self._reset_at:
                    self._tokens = self._limit
                    self._reset_at = 0.0
                if self._tokens > 0:
                    self._tokens -= 1
                    break
                delay = max(self._reset_at - now, 0.0) + RESET_MARGIN
                if not waited:
                    waited = True
                    self.waits += 1
                self.waited_seconds += delay
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=delay)
            self._in_flight += 1

    async def release(self, headers: RateHeaders | None) -> None:
        """Record what the server said about the budget after a request finished."""
        async with self._changed:
            self._in_flight -= 1
            if headers is None:
                if self._limit is None:
                    # An endpoint without headers is not limited: stop probing one at a time.
                    self._limit, self._tokens, self._reset_at = 1 << 30, 1 << 30, 0.0
                    self._probing = False
            else:
                self._observe(headers)
            self._changed.notify_all()

    async def abandon(self) -> None:
        """A request failed without an answer: it tells us nothing about the budget."""
        async with self._changed:
            self._in_flight -= 1
            self._probing = False
            self._changed.notify_all()

    async def blocked_until(self, headers: RateHeaders | None, fallback: float) -> float:
        """After a 429: nothing starts before the reset; returns the seconds to wait."""
        async with self._changed:
            self._in_flight -= 1
            now = self._clock()
            reset = headers.reset if headers else now + fallback
            if reset <= now:
                reset = now + 1.0  # the server's clock may be ahead of ours
            if headers is not None:
                self._limit = headers.limit
            elif self._limit is None:
                self._limit = 1
            self._probing = False
            self._tokens = 0
            self._reset_at = max(self._reset_at, reset + RESET_MARGIN)
            self._changed.notify_all()
            return self._reset_at - now

    def _observe(self, headers: RateHeaders) -> None:
        first = self._limit is None or self._limit == 1 << 30
        self._limit = headers.limit
        self._probing = False
        announced = headers.reset + RESET_MARGIN
        if first:
            self._tokens = headers.remaining - self._in_flight
            self._reset_at = announced
        elif announced > self._reset_at + 0.5:
            if self._reset_at == 0.0:
                # We started this window ourselves and counted every request since.
                self._tokens = min(self._tokens, headers.remaining)
            else:
                # The server began a window we did not expect: its count is the truth, less what
                # is still in flight and may not have been counted yet.
                self._tokens = headers.remaining - self._in_flight
            self._reset_at = announced
        elif announced >= self._reset_at - 0.5:
            self._tokens = min(self._tokens, headers.remaining)
