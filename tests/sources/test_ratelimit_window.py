"""The rate budget uses the server's windows to the full, on virtual time.

The sandbox's `RateLimiter` starts a window at the first request after the last one ended and
names its reset in whole seconds, rounded up: a client that waits for the named reset arrives up
to a second late, and at 10 requests a second only one second's budget went out every two. The
budget learns the window's length and comes back when the window really ends.

Everything runs on an event loop whose clock is virtual (it jumps to the next timer when nothing
is ready), so the figures are counts, not wall-clock timings: requests per window-length slice of
the read, and answered 429s per request.
"""

from __future__ import annotations

import asyncio
import random
import selectors
from collections import Counter

import pytest

from workbench.sandbox.world import RateLimiter
from workbench.sources.ratelimit import RateBudget, RateHeaders

START = 1_000_000.37
"""Virtual Unix time at the start: not a whole second, as a real start is not."""
CONCURRENCY = 16


class _VirtualSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualLoop | None = None

    def select(self, timeout: float | None = None):  # type: ignore[override]
        events = super().select(0)
        if not events and timeout and self.loop is not None:
            self.loop.now += timeout  # nothing ready: jump to the next timer
        return events


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        selector = _VirtualSelector()
        self.now = START
        super().__init__(selector)
        selector.loop = self

    def time(self) -> float:
        return self.now


class SandboxClock:
    def __init__(self, loop: VirtualLoop, offset: float = 0.0) -> None:
        self._loop = loop
        self._offset = offset

    def now(self) -> float:
        return self._loop.now + self._offset


def read(
    limit: int,
    window: float,
    requests: int,
    *,
    seed: int = 7,
    budgets: list[RateBudget] | None = None,
) -> tuple[list[float], int]:
    """`requests` requests through one budget against the sandbox's limiter, 16 at a time, each
    with 5-45 ms of latency each way; returns the times the server counted them, and the 429s.
    The budget is appended to `budgets`, if given."""
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(_read(loop, limit, window, requests, seed, budgets))
    finally:
        loop.close()


async def _read(
    loop: VirtualLoop,
    limit: int,
    window: float,
    requests: int,
    seed: int,
    budgets: list[RateBudget] | None,
) -> tuple[list[float], int]:
    limiter = RateLimiter(SandboxClock(loop), limit, window)  # type: ignore[arg-type]
    budget = RateBudget(loop.time)
    if budgets is not None:
        budgets.append(budget)
    jitter = random.Random(seed)
    counted: list[float] = []
    refused = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)

    async def one() -> None:
        nonlocal refused
        while True:
            async with budget.slot() as ticket:
                await asyncio.sleep(jitter.uniform(0.005, 0.045))
                decision = limiter.hit("acme")
                assert decision is not None
                arrived = loop.time()
                await asyncio.sleep(jitter.uniform(0.005, 0.045))
                headers = RateHeaders(decision.limit, decision.remaining, decision.reset)
                if decision.allowed:
                    ticket.answered(headers)
                    counted.append(arrived)
                    return
                refused += 1
                ticket.refused(headers, fallback=60)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            await one()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return counted, refused


def seconds_per_window(counted: list[float], limit: int) -> float:
    """Virtual seconds from one window's first request to the next one's, on average."""
    return (counted[-1] - counted[0]) / (len(counted) / limit - 1)


def per_window(counted: list[float], window: float) -> float:
    """Requests the server counted per window-length slice of the read, on average (the last,
    partial slice left out)."""
    slices = Counter(int((t - counted[0]) // window) for t in counted)
    last = max(slices)  # slices 0 .. last - 1 are full, empty ones included
    return sum(slices[k] for k in range(last)) / last


@pytest.mark.parametrize(
    ("limit", "window", "requests"),
    [(10, 1.0, 2_000), (100, 60.0, 3_000)],
    ids=["10-a-second", "100-a-minute"],
)
def test_the_budget_sends_close_to_the_limit_in_every_window(
    limit: int, window: float, requests: int
) -> None:
    counted, refused = read(limit, window, requests)
    assert len(counted) == requests
    assert refused <= requests // 1000, f"{refused} 429s for {requests} requests"
    # The window's length is learned from the whole-second resets; the client comes back when
    # the window ends (its first answer + the length), not a second later at the named reset.
    assert per_window(counted, window) >= 0.9 * limit
    # Each window begins at most a round trip after the last one ended (waiting
    # for the named reset cost up to a second more: 2.0 s a window at 10 a second, 61 s at 100
    # a minute).
    assert seconds_per_window(counted, limit) <= window + 0.25


def test_a_window_that_is_not_whole_seconds_costs_one_refusal_then_the_named_reset() -> None:
    """A 1.5 s window: the learned length (1 s, floored) comes back too early once; after that
    429 the budget waits for the named reset again and is refused no more."""
    counted, refused = read(10, 1.5, 1_000)
    assert len(counted) == 1_000
    assert 1 <= refused <= CONCURRENCY
    # The named reset is rounded up to a whole second: a window every 2 s at worst.
    assert seconds_per_window(counted, 10) <= 2.0 + 0.25


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_ten_a_second_uses_at_least_95_percent_of_the_limit(seed: int) -> None:
    """Issue 14: the learned end is the window's first answer + its length, with no margin
    (both are the budget's own clock), so a window costs its length and about one round trip:
    at least 9.5 requests a second at 10 a second, and at most 2 429s in 2,000 requests."""
    counted, refused = read(10, 1.0, 2_000, seed=seed)
    assert len(counted) == 2_000
    assert refused <= 2, f"{refused} 429s for 2,000 requests"
    assert per_window(counted, 1.0) >= 0.95 * 10
    # With the 50 ms margin it was 1.07 virtual seconds a window (0.93 of the limit).
    assert seconds_per_window(counted, 10) <= 1.0 + 0.045


def test_lanes_are_the_requests_in_flight_the_rate_needs() -> None:
    """At 10 a second with round trips of 10-90 ms, a request or two in flight keep the window
    busy: the walker is offered 1-2 lanes, not its 16 (each window walked ends on a short page).
    Unknown until the window's length is learned; none for an unlimited endpoint."""
    assert RateBudget().lanes() is None
    budgets: list[RateBudget] = []
    read(10, 1.0, 200, budgets=budgets)
    (budget,) = budgets
    assert budget.window_length == 1.0
    lanes = budget.lanes()
    assert lanes is not None
    assert 1 <= lanes <= 2
    budgets.clear()
    read(100, 60.0, 300, budgets=budgets)
    assert budgets[0].lanes() == 1  # 100 a minute: one request at a time is plenty
