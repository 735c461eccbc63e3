"""The tables a plain sync used to leave empty, through the real path (the served sandbox of
`workbench demo`, the CLI in a subprocess, the store on disk): end-user settings, page views
(`--with page-views`, its request count said before it starts) and `accounts`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from workbench.data import sync_wootric
from workbench.data.normalize import SETTING_FLAGS
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.data.tables import load_table
from workbench.demo import Demo, start_demo

BOUND = 300
PLANNED = re.compile(r"acme-nps page_views: ([\d,]+) requests to Wootric for page views \(")


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, dict[str, str]]]:
    with start_demo(tmp_path_factory.mktemp("demo") / "demo", responses=300) as running:
        env = {
            **os.environ,
            "WORKBENCH_CONFIG": str(running.config_path),
            "NO_COLOR": "1",
            "COLUMNS": "250",
        }
        yield running, env


@pytest.fixture(scope="module")
def synced(demo: tuple[Demo, dict[str, str]]) -> tuple[Demo, subprocess.CompletedProcess[str]]:
    running, env = demo
    result = cli(env, "sync", "--no-progress", "--with", "page-views")
    assert result.returncode == 0, result.stderr + result.stdout
    return running, result


def token(running: Demo) -> str:
    return str(getattr(running.settings.account("acme-nps"), "account_token", ""))


def test_page_views_are_exactly_the_sandbox_s_for_the_synced_end_users(synced) -> None:
    running, _ = synced
    store = Store(running.store_dir)
    users = set(load_table(store, "end_users", ["acme-nps"])["id"].to_list())
    assert users
    truth = running.served.sandbox.wootric.frame(token(running), "page_views")
    expected = {
        (str(i), str(u), url)
        for i, u, url in truth.select("id", "end_user_id", "url").iter_rows()
        if str(u) in users
    }
    stored = load_table(store, "page_views", ["acme-nps"])
    got = set(stored.select("id", "end_user_id", "url").iter_rows())
    assert stored.height == len(got)  # no id twice
    assert expected
    assert got == expected


def test_end_user_settings_match_the_sandbox(synced) -> None:
    running, _ = synced
    truth = running.served.sandbox.wootric.frame(token(running), "end_user_settings")
    expected = {
        str(row["end_user_id"]): tuple(row[f] for f in SETTING_FLAGS)
        for row in truth.iter_rows(named=True)
    }
    stored = load_table(Store(running.store_dir), "end_user_settings", ["acme-nps"])
    got = {row["id"]: tuple(row[f] for f in SETTING_FLAGS) for row in stored.iter_rows(named=True)}
    assert expected
    assert got == expected


def test_accounts_has_one_row_per_configured_account(synced) -> None:
    running, _ = synced
    accounts = load_table(Store(running.store_dir), "accounts")
    assert sorted(accounts["account"].to_list()) == sorted(running.settings.accounts)
    by_name = {row["account"]: row for row in accounts.iter_rows(named=True)}
    for name, account in running.settings.accounts.items():
        assert by_name[name]["platform"] == account.platform
        assert by_name[name]["id"]
    nps = by_name["acme-nps"]
    assert nps["id"] == token(running)
    assert nps["time_zone"]  # the Wootric inference's zone is kept


def test_the_request_count_said_before_the_start_is_what_page_views_cost(synced) -> None:
    _, result = synced
    said = PLANNED.search(result.stderr + result.stdout)
    assert said, result.stderr
    planned = int(said.group(1).replace(",", ""))
    row = next(line for line in result.stdout.splitlines() if re.search(r"\bpage_views\b", line))
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", row)]
    # the summary row: rows, removed, rejected, requests (the client's count for the table)
    assert numbers[3] == planned > 0


async def test_an_incremental_page_view_sync_reads_only_changed_end_users(synced) -> None:
    running, _ = synced
    events = []
    summary = await sync(
        running.settings, ["acme-nps"], extra=["page-views"], on_event=events.append
    )
    assert summary.ok, summary
    start = next(e for e in events if e.table == "page_views" and e.message)
    planned = int(start.message.split(" ")[0].replace(",", ""))
    table = next(t for t in summary.accounts[0].tables if t.table == "page_views")
    assert table.requests == planned
    users = load_table(Store(running.store_dir), "end_users", ["acme-nps"])
    everyone = int(
        users.select(
            pl.when(pl.col("page_views_count") > 0)
            .then(pl.col("page_views_count") // sync_wootric.PAGE_VIEW_PAGE + 1)
            .otherwise(0)
            .sum()
        ).item()
    )
    assert planned < everyone  # only end users changed since the last page-view sync


def test_an_unknown_with_name_is_one_line_and_exit_2(demo) -> None:
    _, env = demo
    result = cli(env, "sync", "--with", "page-veiws")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "page-veiws" in lines[0]
    assert "page-views" in lines[0]


def test_the_readme_says_how(demo) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "--with=page-views" in readme  # the sync block's line
    assert "`--with page-views`" in readme
