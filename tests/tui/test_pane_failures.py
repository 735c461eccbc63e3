"""Each pane's computation fails alone: the failing pane says why (and what to do) in place of
its content, and every other pane still follows the filter.

The app runs for real over a store on disk; one computation at a time is made to raise (the
function that pane's worker calls), a filter is applied through the filter bar, and each
pane's figures are compared with what the analysis core gives for the filter's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from textual.widgets import Select, Static

from tests.tui.conftest import SIZE, Workspace, expected_rows, settle, submit_filter
from workbench.analysis import Filter, nps
from workbench.analysis.counting import count_line
from workbench.tui.compute import surveys_view
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.widgets.chart import ChartView
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.metric_card import MetricCard
from workbench.tui.widgets.pane_problem import PaneProblem

FILTER = "account:acme"
PANES = ("responses", "dashboard", "tags", "end-users", "surveys")


def boom(what: str) -> Callable[..., Any]:
    def fail(*args: object, **kwargs: object) -> Any:
        raise RuntimeError(f"boom in {what}\nsecond line that must not be shown")

    return fail


def problem(app: Any, pane: str) -> PaneProblem:
    return app.query_one(f"#{pane}-problem", PaneProblem)


def text_of(widget: Static) -> str:
    return str(widget.render())


def assert_says_why(text: str, what: str) -> None:
    assert f"boom in {what}" in text
    assert "What to do:" in text
    assert "second line" not in text
    assert "Traceback" not in text
    assert "\n" not in text


# --- what each pane shows, against the filter's rows ------------------------------------------


def check_responses(app: Any, rows: pl.DataFrame, stored: int) -> None:
    assert app.selection is not None
    assert app.selection.count == rows.height
    count = text_of(app.query_one("#responses-count", Static))
    assert count_line(rows, of=stored) in count  # "500 of 8,479 responses, 12 excluded"
    assert not app.query_one("#responses-pane").has_class("-failed")


def check_dashboard(app: Any, rows: pl.DataFrame) -> None:
    n = nps(rows)["n"][0]
    card = text_of(app.query_one("#card-nps", MetricCard))
    assert f"n = {n:,}" in card
    assert not app.query_one(DashboardPane).has_class("-failed")


def check_tags(app: Any, rows: pl.DataFrame) -> None:
    tags = app.query_one(TagsPane).tags
    carried = rows.select(pl.col("tags").list.unique()).explode("tags").drop_nulls()
    expected = dict(carried.group_by("tags").len().iter_rows())
    shown = {t: n for t, n in tags.select("tag", "responses").iter_rows() if n}
    assert shown == expected
    assert not app.query_one(TagsPane).has_class("-failed")


def check_end_users(app: Any, rows: pl.DataFrame) -> None:
    users = app.query_one(EndUsersPane).users
    expected = rows.group_by("account", "end_user_id").len()
    assert users.height == expected.height
    assert set(users["account"].unique()) == set(rows["account"].unique())
    assert users["responses"].sum() == rows.height
    assert not app.query_one(EndUsersPane).has_class("-failed")


def check_surveys(app: Any, rows: pl.DataFrame) -> None:
    snapshot = app.snapshot
    expected = surveys_view(
        rows,
        snapshot.table("surveys"),
        snapshot.table("survey_answers"),
        snapshot.table("nps_summaries"),
    )
    for widget, frame, column, shown in (
        ("#apptentive-surveys", expected.apptentive, "response_count", "responses"),
        ("#cxi-imports", expected.imports, "selected", "selected"),
    ):
        table = app.query_one(widget, FrameView).table
        assert table is not None, widget
        assert table[shown].to_pylist() == [str(n) for n in frame[column]], widget
    assert not app.query_one("#surveys-pane").has_class("-failed")


CHECKS = {
    "responses": check_responses,
    "dashboard": check_dashboard,
    "tags": check_tags,
    "end-users": check_end_users,
    "surveys": check_surveys,
}


def check_all_but(app: Any, failing: str | set[str], rows: pl.DataFrame, stored: int) -> None:
    skipped = {failing} if isinstance(failing, str) else failing
    for pane in PANES:
        if pane in skipped:
            continue
        assert not problem(app, pane).shown, pane
        if pane == "responses":
            check_responses(app, rows, stored)
        else:
            CHECKS[pane](app, rows)


# --- one pane at a time -----------------------------------------------------------------------

FAILING = [
    ("responses", "workbench.tui.panes.responses.ResponsesBackend"),
    ("dashboard", "workbench.tui.jobs.dashboard"),
    ("tags", "workbench.tui.jobs.tags_view"),
    ("end-users", "workbench.tui.jobs.end_users_view"),
    ("surveys", "workbench.tui.jobs.surveys_view"),
]


@pytest.mark.parametrize(("pane", "target"), FAILING, ids=[p for p, _ in FAILING])
async def test_each_pane_fails_alone_and_says_why(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, pane: str, target: str
) -> None:
    rows = expected_rows(workspace, FILTER)
    stored = workspace.responses.height
    assert 0 < rows.height < stored
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(target, boom(pane))
        await submit_filter(pilot, FILTER)

        shown = problem(app, pane)
        assert shown.shown
        assert_says_why(shown.reason, pane)
        assert app.query_one(f"#{pane}-pane").has_class("-failed")
        assert app.filter == Filter.parse(FILTER)  # the filter was applied; one pane failed
        check_all_but(app, pane, rows, stored)

        # The next filter, with the computation working again, clears the failure.
        monkeypatch.undo()
        await submit_filter(pilot, "account:globex")
        assert not problem(app, pane).shown
        assert not app.query_one(f"#{pane}-pane").has_class("-failed")
        check_all_but(app, "", expected_rows(workspace, "account:globex"), stored)


async def test_a_pane_that_fails_to_show_its_figures_fails_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure on the UI side (the pane's `show`) is contained the same way."""
    rows = expected_rows(workspace, FILTER)
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(TagsPane, "show", boom("tags"))
        await submit_filter(pilot, FILTER)
        assert_says_why(problem(app, "tags").reason, "tags")
        check_all_but(app, "tags", rows, workspace.responses.height)


