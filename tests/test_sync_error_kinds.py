"""A failed sync keeps its kind from the source to every face: the same sync of the same three
failing accounts (credentials refused, CXI onboarding not done, no answer from the platform)
gives the same kinds in the data summary, the CLI, the TUI (via Pilot) and the notebook, each
in that face's words. Real sandbox over loopback, real store, real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Label
from typer.testing import CliRunner

from tests.tui.conftest import SIZE, settle
from workbench.cli import app as cli_app
from workbench.cli import output
from workbench.data.progress import KIND_TITLES
from workbench.demo import Demo, start_demo
from workbench.notebook import open_workbench
from workbench.settings import load_settings
from workbench.settings.writing import read_document, write_config
from workbench.sources.errors import ErrorKind, error_for_status
from workbench.tui import WorkbenchApp
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.preferences import SavedFilters
from workbench.tui.syncing import NEXT_STEPS
from workbench.tui.widgets.sync_panel import SyncRow

EXPECTED = {
    "wrong-password": ErrorKind.AUTH,
    "initech-cxi": ErrorKind.ONBOARDING_NEEDED,
    "offline": ErrorKind.NETWORK,
}
"""Each failing account and the kind its sync must fail of, in every face."""


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """The demo with three accounts that cannot be synced, each for another reason."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with start_demo(tmp_path / "demo", responses=200, seed=5) as running:
        document = read_document(running.config_path)
        accounts = document["accounts"]
        good, cxi, ios = accounts["acme-nps"], accounts["acme-cxi"], accounts["acme-ios"]
        accounts["wrong-password"] = {**good, "password": "not-the-password"}
        accounts["initech-cxi"] = {
            "platform": "cxi",
            "base_url": cxi["base_url"],
            "auth_base_url": cxi["auth_base_url"],
            "client_id": "initech-cxi-client",
            "client_secret": "initech-cxi-client-secret",
        }
        accounts["offline"] = {**ios, "base_url": "http://127.0.0.1:9/apptentive"}
        document["http"] = {"max_retries": 1}
        write_config(running.config_path, document)
        monkeypatch.setenv("WORKBENCH_CONFIG", str(running.config_path))
        yield running


def test_every_kind_has_a_title_and_statuses_decide_their_kind() -> None:
    assert set(KIND_TITLES) == set(ErrorKind)
    assert len(set(KIND_TITLES.values())) == len(ErrorKind)
    kinds = {
        401: ErrorKind.AUTH,
        403: ErrorKind.FORBIDDEN,
        404: ErrorKind.NOT_FOUND,
        400: ErrorKind.INVALID_REQUEST,
        423: ErrorKind.LOCKED,
        424: ErrorKind.ONBOARDING_NEEDED,
        429: ErrorKind.RATE_LIMITED,
        502: ErrorKind.SERVER,
    }
    for status, kind in kinds.items():
        assert error_for_status(status, "", account="a", method="GET", path="/x").kind is kind


def test_the_notebook_and_the_data_summary_give_each_failure_its_kind(demo: Demo) -> None:
    wb = open_workbench(demo.config_path, progress=False)
    result = wb.sync(list(EXPECTED))
    assert not result.ok
    for account in result.summary.accounts:
        kinds = {f.kind for f in account.failures}
        assert kinds == {EXPECTED[account.account]}, account
    frame = result.frame
    for name, kind in EXPECTED.items():
        assert set(frame.filter(account=name)["kind"].drop_nulls()) == {kind.value}, frame
        lines = [line for line in result.errors if line.startswith(name)]
        assert lines, result.errors
        assert all(KIND_TITLES[kind] in line for line in lines), result.errors
    onboarding = next(line for line in result.errors if line.startswith("initech-cxi"))
    assert "wb.onboard('initech-cxi')" in onboarding


def test_the_cli_summary_titles_each_failure_by_its_kind(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for console in (output.console, output.errors):
        monkeypatch.setattr(console, "width", 1000)  # one line per row: titles not wrapped
    result = CliRunner().invoke(cli_app, ["sync", "--no-progress", *EXPECTED])
    assert result.exit_code == 1, result.output
    rows = result.output.splitlines()
    for name, kind in EXPECTED.items():
        mine = [line for line in rows if f" {name} " in f" {line} " or f"│ {name} " in line]
        assert any(KIND_TITLES[kind] in line for line in mine), (name, result.output)
        others = set(KIND_TITLES.values()) - {KIND_TITLES[kind]}
        assert not any(t in line for line in mine for t in others), (name, result.output)
    assert "Traceback" not in result.output


async def test_the_tui_shows_each_failure_by_its_kind(demo: Demo, tmp_path: Path) -> None:
    app = WorkbenchApp(
        load_settings(demo.config_path, environ={}),
        config_file=demo.config_path,
        settings_loader=lambda: load_settings(demo.config_path, environ={}),
        saved_filters=SavedFilters(tmp_path / "filters.toml"),
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_sync(list(EXPECTED))
        await settle(pilot)
        while app.sync_state.running:
            await settle(pilot)
        statuses: dict[str, list[str]] = {}
        for row in app.query(SyncRow):
            text = str(row.query_one(".sync-status", Label).render())
            statuses.setdefault(row.latest.account, []).append(text)
            if row.latest.phase == "failed":
                assert row.latest.kind is EXPECTED[row.latest.account], row.latest
        for name, kind in EXPECTED.items():
            assert statuses[name], name
            assert all(f"failed ({KIND_TITLES[kind]})" in s for s in statuses[name]), statuses
        notes = {n.title: n.message for n in app._notifications}
        for name, kind in EXPECTED.items():
            assert f"Sync of {name} failed: {KIND_TITLES[kind]}" in notes, notes
        assert (
            NEXT_STEPS[ErrorKind.ONBOARDING_NEEDED]
            in notes[f"Sync of initech-cxi failed: {KIND_TITLES[ErrorKind.ONBOARDING_NEEDED]}"]
        )
        assert (
            NEXT_STEPS[ErrorKind.AUTH]
            in notes[f"Sync of wrong-password failed: {KIND_TITLES[ErrorKind.AUTH]}"]
        )
        rows = app.query_one(AccountsPane).rows
        assert rows["initech-cxi"].onboarding == "required"
        assert all(rows[name].problem for name in EXPECTED)
