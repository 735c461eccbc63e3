"""The table every pane uses: textual-fastdatatable over an Arrow table, swapped when data changes.

Why fastdatatable with an ArrowBackend: it renders only the rows on screen from Arrow memory,
so a million responses scroll as smoothly as a hundred. Why a sampled backend: the stock one
measures every cell of every column to size the columns, which is most of the cost of showing a
new selection; the first few thousand rows size the columns as well for a person reading them.
Why swap rather than refill: the widget cannot be cleared (its `clear()` says to mount a new
one), so `FrameView.show` mounts a fresh `Grid` in place of the old.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from textual import events
from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable.data_table import DataTable

from workbench.tui.views import as_tsv

MEASURED_ROWS = 2_000
MAX_COLUMN_WIDTH = 60


class SampledBackend(ArrowBackend):
    """An ArrowBackend that sizes its columns from the first `MEASURED_ROWS` rows."""

    @property
    def column_content_widths(self) -> list[int]:
        if not self._column_content_widths:
            head = self.data.slice(0, MEASURED_ROWS)
            self._column_content_widths = [self._measure(column) or 0 for column in head.columns]
        return self._column_content_widths


class Grid(DataTable):
    """A range-cursor table: enter (or a double click) opens the row, ctrl+c copies as TSV."""

    def __init__(self, data: pa.Table | ArrowBackend, **kwargs: Any) -> None:
        super().__init__(
            backend=data if isinstance(data, ArrowBackend) else SampledBackend(data),
            cursor_type="range",
            max_column_content_width=MAX_COLUMN_WIDTH,
            show_row_labels=False,
            zebra_stripes=True,
            **kwargs,
        )

    def action_select_cursor(self) -> None:
        """Enter opens the row under the cursor (the stock range cursor selects nothing)."""
        if self.row_count:
            self.post_message(DataTable.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        if event.chain == 2 and self.row_count:
            self.post_message(DataTable.RowSelected(self, self.cursor_row))

    def selected_tsv(self) -> str:
        """The selected range (or the cursor's row) as TSV with a header line."""
        anchor = self.selection_anchor_coordinate
        cursor = self.cursor_coordinate
        labels = [str(column.label) for column in self.ordered_columns]
        if anchor is None:
            rows = [tuple(self.get_row_at(cursor.row))]
            return as_tsv(labels, rows)
        top, bottom = sorted((anchor.row, cursor.row))
        left, right = sorted((anchor.column, cursor.column))
        rows = [tuple(self.get_row_at(r)[left : right + 1]) for r in range(top, bottom + 1)]
        return as_tsv(labels[left : right + 1], rows)

    def action_copy_selection(self) -> None:
        if not self.row_count:
            return
        text = self.selected_tsv()
        self.app.copy_to_clipboard(text)
        lines = text.count("\n") - 1
        self.notify(f"Copied {lines:,} row{'s' * (lines != 1)} as TSV", timeout=3)


class FrameView(Container):
    """Holds one Grid and replaces it when `show` is given a new table."""

    def __init__(self, empty_message: str = "Nothing to show", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.empty_message = empty_message
        self.table: pa.Table | None = None
        self.backend: ArrowBackend | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.empty_message, classes="empty-note")

    @property
    def grid(self) -> Grid | None:
        found = self.query(Grid)
        return found.first() if found else None

    def show(self, table: pa.Table | ArrowBackend, *, keep_cursor: bool = False) -> None:
        """Show `table` (Arrow display text, or a backend); an empty one shows the note."""
        old = self.grid
        had_focus = old is not None and old.has_focus
        row = old.cursor_row if (old is not None and keep_cursor) else 0
        self.table = table if isinstance(table, pa.Table) else None
        self.backend = table if isinstance(table, ArrowBackend) else None
        rows = table.num_rows if isinstance(table, pa.Table) else table.row_count
        self.remove_children()
        if rows == 0:
            self.mount(Static(self.empty_message, classes="empty-note"))
            return
        grid = Grid(table)
        self.mount(grid)
        if row:
            grid.call_after_refresh(grid.move_cursor, row=min(row, rows - 1))
        if had_focus:
            grid.focus()

    def focus_grid(self) -> None:
        if self.grid is not None:
            self.grid.focus()