async def test_export_refuses_a_failed_pane_instead_of_writing_stale_rows(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr("workbench.tui.jobs.end_users_view", boom("end-users"))
        await submit_filter(pilot, FILTER)
        await pilot.press("escape")  # out of the bar, as a person does, so "2" switches panes
        await settle(pilot)
        await pilot.press("2")
        assert app.active_pane == "end-users"
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # no export dialog
        assert any("End users could not be computed" in n.message for n in app._notifications)


# --- the dashboard's figures fail one by one --------------------------------------------------

FIGURES = [
    # (figure, function it uses, charts that fail, other panes that use the same function)
    ("trend", "workbench.tui.compute.trend", ["trend"], {"surveys"}),
    ("distribution", "workbench.tui.compute.score_distribution", ["distribution"], set()),
    ("impact", "workbench.tui.compute.tag_impact", ["impact"], {"tags"}),
    (
        "charts",
        "workbench.tui.jobs.build_charts",
        ["trend", "distribution", "segments", "impact"],
        set(),
    ),
]


@pytest.mark.parametrize(
    ("what", "target", "charts", "sharing"), FIGURES, ids=[f[0] for f in FIGURES]
)
async def test_one_dashboard_figure_failing_leaves_the_cards_and_other_charts(
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    what: str,
    target: str,
    charts: list[str],
    sharing: set[str],
) -> None:
    rows = expected_rows(workspace, FILTER)
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        app.query_one("#segment-select", Select).value = "plan"
        await settle(pilot)
        monkeypatch.setattr(target, boom(what))
        await submit_filter(pilot, FILTER)

        assert not problem(app, "dashboard").shown
        check_dashboard(app, rows)  # the cards are there
        for view in app.query(ChartView):
            if view.chart in charts:
                assert view.has_class("-failed"), view.chart
                assert_says_why(view.problem, what)
            else:
                assert not view.has_class("-failed"), view.chart
                assert view.text, view.chart
        for pane in sharing:  # a pane computed with the same function fails too, alone
            assert_says_why(problem(app, pane).reason, what)
        check_all_but(app, {"dashboard", *sharing}, rows, workspace.responses.height)


async def test_one_metric_card_failing_leaves_the_other_cards(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr("workbench.tui.compute.csat", boom("csat"))
        await submit_filter(pilot, FILTER)
        failed = app.query_one("#card-csat", MetricCard)
        assert failed.has_class("-failed")
        assert_says_why(text_of(failed), "csat")
        for metric in ("nps", "ces"):
            card = app.query_one(f"#card-{metric}", MetricCard)
            assert not card.has_class("-failed")
            assert "n = " in text_of(card)


# --- the cause of the stale panes in issue 10 -------------------------------------------------


async def test_a_metric_with_no_scores_says_so_and_nothing_fails(workspace: Workspace) -> None:
    """CSAT by plan on a selection without CSAT scores (the demo's `account:acme-ios`): the
    segment chart raised ColumnNotFoundError "nps" and every pane after it kept old figures."""
    text = "metric:nps"
    rows = expected_rows(workspace, text)
    assert rows.height
    assert set(rows["metric"].unique()) == {"nps"}
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        app.query_one("#metric-select", Select).value = "csat"
        await settle(pilot)
        app.query_one("#segment-select", Select).value = "plan"
        await settle(pilot)
        await submit_filter(pilot, text)

        assert not app.failures
        assert "no CSAT scores in this selection" in text_of(app.query_one("#card-csat"))
        for view in app.query(ChartView):
            assert not view.has_class("-failed"), view.chart
            assert "no CSAT scores in this selection" in view.text, view.chart
        check_all_but(app, "", rows, workspace.responses.height)
