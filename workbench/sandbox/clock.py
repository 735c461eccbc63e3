"""The sandbox's notion of time.

Token expiry, rate-limit windows and `created_at` of new rows all read this clock, so a test can
move time forward (expire a token, end a rate window) without sleeping.
"""

from __future__ import annotations

import time


class Clock:
    """Wall-clock time plus an offset a test can advance."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward, e.g. past a token's expiry or a rate-limit window."""
        self._offset += seconds
