"""Sync from the served sandbox into a real store on disk: exact, incremental, resumable."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.clients import ACME
from workbench.data.store import Store
from workbench.data.sync import SyncError, sync
from workbench.demo import demo_accounts
from workbench.sandbox import ServedSandbox
from workbench.sandbox.faults import FaultSpec
from workbench.settings import Settings, save_settings, settings_from

WALKED = ("responses", "declines", "end_users")


def sandbox_settings(served: ServedSandbox, store_dir: Path, *names: str) -> Settings:
    """The demo's accounts (one per platform) pointed at `served`, limited to `names`."""
    accounts = demo_accounts(served)
    chosen = {name: accounts[name] for name in names or ("acme-nps",)}
    http = {"concurrency": 8, "max_retries": 8}
    return settings_from({"store_dir": str(store_dir), "accounts": chosen, "http": http})


def stored_ids(store_dir: Path, account: str, table: str) -> list[str]:
    frame = Store(store_dir).account(account).read(table)
    ids = frame["id"].to_list() if not frame.is_empty() else []
    assert len(ids) == len(set(ids)), f"{table}: duplicated ids in the store"
    return sorted(ids)


def truth(served: ServedSandbox, table: str) -> list[str]:
    return sorted(str(i) for i in served.sandbox.wootric.ids(ACME.account_token, table))


async def test_a_first_sync_stores_exactly_what_the_sandbox_holds(served, tmp_path) -> None:
    settings = sandbox_settings(served, tmp_path)
    events = []
    summary = await sync(settings, on_event=events.append)
    assert summary.ok, summary
    for table in WALKED:
        assert stored_ids(tmp_path, "acme-nps", table) == truth(served, table)
        # after a sync each table is one plain Parquet file any engine reads
        assert pl.read_parquet(tmp_path / "acme-nps" / f"{table}.parquet").height == len(
            truth(served, table)
        )
        assert not (tmp_path / "acme-nps" / f"{table}.parts").exists()
    phases = {(e.table, e.phase) for e in events}
    assert {(t, p) for t in WALKED for p in ("start", "progress", "done")} <= phases
    done = {e.table: e for e in events if e.phase == "done"}
    assert done["responses"].rows == len(truth(served, "responses"))
    assert done["responses"].requests > 0


@pytest.mark.parametrize(
    "faults",
    [
        "500=0.1,seed=1",
        "429=0.05,seed=2",
        "drop=0.05,truncate=0.05,seed=3",
        "latency=2ms,500=0.05,429=0.02,drop=0.02,truncate=0.02,seed=4",
    ],
)
async def test_exact_under_faults(served, tmp_path, faults) -> None:
    settings = sandbox_settings(served, tmp_path)
    served.sandbox.world.config.faults = FaultSpec.parse(faults)
    summary = await sync(settings)
    served.sandbox.world.config.faults = FaultSpec()
    assert summary.ok, summary
    for table in WALKED:
        assert stored_ids(tmp_path, "acme-nps", table) == truth(served, table)


