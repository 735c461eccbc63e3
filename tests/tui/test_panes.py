"""Every pane on a real store: what each shows equals what the analysis core computes."""

from __future__ import annotations

import polars as pl

from tests.tui.conftest import SIZE, Workspace, settle
from workbench.analysis import Filter, nps
from workbench.analysis.filters import apply_filter
from workbench.analysis.segments import segment_breakdown
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.screens.end_user_detail import EndUserScreen
from workbench.tui.screens.response_detail import ResponseScreen
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.metric_card import MetricCard
from workbench.tui.widgets.table import Grid


async def test_start_shows_every_response_newest_first(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one(ResponsesPane)
        grid = pane.query_one(FrameView).grid
        assert grid is not None
        assert grid.row_count == workspace.responses.height
        newest = workspace.responses.sort("created_at", descending=True).row(0, named=True)
        assert grid.get_row_at(0)[4] == f"{newest['created_at']:%Y-%m-%d %H:%M}"
        assert app.focused is grid
        assert app.sub_title == f"{workspace.responses.height:,} responses"


async def test_number_keys_switch_panes(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, pane in zip(
            "123456",
            ("accounts", "end-users", "responses", "tags", "surveys", "dashboard"),
            strict=True,
        ):
            await pilot.press(key)
            assert app.active_pane == pane


async def test_response_detail_and_its_end_user(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one(ResponsesPane)
        pane.focus_table()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ResponseScreen)
        expected = app.snapshot.responses.row(int(pane.rows[1]), named=True)
        grid = app.query_one(ResponsesPane).query_one(Grid)
        assert grid.get_row_at(1)[4] == f"{expected['created_at']:%Y-%m-%d %H:%M}"
        assert app.screen.response["id"] == expected["id"]
        assert app.screen.end_user is not None
        assert app.screen.end_user["id"] == expected["end_user_id"]
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, EndUserScreen)
        mine = workspace.responses.filter(
            (pl.col("account") == expected["account"])
            & (pl.col("end_user_id") == expected["end_user_id"])
        )
        assert app.screen.responses.height == mine.height
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]


async def test_end_users_search_and_detail(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        pane = app.query_one(EndUsersPane)
        assert pane.shown.height == 80
        pane.query_one("#end-user-search").value = "PERSON7@ACME"
        await pilot.pause()
        assert pane.shown["email"].to_list() == ["person7@acme.example"]
        pane.focus_table()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EndUserScreen)
        assert app.screen.user is not None
        assert app.screen.user["properties"] == {"plan": "Pro"}
        assert app.screen.declines.height == 0


async def test_tags_pane_counts_and_picks_into_the_filter(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        pane = app.query_one(TagsPane)
        counts = dict(pane.tags.select("tag", "responses").iter_rows())
        expected = workspace.responses.select(pl.col("tags").list.unique()).explode("tags")
        assert counts["PRICING"] == expected.filter(pl.col("tags") == "PRICING").height
        assert counts["ONBOARDING"] == 0  # known from the tags table only
        first = pane.current_tag()
        pane.focus_table()
        await pilot.press("a")
        await settle(pilot)
        assert app.filter.tags_any == [first]
        await pilot.press("n")
        await settle(pilot)
        assert app.filter.tags_any == []
        assert app.filter.tags_none == [first]
        chosen = apply_filter(Filter(tags_none=[first]), workspace.responses, time_zone="UTC")
        assert app.selection is not None
        assert app.selection.count == chosen.height


async def test_dashboard_cards_equal_the_analysis_core(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        card = app.query_one("#card-nps", MetricCard)
        expected = nps(workspace.responses).row(0, named=True)
        text = str(card.render())
        assert f"{expected['nps']:+.1f}" in text
        assert f"n = {expected['n']:,}" in text
        pane = app.query_one(DashboardPane)
        segment = pane.query_one("#segment-select")
        segment.value = "plan"
        await settle(pilot)
        assert app.frames is not None
        assert app.frames.segment == "plan"
        # The notebook's and the report's breakdown: each plan against the rest, Holm-adjusted.
        assert app.frames.segments.sort("plan").equals(
            segment_breakdown(workspace.responses, "plan", "nps").sort("plan")
        )
        chart = app.query_one("#chart-segments")
        assert "Enterprise" in chart.text


async def test_surveys_pane_shows_each_kind(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        pane = app.query_one(SurveysPane)
        apptentive = pane.query_one("#apptentive-surveys", FrameView)
        assert apptentive.table is not None
        assert apptentive.table.column("survey").to_pylist() == ["Onboarding survey"]
        bars = str(pane.query_one("#answer-bars").render())
        assert "A friend" in bars
        assert "40 (53%)" in bars
        imports = pane.query_one("#cxi-imports", FrameView).table
        assert imports is not None
        assert imports.column("metric").to_pylist() == ["nps"]


async def test_copy_selection_as_tsv(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.query_one(ResponsesPane).query_one(Grid)
        grid.focus()
        await pilot.press("shift+down", "shift+right", "ctrl+c")
        lines = app.clipboard.splitlines()
        assert lines[0] == "score\tmetric"
        assert len(lines) == 3
        assert "[" not in lines[1]  # markup stripped: the score as shown
