"""The filter bar, chips, saved filters and CSV export, compared with the CLI's own output."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, SelectionList
from typer.testing import CliRunner

from tests.tui.conftest import SIZE, Workspace, settle
from workbench.analysis import Filter
from workbench.analysis.filters import apply_filter
from workbench.cli import app as cli
from workbench.data.store import Store
from workbench.data.tables import load_table
from workbench.tui.screens.export import ExportScreen
from workbench.tui.screens.filters import LoadFilterScreen, SaveFilterScreen
from workbench.tui.widgets.filter_bar import ChipButton, FilterBar


def expected_count(workspace: Workspace, text: str) -> int:
    stored = load_table(Store(workspace.store), "responses")
    return apply_filter(Filter.parse(text), stored, time_zone="UTC").height


async def type_filter(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    bar = pilot.app.query_one(FilterBar)
    assert pilot.app.focused is bar.input
    bar.input.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize(
    "text",
    [
        "tag:PRICING metric:nps score:0-6",
        'plan=Enterprise "slow"',
        "score:promoters country in (US,UK) -tag:SUPPORT",
        "metric:csat account:acme",
    ],
)
async def test_filter_selects_what_the_analysis_core_selects(
    workspace: Workspace, text: str
) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_filter(pilot, text)
        assert app.filter == Filter.parse(text)
        assert app.selection is not None
        assert app.selection.count == expected_count(workspace, text)
        assert 0 < app.selection.count < workspace.responses.height
        chips = [str(c.label) for c in app.query(ChipButton)]
        assert len(chips) >= 2
        assert all(label.endswith("✕") for label in chips)


async def test_removing_a_chip_widens_the_selection(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_filter(pilot, "tag:PRICING metric:nps score:0-6")
        narrow = app.selection.count  # type: ignore[union-attr]
        chip = next(c for c in app.query(ChipButton) if "score" in str(c.label))
        chip.press()
        await settle(pilot)
        assert app.filter == Filter.parse("tag:PRICING metric:nps")
        wider = expected_count(workspace, "tag:PRICING metric:nps")
        assert app.selection.count == wider  # type: ignore[union-attr]
        assert app.selection.count > narrow  # type: ignore[union-attr]


async def test_unknown_names_and_bad_syntax_are_explained(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_filter(pilot, "tag:PRICNG")
        error = str(app.query_one("#filter-error").render())
        assert "PRICING" in error
        assert app.selection.count == workspace.responses.height  # type: ignore[union-attr]
        await type_filter(pilot, 'score:0-6 "unclosed')
        error = str(app.query_one("#filter-error").render())
        assert "closing quote" in error
        assert "^" in error


async def test_completion_suggests_known_tags(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"tag:PRI")
        await pilot.pause()
        bar = app.query_one(FilterBar)
        assert bar.input._suggestion == "tag:PRICING"
        await pilot.press("right")
        assert bar.input.value == "tag:PRICING"


async def test_saved_filters_round_trip(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_filter(pilot, "tag:PRICING score:detractors")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SaveFilterScreen)
        app.screen.query_one(Input).value = "pricing pain"
        await pilot.press("enter")
        await pilot.pause()
        assert "pricing pain" in (workspace.root / "filters.toml").read_text()
        app.action_clear_filter()
        await settle(pilot)
        assert app.filter.is_empty()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoadFilterScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.filter == Filter.parse("tag:PRICING score:detractors")


def cli_export(workspace: Workspace, out: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["export", "responses", "-o", str(out), *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("text", "columns", "bom"),
    [
        ('tag:PRICING metric:nps score:0-6 "price"', None, False),
        ("plan=Enterprise", ["id", "score", "text", "tags", "property.plan"], True),
        ("", None, False),
    ],
)
async def test_export_equals_the_cli(
    workspace: Workspace, text: str, columns: list[str] | None, bom: bool
) -> None:
    mine, theirs = workspace.root / "tui.csv", workspace.root / "cli.csv"
    args = ["--filter", text] if text else []
    if columns:
        args += ["--columns", ",".join(columns)]
    if bom:
        args.append("--bom")
    cli_export(workspace, theirs, *args)
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if text:
            await type_filter(pilot, text)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-path", Input).value = str(mine)
        if columns:
            chooser = dialog.query_one(SelectionList)
            chooser.deselect_all()
            for column in columns:
                chooser.select(column)
        dialog.query_one(Checkbox).value = bom
        await pilot.click("#export")
        await settle(pilot)
    assert mine.read_bytes() == theirs.read_bytes()
    assert mine.read_bytes().startswith(b"\xef\xbb\xbf") == bom


async def test_export_to_a_missing_directory_says_so(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = "/no/such/dir/x.csv"
        await pilot.click("#export")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("/no/such/dir" in m for m in messages)