async def test_a_second_sync_asks_only_for_what_is_new(served, make_wootric, tmp_path) -> None:
    settings = sandbox_settings(served, tmp_path)
    await sync(settings)
    again = await sync(settings, refresh_days=0)
    account = again.accounts[0]
    # one query per walked table (the hour before the cursor fits in one page), the segments,
    # and the NPS summaries of this month and the last (older months are settled)
    requests = {t.table: t.requests for t in account.tables}
    assert requests == {**dict.fromkeys(WALKED, 1), "segments": 1, "nps_summaries": 2}

    # The default re-reads the last 30 days of responses (edits), and no more than that.
    refreshed = {t.table: t for t in (await sync(settings)).accounts[0].tables}
    stored = Store(tmp_path).account("acme-nps").read("responses")
    recent = stored.filter(pl.col("created_at") >= stored["created_at"].max() - timedelta(days=30))
    assert 1 < refreshed["responses"].requests <= -(-recent.height // 50) + 2
    assert refreshed["declines"].requests == 1

    client = make_wootric()
    user = await client.create_end_user(email="late.arrival@example.com")
    response = await client.create_response(user.id, score=3, text="the export broke")
    after = await sync(settings, refresh_days=0)
    tables = {t.table: t for t in after.accounts[0].tables}
    assert tables["responses"].requests == 1
    assert stored_ids(tmp_path, "acme-nps", "responses") == truth(served, "responses")
    assert str(response.id) in stored_ids(tmp_path, "acme-nps", "responses")
    assert str(user.id) in stored_ids(tmp_path, "acme-nps", "end_users")


async def test_a_full_sync_removes_what_the_platform_deleted(served, make_wootric, tmp_path):
    settings = sandbox_settings(served, tmp_path)
    await sync(settings)
    client = make_wootric()
    responses = Store(tmp_path).account("acme-nps").read("responses")
    victim = responses["end_user_id"].drop_nulls()[0]
    await client.delete_end_user(victim)
    served.sandbox.world.clock.advance(2 * 86_400)  # the deletion is performed the next morning
    summary = await sync(settings, full=True)
    assert summary.ok
    tables = {t.table: t for t in summary.accounts[0].tables}
    assert tables["end_users"].deleted == 1
    assert tables["responses"].deleted >= 1
    for table in WALKED:
        assert stored_ids(tmp_path, "acme-nps", table) == truth(served, table)
    assert victim not in stored_ids(tmp_path, "acme-nps", "end_users")


async def test_unknown_account_is_refused_before_anything_runs(served, tmp_path) -> None:
    settings = sandbox_settings(served, tmp_path)
    with pytest.raises(SyncError, match=r"no account named 'acme-typo'.*acme-nps"):
        await sync(settings, ["acme-typo"])


async def test_bad_credentials_fail_that_account_only(served, tmp_path) -> None:
    accounts = demo_accounts(served)
    wrong = {**accounts["acme-nps"], "password": "not-the-password"}
    settings = settings_from(
        {"store_dir": str(tmp_path), "accounts": {"acme-nps": accounts["acme-nps"], "bad": wrong}}
    )
    summary = await sync(settings)
    by_name = {a.account: a for a in summary.accounts}
    assert by_name["acme-nps"].ok
    assert not by_name["bad"].ok
    assert "bad" in (by_name["bad"].error or "")
    assert "not-the-password" not in str(by_name["bad"])
    assert stored_ids(tmp_path, "acme-nps", "responses") == truth(served, "responses")


def test_killed_syncs_resume_to_the_exact_result(served, tmp_path) -> None:
    """`workbench sync` killed with SIGKILL at random moments, then run to its end."""
    config = tmp_path / "config.toml"
    store_dir = tmp_path / "store"
    save_settings(sandbox_settings(served, store_dir), config)
    env = {**os.environ, "WORKBENCH_CONFIG": str(config), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "workbench", "sync", "--no-progress"]
    served.sandbox.world.config.faults = FaultSpec.parse("latency=3ms,seed=9")
    rng = random.Random(5)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.8, 2.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    served.sandbox.world.config.faults = FaultSpec()
    assert kills, "the sync always finished before it could be killed; slow it down"
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    for table in WALKED:
        assert stored_ids(store_dir, "acme-nps", table) == truth(served, table)


def assert_platforms_exact(served: ServedSandbox, store_dir: Path) -> None:
    """The demo's CXI, Apptentive and Crowdskout accounts hold exactly what the sandbox holds."""
    from workbench.sandbox.accounts import APPTENTIVE_APPS, CROWDSKOUT_ORGANIZATIONS

    truth_cxi = served.sandbox.cxi.ground_truth()[
        demo_accounts(served)["acme-cxi"]["account_token"]
    ]
    assert stored_ids(store_dir, "acme-cxi", "responses") == sorted(
        str(r["id"]) for r in truth_cxi["responses"]
    )
    assert stored_ids(store_dir, "acme-cxi", "surveys") == sorted(
        str(i["id"]) for i in truth_cxi["imports"]
    )
    stored_tags = Store(store_dir).account("acme-cxi").read("tags")
    assert sorted(stored_tags["name"].to_list()) == sorted(t["name"] for t in truth_cxi["tags"])
    app = APPTENTIVE_APPS[0].app_id
    assert stored_ids(store_dir, "acme-ios", "responses") == sorted(
        served.sandbox.apptentive.ids(app, "records")
    )
    organization = CROWDSKOUT_ORGANIZATIONS[0].organization_id
    assert stored_ids(store_dir, "acme-crm", "end_users") == sorted(
        str(i) for i in served.sandbox.crowdskout.ids(organization, "profiles")
    )


async def test_every_platform_syncs_to_the_sandbox_ground_truth(served, tmp_path) -> None:
    """The demo's four accounts: every stored table equals what the sandbox holds."""
    from workbench.demo import browser_login
    from workbench.sandbox.accounts import APPTENTIVE_APPS
    from workbench.sources.connect import token_cache

    names = ("acme-nps", "acme-cxi", "acme-ios", "acme-crm")
    settings = sandbox_settings(served, tmp_path, *names)
    token = await browser_login("acme-crm", settings.account("acme-crm"))  # type: ignore[arg-type]
    token_cache(tmp_path).store("acme-crm", token.cached())
    summary = await sync(settings)
    assert summary.ok, summary
    assert all(not a.rejected for a in summary.accounts)

    assert_platforms_exact(served, tmp_path)
    app = APPTENTIVE_APPS[0].app_id
    assert stored_ids(tmp_path, "acme-ios", "surveys") == sorted(
        served.sandbox.apptentive.ids(app, "surveys")
    )
    assert not Store(tmp_path).account("acme-ios").read("survey_answers").is_empty()

    # Nothing new: each platform asks only what it must.
    again = {a.account: a for a in (await sync(settings)).accounts}
    assert again["acme-cxi"].requests <= 8  # lists, no import fetched again
    assert again["acme-ios"].requests <= 6  # conditional requests answered 304
    assert {t.table: t.rows for t in again["acme-crm"].tables}["end_users"] <= 1


async def test_an_account_waiting_for_onboarding_says_so(served, tmp_path) -> None:
    accounts = demo_accounts(served)
    initech = {**accounts["acme-cxi"], "account_token": "CXI-d4f6b8c0"}
    settings = settings_from({"store_dir": str(tmp_path), "accounts": {"initech": initech}})
    summary = await sync(settings)
    account = summary.accounts[0]
    assert not account.ok
    assert "onboarding" in (account.error or "").lower()
