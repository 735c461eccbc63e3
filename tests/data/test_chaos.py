"""The chaos matrix: each fault alone at a high rate, and the README's mix, over all four
platforms at once. The sync must finish and the store must equal the sandbox row for row.

A sync that does not finish within a generous bound fails the test with a dump of every task
and what it was waiting on, so a hang shows where it hangs instead of wedging CI.
"""

from __future__ import annotations

import asyncio
import io
import traceback
from pathlib import Path

import pytest

from tests.data.test_sync import assert_platforms_exact, sandbox_settings, stored_ids, truth
from workbench.data.progress import SyncSummary
from workbench.data.sync import sync
from workbench.demo import browser_login
from workbench.sandbox import ServedSandbox
from workbench.sandbox.faults import FaultSpec
from workbench.sources.connect import token_cache

NAMES = ("acme-nps", "acme-cxi", "acme-ios", "acme-crm")
BOUND = 900
"""Seconds one chaotic sync may take before it counts as hung (they take well under a minute)."""
README_MIX = "latency=20ms,500=0.05,429=0.02,drop=0.01,expire=0.01,truncate=0.01"

CASES = {
    "500 at 30%": "500=0.3",
    "429 storms with headers": "429=0.03",
    "429 storms without headers": "429bare=0.03",
    "drops at 10%": "drop=0.1",
    "truncation at 10%": "truncate=0.1",
    "expiry at 10%": "expire=0.1",
    "the README mix": README_MIX,
}


async def bounded(summary: asyncio.Future[SyncSummary], bound: float) -> SyncSummary:
    """The sync's summary, or a failure that lists every task's stack when it hangs."""
    done, _ = await asyncio.wait({summary}, timeout=bound)
    if done:
        return summary.result()
    dump = io.StringIO()
    for task in asyncio.all_tasks():
        dump.write(f"--- {task.get_name()}: {task.get_coro()!r}\n")
        for frame in task.get_stack(limit=8):
            dump.write("".join(traceback.format_stack(frame, limit=1)))
    summary.cancel()
    pytest.fail(f"the sync did not finish in {bound} s; what it waited on:\n{dump.getvalue()}")


def assert_ground_truth(served: ServedSandbox, store_dir: Path) -> None:
    for table in ("responses", "declines", "end_users"):
        assert stored_ids(store_dir, "acme-nps", table) == truth(served, table), table
    assert_platforms_exact(served, store_dir)


@pytest.mark.parametrize("faults", list(CASES.values()), ids=list(CASES))
async def test_chaos_matrix(served, tmp_path, faults) -> None:
    settings = sandbox_settings(served, tmp_path, *NAMES)
    settings = settings.model_copy(
        update={"http": settings.http.model_copy(update={"max_retries": 20})}
    )
    token = await browser_login("acme-crm", settings.account("acme-crm"))  # type: ignore[arg-type]
    token_cache(tmp_path).store("acme-crm", token.cached())
    served.sandbox.world.config.faults = FaultSpec.parse(f"{faults},seed=7")
    summary = await bounded(asyncio.ensure_future(sync(settings)), BOUND)
    served.sandbox.world.config.faults = FaultSpec()
    by_name = {a.account: a for a in summary.accounts}
    crm = by_name["acme-crm"]
    if "expire" in faults and not crm.ok:
        # Crowdskout tokens have no refresh: an expired one needs the person, and says so.
        said = crm.error or next(t.error for t in crm.tables if t.error)
        assert "workbench auth acme-crm" in (said or ""), said
        token = await browser_login("acme-crm", settings.account("acme-crm"))  # type: ignore[arg-type]
        token_cache(tmp_path).store("acme-crm", token.cached())
        crm = (await bounded(asyncio.ensure_future(sync(settings, ["acme-crm"])), BOUND)).accounts[
            0
        ]
        by_name["acme-crm"] = crm
    for name, account in by_name.items():
        assert account.ok, (name, account)
    assert_ground_truth(served, tmp_path)
