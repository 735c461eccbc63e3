"""The rate budget never waits on nothing, releases what it holds, and caps its waits
(issue items 4, 5 and 6), through the real httpx client against servers on loopback."""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.clients import ACME, wootric_client
from tests.conftest import make_sandbox
from tests.standins import serve
from workbench.sandbox import ServedSandbox
from workbench.sandbox.faults import FaultSpec
from workbench.sources.errors import RateLimited
from workbench.sources.http import ApiClient
from workbench.sources.ratelimit import RESET_MARGIN, RateBudget, RateHeaders
from workbench.sources.retry import RetryPolicy

BOUND = 30.0
FAST = RetryPolicy(attempts=4, initial=0.01, maximum=0.02)
README_FAULTS = "latency=20ms,500=0.05,429=0.02,drop=0.01,expire=0.01,truncate=0.01"


def limited_once_app(state: dict, *, limit: int = 3, reset_in: float = 0.5) -> Starlette:
    """The first request answers 429 with X-Rate-Limit-* headers; every later one answers 200
    without any (a limit announced once, as the sandbox's 429 storms do)."""

    async def read(_request: Request) -> Response:
        state["n"] = state.get("n", 0) + 1
        if state["n"] == 1:
            headers = {
                "X-Rate-Limit-Limit": str(limit),
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(time.time() + reset_in),
            }
            return JSONResponse({"error": "Too Many Requests"}, status_code=429, headers=headers)
        return JSONResponse({"n": state["n"]})

    return Starlette(routes=[Route("/v1/things", read)])


async def test_answers_without_headers_after_a_limited_429_never_stall_the_client() -> None:
    state: dict = {}
    with serve(limited_once_app(state)) as url:
        async with ApiClient(account="acme", base_url=url, auth=None, retry=FAST) as api:
            # Before the fix the 4th request waited forever (tokens=0 and no reset to wait for).
            results = await asyncio.wait_for(
                asyncio.gather(*(api.get("v1/things") for _ in range(12))), BOUND
            )
            assert len(results) == 12
            assert api.budget.in_flight == 0
            assert not api.budget.probing


async def test_the_readme_fault_mix_reads_every_response() -> None:
    """The mix that stalled at 268 requests: a full read of several lists, exactly once each."""
    with ServedSandbox(make_sandbox()) as served:
        served.sandbox.world.config.faults = FaultSpec.parse(README_FAULTS + ",seed=7")
        client = wootric_client(served)
        try:
            for table in ("responses", "end_users", "declines"):
                ids = await asyncio.wait_for(read_ids_of(client, table), 120)
                assert len(ids) == len(set(ids))
                truth = served.sandbox.wootric.ids(ACME.account_token, table)
                assert sorted(ids) == sorted(str(i) for i in truth)
        finally:
            await client.aclose()
        served.sandbox.world.config.faults = FaultSpec()
        assert served.sandbox.world.counters["fault_429"] > 0
        assert client.http.budget.in_flight == 0


async def read_ids_of(client, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    batches = {
        "responses": client.response_batches,
        "declines": client.decline_batches,
        "end_users": client.end_user_batches,
    }[table]
    return [str(row["id"]) for batch in [b async for b in batches()] for row in batch.rows]


# --- item 5: every exit path gives back what it holds ---------------------------------------


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(BOUND):
        for _ in itertools.count():
            if condition():
                return
            await asyncio.sleep(0.01)


def hanging_first_app(state: dict) -> Starlette:
    """The first request hangs (until the test sets `release`); later ones answer without
    headers."""
    state["release"] = threading.Event()

    async def read(_request: Request) -> Response:
        state["n"] = n = state.get("n", 0) + 1
        if n == 1:
            for _ in range(600):  # until the test is over (at most a minute)
                if state["release"].is_set():
                    break
                await asyncio.sleep(0.1)
        return JSONResponse({"n": n})

    return Starlette(routes=[Route("/v1/things", read)])


async def test_a_cancelled_probe_lets_the_other_requests_through() -> None:
    state: dict = {}
    with serve(hanging_first_app(state)) as url:
        async with ApiClient(account="acme", base_url=url, auth=None, retry=FAST) as api:
            probe = asyncio.create_task(api.get("v1/things"))
            await until(lambda: api.budget._probing)
            waiting = asyncio.create_task(api.get("v1/things"))
            await asyncio.sleep(0.1)
            probe.cancel()  # a sibling failed, say
            with pytest.raises(asyncio.CancelledError):
                await probe
            try:
                assert await asyncio.wait_for(waiting, BOUND) == {"n": 2}
            finally:
                state["release"].set()
            assert api.budget.in_flight == 0
            assert not api.budget.probing


async def test_requests_cancelled_while_waiting_for_the_window_hold_nothing() -> None:
    state: dict = {}
    with serve(limited_once_app(state, limit=2, reset_in=3600)) as url:
        retry = RetryPolicy(attempts=4, initial=0.01, maximum=0.02, max_rate_wait=7200)
        async with ApiClient(account="acme", base_url=url, auth=None, retry=retry) as api:
            tasks = [asyncio.create_task(api.get("v1/things")) for _ in range(5)]
            await until(lambda: api.stats.waiting_until is not None)
            assert api.budget.in_flight == 0
            for task in tasks:
                task.cancel()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), BOUND)
            assert api.budget.in_flight == 0
            assert not api.budget.probing
            assert api.stats.waiting_until is None
            assert api.budget.waiting_until is None


