"""The filter: asking for one, running it in a worker, its refusal, its history, saved filters.

A filter asked for becomes the filter in effect only once it has selected its rows
(`results.ResultsApp.selection_ready`); a rejected one leaves the last applied filter. Each run
has a generation, so the results of an older run are dropped when they come late. A filter can
also come from a table: a cell (`=`/`-`), a value of a frequency table, a tag in Tags.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.worker import get_current_worker

from workbench.analysis import Filter
from workbench.settings import SettingsError
from workbench.tui import jobs
from workbench.tui.base import WorkbenchBase
from workbench.tui.messages import FilterChanged, FilterRejected
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.screens.filters import LoadFilterScreen, SaveFilterScreen
from workbench.tui.screens.frequency import FrequencyScreen
from workbench.tui.tables import with_cell
from workbench.tui.theming import chart_palette
from workbench.tui.widgets.filter_bar import FilterBar
from workbench.tui.widgets.grid import FrameView


class FilteringApp(WorkbenchBase):
    """Runs filters and keeps their history."""

    def set_filter(self, chosen: Filter) -> None:
        """Ask for a filter. It becomes the current filter (chips, counts, export) only once
        it has selected its rows; a rejected one leaves the last applied filter in effect."""
        self.apply_filter(chosen)
        self.asked_generation = self.generation

    def _options(self, chosen: Filter | None = None) -> jobs.DashboardOptions:
        pane = self.pane(DashboardPane)
        zone = self.zone_choice(chosen).time_zone
        return jobs.DashboardOptions(pane.metric, pane.every, pane.segment, zone)

    def pick_time_zone(self, time_zone: str | None) -> None:
        """Use `time_zone` for every figure from now on (None: back to the settings' rule)."""
        self.time_zone_pick = time_zone
        choice = self.zone_choice()
        self.notify(f"Dates in {choice.label}", title="Time zone")
        self.apply_filter()

    def apply_filter(self, chosen: Filter | None = None) -> None:
        """Run a filter (by default the current one again, e.g. on a new snapshot)."""
        dashboard = self.pane_or_none(DashboardPane)
        if self.response_rows is None or dashboard is None:
            return
        self.generation += 1
        wanted = self.filter if chosen is None else chosen
        job = jobs.FilterJob(
            self.snapshot,
            wanted,
            self.generation,
            self._options(wanted),
            dashboard.chart_sizes(),
            chart_palette(self.theme_variables),
            zone=self.zone_choice(wanted),
            account_zones=self.account_zones(),
        )
        self.filter_worker(job)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def filter_worker(self, job: jobs.FilterJob) -> None:
        worker = get_current_worker()
        jobs.run_filter(job, self.post_message, lambda: worker.is_cancelled)

    @on(FilterChanged)
    def filter_changed(self, message: FilterChanged) -> None:
        message.stop()
        self.set_filter(message.filter)
        if self.focused is self.filter_bar.input:
            self.action_show_pane(self.active_pane)

    @on(FilterRejected)
    def filter_rejected(self, message: FilterRejected) -> None:
        bar = self.pane_or_none(FilterBar)
        if not self._current(message.generation) or bar is None:
            return
        missing = {k: v for k, v in message.suggestions.items() if repr(v) not in message.message}
        hint = (
            " · did you mean " + ", ".join(f"{k!r} → {v!r}" for k, v in missing.items()) + "?"
            if missing
            else ""
        )
        bar.show_rejected(f"{message.message}{hint}", self.filter)
        self.notify(
            f"{message.message}{hint}", title="Filter not applied", severity="warning", timeout=8
        )
        rejected = message.filter_text != self.filter.to_text()
        if rejected and self.done_generation != self.applied_generation:
            # The rejected run cut short the applied filter's: finish the panes it left.
            self.apply_filter()

    def action_clear_filter(self) -> None:
        self.set_filter(Filter())

    # --- from a table: a cell, a frequency table's value, a tag ----------------------------

    def filter_by_cell(self, column: str, value: Any, *, exclude: bool = False) -> None:
        try:
            chosen = with_cell(self.filter, column, value, exclude=exclude)
        except ValueError as exc:
            self.notify(str(exc), title="Not filtered", severity="warning")
            return
        self.set_filter(chosen)

    @on(FrameView.CellFilter)
    def cell_filter(self, message: FrameView.CellFilter) -> None:
        self.filter_by_cell(message.column, message.value, exclude=message.exclude)

    @on(FrameView.OpenFrequency)
    def open_frequency(self, message: FrameView.OpenFrequency) -> None:
        """The frequency table of a column; enter on a value filters by it."""

        def chosen(value: tuple[Any] | None) -> None:
            if value is not None:
                self.filter_by_cell(message.column, value[0])

        screen = FrequencyScreen(message.column, message.label, message.counts, message.rows)
        self.push_screen(screen, chosen)

    @on(TagsPane.Picked)
    def tag_picked(self, message: TagsPane.Picked) -> None:
        tag, f = message.tag, self.filter
        lists = {
            "tags_any": [t for t in f.tags_any if t != tag],
            "tags_all": [t for t in f.tags_all if t != tag],
            "tags_none": [t for t in f.tags_none if t != tag],
        }
        if message.mode != "drop":
            lists[f"tags_{message.mode}"].append(tag)
        self.set_filter(f.model_copy(update=lists))

    # --- history and saved filters ---------------------------------------------------------

    def _step(self, chosen: Filter | None, none_left: str) -> None:
        if chosen is None:
            self.notify(none_left, timeout=3)
        else:
            self.set_filter(chosen)

    def action_undo_filter(self) -> None:
        self._step(self.history.undo(), "No earlier filter to go back to.")

    def action_redo_filter(self) -> None:
        self._step(self.history.redo(), "No later filter to go forward to.")

    def action_save_filter(self) -> None:
        def saved(name: str | None) -> None:
            if not name:
                return
            try:
                self.saved_filters.save(name, self.filter)
            except (SettingsError, ValueError) as exc:
                self.notify(str(exc), title="Filter not saved", severity="error")
                return
            self.notify(f"Saved the filter as {name!r}")

        self.push_screen(
            SaveFilterScreen(self.filter.to_text(), list(self.saved_filters.load())), saved
        )

    def action_load_filter(self) -> None:
        def chosen(name: str | None) -> None:
            if not name:
                return
            try:
                self.set_filter(self.saved_filters.get(name))
            except (KeyError, ValueError) as exc:
                self.notify(f"Cannot load {name!r}: {exc}", severity="error")

        self.push_screen(LoadFilterScreen(self.saved_filters), chosen)
