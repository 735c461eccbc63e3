"""The view every pane's table sits in: it holds the rows and does what the table's keys ask.

Why swap rather than refill: the table (`Grid`, in `table.py`) cannot be cleared (its `clear()`
says to mount a new one), so `FrameView.show` mounts a fresh `Grid` in place of the old.

The table tools (sort, frequency table, filter from a cell, search, go to row, export of the
highlighted rows) are `Grid.BINDINGS` (`table_keys`): the palette and the help screen list them
from there. The grid only reads keys; its `FrameView` holds the rows in their raw values (sorted
by its keys, which survive a new table) and does the work. What needs the app (a filter from a
cell, the frequency screen, an export) it asks for by message, so the view imports no screen
and no job. A pane whose rows are not a frame (the Responses index) overrides the few
`FrameView` methods that read rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.widgets import Static
from textual_fastdatatable import ArrowBackend

from workbench.tui import tables
from workbench.tui.tables import SortKey
from workbench.tui.views import display_table
from workbench.tui.widgets.table import Grid
from workbench.tui.widgets.table_keys import TOOL_BINDINGS


def cell_text(value: Any) -> str:
    """A raw cell as a person reads it whole: lists joined, nothing shortened."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


class WrappedRow(Static):
    """The cursor's row, its cut cells whole (`v`)."""