# --- item 6: a far reset fails clearly instead of silencing the sync -------------------------


async def test_a_reset_a_day_ahead_fails_at_once_saying_when() -> None:
    state: dict = {}
    with serve(limited_once_app(state, reset_in=86_400)) as url:
        async with ApiClient(account="acme", base_url=url, auth=None, retry=FAST) as api:
            with pytest.raises(RateLimited) as caught:
                await asyncio.wait_for(api.get("v1/things"), BOUND)
            # Requests that were not refused themselves do not sit out the day either.
            with pytest.raises(RateLimited):
                await asyncio.wait_for(api.get("v1/things"), BOUND)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("acme: GET v1/things: the rate limit allows requests again at ")
    assert re.search(r"\d\d:\d\d:\d\d", message)
    assert state["n"] == 1


async def test_a_near_reset_is_waited_for_and_shown() -> None:
    state: dict = {}
    with serve(limited_once_app(state, reset_in=1.0)) as url:
        async with ApiClient(account="acme", base_url=url, auth=None, retry=FAST) as api:
            seen: list[str | None] = []

            async def watch() -> None:
                while True:
                    seen.append(api.stats.waiting_message())
                    await asyncio.sleep(0.02)

            watcher = asyncio.create_task(watch())
            try:
                assert await asyncio.wait_for(api.get("v1/things"), BOUND) == {"n": 2}
            finally:
                watcher.cancel()
            assert any(
                s and re.fullmatch(r"waiting for the rate window until \S+", s) for s in seen
            )
            assert api.stats.waiting_until is None
            assert api.stats.waited > 0
            assert api.stats.rate_limited == 1


async def test_max_rate_wait_is_a_setting() -> None:
    from workbench.settings import HttpOptions, WootricAccount
    from workbench.sources.connect import open_client

    account = WootricAccount(base_url="http://127.0.0.1:9", email="a@b.c", password="pw")
    client = open_client("acme", account, HttpOptions(max_rate_wait=12.5, max_retries=2))
    try:
        assert client.http.retry.max_rate_wait == 12.5
        assert client.http.retry.attempts == 3
        assert client.http._auth._retry.attempts == 3  # type: ignore[union-attr]
    finally:
        await client.aclose()


def test_budget_repr_shows_no_secret_and_a_fresh_budget_probes() -> None:
    budget = RateBudget()
    assert "probing=False" in repr(budget)
    assert budget.remaining is None


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_short_429_storm_inside_a_long_window_costs_the_storm_not_the_window() -> None:
    """The sandbox's 429 storms (and a real server's) say Reset = the storm's end, one second
    away, while the window the last answers announced ends a minute later: the client waits
    for the 429's reset, not the window's (this cost the README fault mix 37x its time)."""
    clock = Clock()
    budget = RateBudget(clock)
    window_end = clock.now + 60
    async with budget.slot() as probe:
        probe.answered(RateHeaders(limit=1_000_000, remaining=999_999, reset=window_end))
    async with budget.slot() as first, budget.slot() as second:
        assert first.refused(
            RateHeaders(limit=1_000_000, remaining=0, reset=clock.now + 1), fallback=60
        ) == pytest.approx(clock.now + 1 + RESET_MARGIN)
        # Concurrent 429s of one refusal: the latest reset among them wins.
        assert second.refused(
            RateHeaders(limit=1_000_000, remaining=0, reset=clock.now + 2), fallback=60
        ) == pytest.approx(clock.now + 2 + RESET_MARGIN)
    clock.now += 2 + RESET_MARGIN
    async with budget.slot() as after:
        assert after.waited == 0
        after.answered(RateHeaders(limit=1_000_000, remaining=999_990, reset=window_end))
    assert budget.blocked_until == pytest.approx(window_end + RESET_MARGIN)
    assert (budget.remaining or 0) > 999_000
