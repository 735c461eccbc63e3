"""The Responses pane: every selected response, newest first, score coloured by category."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_fastdatatable.data_table import DataTable

from workbench.analysis.counting import Counts, count_line
from workbench.tui.messages import ShowResponse
from workbench.tui.selection import Selection
from workbench.tui.views import ScoreColours
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.responses_backend import ResponsesBackend


class ResponsesPane(Vertical):
    """A count line and the table; enter or a double click opens a response."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows = pl.Series("row", [], pl.UInt32)

    def compose(self) -> ComposeResult:
        yield Static("Loading responses…", classes="pane-status", id="responses-count")
        yield FrameView("No responses match the filter.", id="responses-table")

    def show(
        self,
        selection: Selection,
        total: int,
        source: pa.Table,
        colours: ScoreColours,
        *,
        keep_cursor: bool = False,
    ) -> None:
        """Show the selected rows of `source`; `total` is the number stored, for the count."""
        self.rows = selection.rows
        counted = Counts(selection.count, selection.excluded)
        count = count_line(counted, of=None if selection.filter.is_empty() else total)
        self.query_one("#responses-count", Static).update(
            count + "   [dim]enter: details · ctrl+c: copy · ctrl+e: export[/]"
        )
        backend = ResponsesBackend(source, selection.rows.to_arrow(), colours)
        self.query_one(FrameView).show(backend, keep_cursor=keep_cursor)

    @on(DataTable.RowSelected)
    def open_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < self.rows.len():
            self.post_message(ShowResponse(int(self.rows[event.cursor_row])))

    def focus_table(self) -> None:
        self.query_one(FrameView).focus_grid()
