"""RateBudget under random answers and random cancellations, on a fake clock.

Whatever the server says (headers or none, 429s with or without headers, requests that get no
answer) and wherever a task is cancelled, the budget never starves: some request is let through
within a bounded stretch of fake time, and at the end nothing is held (no request in flight,
no probe, nobody shown as waiting).
"""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from workbench.sources.ratelimit import RESET_MARGIN, WINDOW, RateBudget, RateHeaders

MAX_OFFSET = 120.0
"""The furthest reset the fake server announces, in seconds from now."""
GAP = max(MAX_OFFSET, WINDOW) + RESET_MARGIN + 1.0
"""The longest fake time that may pass with nobody let through."""
START = 1_000_000.0
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
"""No explain phase: tracing every line of a starving budget's spin would take minutes."""
MAX_WAITS = 5_000
"""Far more waits than any scenario needs; past it, the budget is spinning on nothing."""


class Starved(AssertionError):
    """Fake time ran past any bounded wait: the budget is waiting on nothing."""


class FakeTime:
    def __init__(self, horizon: float) -> None:
        self.now = START
        self.horizon = START + horizon
        self.waits = 0

    def clock(self) -> float:
        return self.now

    async def wait(self, changed: asyncio.Event, seconds: float) -> None:
        """Wait for a change; if none comes while the others run, time jumps forward."""
        self.waits += 1
        if self.waits > MAX_WAITS:
            raise Starved(f"{self.waits} waits without the requests getting through")
        start = self.now
        for _ in range(5):
            await asyncio.sleep(0)
            if changed.is_set():
                return
        self.now = max(self.now, start + seconds)
        if self.now > self.horizon:
            raise Starved(f"no request got through in {self.now - START:.0f} fake seconds")


answers = st.one_of(
    st.tuples(st.just("ok"), st.none()),
    st.tuples(
        st.just("ok"),
        st.tuples(st.integers(1, 8), st.integers(0, 8), st.floats(-5.0, MAX_OFFSET)),
    ),
    st.tuples(st.just("429"), st.none()),
    st.tuples(
        st.just("429"),
        st.tuples(st.integers(1, 8), st.integers(0, 0), st.floats(-5.0, MAX_OFFSET)),
    ),
    st.tuples(st.just("abandon"), st.none()),
    st.tuples(st.just("raise"), st.none()),
)
requests = st.lists(
    st.tuples(
        answers,
        st.integers(0, 4),  # steps spent inside the slot before the answer
        st.one_of(st.none(), st.integers(0, 12)),  # cancel the task after this many steps
        st.floats(0.0, 60.0),  # a bare 429's fallback pause
    ),
    min_size=1,
    max_size=24,
)


async def scenario(plan: list, concurrency: int) -> None:
    fake = FakeTime(horizon=GAP * (len(plan) + 3))
    budget = RateBudget(clock=fake.clock, wait=fake.wait)
    grants: list[float] = []
    slots = asyncio.Semaphore(concurrency)

    async def one(answer: tuple, steps: int, fallback: float) -> None:
        kind, header = answer
        async with slots, budget.slot() as ticket:
            grants.append(fake.now)
            for _ in range(steps):
                await asyncio.sleep(0)
            rate = None
            if header is not None:
                limit, remaining, offset = header
                rate = RateHeaders(limit, min(remaining, limit), fake.now + offset)
            if kind == "ok":
                ticket.answered(rate)
            elif kind == "429":
                ticket.refused(rate, fallback=fallback)
            elif kind == "raise":
                raise RuntimeError("the request failed")
            # "abandon": leave the block without settling

    tasks = [asyncio.create_task(one(a, steps, fb)) for a, steps, _, fb in plan]
    cancels = sorted((after, i) for i, (_, _, after, _) in enumerate(plan) if after is not None)
    async with asyncio.timeout(30):  # real seconds: a starving budget fails, not hangs
        step = 0
        for after, index in cancels:
            while step < after:
                await asyncio.sleep(0)
                step += 1
            tasks[index].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    starved = [r for r in results if isinstance(r, Starved)]
    assert not starved, starved[0]

    assert budget.in_flight == 0
    assert not budget.probing
    assert budget.waiting_until is None
    # Nobody waited longer than one window for the next request to be let through.
    moments = [START, *sorted(grants)]
    assert all(b - a <= GAP for a, b in itertools.pairwise(moments)), moments
    assert fake.now - START <= GAP * (len(plan) + 1)

    # And after all that, a fresh request still gets through in bounded fake time.
    before = fake.now
    async with asyncio.timeout(30), budget.slot() as ticket:
        ticket.answered(None)
    assert fake.now - before <= GAP
    assert budget.in_flight == 0


@settings(max_examples=300, deadline=None, phases=PHASES)
@given(plan=requests, concurrency=st.integers(1, 8))
def test_the_budget_never_starves_and_releases_everything(plan: list, concurrency: int) -> None:
    asyncio.run(scenario(plan, concurrency))


@settings(max_examples=100, deadline=None, phases=PHASES)
@given(
    limit=st.integers(1, 6),
    bare_answers=st.integers(1, 40),
)
def test_answers_without_headers_after_a_limited_429_keep_flowing(
    limit: int, bare_answers: int
) -> None:
    """The livelock of the issue: a 429 with headers, then only answers without headers."""

    async def run() -> None:
        fake = FakeTime(horizon=GAP * (bare_answers + 2))
        budget = RateBudget(clock=fake.clock, wait=fake.wait)
        async with budget.slot() as ticket:
            ticket.refused(RateHeaders(limit, 0, fake.now + 2.0), fallback=60.0)
        async with asyncio.timeout(30):
            for _ in range(bare_answers):
                before = fake.now
                async with budget.slot() as ticket:
                    ticket.answered(None)
                assert fake.now - before <= GAP
        assert budget.in_flight == 0

    asyncio.run(run())
