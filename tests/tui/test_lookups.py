"""The app's widget lookups: `pane` finds the main screen's widget under a dialog and raises
when there is none; a worker's result that arrives once the panes are gone is dropped."""

from __future__ import annotations

import polars as pl
import pytest
from textual.css.query import NoMatches
from textual.widgets import Markdown, TabbedContent

from tests.tui.conftest import SIZE, Workspace, settle
from workbench.tui.messages import SyncCrashed, TagsReady
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.screens.help import HelpScreen


async def test_pane_reads_the_main_screen_under_a_dialog(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_help()
        await pilot.pause()
        main = app.pane(ResponsesPane)
        assert app.pane_or_none(ResponsesPane) is main
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one(Markdown)  # the help's own, not the main screen's
        with pytest.raises(NoMatches):
            app.pane(Markdown)
        assert app.pane_or_none(Markdown) is None


async def test_a_result_arriving_after_the_panes_are_gone_is_dropped(
    workspace: Workspace,
) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.pane(TabbedContent).remove()  # as when the app shuts down
        await pilot.pause()
        assert app.pane_or_none(TagsPane) is None
        failures = dict(app.failures)
        app.post_message(TagsReady(pl.DataFrame({"tag": ["LATE"]}), app.generation))
        app.post_message(SyncCrashed("late"))
        await pilot.pause()
        assert app.failures == failures  # nothing shown, nothing failed
        assert app.active_pane == ""
        assert all(n.message != "late" for n in app._notifications)
