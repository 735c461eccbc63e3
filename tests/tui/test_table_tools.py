"""The table tools on a real store: sort, frequency table, filter from a cell, filter history,
search, go to row and export of the highlighted rows, each checked against polars."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import SIZE, Workspace, settle
from workbench.analysis import Condition, Filter, nps, read_csv
from workbench.tui.commands import keys_markdown
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane, ResponsesView
from workbench.tui.screens.export import ExportScreen
from workbench.tui.screens.frequency import FrequencyScreen
from workbench.tui.screens.help import help_text
from workbench.tui.screens.prompt import PromptScreen
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.table import Grid

ACCOUNT, SCORE, METRIC = 5, 0, 1


def grid_of(app: object) -> Grid:
    grid = app.query_one(ResponsesPane).query_one(Grid)  # type: ignore[attr-defined]
    grid.focus()
    return grid


def shown(app: object) -> pl.DataFrame:
    """The responses in the order the table shows them."""
    pane = app.query_one(ResponsesPane)  # type: ignore[attr-defined]
    return app.snapshot.responses[pane.rows]  # type: ignore[attr-defined]


def assert_sorted_account_then_score(frame: pl.DataFrame) -> None:
    keys = frame.select("account", "score", "created_at").with_row_index()
    expected = keys.sort(
        ["account", "score", "created_at"],
        descending=[False, True, True],
        nulls_last=True,
        maintain_order=True,
    )
    assert keys["account"].to_list() == expected["account"].to_list()
    assert keys["score"].to_list() == expected["score"].to_list()


async def test_sort_keys_in_header_and_after_a_filter_change(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        grid.move_cursor(column=ACCOUNT)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        accounts = shown(app)["account"].to_list()
        assert accounts == sorted(accounts)
        grid = grid_of(app)
        grid.move_cursor(column=SCORE)
        await pilot.pause()
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert_sorted_account_then_score(shown(app))
        labels = [str(c.label) for c in grid_of(app).ordered_columns]
        assert labels[ACCOUNT] == "account ▲1"
        assert labels[SCORE] == "score ▼2"
        app.set_filter(Filter.parse("metric:nps"))
        await settle(pilot)
        after = shown(app)
        assert after.height == workspace.responses.filter(pl.col("metric") == "nps").height
        assert_sorted_account_then_score(after)
        assert [str(c.label) for c in grid_of(app).ordered_columns][SCORE] == "score ▼2"
        # the same key again, the same way, takes it off; a header click sorts alone
        grid = grid_of(app)
        grid.move_cursor(column=SCORE)
        await pilot.pause()
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert app.query_one(ResponsesView).sort_keys == [("account", False)]
        app.query_one(ResponsesView).sort_by(SCORE, click=True)
        await settle(pilot)
        scores = shown(app)["score"].to_list()
        assert scores == sorted(scores, key=lambda s: (s is None, s))


async def test_sort_in_a_frame_pane(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        view = app.query_one(EndUsersPane).query_one(FrameView)
        grid = view.grid
        assert grid is not None
        grid.focus()
        grid.move_cursor(column=list(view.columns).index("email"))
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert view.frame is not None
        emails = view.frame["email"].to_list()
        users = app.query_one(EndUsersPane).shown
        assert emails == users.sort("email", descending=True, nulls_last=True)["email"].to_list()
        grid = view.grid
        assert grid is not None
        first = grid.get_row_at(0)[list(view.columns).index("email")]
        assert first == view.frame["email"][0]


async def frequency_of(pilot: Pilot[None], column: int) -> FrequencyScreen:
    """The frequency table (`F`) of the Responses column at `column`."""
    grid_of(pilot.app).move_cursor(column=column)
    await pilot.pause()
    await pilot.press("F")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FrequencyScreen)
    return screen


def assert_counts(screen: FrequencyScreen, rows: pl.DataFrame, column: str) -> None:
    """The frequency table counts each value of `column` as `rows` hold it."""
    expected = rows.group_by(column).len()
    got = dict(zip(screen.counts[column], screen.counts["count"], strict=True))
    assert got == dict(zip(expected[column], expected["len"], strict=True))


async def test_frequency_table_counts_and_filter(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await frequency_of(pilot, ACCOUNT)
        assert_counts(screen, workspace.responses, "account")
        scores = nps(workspace.responses, by="account")
        for row in scores.iter_rows(named=True):
            mine = screen.counts.filter(pl.col("account") == row["account"]).row(0, named=True)
            assert mine["nps"] == row["nps"]
            assert (mine["ci_low"], mine["ci_high"]) == (row["ci_low"], row["ci_high"])
        first = screen.counts["account"][0]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        assert Condition(field="account", op="=", values=[first]) in app.filter.conditions
        wanted = workspace.responses.filter(pl.col("account") == first).height
        assert app.query_one(ResponsesPane).rows.len() == wanted


async def test_frequency_of_tags_counts_each_tag(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await frequency_of(pilot, 3)
        assert_counts(screen, workspace.responses.explode("tags"), "tags")


async def test_frequency_of_the_score_gives_each_scores_nps(workspace: Workspace) -> None:
    """The score is the NPS's own input: counted by it, each score's rows have their NPS."""
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await frequency_of(pilot, SCORE)
        assert_counts(screen, workspace.responses, "score")
        scored = workspace.responses.with_columns(pl.col("score").alias("value"))
        for row in nps(scored, by="value").iter_rows(named=True):
            mine = screen.counts.filter(pl.col("score") == row["value"]).row(0, named=True)
            assert (mine["n"], mine["nps"]) == (row["n"], row["nps"])


async def test_filter_from_a_cell_and_undo_redo(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_cursor(row=0, column=METRIC)
        await pilot.pause()
        metric = shown(app)["metric"][0]
        await pilot.press("equals_sign")
        await settle(pilot)
        assert app.filter.to_text() == f"metric={metric}"
        assert shown(app).height == workspace.responses.filter(pl.col("metric") == metric).height
        grid_of(app).move_cursor(row=0, column=ACCOUNT)
        await pilot.pause()
        account = shown(app)["account"][0]
        await pilot.press("minus")
        await settle(pilot)
        assert app.filter.to_text() == f"metric={metric} account!={account}"
        expected = workspace.responses.filter(
            (pl.col("metric") == metric) & (pl.col("account") != account)
        )
        assert shown(app).height == expected.height
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.filter.to_text() == f"metric={metric}"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.filter.is_empty()
        assert shown(app).height == workspace.responses.height
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.filter.to_text() == f"metric={metric}"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.filter.to_text() == f"metric={metric} account!={account}"
        assert shown(app).height == expected.height


async def test_search_and_go_to_row(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        frame = shown(app)
        term = "globex"
        matches = [i for i, a in enumerate(frame["account"]) if term in a.lower()]
        assert len(matches) >= 2
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*term, "enter")
        await settle(pilot)
        grid = grid_of(app)
        assert grid.cursor_row == matches[0]
        await pilot.press("f3")
        await pilot.pause()
        assert grid.cursor_row == matches[1]
        await pilot.press("shift+f3")
        await pilot.pause()
        assert grid.cursor_row == matches[0]
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("4", "2", "enter")
        await settle(pilot)
        assert grid_of(app).cursor_row == 41


async def test_export_the_highlighted_rows(workspace: Workspace, tmp_path: Path) -> None:
    app = workspace.app()
    target = tmp_path / "highlighted.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_cursor(row=2, column=0)
        await pilot.pause()
        await pilot.press("shift+down", "shift+down", "shift+down")
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.rows == 4
        app.screen.query_one("#export-path", Input).value = str(target)
        app.screen.query_one("#export-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        written = read_csv(target)
        assert written["id"].to_list() == shown(app)["id"][2:6].to_list()


async def test_every_tool_is_in_the_palette_and_the_help(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title: c.help for c in app.palette_commands()}
        for binding in Grid.BINDINGS:
            title = f"Table: {binding.description}"  # type: ignore[union-attr]
            assert title in titles
            assert app.get_key_display(binding) in titles[title]  # type: ignore[arg-type]
            assert binding.description in help_text(app)  # type: ignore[union-attr]
        assert "Undo filter" in titles
        assert "Redo filter" in titles
        undo = next(b for b in app.BINDINGS if getattr(b, "action", "") == "undo_filter")
        assert f"| `{app.get_key_display(undo)}` | Undo filter |" in keys_markdown(app)  # type: ignore[arg-type]
        grid_of(app).move_cursor(column=ACCOUNT)
        titles_run = {c.title: c.run for c in app.palette_commands()}
        titles_run["Table: Sort ascending by this column"]()
        await settle(pilot)
        accounts = shown(app)["account"].to_list()
        assert accounts == sorted(accounts)


async def test_columns_hide_move_and_kept_per_table(workspace: Workspace) -> None:
    from workbench.tui.preferences import TableColumns

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_cursor(column=METRIC)
        await pilot.pause()
        await pilot.press("H")
        await settle(pilot)
        labels = [str(c.label) for c in grid_of(app).ordered_columns]
        assert labels == ["score", "comment", "tags", "date", "account"]
        grid_of(app).move_cursor(column=4)
        await pilot.pause()
        await pilot.press("less_than_sign")
        await settle(pilot)
        grid = grid_of(app)
        assert [str(c.label) for c in grid.ordered_columns][3:] == ["account", "date"]
        first = shown(app).row(0, named=True)
        assert grid.get_row_at(0)[3] == first["account"]
        assert grid.get_row_at(0)[4] == f"{first['created_at']:%Y-%m-%d %H:%M}"
        assert TableColumns().get("responses-table") == [
            "score",
            "text",
            "tags",
            "account",
            "created_at",
        ]
    again = workspace.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        labels = [str(c.label) for c in grid_of(again).ordered_columns]
        assert labels == ["score", "comment", "tags", "account", "date"]
        await pilot.press("U")
        await settle(pilot)
        labels = [str(c.label) for c in grid_of(again).ordered_columns]
        assert labels == ["score", "metric", "comment", "tags", "date", "account"]
        assert TableColumns().get("responses-table") is None


async def test_a_click_on_a_header_sorts(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(grid_of(app), offset=(2, 0))
        await settle(pilot)
        assert app.query_one(ResponsesView).sort_keys == [("score", False)]
        scores = shown(app)["score"].to_list()
        assert scores == sorted(scores, key=lambda s: (s is None, s))
        assert str(grid_of(app).ordered_columns[SCORE].label) == "score ▲"
        await pilot.click(grid_of(app), offset=(2, 0))
        await settle(pilot)
        assert app.query_one(ResponsesView).sort_keys == [("score", True)]


async def test_tags_frequency_filters_by_tag_and_palette_undo(workspace: Workspace) -> None:
    from workbench.tui.panes.tags import TagsPane

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        view = app.query_one(TagsPane).query_one(FrameView)
        assert view.grid is not None
        view.grid.focus()
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FrequencyScreen)
        tag = app.screen.counts["tag"][0]
        await pilot.press("enter")
        await settle(pilot)
        assert app.filter.tags_any == [tag]
        expected = workspace.responses.filter(pl.col("tags").list.contains(tag)).height
        assert app.query_one(ResponsesPane).rows.len() == expected
        run = {c.title: c.run for c in app.palette_commands()}
        run["Undo filter"]()
        await settle(pilot)
        assert app.filter.is_empty()
        run["Redo filter"]()
        await settle(pilot)
        assert app.filter.tags_any == [tag]


async def test_widen_and_narrow_a_column_kept_per_table(workspace: Workspace) -> None:
    from workbench.tui.preferences import TableColumns

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        before = grid.ordered_columns[2].render_width
        grid.move_cursor(column=2)
        await pilot.pause()
        await pilot.press("w")
        await settle(pilot)
        assert grid_of(app).ordered_columns[2].render_width == before + 10
        await pilot.press("W", "W")
        await settle(pilot)
        assert grid_of(app).ordered_columns[2].render_width == before - 10
        assert TableColumns().widths("responses-table") == {"text": before - 12}
    again = workspace.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert grid_of(again).ordered_columns[2].render_width == before - 10
        await pilot.press("U")
        await settle(pilot)
        assert grid_of(again).ordered_columns[2].render_width == before
        assert TableColumns().widths("responses-table") == {}


async def test_expand_a_long_column_in_place(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = grid_of(app)
        usual = grid.ordered_columns[2].render_width
        longest = grid.ordered_columns[2].content_width
        grid.move_cursor(column=2)
        await pilot.pause()
        await pilot.press("underscore")
        await settle(pilot)
        assert grid_of(app).ordered_columns[2].render_width == max(3, longest) + 2
        await pilot.press("underscore")
        await settle(pilot)
        assert grid_of(app).ordered_columns[2].render_width == usual


LONG_COMMENT = (
    "The export to the finance team worked, but the dashboard took a minute to load and the "
    "price went up again this quarter.\nPlease keep the old plan for small teams."
)


async def test_wrap_shows_the_cursor_rows_cut_text_whole(workspace: Workspace) -> None:
    from workbench.data.store import Store
    from workbench.tui.widgets.grid import WrappedRow

    acme = workspace.responses.filter(pl.col("account") == "acme")
    newest = acme.sort("created_at", descending=True)["id"][0]
    Store(workspace.store).account("acme").replace(
        "responses",
        acme.with_columns(
            pl.when(pl.col("id") == newest)
            .then(pl.lit(LONG_COMMENT))
            .otherwise(pl.col("text"))
            .alias("text")
        ),
    )
    app = workspace.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.query_one(ResponsesView)
        comments = shown(app)["text"].to_list()
        row = comments.index(LONG_COMMENT)
        grid_of(app).move_cursor(row=row, column=2)
        await pilot.pause()
        assert not view.query(WrappedRow)
        await pilot.press("v")
        await settle(pilot)
        panel = view.query_one(WrappedRow)
        assert str(panel.render()) == f"comment: {LONG_COMMENT}"
        assert panel.size.height >= 3  # wrapped across several lines, not cut at the edge
        # a short comment is not cut: the row says so; narrowed, it is shown whole
        short = next(i for i, c in enumerate(comments) if c and i != row)
        grid_of(app).move_cursor(row=short)
        await settle(pilot)
        assert "nothing in it is cut" in str(panel.render())
        await pilot.press(*"W" * 6)  # narrowed to its least
        await settle(pilot)
        panel = app.query_one(ResponsesView).query_one(WrappedRow)
        assert str(panel.render()) == f"comment: {comments[short]}"
        await pilot.press("v")
        await settle(pilot)
        assert not app.query_one(ResponsesView).query(WrappedRow)


async def test_undo_and_redo_do_nothing_to_the_filter_inside_an_input(
    workspace: Workspace,
) -> None:
    from tests.tui.conftest import submit_filter
    from workbench.tui.widgets.filter_bar import FilterBar

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit_filter(pilot, "metric:nps")
        await submit_filter(pilot, "metric:nps account:acme")
        applied = app.filter.to_text()
        assert applied != Filter.parse("metric:nps").to_text()
        bar = app.query_one(FilterBar)
        bar.input.focus()
        await pilot.pause()
        bar.input.value = ""
        await pilot.press(*"score:9")
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+y")
        await settle(pilot)
        assert app.filter.to_text() == applied
        assert app.history.current.to_text() == applied
        assert bar.input.value == "score:9"
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.focused, Input)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.filter.to_text() == Filter.parse("metric:nps").to_text()


async def test_sort_keys_kept_per_table_across_a_restart_and_a_filter(
    workspace: Workspace,
) -> None:
    from workbench.tui.panes.tags import TagsPane
    from workbench.tui.preferences import TableColumns

    def tags_view(app: object) -> FrameView:
        return app.query_one(TagsPane).query_one(FrameView)  # type: ignore[attr-defined]

    def assert_tags_sorted(view: FrameView) -> None:
        assert view.frame is not None
        keys = view.frame.select("responses", "tag")
        expected = keys.sort(["responses", "tag"], descending=[True, False], nulls_last=True)
        assert keys.to_dicts() == expected.to_dicts()

    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid_of(app).move_cursor(column=SCORE)
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        view = tags_view(app)
        assert view.grid is not None
        view.grid.focus()
        view.grid.move_cursor(column=1)
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        view.grid.move_cursor(column=0)  # type: ignore[union-attr]
        await pilot.pause()
        await pilot.press("left_curly_bracket")
        await settle(pilot)
        assert TableColumns().sort("tags-table") == [("responses", True), ("tag", False)]
        assert TableColumns().sort("responses-table") == [("score", True)]
    again = workspace.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        scores = shown(again)["score"].to_list()
        assert scores == sorted(scores, key=lambda s: (s is not None, s), reverse=True)
        assert str(grid_of(again).ordered_columns[SCORE].label) == "score ▼"
        await pilot.press("4")
        await settle(pilot)
        view = tags_view(again)
        assert view.sort_keys == [("responses", True), ("tag", False)]
        assert_tags_sorted(view)
        assert view.grid is not None
        assert [str(c.label) for c in view.grid.ordered_columns][:2] == ["tag ▲2", "responses ▼1"]
        again.set_filter(Filter.parse("metric:nps account:acme"))
        await settle(pilot)
        view = tags_view(again)
        assert view.sort_keys == [("responses", True), ("tag", False)]
        assert_tags_sorted(view)
        scores = shown(again)["score"].to_list()
        assert scores == sorted(scores, key=lambda s: (s is not None, s), reverse=True)


async def test_a_click_on_a_header_sorts_a_frame_pane(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        view = app.query_one(EndUsersPane).query_one(FrameView)
        assert view.grid is not None
        x = view.grid.ordered_columns[0].render_width + 2  # inside the second header
        second = list(view.columns)[1]
        await pilot.click(view.grid, offset=(x, 0))
        await settle(pilot)
        assert view.sort_keys == [(second, False)]
        assert view.frame is not None
        values = view.frame[second].to_list()
        assert values == sorted(values, key=lambda v: (v is None, v))
        assert view.grid is not None
        assert str(view.grid.ordered_columns[1].label).endswith("▲")
        await pilot.click(view.grid, offset=(x, 0))
        await settle(pilot)
        assert view.sort_keys == [(second, True)]
