"""The Responses pane: every selected response, newest first, score coloured by category.

The table reads the stored responses through a row index (`ResponsesBackend`), so its view
sorts, searches and exports by that index rather than by a frame of shown rows.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import polars as pl
import pyarrow as pa
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Static
from textual_fastdatatable.data_table import DataTable

from workbench.analysis.counting import Counts, count_line
from workbench.tui import acting, tables
from workbench.tui.messages import ShowResponse
from workbench.tui.selection import Selection
from workbench.tui.views import RESPONSE_COLUMNS, ScoreColours
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.responses_backend import SOURCE_COLUMNS, ResponsesBackend

COLUMNS = dict(zip(SOURCE_COLUMNS, RESPONSE_COLUMNS, strict=True))
"""Stored column -> header, in the order shown."""


class ResponsesView(FrameView):
    """The responses table: `rows` (snapshot positions, in the order shown) over `source`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.all_columns = dict(COLUMNS)
        self.columns = dict(COLUMNS)
        self.arrow: pa.Table | None = None
        self.given = pl.Series("row", [], pl.UInt32)
        """The selection's rows, newest first, before the view's sort."""
        self.rows = pl.Series("row", [], pl.UInt32)
        self.colours: ScoreColours | None = None

    def show_rows(
        self, source: pa.Table, rows: pl.Series, colours: ScoreColours, **options: Any
    ) -> None:
        self.arrow, self.given, self.colours = source, rows, colours
        self.arrange_columns()
        keys = [c for c, _ in self.sort_keys]
        self.rows = rows
        if keys and rows.len():
            order = tables.sort_order(
                cast(pl.DataFrame, pl.from_arrow(source.select(keys)))[rows], self.sort_keys
            )
            if order is not None:
                self.rows = rows.gather(order)
        labels = list(self.labels().values())
        backend = ResponsesBackend(
            source, self.rows.to_arrow(), colours, labels, list(self.columns)
        )
        self.show(backend, **options)

    def redraw(self) -> None:
        if self.arrow is not None and self.colours is not None:
            self.show_rows(self.arrow, self.given, self.colours, keep_cursor=True)

    def _responses(self) -> pl.DataFrame:
        return self.app.snapshot.responses  # type: ignore[attr-defined]

    def cell_value(self, row: int, column: str) -> Any:
        if self.arrow is None or not 0 <= row < self.rows.len():
            return None
        return self.arrow.column(column)[int(self.rows[row])].as_py()

    def rows_frame(self, rows: list[int]) -> pl.DataFrame:
        positions = self.rows.gather([r for r in rows if r < self.rows.len()])
        return self._responses()[positions]

    def frequency_input(self) -> tuple[pl.DataFrame, bool]:
        return self.app.selected, True  # type: ignore[attr-defined]

    def search_frame(self) -> pl.DataFrame:
        if self.arrow is None:
            return pl.DataFrame()
        return cast(pl.DataFrame, pl.from_arrow(self.arrow))[self.rows]

    @property
    def export_name(self) -> str:
        return "responses"


class ResponsesPane(Vertical):
    """A count line and the table; enter or a double click opens a response. The write
    actions on the selected responses (`acting.bindings`) are on its keys."""

    BINDINGS: ClassVar[list[BindingType]] = [*acting.bindings("responses")]

    def compose(self) -> ComposeResult:
        yield Static("Loading responses…", classes="pane-status", id="responses-count")
        yield ResponsesView("No responses match the filter.", id="responses-table")

    @property
    def rows(self) -> pl.Series:
        """For each shown row (in the order shown), its position in the snapshot."""
        return self.query_one(ResponsesView).rows

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
        counted = Counts(selection.count, selection.excluded)
        count = count_line(counted, of=None if selection.filter.is_empty() else total)
        self.query_one("#responses-count", Static).update(
            count + "   [dim]enter: details · ctrl+p: actions[/]"
        )
        self.query_one(ResponsesView).show_rows(
            source, selection.rows, colours, keep_cursor=keep_cursor
        )

    @on(DataTable.RowSelected)
    def open_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < self.rows.len():
            self.post_message(ShowResponse(int(self.rows[event.cursor_row])))

    def focus_table(self) -> None:
        self.query_one(FrameView).focus_grid()
