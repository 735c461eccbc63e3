"""The frequency table of one column (VisiData's shift+F): each value with its count, share
and, for responses, the NPS of its rows with the 95% interval; enter filters by the value.

The counts are `workbench.tui.tables.frequency` (a polars group_by of the selection) and the
NPS is `workbench.analysis.nps` by the column, so they equal what the analysis core says.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual_fastdatatable.data_table import DataTable

from workbench.tui.widgets.grid import FrameView

LABELS = {
    "count": "count",
    "share": "% of rows",
    "n": "NPS n",
    "nps": "NPS",
    "ci_low": "CI low",
    "ci_high": "CI high",
}


class FrequencyScreen(ModalScreen[tuple[Any] | None]):
    """Dismisses with `(value,)` chosen by enter, or None (escape)."""

    AUTO_FOCUS = "*"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, column: str, label: str, counts: pl.DataFrame, rows: int) -> None:
        super().__init__(classes="dialog-screen")
        self.column = column
        self.label = label
        self.counts = counts
        self.rows = rows
        self.has_nps = "nps" in counts.columns

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="frequency-dialog"):
            yield Static(
                f"{self.label}: {self.counts.height:,} values in {self.rows:,} rows",
                classes="dialog-title",
                markup=False,
            )
            yield Static(
                "enter: filter by the value · [ ] sort · escape: close"
                + (" · NPS of each value's responses, 95% interval" if self.has_nps else ""),
                classes="dialog-text",
                markup=False,
            )
            yield FrameView("No values.", tools=False, id="frequency-table")

    def on_mount(self) -> None:
        view = self.query_one(FrameView)
        columns = {self.column: self.label} | {
            c: label for c, label in LABELS.items() if c in self.counts.columns
        }
        view.show_frame(self.counts, columns)
        view.focus_grid()
        self.call_after_refresh(view.focus_grid)

    @on(DataTable.RowSelected)
    def chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        frame = self.query_one(FrameView).frame
        if frame is not None and 0 <= event.cursor_row < frame.height:
            self.dismiss((frame[event.cursor_row, self.column],))
