"""Pacing requests to the rate budget the server announces in `X-Rate-Limit-*` headers.

Wootric allows `X-Rate-Limit-Limit` requests per window and says when the window resets. We spend
the window's budget as fast as the concurrency allows, then wait for the reset: that keeps a long
read at the allowed rate without a single 429. One budget is shared by all concurrent requests of
an account, because the server counts them together.

A request holds a `Ticket` from `RateBudget.slot()`, an async context manager: whatever way the
block is left (an answer, an exception, a cancellation) the ticket is settled, so the in-flight
count and the probe are always given back. Every state change is synchronous (no lock to await),
so nothing can be cancelled half-way through releasing.

Coming back early: a server that starts its window at the first request after the last one ended,
and announces the reset in whole seconds rounded up, ends the window up to a second before the
reset it names; a client that waits for the named reset arrives late, and the next window starts
only then (at 10 requests a second, one second's budget every two). So the budget learns the
window's length, `floor(reset - the earliest start of a request answered in that window)` (the
window's first request started before the window did, so this is never shorter than a whole-
second window), the smallest over windows, and comes back at the window's first answer plus
that length (the window began before its first answer), or at the named reset if that is
sooner. No margin is added to that end: both of its terms are the budget's own clock, and the
answer came after the server counted the request that began the window, so the end is never
early by any clock difference (the margin on a named reset is for the server's clock being
ahead of ours). At 10 requests a second the margin was 5% of every window. After any 429 it
stops learning and waits for the named reset again.

How many requests at once are worth it (`lanes`): with the window's length learned, the budget
knows its rate (`limit / length` a second) and the round trip of its answers, so about
`rate x round trip` requests in flight keep it busy; twice that, at least one, is offered to a
walker choosing how many windows to read at once (each window ends on a short page, so windows
beyond that cost requests and read no faster).

No wait is on nothing: when a window ends and no new one is announced, the budget starts a
window of its own (the documented minute), and an answer without headers in such a window sends
it back to probing, so answers without headers after a 429 that had them can never leave it
spent with no reset to wait for.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass

RESET_MARGIN = 0.05
"""Seconds added after the announced reset, so that we never arrive a hair too early (the
server's clock may be a little ahead of ours). Not added to a learned end (module docstring)."""
WINDOW = 60.0
"""Wootric's documented window (a limit per minute): used when the server names no reset."""
UNLIMITED = 1 << 30
LANES_SLACK = 2.0
"""`lanes` offers this many times the requests in flight that the rate needs."""
ROUND_TRIP_DECAY = 0.9
"""How much of the slowest recent round trip the next answer keeps (a decaying maximum)."""
WINDOWS_KEPT = 4
"""Server windows whose first answer and earliest request the budget remembers (late answers
from the previous window may arrive after the next one began)."""


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


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or an HTTP date), or None."""
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - now, 0.0)


class RateWindowTooFar(Exception):
    """The budget would have to wait past the caller's cap; `until` is when it opens (Unix s)."""

    def __init__(self, until: float) -> None:
        super().__init__(until)
        self.until = until


