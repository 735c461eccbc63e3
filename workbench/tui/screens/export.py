"""The export dialog: where to write, which columns, whether to start with a BOM.

The app writes the file with `workbench.analysis.write_csv`, the function the CLI's
`workbench export` calls, so the same filter gives the same bytes from either face.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, SelectionList, Static

from workbench.tui.screens.dialog import Dialog, buttons


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    columns: list[str] | None
    """None: every column (as the CLI without --columns)."""
    bom: bool


class ExportScreen(Dialog[ExportRequest]):
    """Dismisses with what to write, or None."""

    def __init__(self, what: str, rows: int, columns: list[str], path: Path, filter_text: str):
        super().__init__()
        self.rows = rows
        self.filter_text = filter_text
        self.heading = f"Export {rows:,} rows of {what} to CSV"
        self.columns = columns
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="export-dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield Static(
                f"filter: {self.filter_text}" if self.filter_text else "no filter: every row",
                classes="dialog-text",
                markup=False,
            )
            yield Input(str(self.path), id="export-path")
            yield Static("Columns (space toggles; none chosen = all)", classes="section-title")
            yield SelectionList[str](*((c, c, True) for c in self.columns), id="export-columns")
            yield Checkbox("Start with a BOM (for Excel)", id="export-bom")
            yield buttons("Export", "export")

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def export(self) -> None:
        text = self.required("#export-path", "Give a file to write")
        if text is None:
            return
        chosen = list(self.query_one("#export-columns", SelectionList).selected)
        columns = (
            None
            if not chosen or len(chosen) == len(self.columns)
            else [c for c in self.columns if c in chosen]
        )
        bom = self.query_one("#export-bom", Checkbox).value
        self.dismiss(ExportRequest(Path(text).expanduser(), columns, bom))