class FrameView(Container):
    """Holds one Grid and replaces it when `show` is given a new table.

    `show_frame` shows a polars frame (raw values) sorted by `sort_keys`; the keys stay when
    the next frame comes (a new filter), and the header marks them (`score ▼`, `date ▲2`).
    """

    @dataclass
    class CellFilter(Message):
        """Add `column=value` (or `column!=value`, `exclude`) to the filter."""

        column: str
        value: Any
        exclude: bool = False

    @dataclass
    class OpenFrequency(Message):
        """Show the frequency table of `column` (`counts` of its values in `rows` rows)."""

        column: str
        label: str
        counts: pl.DataFrame
        rows: int

    @dataclass
    class ExportRows(Message):
        """Ask where to write `frame` (the highlighted rows), then write it as `name`."""

        name: str
        frame: pl.DataFrame

    def __init__(
        self, empty_message: str = "Nothing to show", *, tools: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.empty_message = empty_message
        self.tools = tools
        """False: only sorting (no filter, frequency, search or export from this table)."""
        self.table: pa.Table | None = None
        self.backend: ArrowBackend | None = None
        self.sort_keys: list[SortKey] = []
        self.all_columns: dict[str, str] = {}
        """Source column -> header label: every column the pane offers, in its order."""
        self.columns: dict[str, str] = {}
        """The columns shown (source -> label), in the order shown."""
        self.arranged: list[str] | None = None
        """The columns chosen (hidden ones left out, in the order chosen); None: the pane's."""
        self._arrangement_read = False
        self.widths: dict[str, int] = {}
        """Widths set by hand (w / W), by source column; the others fit their content."""
        self.source: pl.DataFrame | None = None
        self.frame: pl.DataFrame | None = None
        """The rows shown, raw values, in the order shown (`source` sorted by `sort_keys`)."""
        self.search_term = ""
        self.wrap = False
        """True: the cursor's row shows its cut text whole, wrapped, under the table."""

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
        column = old.cursor_column if (old is not None and keep_cursor) else 0
        self.table = table if isinstance(table, pa.Table) else None
        self.backend = table if isinstance(table, ArrowBackend) else None
        rows = table.num_rows if isinstance(table, pa.Table) else table.row_count
        self.query_children(Grid).remove()
        self.query_children(".empty-note").remove()
        if rows == 0:
            self.mount(Static(self.empty_message, classes="empty-note"))
            self.show_wrapped()
            return
        widths = [self.widths.get(c) for c in self.columns] if self.widths else None
        grid = Grid(table, widths, view=self)
        self.mount(grid)
        if row or column:
            grid.call_after_refresh(grid.move_cursor, row=min(row, rows - 1), column=column)
        if had_focus:
            grid.focus()
        grid.call_after_refresh(self.show_wrapped)

    def show_frame(
        self, frame: pl.DataFrame, columns: dict[str, str] | None = None, **options: Any
    ) -> None:
        """Show `frame`'s `columns` (source -> label) as text, sorted by the view's keys."""
        self.source = frame
        self.all_columns = dict(columns or {c: c for c in frame.columns})
        self.arrange_columns()
        self.sort_keys = [k for k in self.sort_keys if k[0] in frame.columns]
        self.frame = tables.sort_frame(frame, self.sort_keys)
        self.show(display_table(self.frame, self.labels()), **options)

    def labels(self) -> dict[str, str]:
        """The header labels with the sort marks."""
        return {
            source: tables.header_label(label, source, self.sort_keys)
            for source, label in self.columns.items()
        }

    def redraw(self) -> None:
        """Show the same rows again (after the keys or the columns changed)."""
        if self.source is not None:
            self.show_frame(self.source, self.all_columns, keep_cursor=True)

    def column_preferences(self) -> Any:
        from workbench.tui.preferences import TableColumns

        return TableColumns()

    def arrange_columns(self) -> None:
        """`columns` from `all_columns` and the arrangement kept in the preferences."""
        if not self._arrangement_read and self.tools and self.id:
            self._arrangement_read = True
            self.arranged = self.column_preferences().get(self.id)
            self.widths = self.column_preferences().widths(self.id)
            self.sort_keys = self.sort_keys or self.column_preferences().sort(self.id)
        chosen = [c for c in (self.arranged or []) if c in self.all_columns]
        self.columns = (
            {c: self.all_columns[c] for c in chosen} if chosen else dict(self.all_columns)
        )

    def _keep_columns(self, arranged: list[str] | None, cursor: int | None = None) -> None:
        self.arranged = arranged
        if self.id:
            from workbench.settings import SettingsError

            try:
                self.column_preferences().save(self.id, arranged)
            except SettingsError as exc:
                self.notify(f"Columns not kept: {exc}", severity="warning")
        self.redraw()
        grid = self.grid
        if grid is not None and cursor is not None:
            grid.call_after_refresh(grid.move_cursor, column=cursor)

    def hide_column(self, index: int) -> None:
        shown = list(self.columns)
        if len(shown) <= 1 or not 0 <= index < len(shown):
            self.notify("The last column stays shown.", timeout=2)
            return
        label = self.columns[shown[index]]
        del shown[index]
        self._keep_columns(shown, min(index, len(shown) - 1))
        keys = self.app.get_key_display(
            next(b for b in TOOL_BINDINGS if b.action == "show_columns")
        )
        self.notify(f"Hid {label}; {keys} shows every column again", timeout=3)

    def move_column(self, index: int, step: int) -> None:
        shown = list(self.columns)
        target = index + step
        if not (0 <= index < len(shown) and 0 <= target < len(shown)):
            return
        shown[index], shown[target] = shown[target], shown[index]
        self._keep_columns(shown, target)

    def show_every_column(self) -> None:
        self.widths = {}
        self._save_widths()
        self._keep_columns(None)

    def set_width(self, index: int, width: int) -> None:
        column = self.column_at(index)
        if column is None:
            return
        self.widths[column] = max(3, min(width, 400))
        self._save_widths()
        self._keep_columns(self.arranged, index)

    def toggle_expanded(self, index: int, longest: int) -> None:
        column = self.column_at(index)
        if column is None:
            return
        if column in self.widths:
            del self.widths[column]
            self._save_widths()
            self._keep_columns(self.arranged, index)
        else:
            self.set_width(index, longest)

    def toggle_wrap(self) -> None:
        """Wrap (or stop wrapping) the cut text of the cursor's row under the table."""
        self.wrap = not self.wrap
        self.show_wrapped()

    def show_wrapped(self) -> None:
        """The cursor's row, each cell cut by its column shown whole, wrapped across lines.

        Why beside the rows rather than in them: the table draws every row one line high
        (textual-fastdatatable has no taller rows), so the row's long text opens just below.
        """
        panels = self.query_children(WrappedRow)
        if not self.wrap:
            panels.remove()
            return
        panel = panels.first() if panels else None
        if panel is None:
            panel = WrappedRow(classes="wrapped-row")
            self.mount(panel)
        grid = self.grid
        panel.update(self.wrapped_text(grid) if grid is not None else Text(""))

    def wrapped_text(self, grid: Grid) -> Text:
        if not grid.row_count:
            return Text("")
        row = grid.cursor_row
        text = Text()
        for index in grid.cut_columns(row):
            column = self.column_at(index)
            if column is None:
                continue
            if text:
                text.append("\n")
            text.append(f"{self.columns.get(column, column)}: ", style="bold")
            text.append(cell_text(self.cell_value(row, column)))
        if not text:
            text.append(f"Row {row + 1:,}: nothing in it is cut.", style="dim")
        return text

    def _save_sort(self) -> None:
        if self.id and self.tools:
            from workbench.settings import SettingsError

            try:
                self.column_preferences().save_sort(self.id, self.sort_keys)
            except SettingsError as exc:
                self.notify(f"Sort not kept: {exc}", severity="warning")

    def _save_widths(self) -> None:
        if self.id:
            from workbench.settings import SettingsError

            try:
                self.column_preferences().save_widths(self.id, self.widths)
            except SettingsError as exc:
                self.notify(f"Widths not kept: {exc}", severity="warning")

    def focus_grid(self) -> None:
        if self.grid is not None:
            self.grid.focus()

    # --- what the tools read (the Responses view reads its index instead) -------------------

    def column_at(self, index: int) -> str | None:
        names = list(self.columns)
        return names[index] if 0 <= index < len(names) else None

    def cell_value(self, row: int, column: str) -> Any:
        frame = self.frame
        if frame is None or column not in frame.columns or not 0 <= row < frame.height:
            return None
        return frame[row, column]

    def rows_frame(self, rows: list[int]) -> pl.DataFrame:
        """The raw rows at these positions, to export."""
        frame = self.frame if self.frame is not None else pl.DataFrame()
        return frame[[r for r in rows if r < frame.height]]

    def frequency_input(self) -> tuple[pl.DataFrame, bool]:
        """The rows to count and whether they are responses (then the metric is shown)."""
        return (self.source if self.source is not None else pl.DataFrame()), False

    def search_frame(self) -> pl.DataFrame:
        """What search looks in, one row per shown row."""
        frame = self.frame if self.frame is not None else pl.DataFrame()
        return frame.select([c for c in self.columns if c in frame.columns])

    @property
    def export_name(self) -> str:
        return (self.id or "rows").removesuffix("-table")

    # --- the tools -------------------------------------------------------------------------

    def sort_by(
        self, index: int, *, descending: bool = False, add: bool = False, click: bool = False
    ) -> None:
        column = self.column_at(index)
        if column is None:
            return
        if click:
            self.sort_keys = tables.click_key(self.sort_keys, column)
        else:
            self.sort_keys = tables.toggle_key(self.sort_keys, column, descending, add)
        self._save_sort()
        self.redraw()
        keys = ", ".join(f"{self.columns.get(c, c)} {tables.ARROWS[d]}" for c, d in self.sort_keys)
        self.notify(f"Sorted by {keys}" if keys else "Unsorted", timeout=2)

    def filter_cell(self, row: int, index: int, *, exclude: bool) -> None:
        column = self.column_at(index)
        if column is not None:
            self.post_message(self.CellFilter(column, self.cell_value(row, column), exclude))

    def open_frequency(self, index: int) -> None:
        column = self.column_at(index)
        frame, responses = self.frequency_input()
        if column is None or column not in frame.columns:
            return
        counted = tables.frequency(frame, column, metric=responses)
        label = self.columns.get(column, column)
        self.post_message(self.OpenFrequency(column, label, counted, frame.height))

    def open_search(self) -> None:
        from workbench.tui.screens.prompt import PromptScreen

        grid = self.grid
        start = grid.cursor_row if grid is not None else 0

        def typed(term: str) -> None:
            self.search_term = term
            self._go_to_match(start - 1)

        def done(term: str | None) -> None:
            if term:
                self.search_term = term

        self.app.push_screen(
            PromptScreen("Search in the table", "text to find", self.search_term, typed), done
        )

    def _go_to_match(self, after: int, backwards: bool = False) -> bool:
        grid = self.grid
        matches = tables.matching_rows(self.search_frame(), self.search_term)
        found = tables.next_match(matches, after, backwards)
        if grid is None or found is None:
            if self.search_term:
                self.notify(f"No row holds {self.search_term!r}", timeout=2)
            return False
        grid.move_cursor(row=found)
        return True

    def search_next(self, *, backwards: bool = False) -> None:
        grid = self.grid
        if not self.search_term:
            self.open_search()
        elif grid is not None:
            self._go_to_match(grid.cursor_row, backwards)

    def open_goto(self) -> None:
        from workbench.tui.screens.prompt import PromptScreen

        grid = self.grid
        if grid is None:
            return

        def chosen(text: str | None) -> None:
            self.go_to_row(text or "")

        self.app.push_screen(
            PromptScreen(f"Go to row (1-{grid.row_count:,})", "row number"), chosen
        )

    def go_to_row(self, text: str) -> None:
        grid = self.grid
        try:
            number = int(text.replace(",", "").strip())
        except ValueError:
            if text.strip():
                self.notify(f"{text!r} is not a row number", severity="warning")
            return
        if grid is not None and grid.row_count:
            grid.move_cursor(row=max(0, min(number, grid.row_count) - 1))

    def export_rows(self, rows: list[int]) -> None:
        """Ask the app to export the highlighted rows (as `workbench export` writes them)."""
        frame = self.rows_frame(rows)
        if frame.is_empty():
            self.notify("No rows are highlighted.")
            return
        self.post_message(self.ExportRows(f"{self.export_name}-highlighted", frame))
