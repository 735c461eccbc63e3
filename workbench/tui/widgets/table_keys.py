"""The table tools' keys: one row each (key, action, what it does), written once.

`Grid.BINDINGS` is built from this table; the palette and the help screen list the tools from
those bindings, so a key is changed here and everywhere follows.
"""

from __future__ import annotations

from textual.binding import Binding

TOOL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("left_square_bracket", "sort(False, False)", "Sort ascending by this column"),
    ("right_square_bracket", "sort(True, False)", "Sort descending by this column"),
    ("left_curly_bracket", "sort(False, True)", "Add this column as ascending key"),
    ("right_curly_bracket", "sort(True, True)", "Add this column as descending key"),
    ("F", "frequency", "Frequency table of this column"),
    ("equals_sign", "filter_cell(False)", "Filter: keep this cell's value"),
    ("minus", "filter_cell(True)", "Filter: exclude this cell's value"),
    ("ctrl+f", "search", "Search in the table"),
    ("f3", "search_next(False)", "Next search match"),
    ("shift+f3", "search_next(True)", "Previous search match"),
    ("ctrl+g", "goto_row", "Go to row number"),
    ("E", "export_highlighted", "Export the highlighted rows"),
    ("H", "hide_column", "Hide this column"),
    ("less_than_sign", "move_column(-1)", "Move this column left"),
    ("greater_than_sign", "move_column(1)", "Move this column right"),
    ("w", "widen_column(10)", "Widen this column"),
    ("W", "widen_column(-10)", "Narrow this column"),
    ("underscore", "expand_column", "Expand this column to its longest text (again: fit)"),
    ("v", "wrap_rows", "Wrap the long text of the cursor's row (again: off)"),
    ("U", "show_columns", "Show every column again (first order, widths)"),
)

TOOL_BINDINGS: list[Binding] = [
    Binding(key, action, description, show=False) for key, action, description in TOOL_KEYS
]
"""None in the footer: `?` and the palette list them."""

TOOL_ACTIONS: frozenset[str] = frozenset(action.split("(")[0] for _, action, _ in TOOL_KEYS)
"""The tools' action names (a plain view, the frequency table's, offers only sorting)."""
