"""Apptentive's actions through the real CLI, the real HTTP client and a served sandbox:
archive / unarchive (a toggle never sent twice) and deactivating a survey."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from tests.conftest import use_config
from workbench.cli import app
from workbench.data.actions import audit
from workbench.data.actions.apptentive import archive_plans
from workbench.data.actions.journal import Journal
from workbench.data.actions.run import run_plan
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.demo import Demo, start_demo
from workbench.sandbox.accounts import APPTENTIVE_APPS

ACCOUNT = "acme-ios"
APP = APPTENTIVE_APPS[0]
FILTER = f'account:{ACCOUNT} "crash"'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with start_demo(tmp_path_factory.mktemp("apptentive-demo"), responses=1_500) as running:
        settings = running.settings.model_copy(
            update={"accounts": {ACCOUNT: running.settings.accounts[ACCOUNT]}}
        )
        asyncio.run(asyncio.wait_for(sync(settings), timeout=300))
        yield running


@pytest.fixture
def cli(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_config(monkeypatch, tmp_path, demo.config_path)

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def archived(demo: Demo) -> dict[str, bool]:
    truth = demo.served.sandbox.apptentive.ground_truth()[APP.app_id]
    return {str(r["id"]): bool(r["archived"]) for r in truth["records"]}


def selected(demo: Demo) -> list[str]:
    rows = Store(demo.settings.store_dir).account(ACCOUNT).read("responses")
    return rows.filter(pl.col("text").str.to_lowercase().str.contains("crash"))["id"].to_list()


def last_audit(demo: Demo) -> dict[str, Any]:
    return audit.read(demo.settings.store_dir).rows(named=True)[-1]


def test_archive_toggles_exactly_the_records_not_archived_yet(demo: Demo, cli: Any) -> None:
    before = archived(demo)
    chosen = selected(demo)
    to_change = sorted(r for r in chosen if not before[r])
    assert to_change
    assert len(to_change) < len(chosen)  # some are archived already: they must be skipped

    dry = cli("archive", "--filter", FILTER, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"Archive {len(to_change)} records" in dry.stdout
    skipped = len(chosen) - len(to_change)
    assert f"skipped {skipped} row{'s' if skipped != 1 else ''}: already archived" in dry.stdout
    assert archived(demo) == before

    done = cli("archive", "--filter", FILTER, "--yes")
    assert done.exit_code == 0, done.output
    after = archived(demo)
    assert sorted(r for r in after if after[r] != before[r]) == to_change
    assert all(after[r] for r in chosen)
    record = last_audit(demo)
    assert (record["action"], record["result"]) == ("archive", "ok")
    assert sorted(record["rows"]) == to_change
    # The store keeps archived records (its responses have no archived column).
    assert sorted(selected(demo)) == sorted(chosen)

    again = cli("archive", "--filter", FILTER, "--yes")
    assert again.exit_code == 0
    assert "Nothing to do" in again.stdout
    assert archived(demo) == after

    # Undo puts back exactly what the archive changed, no more.
    undone = cli("undo", "--yes")
    assert undone.exit_code == 0, undone.output
    assert archived(demo) == before


def test_a_toggle_found_in_flight_is_read_back_and_never_sent_twice(demo: Demo) -> None:
    before = archived(demo)
    rows = Store(demo.settings.store_dir).account(ACCOUNT).read("responses")
    target = next(r for r in selected(demo) if not before[r])
    rows = rows.filter(pl.col("id") == target)
    (plan,) = archive_plans(rows, archive=True, states=None)
    journal = Journal(Store(demo.settings.store_dir).account(ACCOUNT).path, plan.id)
    first = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert first.ok
    assert archived(demo)[target] is True
    # As if the run had been killed after the toggle went out, before it was recorded:
    journal.record(plan.calls[0].key, "sending")
    second = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert second.ok
    assert len(second.earlier) == 1
    assert not second.done
    assert archived(demo)[target] is True  # a second toggle would have un-archived it
    # And a send of a record already in the state asked leaves it alone.
    third = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert third.ok
    assert archived(demo)[target] is True


def test_wrong_inputs_are_one_line(demo: Demo, cli: Any) -> None:
    result = cli("unarchive", "--filter", "account:acme-nope", "--yes")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "unknown account 'acme-nope'" in result.stderr
    nothing = cli("unarchive", "--filter", f'account:{ACCOUNT} "no such words anywhere"', "--yes")
    assert nothing.exit_code == 2
    assert "selects no rows" in nothing.stderr


def test_deactivate_a_survey(demo: Demo, cli: Any) -> None:
    truth = demo.served.sandbox.apptentive.ground_truth()[APP.app_id]["surveys"]
    survey = next(s for s in truth if s.get("active"))
    survey_id = str(survey.get("id") or survey.get("_id"))
    dry = cli("deactivate-survey", ACCOUNT, survey_id, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"PUT /surveys/{survey_id}/deactivate" in dry.stdout

    def active() -> bool:
        now = demo.served.sandbox.apptentive.ground_truth()[APP.app_id]["surveys"]
        return bool(next(s for s in now if str(s.get("id") or s.get("_id")) == survey_id)["active"])

    assert active()
    done = cli("deactivate-survey", ACCOUNT, survey_id, "--yes")
    assert done.exit_code == 0, done.output
    assert not active()
    surveys = Store(demo.settings.store_dir).account(ACCOUNT).read("surveys")
    assert surveys.filter(pl.col("id") == survey_id)["active"].to_list() == [False]
    assert last_audit(demo)["action"] == "deactivate-survey"
    assert "already inactive" in cli("deactivate-survey", ACCOUNT, survey_id, "--yes").stdout

    unknown = cli("deactivate-survey", ACCOUNT, "nope", "--yes")
    assert unknown.exit_code == 2
    assert "no survey 'nope'" in unknown.stderr
    assert "account" in cli("deactivate-survey", "acme-cxi", survey_id).stderr
