"""While an account's requests sit out a rate window, every face is told so as it happens
("waiting for the rate window until HH:MM:SS"), and told again when the wait is over."""

from __future__ import annotations

import asyncio
import re

from tests.conftest import make_sandbox
from tests.data.test_sync import sandbox_settings, stored_ids, truth
from workbench.data.progress import SyncEvent
from workbench.data.sync import sync
from workbench.sandbox import ServedSandbox

BOUND = 300


async def test_a_rate_wait_is_announced_while_it_lasts(tmp_path) -> None:
    # Eighty requests every four seconds: the Wootric read must wait for windows several times.
    with ServedSandbox(make_sandbox(rate_limit=80, rate_window=4.0)) as served:
        events: list[SyncEvent] = []
        settings = sandbox_settings(served, tmp_path, "acme-nps")
        summary = await asyncio.wait_for(sync(settings, on_event=events.append), BOUND)
        assert summary.accounts[0].ok, summary.accounts[0]
        assert stored_ids(tmp_path, "acme-nps", "responses") == truth(served, "responses")
    waits = [e for e in events if e.phase == "waiting" and e.table != "*"]
    assert waits, "no rate wait was announced"
    for wait in waits:
        assert re.fullmatch(r"waiting for the rate window until \d\d:\d\d:\d\d", wait.message or "")
    # Each announced wait is followed, for the same table, by news that it is over.
    for wait in waits:
        later = events[events.index(wait) + 1 :]
        assert any(e.table == wait.table and e.phase != "waiting" for e in later), wait
