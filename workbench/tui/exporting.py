"""Export to CSV: what the current pane offers (ctrl+e) or a table's highlighted rows (E).

Both ask where to write in `ExportScreen` and write in a worker through the same writer as
`workbench export` (`jobs.export_csv`), which posts `ExportFinished`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from textual import on, work

from workbench.analysis.export import flatten
from workbench.tui import jobs
from workbench.tui.base import PANES, TITLES, WorkbenchBase
from workbench.tui.messages import ExportFinished
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.screens.export import ExportRequest, ExportScreen
from workbench.tui.widgets.grid import FrameView


class ExportingApp(WorkbenchBase):
    """Writes rows to CSV files."""

    def action_export(self) -> None:
        what, frame = self._export_frame()
        if frame is not None:
            self.ask_export(what, frame)

    @on(FrameView.ExportRows)
    def export_rows(self, message: FrameView.ExportRows) -> None:
        self.ask_export(message.name, message.frame)

    def ask_export(self, name: str, frame: pl.DataFrame) -> None:
        """Ask where to write `frame` (as `name`.csv by default, with the filter in effect)."""
        columns = flatten(frame.head(0)).collect_schema().names()

        def write(request: ExportRequest | None) -> None:
            if request is not None:
                self.export_worker(frame, request)

        screen = ExportScreen(
            name, frame.height, columns, Path.cwd() / f"{name}.csv", self.filter.to_text()
        )
        self.push_screen(screen, write)

    def _export_frame(self) -> tuple[str, pl.DataFrame | None]:
        """What the current pane shows for the filter in effect, as rows to export (responses
        for the charts); None, with a note saying why, when it has nothing current to offer."""
        if not self.loaded:
            self.notify("Nothing to export yet: the store is still being read.")
            return "responses", None
        pane = self.active_pane if self.active_pane in ("end-users", "tags") else "responses"
        title = TITLES[PANES.index(pane)]
        if pane in self.failures:
            self.notify(
                f"{title} could not be computed for this filter, so there is nothing to "
                "export from it; Responses still has the filter's rows.",
                title="Not exported",
                severity="warning",
            )
            return "responses", None
        current = (
            self.selected_filter == self.filter
            if pane == "responses"
            else self.shown.get(pane) == self.applied_generation
        )
        if not current:
            self.notify(f"{title} is still being computed for this filter; try again shortly.")
            return "responses", None
        if pane == "end-users":
            return "end_users", self.pane(EndUsersPane).shown.drop("responses", strict=False)
        if pane == "tags":
            return "tags", self.pane(TagsPane).tags
        return "responses", self.selected

    @work(thread=True, group="export", exit_on_error=False)
    def export_worker(self, frame: pl.DataFrame, request: ExportRequest) -> None:
        jobs.export_csv(frame, request.path, request.columns, request.bom, self.post_message)

    @on(ExportFinished)
    def export_finished(self, message: ExportFinished) -> None:
        if message.error:
            self.notify(
                f"{message.error}. Pick another file or directory.",
                title="Export failed",
                severity="error",
                timeout=10,
            )
        else:
            self.notify(f"Wrote {message.rows:,} rows to {message.path}", title="Exported")
