"""Two syncs of one store at once, kills of the lock holder, and full syncs that read nothing.

Before the account lock, two `workbench sync` on one store lost rows for good: both compacted
and deleted the parts they had listed, part numbers collided, and the cursors then covered the
lost rows. Each test here is bounded by a timeout of its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.data.test_sync import WALKED, sandbox_settings, stored_ids, truth
from tests.standins import empty_wootric, missing_crowdskout, serve, silent_server
from workbench.data.lock import AccountLock
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.sandbox import ServedSandbox
from workbench.sandbox.faults import FaultSpec
from workbench.settings import save_settings, settings_from
from workbench.sources.auth import CachedToken
from workbench.sources.connect import token_cache

BOUND = 300
"""Seconds any one sync process here may take before the test fails (they take a few)."""


def cli_env(served: ServedSandbox, tmp_path: Path, **sync_options: float) -> dict[str, str]:
    config = tmp_path / "config.toml"
    settings = sandbox_settings(served, tmp_path / "store")
    if sync_options:
        settings = settings.model_copy(
            update={"sync": settings.sync.model_copy(update=sync_options)}
        )
    save_settings(settings, config)
    return {**os.environ, "WORKBENCH_CONFIG": str(config), "NO_COLOR": "1", "COLUMNS": "200"}


def start_sync(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "sync", "--no-progress", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_sync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`workbench sync` to its end, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", "sync", "--no-progress", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )


def wait_until_held(directory: Path, process: subprocess.Popen[str]) -> None:
    """Until `process` holds the account's lock (a probe that finds it free lets go at once)."""
    probe = AccountLock(directory)
    deadline = time.monotonic() + BOUND
    while probe.try_acquire():
        probe.release()
        assert process.poll() is None, "the sync ended before it took the lock"
        assert time.monotonic() < deadline
        time.sleep(0.01)


def assert_exact(served: ServedSandbox, store_dir: Path) -> None:
    for table in WALKED:
        assert stored_ids(store_dir, "acme-nps", table) == truth(served, table), table
    account = Store(store_dir).account("acme-nps")
    assert list(account.check()) == []


@pytest.mark.parametrize(
    ("first", "second"), [((), ()), (("--full",), ()), ((), ("--full",))], ids=str
)
def test_two_cli_syncs_at_once_lose_nothing(served, tmp_path, first, second) -> None:
    env = cli_env(served, tmp_path)
    store_dir = tmp_path / "store"
    if first == ("--full",):
        done = start_sync(env)  # something stored for the full sync to re-read
        assert done.wait(BOUND) == 0, done.stderr.read() if done.stderr else ""
    served.sandbox.world.config.faults = FaultSpec.parse("latency=3ms,seed=3")
    one = start_sync(env, *first)
    wait_until_held(store_dir / "acme-nps", one)
    two = start_sync(env, *second)
    outs = [p.communicate(timeout=BOUND) for p in (one, two)]
    served.sandbox.world.config.faults = FaultSpec()
    assert one.returncode == 0, outs[0]
    assert two.returncode == 0, outs[1]
    # the second waited for the first instead of writing beside it
    assert f"waiting for process {one.pid}" in " ".join(outs[1][1].split()), outs[1]
    assert_exact(served, store_dir)


def test_an_in_process_sync_and_a_cli_sync_share_the_lock(served, tmp_path) -> None:
    """The TUI and the notebook call `data.sync.sync` in their own process; the CLI runs beside."""
    env = cli_env(served, tmp_path)
    store_dir = tmp_path / "store"
    settings = sandbox_settings(served, store_dir)
    served.sandbox.world.config.faults = FaultSpec.parse("latency=3ms,seed=4")
    cli = start_sync(env)
    wait_until_held(store_dir / "acme-nps", cli)
    events = []
    summary = asyncio.run(asyncio.wait_for(sync(settings, on_event=events.append), BOUND))
    _, err = cli.communicate(timeout=BOUND)
    served.sandbox.world.config.faults = FaultSpec()
    assert summary.ok, summary
    assert cli.returncode == 0, err
    assert any(e.phase == "waiting" and f"process {cli.pid}" in (e.message or "") for e in events)
    assert_exact(served, store_dir)


