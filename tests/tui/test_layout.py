"""Layout and keys at 80x24 and 160x48: the dashboard scrolls with readable charts, the welcome
buttons keep their labels, Escape leaves inputs, digits typed in an input stay there, the
end-user detail lists responses, declines and page views, Unix dates in properties read as dates."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from textual.widgets import Input

from tests.tui.conftest import Workspace, settle
from workbench.settings import load_settings, save_settings, settings_from
from workbench.tui import WorkbenchApp
from workbench.tui.messages import ShowEndUser
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.screens.account_form import AccountFormScreen
from workbench.tui.screens.end_user_detail import EndUserScreen
from workbench.tui.screens.response_detail import properties_text, unix_date
from workbench.tui.screens.welcome import WelcomeScreen
from workbench.tui.widgets.chart import ChartView
from workbench.tui.widgets.filter_bar import FilterBar
from workbench.tui.widgets.sync_panel import short_status

SIZES = [(80, 24), (160, 48)]


def screen_text(app: WorkbenchApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize("size", SIZES)
async def test_dashboard_scrolls_with_readable_charts(
    workspace: Workspace, size: tuple[int, int]
) -> None:
    app = workspace.app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        pane = app.query_one(DashboardPane)
        charts = list(pane.query(ChartView))
        assert len(charts) == 4
        assert all(chart.outer_size.height >= 12 for chart in charts), [
            c.outer_size for c in charts
        ]
        assert all(chart.chart_size[1] >= 11 for chart in charts)
        text = screen_text(app)
        assert "Metric" in text
        assert "Trend" in text
        assert "Segment" in text
        if size == (80, 24):
            assert pane.max_scroll_y > 0
            assert app.focused is pane
            await pilot.press("end")
            await pilot.pause()
            assert pane.scroll_y > 0


@pytest.mark.parametrize("size", SIZES)
async def test_welcome_buttons_show_their_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = tmp_path / "config.toml"
    save_settings(settings_from({"store_dir": str(tmp_path / "empty-store")}), config)
    app = WorkbenchApp(load_settings(config, environ={}), config_file=config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        for label in ("Start the demo", "Add an account", "Quit"):
            assert label in text
        await pilot.press("a")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)
        assert app.focused is app.screen.query_one("#field-name", Input)
        text = screen_text(app)
        assert "Save" in text
        assert "Cancel" in text


async def test_escape_leaves_the_filter_bar_and_digits_stay_in_inputs(
    workspace: Workspace,
) -> None:
    app = workspace.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        bar = app.query_one(FilterBar)
        assert app.focused is bar.input
        await pilot.press("1", "2")
        assert bar.input.value == "12"
        assert app.active_pane == "responses"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        await pilot.press("2")
        assert app.active_pane == "end-users"
        search = app.query_one("#end-user-search", Input)
        search.focus()
        await pilot.press("4")
        assert search.value == "4"
        assert app.active_pane == "end-users"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        await pilot.press("6")
        assert app.active_pane == "dashboard"


async def test_filter_text_kept_as_typed_and_placeholder_is_an_example(
    workspace: Workspace,
) -> None:
    app = workspace.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        bar = app.query_one(FilterBar)
        assert bar.input.placeholder.startswith("e.g.")
        await pilot.press("slash")
        typed = "score:detractors tag:PRICING"
        bar.input.value = typed
        await pilot.press("enter")
        await settle(pilot)
        assert bar.input.value == typed
        assert app.filter.to_text()


async def test_end_user_detail_lists_responses_declines_and_page_views(
    workspace: Workspace,
) -> None:
    app = workspace.app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        declines = app.snapshot.table("declines")
        row = declines.row(0, named=True)
        app.post_message(ShowEndUser(row["account"], row["end_user_id"]))
        await settle(pilot)
        assert isinstance(app.screen, EndUserScreen)
        screen = app.screen
        expected = app.snapshot.responses.filter(
            (pl.col("account") == row["account"]) & (pl.col("end_user_id") == row["end_user_id"])
        )
        assert screen.responses.height == expected.height
        assert screen.declines.height >= 1
        text = screen_text(app)
        assert "Responses (" in text
        assert "Declines (" in text
        assert "Page views (" in text


def test_unix_dates_in_properties_read_as_dates() -> None:
    assert unix_date("purchase_date", 1709596800) == "2024-03-05"
    assert unix_date("purchase_date", "1709596800000") == "2024-03-05"
    assert unix_date("revenue_amount", 1709596800) is None
    assert unix_date("purchase_date", 12) is None
    text = properties_text({"purchase_date": 1709596800, "plan": "Pro"})
    assert "2024-03-05" in text
    assert "Pro" in text


def test_waiting_messages_shorten_for_a_narrow_panel() -> None:
    assert (
        short_status("waiting for process 1234 (workbench sync) since 21:04:05")
        == "waits for pid 1234 since 21:04:05"
    )
    assert (
        short_status("waiting for the rate window until 14:02:07") == "rate window until 14:02:07"
    )


@pytest.mark.parametrize("size", SIZES)
async def test_the_filter_example_and_the_tags_note_show_whole(
    workspace: Workspace, size: tuple[int, int]
) -> None:
    app = workspace.app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.query_one(FilterBar)
        assert bar.input.placeholder in screen_text(app)
        await pilot.press("4")
        await settle(pilot)
        words = " ".join(screen_text(app).split())
        assert "responses include excluded ones, NPS n does not" in words
