"""A filter that is rejected never becomes the current filter: the chips, the counts and the
export keep the last applied filter, and the bar says the new one was not applied and why."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.tui.conftest import SIZE, Workspace, expected_rows, settle
from workbench.analysis import Filter, read_csv
from workbench.analysis.counting import count_line
from workbench.tui import jobs
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.screens.export import ExportScreen
from workbench.tui.widgets.filter_bar import ChipButton, FilterBar

APPLIED = "account:acme"


async def submit(pilot: Pilot[None], text: str) -> None:
    bar = pilot.app.query_one(FilterBar)
    bar.input.value = text
    bar.input.focus()
    await pilot.press("enter")


def chips(app: Any) -> list[str]:
    return [str(c.label).removesuffix(" ✕") for c in app.query(ChipButton)]


def error_line(app: Any) -> str:
    return str(app.query_one("#filter-error", Static).render())


@pytest.mark.parametrize("rejected", ["tag:PRICNG", "plann=Enterprise", "account:initech"])
async def test_a_rejected_filter_leaves_chips_counts_and_export_on_the_last_applied(
    workspace: Workspace, rejected: str
) -> None:
    rows = expected_rows(workspace, APPLIED)
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit(pilot, APPLIED)
        await settle(pilot)
        tags_before = app.query_one(TagsPane).tags
        await submit(pilot, rejected)
        await settle(pilot)

        assert app.filter == Filter.parse(APPLIED)
        assert chips(app) == [APPLIED]
        error = error_line(app)
        assert error.startswith("Not applied: ")
        assert f"Still showing: {APPLIED}" in error
        assert app.query_one(FilterBar).input.value == rejected  # left to be corrected
        assert app.selection is not None
        assert app.selection.count == rows.height
        count = str(app.query_one("#responses-count", Static).render())
        assert count_line(rows, of=workspace.responses.height) in count
        assert app.query_one(TagsPane).tags.equals(tags_before)

        await pilot.press("3", "ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert dialog.rows == rows.height
        assert dialog.filter_text == APPLIED
        out = workspace.root / "after-rejection.csv"
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.click("#export")
        await settle(pilot)
    written = read_csv(out)
    assert sorted(written["id"].to_list()) == sorted(rows["id"].to_list())


async def test_the_bar_names_the_fix_once(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit(pilot, "tag:PRICNG")
        await settle(pilot)
        error = error_line(app)
        assert error.count("PRICING") == 1
        assert "Still showing: no filter (every response)" in error
        assert app.filter.is_empty()
        assert not chips(app)
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.rows == workspace.responses.height
        assert app.screen.filter_text == ""


async def test_a_filter_that_fails_to_select_is_not_applied(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only unknown names: any failure to select the rows leaves the last filter."""
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit(pilot, APPLIED)
        await settle(pilot)

        def broken(*args: object, **kwargs: object) -> Any:
            raise RuntimeError("the mask could not be built\nsecond line")

        monkeypatch.setattr(jobs, "select", broken)
        await submit(pilot, "account:globex")
        await settle(pilot)
        assert app.filter == Filter.parse(APPLIED)
        assert chips(app) == [APPLIED]
        error = error_line(app)
        assert "RuntimeError: the mask could not be built" in error
        assert "second line" not in error


async def test_a_rejection_that_cut_the_applied_run_short_finishes_it(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filter A is applied and its later panes are still being computed when B is rejected:
    the panes A's run had not reached yet must still end up showing A."""
    gate = threading.Event()
    real = jobs.surveys_view

    def slow_surveys(*args: Any, **kwargs: Any) -> Any:
        gate.wait()
        return real(*args, **kwargs)

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(jobs, "surveys_view", slow_surveys)
        surveys_before = app.query_one(SurveysPane)
        try:
            await submit(pilot, APPLIED)
            for _ in range(500):
                await pilot.pause()
                if app.filter == Filter.parse(APPLIED) and "tags" in app.shown:
                    break
            assert app.filter == Filter.parse(APPLIED)
            await submit(pilot, "tag:PRICNG")
            for _ in range(500):
                await pilot.pause()
                if "Not applied" in error_line(app):
                    break
            assert "Not applied" in error_line(app)
        finally:
            gate.set()
        await settle(pilot)
        assert surveys_before is app.query_one(SurveysPane)
        assert app.done_generation == app.generation
        assert app.shown["surveys"] == app.applied_generation
        assert app.filter == Filter.parse(APPLIED)
        assert chips(app) == [APPLIED]