def test_a_second_run_says_who_holds_the_lock(served, tmp_path) -> None:
    env = cli_env(served, tmp_path, lock_wait=0.0)
    store_dir = tmp_path / "store"
    lock = AccountLock(store_dir / "acme-nps")
    assert lock.try_acquire()
    try:
        blocked = run_sync(env)
    finally:
        lock.release()
    assert blocked.returncode == 1
    said = blocked.stdout + blocked.stderr
    assert f"being synced by process {os.getpid()}" in " ".join(said.split())
    assert "Traceback" not in said


def test_a_killed_holder_leaves_no_stale_lock(served, tmp_path) -> None:
    env = cli_env(served, tmp_path, lock_wait=5.0)
    store_dir = tmp_path / "store"
    served.sandbox.world.config.faults = FaultSpec.parse("latency=3ms,seed=5")
    holder = start_sync(env)
    lock = AccountLock(store_dir / "acme-nps")
    wait_until_held(store_dir / "acme-nps", holder)
    time.sleep(0.5)  # well into its writes
    assert not lock.try_acquire()
    assert f"process {holder.pid}" in lock.holder()
    holder.send_signal(signal.SIGKILL)
    holder.wait(BOUND)
    served.sandbox.world.config.faults = FaultSpec()
    assert lock.try_acquire()  # the kernel let go of it with the process
    lock.release()
    again = run_sync(env)
    assert again.returncode == 0, again.stderr
    assert_exact(served, store_dir)


async def test_a_full_sync_that_reads_nothing_removes_nothing(served, tmp_path) -> None:
    settings = sandbox_settings(served, tmp_path)
    assert (await asyncio.wait_for(sync(settings), BOUND)).ok
    before = {t: stored_ids(tmp_path, "acme-nps", t) for t in WALKED}
    with serve(empty_wootric()) as liar:
        account = {**settings.accounts["acme-nps"].model_dump(), "base_url": liar}
        account["password"] = "x"
        pointed = settings_from({"store_dir": str(tmp_path), "accounts": {"acme-nps": account}})
        summary = await asyncio.wait_for(sync(pointed, full=True), BOUND)
    tables = {t.table: t for t in summary.accounts[0].tables}
    for table in WALKED:
        assert tables[table].deleted == 0
        assert stored_ids(tmp_path, "acme-nps", table) == before[table]
        assert any("nothing was removed" in note for note in tables[table].notes), tables[table]


async def test_crowdskout_profiles_that_all_answer_404_remove_nothing(served, tmp_path) -> None:
    from workbench.demo import browser_login

    settings = sandbox_settings(served, tmp_path, "acme-crm")
    token = await browser_login("acme-crm", settings.account("acme-crm"))  # type: ignore[arg-type]
    token_cache(tmp_path).store("acme-crm", token.cached())
    assert (await asyncio.wait_for(sync(settings), BOUND)).ok
    before = stored_ids(tmp_path, "acme-crm", "end_users")
    assert before
    with serve(missing_crowdskout()) as missing:
        account = {**settings.accounts["acme-crm"].model_dump(), "base_url": missing}
        account["client_secret"] = "x"
        pointed = settings_from({"store_dir": str(tmp_path), "accounts": {"acme-crm": account}})
        token_cache(tmp_path).store(
            "acme-crm", CachedToken(access_token=token.cached().access_token, expires_at=2e9)
        )
        summary = await asyncio.wait_for(sync(pointed, full=True), BOUND)
    tables = {t.table: t for t in summary.accounts[0].tables}
    assert tables["end_users"].deleted == 0
    assert stored_ids(tmp_path, "acme-crm", "end_users") == before


async def test_a_server_that_never_answers_is_stopped_by_the_watchdog(tmp_path) -> None:
    with silent_server() as silent:
        settings = settings_from(
            {
                "store_dir": str(tmp_path),
                "http": {"timeout": 600, "max_retries": 0},
                "sync": {"watchdog": 2},
                "accounts": {
                    "quiet": {"platform": "apptentive", "base_url": silent, "token": "t"},
                },
            }
        )
        summary = await asyncio.wait_for(sync(settings), 120)
    account = summary.accounts[0]
    assert not account.ok
    errors = [t.error for t in account.tables] + [account.error]
    assert any(e and "no progress for 2 s" in e for e in errors), errors
