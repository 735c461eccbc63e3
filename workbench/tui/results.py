"""What the workers hand back: the store read, a filter's selection, each pane's figures.

Workers never touch a widget; they post messages (`workbench.tui.messages`) and the handlers
here keep the state and hand each pane what it shows. A pane whose figures fail says so alone
(`PaneProblem`), the others are not touched. A late message (the app shutting down) finds its
pane gone and is dropped (`pane_or_none`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from textual import on, work
from textual.worker import get_current_worker

from workbench.data.store import Store
from workbench.tui import jobs
from workbench.tui import messages as m
from workbench.tui.base import W, WorkbenchBase
from workbench.tui.compute import DashboardFrames
from workbench.tui.failures import describe
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.theming import chart_palette
from workbench.tui.widgets.filter_bar import FilterBar


class ResultsApp(WorkbenchBase):
    """Reads the store and shows each worker's result in its pane."""

    # --- the store -------------------------------------------------------------------------

    def load_store(self) -> None:
        self.sub_title = "reading the store…"
        self.load_worker(self.store)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_worker(self, store: Store) -> None:
        jobs.load_store(store, self.post_message)

    @on(m.StoreLoaded)
    def store_loaded(self, message: m.StoreLoaded) -> None:
        bar, dashboard = self.pane_or_none(FilterBar), self.pane_or_none(DashboardPane)
        if bar is None or dashboard is None:
            return
        self.snapshot = message.snapshot
        self.response_rows = message.display
        self.loaded = True
        self.sub_title = f"{self.snapshot.responses.height:,} responses"
        bar.set_known(self.snapshot.known)
        dashboard.set_segments(self.snapshot.segment_fields)
        self.show_accounts()
        self.apply_filter()

    @on(m.StoreFailed)
    def store_failed(self, message: m.StoreFailed) -> None:
        self.sub_title = "the store could not be read"
        self.notify(message.message, title="Store not read", severity="error", timeout=15)

    # --- a filter's selection --------------------------------------------------------------

    @on(m.SelectionReady)
    def selection_ready(self, message: m.SelectionReady) -> None:
        bar, pane = self.pane_or_none(FilterBar), self.pane_or_none(ResponsesPane)
        if not self._current(message.generation) or bar is None or pane is None:
            message.painted.set()
            return
        self.selection = message.selection
        changed = message.selection.filter != self.filter
        self.filter = message.selection.filter
        self.history.record(self.filter)
        self.applied_generation = message.generation
        if changed or message.generation == self.asked_generation:
            # Only a filter asked for updates the bar: re-running the applied one (a new
            # snapshot, another zone) keeps what the bar says, e.g. why a filter was refused.
            bar.show(self.filter)
        try:
            pane.show(
                message.selection,
                self.snapshot.responses.height,
                self.response_rows,
                self._colours(),
            )
        except Exception as exc:
            self._pane_failed("responses", describe("responses", exc))
        else:
            self._pane_shown("responses", message.generation)
        finally:
            self.call_after_refresh(message.painted.set)
        if self.focused is None and self.active_pane == "responses":
            self.call_after_refresh(pane.focus_table)

    @on(m.SelectedResponses)
    def selected_ready(self, message: m.SelectedResponses) -> None:
        if self._current(message.generation):
            self.selected = message.responses
            self.selected_filter = message.filter

    @on(m.FilterDone)
    def filter_done(self, message: m.FilterDone) -> None:
        if self._current(message.generation):
            self.done_generation = message.generation

    # --- each pane's figures ---------------------------------------------------------------

    @on(m.PaneFailed)
    def pane_failed(self, message: m.PaneFailed) -> None:
        if self._current(message.generation):
            self._pane_failed(message.pane, message.reason)

    def _pane_failed(self, pane: str, reason: str) -> None:
        """Show `reason` in place of the pane's content; the other panes are not touched."""
        self.failures[pane] = reason
        if pane == "dashboard":
            self.frames = None  # nothing stale to redraw on a resize
        problem, content = self.pane_problem(pane), self.pane_content(pane)
        if problem is not None and content is not None:
            problem.show(reason)
            content.add_class("-failed")

    def _pane_shown(self, pane: str, generation: int) -> None:
        self.failures.pop(pane, None)
        self.shown[pane] = generation
        problem, content = self.pane_problem(pane), self.pane_content(pane)
        if problem is not None and content is not None:
            problem.clear()
            content.remove_class("-failed")

    def _show(self, pane: str, generation: int, kind: type[W], show: Callable[[W], object]) -> None:
        """Hand a pane (its `kind` of widget) its figures; if showing them fails, the pane says
        so (alone)."""
        widget = self.pane_or_none(kind)
        if not self._current(generation) or widget is None:
            return
        try:
            show(widget)
        except Exception as exc:
            self._pane_failed(pane, describe(pane, exc))
        else:
            self._pane_shown(pane, generation)

    @on(m.DashboardReady)
    def dashboard_ready(self, message: m.DashboardReady) -> None:
        def show(pane: DashboardPane) -> None:
            self.frames = message.frames
            pane.show(message.frames)

        self._show("dashboard", message.generation, DashboardPane, show)

    @on(m.ChartsReady)
    def charts_ready(self, message: m.ChartsReady) -> None:
        pane = self.pane_or_none(DashboardPane)
        if (
            pane is not None
            and self._current(message.generation)
            and "dashboard" not in self.failures
        ):
            pane.show_charts(message.charts, message.problems)

    @on(m.TagsReady)
    def tags_ready(self, message: m.TagsReady) -> None:
        self._show("tags", message.generation, TagsPane, lambda p: p.show(message.tags))

    @on(m.EndUsersReady)
    def end_users_ready(self, message: m.EndUsersReady) -> None:
        self._show(
            "end-users", message.generation, EndUsersPane, lambda p: p.show(message.end_users)
        )

    @on(m.SurveysReady)
    def surveys_ready(self, message: m.SurveysReady) -> None:
        self._show("surveys", message.generation, SurveysPane, lambda p: p.show(message.frames))

    # --- the dashboard's own runs: other options, a new size -------------------------------

    @on(DashboardPane.OptionsChanged)
    def dashboard_options(self, message: DashboardPane.OptionsChanged) -> None:
        pane = self.pane_or_none(DashboardPane)
        if not self.loaded or pane is None:
            return
        options = jobs.DashboardOptions(
            message.metric, message.every, message.segment, self.zone_choice().time_zone
        )
        self.dashboard_worker(
            self.selected,
            options,
            pane.chart_sizes(),
            chart_palette(self.theme_variables),
            self.generation,
        )

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def dashboard_worker(
        self,
        selected: pl.DataFrame,
        options: jobs.DashboardOptions,
        sizes: dict[str, tuple[int, int]],
        palette: Any,
        generation: int,
    ) -> None:
        worker = get_current_worker()
        jobs.run_dashboard(
            selected,
            options,
            sizes,
            palette,
            generation,
            self.post_message,
            lambda: worker.is_cancelled,
        )

    def on_chart_view_resized(self) -> None:
        self.rebuild_charts()

    def rebuild_charts(self) -> None:
        pane = self.pane_or_none(DashboardPane)
        if self.frames is None or pane is None:
            return
        self.charts_worker(
            self.frames, pane.chart_sizes(), chart_palette(self.theme_variables), self.generation
        )

    @work(thread=True, exclusive=True, group="charts", exit_on_error=False)
    def charts_worker(
        self,
        frames: DashboardFrames,
        sizes: dict[str, tuple[int, int]],
        palette: Any,
        generation: int,
    ) -> None:
        jobs.run_charts(frames, sizes, palette, generation, self.post_message)
