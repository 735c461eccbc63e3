"""The table widget: textual-fastdatatable over Arrow, with a range cursor and the tool keys.

Why fastdatatable with an ArrowBackend: it renders only the rows on screen from Arrow memory,
so a million responses scroll as smoothly as a hundred. Why a sampled backend: the stock one
measures every cell of every column to size the columns, which is most of the cost of showing a
new selection; the first few thousand rows size the columns as well for a person reading them.

The grid only reads keys (`table_keys`) and hands each to its view (`TableTools`, which
`FrameView` is): the view holds the rows in their raw values and does the work.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import pyarrow as pa
from textual import events, on
from textual.binding import BindingType
from textual.coordinate import Coordinate
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable.data_table import DataTable

from workbench.tui.views import as_tsv
from workbench.tui.widgets.table_keys import TOOL_ACTIONS, TOOL_BINDINGS

MEASURED_ROWS = 2_000
MAX_COLUMN_WIDTH = 60


class TableTools(Protocol):
    """What a grid's tool keys ask of the view holding it (`FrameView`)."""

    tools: bool
    wrap: bool

    def sort_by(
        self, index: int, *, descending: bool = False, add: bool = False, click: bool = False
    ) -> None: ...
    def open_frequency(self, index: int) -> None: ...
    def filter_cell(self, row: int, index: int, *, exclude: bool) -> None: ...
    def open_search(self) -> None: ...
    def search_next(self, *, backwards: bool = False) -> None: ...
    def open_goto(self) -> None: ...
    def hide_column(self, index: int) -> None: ...
    def move_column(self, index: int, step: int) -> None: ...
    def set_width(self, index: int, width: int) -> None: ...
    def toggle_expanded(self, index: int, longest: int) -> None: ...
    def toggle_wrap(self) -> None: ...
    def show_wrapped(self) -> None: ...
    def show_every_column(self) -> None: ...
    def export_rows(self, rows: list[int]) -> None: ...


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

    BINDINGS: ClassVar[list[BindingType]] = [*TOOL_BINDINGS]
    TOOLS: ClassVar[frozenset[str]] = TOOL_ACTIONS

    def __init__(
        self,
        data: pa.Table | ArrowBackend,
        widths: list[int | None] | None = None,
        *,
        view: TableTools | None = None,
        **kwargs: Any,
    ) -> None:
        self.view = view
        """What the keys work on (the `FrameView` that mounted the grid); None: a bare table."""
        super().__init__(
            backend=data if isinstance(data, ArrowBackend) else SampledBackend(data),
            column_widths=widths,
            cursor_type="range",
            max_column_content_width=MAX_COLUMN_WIDTH,
            show_row_labels=False,
            zebra_stripes=True,
            **kwargs,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        plain = view is None or not view.tools
        return not (plain and action in self.TOOLS and action != "sort")

    def highlighted_rows(self) -> list[int]:
        """The rows of the selected range, or the cursor's row."""
        if not self.row_count:
            return []
        anchor = self.selection_anchor_coordinate
        cursor = self.cursor_coordinate
        if anchor is None:
            return [cursor.row]
        top, bottom = sorted((anchor.row, cursor.row))
        return list(range(top, bottom + 1))

    def action_sort(self, descending: bool, add: bool) -> None:
        if self.view is not None and self.row_count:
            self.view.sort_by(self.cursor_column, descending=descending, add=add)

    def action_frequency(self) -> None:
        if self.view is not None and self.row_count:
            self.view.open_frequency(self.cursor_column)

    def action_filter_cell(self, exclude: bool) -> None:
        if self.view is not None and self.row_count:
            self.view.filter_cell(self.cursor_row, self.cursor_column, exclude=exclude)

    def action_search(self) -> None:
        if self.view is not None:
            self.view.open_search()

    def action_search_next(self, backwards: bool) -> None:
        if self.view is not None:
            self.view.search_next(backwards=backwards)

    def action_goto_row(self) -> None:
        if self.view is not None:
            self.view.open_goto()

    def action_hide_column(self) -> None:
        if self.view is not None and self.row_count:
            self.view.hide_column(self.cursor_column)

    def action_move_column(self, step: int) -> None:
        if self.view is not None and self.row_count:
            self.view.move_column(self.cursor_column, step)

    def action_widen_column(self, step: int) -> None:
        if self.view is not None and self.row_count:
            columns = self.ordered_columns
            if 0 <= self.cursor_column < len(columns):
                now = columns[self.cursor_column].render_width - 2  # the cell padding
                self.view.set_width(self.cursor_column, now + step)

    def action_expand_column(self) -> None:
        """Show the column's longest text whole (long comments), or back to the usual width."""
        if self.view is not None and self.row_count:
            columns = self.ordered_columns
            if 0 <= self.cursor_column < len(columns):
                self.view.toggle_expanded(
                    self.cursor_column, columns[self.cursor_column].content_width
                )

    def action_wrap_rows(self) -> None:
        if self.view is not None:
            self.view.toggle_wrap()

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.view is not None and self.view.wrap:
            self.view.show_wrapped()

    def cut_columns(self, row: int) -> list[int]:
        """The columns whose text in `row` is wider than the column (shown cut)."""
        columns = self.ordered_columns
        try:
            cells = self.get_row_at(row)
        except (IndexError, ValueError):
            return []
        return [
            i
            for i, (column, cell) in enumerate(zip(columns, cells, strict=False))
            if self._measure(cell) > column.render_width - 2  # the cell padding
        ]

    def action_show_columns(self) -> None:
        if self.view is not None:
            self.view.show_every_column()

    def action_export_highlighted(self) -> None:
        if self.view is not None:
            self.view.export_rows(self.highlighted_rows())

    @on(DataTable.HeaderSelected)
    def header_clicked(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if self.view is not None:
            self.view.sort_by(event.column_index, click=True)

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