async def _wait_for_change(changed: asyncio.Event, seconds: float) -> None:
    """Until the budget changes or `seconds` pass, whichever comes first.

    `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` swallows a cancellation that
    arrives just as the event is set, and the cancelled request would go on waiting."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await changed.wait()


class Ticket:
    """One request's claim on the budget; settle it with `answered` or `refused`, or let the
    `slot` block end without either (the request got no answer: it tells us nothing)."""

    def __init__(self, budget: RateBudget, *, probe: bool, waited: float, started: float) -> None:
        self._budget = budget
        self.started = started
        """When the budget let this request start (its clock): before the request was sent."""
        self.probe = probe
        """This request is finding out whether the endpoint is limited; others wait for it."""
        self.waited = waited
        """Seconds this request waited for a rate window before it could start."""
        self.settled = False

    def answered(self, headers: RateHeaders | None) -> None:
        """The server answered (anything but 429); `headers` are its rate headers, if any."""
        if not self.settled:
            self.settled = True
            self._budget._answered(self, headers)

    def refused(self, headers: RateHeaders | None, *, fallback: float) -> float:
        """The server answered 429: nothing starts before the reset (its headers', or `fallback`
        seconds from now without them); returns the Unix time the window opens again."""
        if not self.settled:
            self.settled = True
            return self._budget._refused(self, headers, fallback)
        return self._budget.blocked_until

    def abandon(self) -> None:
        if not self.settled:
            self.settled = True
            self._budget._abandoned(self)


class RateBudget:
    """How many requests an account may still start before the window resets.

    Until the first answer arrives the limit is unknown, so only one request (the probe) is let
    through; after that the budget is what the server said, minus what we started since. An
    answer without headers while the limit is unknown means the endpoint is not limited.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        window: float = WINDOW,
        wait: Callable[[asyncio.Event, float], Awaitable[None]] = _wait_for_change,
    ) -> None:
        self._clock = clock
        self._window = window
        self._wait = wait
        self._limit: int | None = None
        self._tokens = 1
        self._reset_at = 0.0
        self._guessed = False
        """The current window is one we started ourselves (no reset announced for it)."""
        self._refusing = False
        """The server has answered 429 since the last answer: `_reset_at` is the refusal's end."""
        self._in_flight = 0
        self._probing = False
        self._changed = asyncio.Event()
        self._waiting = 0
        self._early_at: float | None = None
        """When the server's current window ends by the learned length (sooner than the reset
        it named), or None: then `_reset_at` is the end."""
        self._length: float | None = None
        """The learned window length in whole seconds (None until learned)."""
        self._learning = True
        """False after any 429: the named reset is the only end trusted from then on."""
        self._named: float | None = None
        """The reset the server named for the current window (as sent, no margin)."""
        self._closed_early: float | None = None
        """The named reset of the last window the budget left at its learned end: answers that
        name it (or an earlier one) come late from a window that is over."""
        self._windows: dict[float, tuple[float, float]] = {}
        """Per named reset: (first answer, earliest start of a request answered in it)."""
        self._round_trip = 0.0
        """The slowest recent round trip (start to answer), decaying (`ROUND_TRIP_DECAY`)."""
        self.waits = 0
        """How many times a request waited for a window to reset (shown in sync progress)."""
        self.waited_seconds = 0.0

    def __repr__(self) -> str:
        return (
            f"RateBudget(limit={self._limit}, remaining={self.remaining}, "
            f"in_flight={self._in_flight}, probing={self._probing})"
        )

    def now(self) -> float:
        """The budget's clock (Unix seconds)."""
        return self._clock()

    @property
    def remaining(self) -> int | None:
        return None if self._limit is None else max(self._tokens, 0)

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def probing(self) -> bool:
        return self._probing

    @property
    def window_length(self) -> float | None:
        """The window length learned from the server's answers (seconds), None if not known."""
        return self._length if self._learning else None

    def lanes(self) -> int | None:
        """Requests in flight worth having at once (see the module docstring), or None when
        the rate does not decide it (not limited, or the window's length not learned)."""
        length = self.window_length
        if length is None or self._limit is None or self._limit >= UNLIMITED:
            return None
        return max(1, math.ceil(LANES_SLACK * self._limit * self._round_trip / length))

    def _end(self) -> float:
        """When the current window ends: the learned end if there is one, else the named one."""
        if self._early_at is not None and self._reset_at:
            return min(self._early_at, self._reset_at)
        return self._reset_at

    @property
    def blocked_until(self) -> float:
        """When the current window ends (Unix seconds), 0.0 if no end is known."""
        return self._end()

    @property
    def waiting_until(self) -> float | None:
        """While requests wait for a window to open: when it opens (Unix seconds)."""
        end = self._end()
        return end if self._waiting and end else None

    @contextlib.asynccontextmanager
    async def slot(
        self,
        *,
        max_wait: float | None = None,
        on_wait: Callable[[float | None], None] | None = None,
    ) -> AsyncIterator[Ticket]:
        """Wait until a request may start and hold its place while it runs.

        Raises `RateWindowTooFar` instead of waiting longer than `max_wait` seconds for a window.
        `on_wait(until)` is called when this request starts waiting for a window and
        `on_wait(None)` when it stops.
        """
        ticket = await self._acquire(max_wait, on_wait)
        try:
            yield ticket
        finally:
            ticket.abandon()

    async def _acquire(
        self, max_wait: float | None, on_wait: Callable[[float | None], None] | None
    ) -> Ticket:
        waited = 0.0
        counted = False
        told: float | None = None
        try:
            while True:
                now = self._clock()
                end = self._end()
                if end and now >= end:
                    self._open_window(now)
                    end = self._end()
                if end and self._tokens <= 0:
                    delay = end - now
                    if max_wait is not None and delay > max_wait:
                        raise RateWindowTooFar(end)
                    if not counted:
                        counted = True
                        self.waits += 1
                        self._waiting += 1
                    if on_wait is not None and told != end:
                        told = end
                        on_wait(told)
                    start = self._clock()
                    await self._wait(self._changed, delay)
                    spent = max(self._clock() - start, 0.0)
                    waited += spent
                    self.waited_seconds += spent
                    continue
                if self._limit is None:
                    if not self._probing:
                        self._probing = True
                        probe = True
                        break
                    # The probe always settles (slot's finally); the timeout only guards.
                    await self._wait(self._changed, self._window)
                    continue
                if self._tokens <= 0:  # spent, and no reset known: start a window of our own
                    self._reset_at = now + self._window
                    self._early_at = None
                    self._guessed = True
                    continue
                self._tokens -= 1
                probe = False
                break
        finally:
            if counted:
                self._waiting -= 1
            if told is not None and on_wait is not None:
                on_wait(None)
        self._in_flight += 1
        return Ticket(self, probe=probe, waited=waited, started=self._clock())

    def _open_window(self, now: float) -> None:
        """The window we waited for is over: a fresh budget, ending a minute from now unless
        the server tells us better."""
        self._refusing = False
        if self._early_at is not None and self._early_at < self._reset_at:
            self._closed_early = self._named
        self._early_at = None
        if self._limit is None:
            self._reset_at = 0.0
            self._tokens = 1
        else:
            self._tokens = self._limit
            self._reset_at = now + self._window
            self._guessed = True

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _finish(self, ticket: Ticket) -> None:
        self._in_flight -= 1
        if ticket.probe:
            self._probing = False

    def _answered(self, ticket: Ticket, headers: RateHeaders | None) -> None:
        self._finish(ticket)
        took = max(self._clock() - ticket.started, 0.0)
        self._round_trip = max(took, self._round_trip * ROUND_TRIP_DECAY)
        self._refusing = False
        if headers is None:
            if self._limit is None:
                # An endpoint without headers is not limited: stop probing one at a time.
                self._limit, self._tokens, self._reset_at = UNLIMITED, UNLIMITED, 0.0
                self._guessed = False
            elif self._guessed:
                # A limit we know only from an earlier 429, in a window the server never
                # announced, and an answer without headers: probe again rather than pace
                # ourselves to a limit nobody is counting.
                self._limit, self._tokens, self._reset_at = None, 1, 0.0
                self._guessed = False
            self._early_at = None
        else:
            self._observe(headers, ticket)
        self._notify()

    def _abandoned(self, ticket: Ticket) -> None:
        """A request failed without an answer: it tells us nothing about the budget."""
        self._finish(ticket)
        self._notify()

    def _refused(self, ticket: Ticket, headers: RateHeaders | None, fallback: float) -> float:
        self._finish(ticket)
        now = self._clock()
        reset = headers.reset if headers else now + fallback
        if reset <= now:
            reset = now + 1.0  # the server's clock may be ahead of ours
        if headers is not None:
            self._limit = headers.limit
        # A 429 without headers (a proxy's, say) names no limit: if none is known yet, the
        # request after the pause probes again rather than inventing one.
        self._tokens = 0
        # A 429 says the learned length (if any) cannot be trusted: the named reset from now on.
        self._learning = False
        self._early_at = None
        reset += RESET_MARGIN
        # A 429 names when the server takes requests again, and that is the only end that
        # counts: the window an earlier answer announced may end much later (a short storm of
        # 429s inside a long window must cost its second, not the window's minute). Among the
        # 429s of one refusal (concurrent requests), the latest reset wins.
        self._reset_at = max(self._reset_at, reset) if self._refusing else reset
        self._refusing = True
        self._guessed = headers is None
        self._notify()
        return self._reset_at

    def _observe(self, headers: RateHeaders, ticket: Ticket) -> None:
        first = self._limit is None or self._limit == UNLIMITED
        self._limit = headers.limit
        if self._closed_early is not None and headers.reset <= self._closed_early:
            return  # a late answer from a window we left at its learned end: it is over
        announced = headers.reset + RESET_MARGIN
        if first:
            self._tokens = headers.remaining - self._in_flight
            self._reset_at = announced
            self._named = headers.reset
        elif self._guessed:
            # A window we started ourselves: we counted every request since it began, and the
            # server now says when it really ends.
            self._tokens = min(self._tokens, headers.remaining)
            self._reset_at = announced
            self._named = headers.reset
        elif announced > self._reset_at + 0.5:
            # The server began a window we did not expect: its count is the truth, less what
            # is still in flight and may not have been counted yet.
            self._tokens = headers.remaining - self._in_flight
            self._reset_at = announced
            self._named = headers.reset
        elif announced >= self._reset_at - 0.5:
            self._tokens = min(self._tokens, headers.remaining)
        else:
            self._learn(headers, ticket)
            return  # an answer from a window that is already over
        self._guessed = False
        self._learn(headers, ticket)
        if self._learning and self._length is not None:
            seen = None if self._named is None else self._windows.get(self._named)
            if seen is not None:
                self._early_at = seen[0] + self._length  # our clock alone: no margin

    def _learn(self, headers: RateHeaders, ticket: Ticket) -> None:
        """Note when the window this answer names was first answered and how early a request
        answered in it started, and the window length that implies."""
        if not self._learning:
            return
        now = self._clock()
        seen = self._windows.get(headers.reset)
        if seen is None:
            self._windows[headers.reset] = seen = (now, ticket.started)
            while len(self._windows) > WINDOWS_KEPT:
                del self._windows[min(self._windows)]
        elif ticket.started < seen[1]:
            self._windows[headers.reset] = seen = (seen[0], ticket.started)
        # The request that began the window started before the window did: the window is no
        # longer than the reset minus the earliest start; whole seconds, as the reset is.
        length = math.floor(headers.reset - seen[1])
        if length >= 1 and (self._length is None or length < self._length):
            self._length = float(length)
