"""The workbench's terminal app: six panes over the local store, one filter for all of them.

The app owns the state (settings, the store snapshot, the filter and what it selects) and the
workers. Workers read, compute and sync off the UI thread and only post messages
(`workbench.tui.messages`); the handlers here update the state and hand each pane what it
shows. Every figure comes from `workbench.analysis` via `workbench.tui.compute`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePath
from typing import Any, ClassVar

import polars as pl
import pyarrow as pa
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane
from textual.worker import get_current_worker

from workbench.analysis import Filter
from workbench.analysis.dates import ZoneChoice, choose_time_zone, selection_accounts
from workbench.data.store import Store, StoreError
from workbench.data.tables import load_table
from workbench.data.time_zones import settings_zones
from workbench.settings import Settings, SettingsError, load_settings
from workbench.tui import jobs
from workbench.tui.acts import ActingApp
from workbench.tui.commands import PaletteCommand, WorkbenchCommands, table_commands
from workbench.tui.compute import DashboardFrames
from workbench.tui.failures import describe
from workbench.tui.history import FilterHistory
from workbench.tui.messages import (
    ChartsReady,
    DashboardReady,
    DemoFailed,
    DemoStarted,
    EndUsersReady,
    ExportFinished,
    FilterChanged,
    FilterDone,
    FilterRejected,
    PaneFailed,
    SelectedResponses,
    SelectionReady,
    ShowEndUser,
    ShowResponse,
    StoreFailed,
    StoreLoaded,
    SurveysReady,
    SyncCrashed,
    SyncFinished,
    SyncProgress,
    TagsReady,
)
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.preferences import SavedFilters, save_theme
from workbench.tui.screens.account_form import AccountFormScreen
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.end_user_detail import EndUserScreen
from workbench.tui.screens.export import ExportRequest, ExportScreen
from workbench.tui.screens.filters import LoadFilterScreen, SaveFilterScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.response_detail import ResponseScreen
from workbench.tui.screens.welcome import WelcomeScreen
from workbench.tui.selection import Selection
from workbench.tui.snapshot import Snapshot
from workbench.tui.syncing import SyncState, run_sync
from workbench.tui.themes import load_themes
from workbench.tui.theming import chart_palette, score_colours
from workbench.tui.views import score_categories
from workbench.tui.widgets.grid import FrameView
from workbench.tui.widgets.pane_problem import PaneProblem


class _Gone:
    """Stands in for a widget that is no longer there: every call does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


PANES = ("accounts", "end-users", "responses", "tags", "surveys", "dashboard")
TITLES = ("Accounts", "End users", "Responses", "Tags", "Surveys", "Dashboard")
DEFAULT_THEME = "workbench-dark"
STYLES = Path(__file__).parent / "styles"


class WorkbenchApp(ActingApp):
    """Feedback workbench."""

    TITLE = "Feedback workbench"
    AUTO_FOCUS = None  # the active pane takes focus, not the filter bar (keys 1-6 switch panes)
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        STYLES / "app.tcss",
        STYLES / "panes.tcss",
        STYLES / "dialogs.tcss",
    ]
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(i + 1), f"show_pane('{pane}')", title, show=False)
            for i, (pane, title) in enumerate(zip(PANES, TITLES, strict=True))
        ),
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "leave_input", "Back to the pane", show=False),
        Binding("ctrl+e", "export", "Export", priority=True),
        Binding("ctrl+s", "save_filter", "Save filter", show=False),
        Binding("ctrl+o", "load_filter", "Load filter", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("ctrl+z", "undo_filter", "Undo filter", show=False),
        Binding("ctrl+y", "redo_filter", "Redo filter", show=False),
        Binding("t", "change_theme", "Theme", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        config_file: Path,
        settings_loader: Callable[[], Settings] | None = None,
        sync_on_start: bool = False,
        saved_filters: SavedFilters | None = None,
        theme_dirs: list[Path] | None = None,
        offer_welcome: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.config_file = config_file
        self.settings_loader = settings_loader or (lambda: load_settings(config_file))
        self.store = Store(settings.store_dir)
        self.time_zone_pick: str | None = None
        """A zone picked in the palette ("Time zone: ..."); None: the settings' rule."""
        self.sync_on_start = sync_on_start
        self.saved_filters = saved_filters or SavedFilters()
        self.theme_dirs = theme_dirs
        self.offer_welcome = offer_welcome
        self.snapshot = Snapshot.empty()
        self.response_rows: pa.Table | None = None
        self.filter = Filter()
        """The filter in effect: the last one applied. A rejected filter never becomes it."""
        self.generation = 0
        """The latest filter run asked for; results of older runs are dropped."""
        self.applied_generation = 0
        """The run that applied `filter` (its selection arrived)."""
        self.done_generation = 0
        """The last run whose every pane was computed (shown or failed)."""
        self.asked_generation = 0
        """The last run asked for by `set_filter` (the bar shows its filter once applied)."""
        self.selection: Selection | None = None
        self.selected: pl.DataFrame = self.snapshot.responses
        self.selected_filter = Filter()
        """The filter that selected `selected` (export writes these rows under this label)."""
        self.history = FilterHistory()
        """The filters applied, for undo and redo."""
        self.failures: dict[str, str] = {}
        """Panes whose computation failed for the current filter, with what they show."""
        self.shown: dict[str, int] = {}
        """The filter run each pane last showed figures for."""
        self.frames: DashboardFrames | None = None
        self.sync_state = SyncState()
        self.demo: Any = None
        self.loaded = False

    # --- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        from workbench.tui.widgets.filter_bar import FilterBar

        yield Header()
        yield FilterBar(id="filter-bar")
        initial = "accounts" if self.sync_on_start else "responses"
        with TabbedContent(initial=initial, id="panes"):
            with TabPane(f"1 {TITLES[0]}", id="accounts"):
                yield AccountsPane(id="accounts-pane")
            with TabPane(f"2 {TITLES[1]}", id="end-users"):
                yield PaneProblem(TITLES[1], id="end-users-problem")
                yield EndUsersPane(id="end-users-pane", classes="pane-content")
            with TabPane(f"3 {TITLES[2]}", id="responses"):
                yield PaneProblem(TITLES[2], id="responses-problem")
                yield ResponsesPane(id="responses-pane", classes="pane-content")
            with TabPane(f"4 {TITLES[3]}", id="tags"):
                yield PaneProblem(TITLES[3], id="tags-problem")
                yield TagsPane(id="tags-pane", classes="pane-content")
            with TabPane(f"5 {TITLES[4]}", id="surveys"):
                yield PaneProblem(TITLES[4], id="surveys-problem")
                yield SurveysPane(id="surveys-pane", classes="pane-content")
            with TabPane(f"6 {TITLES[5]}", id="dashboard"):
                yield PaneProblem(TITLES[5], id="dashboard-problem")
                yield DashboardPane(id="dashboard-pane", classes="pane-content")
        yield Footer()

    def on_mount(self) -> None:
        themes, problems = load_themes(self.theme_dirs)
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(str(problem), title="Theme not loaded", severity="warning")
        wanted = self.settings.theme
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.filter_bar.show(self.filter)
        self._show_accounts()
        if self.active_pane == "accounts":
            self.pane(AccountsPane).focus_table()
        self.load_store()
        if self.sync_on_start:
            self.start_sync(None)
        elif self.offer_welcome and not self.settings.accounts and not self.store.accounts():
            self.push_screen(WelcomeScreen(), self._welcome_choice)

    @property
    def filter_bar(self) -> Any:
        from workbench.tui.widgets.filter_bar import FilterBar

        return self.pane(FilterBar)

    def pane(self, kind: type[Any]) -> Any:
        """A widget of the main screen (also while a dialog is open on top of it).

        While the app shuts down, a worker's last messages may arrive after the widgets are
        gone; they then go to a stand-in that ignores them.
        """
        try:
            return self.screen_stack[0].query_one(kind)
        except (NoMatches, IndexError):
            return _Gone()

    # --- commands ------------------------------------------------------------------------------

    def _time_zone_commands(self) -> list[PaletteCommand]:
        """One entry per zone worth picking: the accounts' own rule, UTC, each account's zone
        and the settings' display zone."""
        zones = sorted(
            {"UTC", *self.account_zones().values()}
            | ({self.settings.display.time_zone} if self.settings.display.time_zone else set())
        )
        commands = [
            PaletteCommand(
                "Time zone: the accounts' own",
                "Dates, since:/until:/last: and trend buckets in the selected accounts' zone",
                lambda: self.pick_time_zone(None),
            )
        ]
        commands += [
            PaletteCommand(
                f"Time zone: {zone}",
                f"Dates, since:/until:/last: and trend buckets in {zone}",
                partial(self.pick_time_zone, zone),
            )
            for zone in zones
        ]
        return commands

    def palette_commands(self) -> list[PaletteCommand]:
        """Every action, for the command palette (the footer shows the common keys)."""
        commands = [
            PaletteCommand(
                f"Show {title}",
                f"Switch to the {title} pane ({i + 1})",
                partial(self.action_show_pane, pane),
            )
            for i, (pane, title) in enumerate(zip(PANES, TITLES, strict=True))
        ]
        commands += [
            PaletteCommand(
                "Export to CSV",
                "Write the current view's rows with the filter (ctrl+e)",
                self.action_export,
            ),
            PaletteCommand("Filter", "Type a filter (/)", self.action_focus_filter),
            *self._time_zone_commands(),
            PaletteCommand("Clear filter", "Show every response", self.action_clear_filter),
            PaletteCommand(
                "Save filter", "Save the current filter by name (ctrl+s)", self.action_save_filter
            ),
            PaletteCommand("Load filter", "Load a saved filter (ctrl+o)", self.action_load_filter),
            PaletteCommand(
                "Sync all accounts",
                "Fetch what changed from every account",
                lambda: self.start_sync(None),
            ),
            PaletteCommand(
                "Sync selected account",
                "Fetch what changed for the account selected in Accounts",
                self._sync_selected,
            ),
            PaletteCommand(
                "Add account", "Add an account in a form", lambda: self.edit_account(None)
            ),
            PaletteCommand(
                "Reload store", "Read the local store again (ctrl+r)", self.action_reload
            ),
            PaletteCommand(
                "Copy selection as TSV",
                "Copy the selected cells (ctrl+c)",
                self.action_copy_selection,
            ),
            PaletteCommand("Help", "Keys and the filter language (?)", self.action_help),
            PaletteCommand("Change theme", "Pick a colour theme (t)", self.action_change_theme),
        ]
        commands += table_commands(self)
        commands += self.action_commands()
        return commands

    # --- actions -------------------------------------------------------------------------------

    def action_show_pane(self, pane: str) -> None:
        tabs = self.pane(TabbedContent)
        if isinstance(tabs, _Gone):
            return
        tabs.active = pane
        widget = self._pane_widget(pane)
        focus = getattr(widget, "focus_table", None)
        if callable(focus):
            self.call_after_refresh(focus)
        elif self.focused is self.filter_bar.input:
            self.set_focus(None)  # a pane without a table: keys 1-6 must switch panes again

    def _pane_widget(self, pane: str) -> Any:
        """The widget that shows a pane's content (not its problem line)."""
        try:
            return self.screen_stack[0].query_one(f"#{pane}-pane")
        except (NoMatches, IndexError):
            return _Gone()

    @property
    def active_pane(self) -> str:
        tabs = self.pane(TabbedContent)
        return "" if isinstance(tabs, _Gone) else tabs.active

    def action_focus_filter(self) -> None:
        self.filter_bar.input.focus()

    INPUT_IDLE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"undo_filter", "redo_filter"})
    """Actions that do nothing while an input has focus (ctrl+z there is about the text)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.INPUT_IDLE_ACTIONS and isinstance(self.focused, Input))

    def action_leave_input(self) -> None:
        """Escape in the filter bar or any input of a pane: back to the active pane."""
        if isinstance(self.focused, Input):
            self.set_focus(None)
            self.action_show_pane(self.active_pane)

    def action_clear_filter(self) -> None:
        self.set_filter(Filter())

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_reload(self) -> None:
        self.load_store()

    def action_copy_selection(self) -> None:
        from workbench.tui.widgets.grid import Grid

        focused = self.focused
        if isinstance(focused, Grid):
            focused.action_copy_selection()
        else:
            self.notify("Select cells in a table first (shift+arrows), then copy.")

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

    def action_export(self) -> None:
        what, frame = self._export_frame()
        if frame is None:
            return
        from workbench.analysis.export import flatten

        columns = flatten(frame.head(0)).collect_schema().names()
        self.push_screen(
            ExportScreen(
                what, frame.height, columns, Path.cwd() / f"{what}.csv", self.filter.to_text()
            ),
            lambda request: self._export(frame, request),
        )

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

    def _export(self, frame: pl.DataFrame, request: ExportRequest | None) -> None:
        if request is not None:
            self.export_worker(frame, request)

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

    # --- the store -----------------------------------------------------------------------------

    def _colours(self) -> Any:
        return score_colours(self.theme_variables)

    def load_store(self) -> None:
        self.sub_title = "reading the store…"
        self.load_worker(self.store)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_worker(self, store: Store) -> None:
        jobs.load_store(store, self.post_message)

    @on(StoreLoaded)
    def store_loaded(self, message: StoreLoaded) -> None:
        self.snapshot = message.snapshot
        self.response_rows = message.display
        self.loaded = True
        self.sub_title = f"{self.snapshot.responses.height:,} responses"
        self.filter_bar.set_known(self.snapshot.known)
        self.pane(DashboardPane).set_segments(self.snapshot.segment_fields)
        self._show_accounts()
        self.apply_filter()

    @on(StoreFailed)
    def store_failed(self, message: StoreFailed) -> None:
        self.sub_title = "the store could not be read"
        self.notify(message.message, title="Store not read", severity="error", timeout=15)

    # --- the filter ----------------------------------------------------------------------------

    def set_filter(self, chosen: Filter) -> None:
        """Ask for a filter. It becomes the current filter (chips, counts, export) only once
        it has selected its rows; a rejected one leaves the last applied filter in effect."""
        self.apply_filter(chosen)
        self.asked_generation = self.generation

    def _options(self, chosen: Filter | None = None) -> jobs.DashboardOptions:
        pane = self.pane(DashboardPane)
        zone = self.zone_choice(chosen).time_zone
        return jobs.DashboardOptions(pane.metric, pane.every, pane.segment, zone)

    def account_zones(self) -> dict[str, str]:
        """Each stored or configured account's own zone (settings, else inferred, else UTC)."""
        zones = settings_zones(self.settings, self.store, self.snapshot.accounts)
        return {name: zone.time_zone for name, zone in zones.items()}

    def zone_choice(self, chosen: Filter | None = None) -> ZoneChoice:
        """The zone for a filter's selection: the palette's pick, else display.time_zone, else
        the selected accounts' own zone, else UTC with a note (`choose_time_zone`)."""
        f = self.filter if chosen is None else chosen
        # The accounts the selection may hold, found as the CLI and the notebook find them.
        names = selection_accounts(self.snapshot.responses, f.accounts, f.platforms)
        zones = settings_zones(self.settings, self.store, names)
        return choose_time_zone(
            zones, names, chosen=self.time_zone_pick, display=self.settings.display.time_zone
        )

    def pick_time_zone(self, time_zone: str | None) -> None:
        """Use `time_zone` for every figure from now on (None: back to the settings' rule)."""
        self.time_zone_pick = time_zone
        choice = self.zone_choice()
        self.notify(f"Dates in {choice.label}", title="Time zone")
        self.apply_filter()

    def apply_filter(self, chosen: Filter | None = None) -> None:
        """Run a filter (by default the current one again, e.g. on a new snapshot)."""
        if self.response_rows is None:
            return
        self.generation += 1
        wanted = self.filter if chosen is None else chosen
        job = jobs.FilterJob(
            self.snapshot,
            wanted,
            self.generation,
            self._options(wanted),
            self.pane(DashboardPane).chart_sizes(),
            chart_palette(self.theme_variables),
            zone=self.zone_choice(wanted),
            account_zones=self.account_zones(),
        )
        self.filter_worker(job)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def filter_worker(self, job: jobs.FilterJob) -> None:
        worker = get_current_worker()
        jobs.run_filter(job, self.post_message, lambda: worker.is_cancelled)

    def _current(self, generation: int) -> bool:
        return generation == self.generation

    @on(FilterChanged)
    def filter_changed(self, message: FilterChanged) -> None:
        message.stop()
        self.set_filter(message.filter)
        if self.focused is self.filter_bar.input:
            self.action_show_pane(self.active_pane)

    @on(FilterRejected)
    def filter_rejected(self, message: FilterRejected) -> None:
        if not self._current(message.generation):
            return
        missing = {k: v for k, v in message.suggestions.items() if repr(v) not in message.message}
        hint = (
            " · did you mean " + ", ".join(f"{k!r} → {v!r}" for k, v in missing.items()) + "?"
            if missing
            else ""
        )
        self.filter_bar.show_rejected(f"{message.message}{hint}", self.filter)
        self.notify(
            f"{message.message}{hint}", title="Filter not applied", severity="warning", timeout=8
        )
        rejected = message.filter_text != self.filter.to_text()
        if rejected and self.done_generation != self.applied_generation:
            # The rejected run cut short the applied filter's: finish the panes it left.
            self.apply_filter()

    @on(SelectionReady)
    def selection_ready(self, message: SelectionReady) -> None:
        if not self._current(message.generation):
            return
        self.selection = message.selection
        changed = message.selection.filter != self.filter
        self.filter = message.selection.filter
        self.history.record(self.filter)
        self.applied_generation = message.generation
        if changed or message.generation == self.asked_generation:
            # Only a filter asked for updates the bar: re-running the applied one (a new
            # snapshot, another zone) keeps what the bar says, e.g. why a filter was refused.
            self.filter_bar.show(self.filter)
        pane = self.pane(ResponsesPane)
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

    @on(SelectedResponses)
    def selected_ready(self, message: SelectedResponses) -> None:
        if self._current(message.generation):
            self.selected = message.responses
            self.selected_filter = message.filter

    @on(FilterDone)
    def filter_done(self, message: FilterDone) -> None:
        if self._current(message.generation):
            self.done_generation = message.generation

    @on(PaneFailed)
    def pane_failed(self, message: PaneFailed) -> None:
        if self._current(message.generation):
            self._pane_failed(message.pane, message.reason)

    def _pane_failed(self, pane: str, reason: str) -> None:
        """Show `reason` in place of the pane's content; the other panes are not touched."""
        self.failures[pane] = reason
        if pane == "dashboard":
            self.frames = None  # nothing stale to redraw on a resize
        self.pane_problem(pane).show(reason)
        self._pane_widget(pane).add_class("-failed")

    def _pane_shown(self, pane: str, generation: int) -> None:
        self.failures.pop(pane, None)
        self.shown[pane] = generation
        self.pane_problem(pane).clear()
        self._pane_widget(pane).remove_class("-failed")

    def pane_problem(self, pane: str) -> Any:
        """The line shown in place of a pane's content when its computation failed."""
        try:
            return self.screen_stack[0].query_one(f"#{pane}-problem", PaneProblem)
        except (NoMatches, IndexError):
            return _Gone()

    def _show(self, pane: str, generation: int, show: Callable[[], object]) -> None:
        """Hand a pane its figures; if showing them fails, the pane says so (alone)."""
        if not self._current(generation):
            return
        try:
            show()
        except Exception as exc:
            self._pane_failed(pane, describe(pane, exc))
        else:
            self._pane_shown(pane, generation)

    @on(DashboardReady)
    def dashboard_ready(self, message: DashboardReady) -> None:
        def show() -> None:
            self.frames = message.frames
            self.pane(DashboardPane).show(message.frames)

        self._show("dashboard", message.generation, show)

    @on(ChartsReady)
    def charts_ready(self, message: ChartsReady) -> None:
        if self._current(message.generation) and "dashboard" not in self.failures:
            self.pane(DashboardPane).show_charts(message.charts, message.problems)

    @on(TagsReady)
    def tags_ready(self, message: TagsReady) -> None:
        self._show("tags", message.generation, lambda: self.pane(TagsPane).show(message.tags))

    @on(EndUsersReady)
    def end_users_ready(self, message: EndUsersReady) -> None:
        self._show(
            "end-users",
            message.generation,
            lambda: self.pane(EndUsersPane).show(message.end_users),
        )

    @on(SurveysReady)
    def surveys_ready(self, message: SurveysReady) -> None:
        self._show(
            "surveys", message.generation, lambda: self.pane(SurveysPane).show(message.frames)
        )

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

    @on(DashboardPane.OptionsChanged)
    def dashboard_options(self, message: DashboardPane.OptionsChanged) -> None:
        if not self.loaded:
            return
        options = jobs.DashboardOptions(
            message.metric, message.every, message.segment, self.zone_choice().time_zone
        )
        self.dashboard_worker(
            self.selected,
            options,
            self.pane(DashboardPane).chart_sizes(),
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
        if self.frames is None:
            return
        self.charts_worker(
            self.frames,
            self.pane(DashboardPane).chart_sizes(),
            chart_palette(self.theme_variables),
            self.generation,
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

    # --- table tools: filter from a cell, filter history ------------------------------------

    @on(FrameView.CellFilter)
    def cell_filter(self, message: FrameView.CellFilter) -> None:
        from workbench.tui.tables import with_cell

        try:
            chosen = with_cell(self.filter, message.column, message.value, exclude=message.exclude)
        except ValueError as exc:
            self.notify(str(exc), title="Not filtered", severity="warning")
            return
        self.set_filter(chosen)

    def action_undo_filter(self) -> None:
        previous = self.history.undo()
        if previous is None:
            self.notify("No earlier filter to go back to.", timeout=3)
        else:
            self.set_filter(previous)

    def action_redo_filter(self) -> None:
        following = self.history.redo()
        if following is None:
            self.notify("No later filter to go forward to.", timeout=3)
        else:
            self.set_filter(following)

    # --- details -------------------------------------------------------------------------------

    @on(ShowResponse)
    def show_response(self, message: ShowResponse) -> None:
        responses = self.snapshot.responses
        if not 0 <= message.row < responses.height:
            return
        row = responses.row(message.row, named=True)
        user = self._end_user(row["account"], row["end_user_id"])
        category = None
        if row.get("score") is not None:
            match = score_categories().filter(
                (pl.col("metric") == row.get("metric")) & (pl.col("score") == row["score"])
            )
            category = match["category"][0] if match.height else None
        self.push_screen(ResponseScreen(row, user, category))

    def _end_user(self, account: str, end_user_id: str | None) -> dict[str, Any] | None:
        if end_user_id is None:
            return None
        users = self.snapshot.table("end_users").filter(
            (pl.col("account") == account) & (pl.col("id") == end_user_id)
        )
        return users.row(0, named=True) if users.height else None

    @on(ShowEndUser)
    def show_end_user(self, message: ShowEndUser) -> None:
        def mine(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.filter(
                (pl.col("account") == message.account)
                & (pl.col("end_user_id") == message.end_user_id)
            )

        self.push_screen(
            EndUserScreen(
                message.account,
                message.end_user_id,
                self._end_user(message.account, message.end_user_id),
                mine(self.snapshot.responses),
                mine(self.snapshot.table("declines")),
                self._page_views(message.account, message.end_user_id),
            )
        )

    def _page_views(self, account: str, end_user_id: str) -> pl.DataFrame:
        """The end user's stored page views (read when asked: no pane shows the table)."""
        try:
            views = load_table(self.store, "page_views", [account])
        except (StoreError, OSError, pl.exceptions.PolarsError):
            return pl.DataFrame()
        return views.filter(pl.col("end_user_id") == end_user_id)

    # --- accounts and sync ---------------------------------------------------------------------

    def _show_accounts(self) -> None:
        rows = self.sync_state.rows(self.settings, self.snapshot)
        self.pane(AccountsPane).show(rows)

    def _sync_selected(self) -> None:
        selected = self.pane(AccountsPane).selected
        if selected:
            self.start_sync([selected])
        else:
            self.notify("Select an account in the Accounts pane first.")

    @on(AccountsPane.SyncRequested)
    def sync_requested(self, message: AccountsPane.SyncRequested) -> None:
        self.start_sync(message.accounts)

    def start_sync(self, accounts: list[str] | None) -> None:
        if self.sync_state.running:
            self.notify("A sync is already running; wait for it to finish.")
            return
        names = accounts or list(self.settings.accounts)
        unknown = [n for n in names if n not in self.settings.accounts]
        if not names or unknown:
            what = ", ".join(unknown) if unknown else "no account is configured"
            self.notify(
                f"Cannot sync: {what}. Add the account first (a in Accounts).", severity="warning"
            )
            return
        self.sync_state.running = True
        self.pane(AccountsPane).sync_panel.start()
        self.sync_worker(self.settings, names, self.store)

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def sync_worker(self, settings: Settings, accounts: list[str], store: Store) -> None:
        await run_sync(settings, accounts, store, self.post_message)

    @on(SyncProgress)
    def sync_progress(self, message: SyncProgress) -> None:
        self.pane(AccountsPane).sync_panel.apply(message.event)

    @on(SyncFinished)
    def sync_finished(self, message: SyncFinished) -> None:
        self.sync_state.running = False
        notes = self.sync_state.record(message.summary)
        panel = self.pane(AccountsPane).sync_panel
        rows = message.summary.rows
        panel.finish(
            f"Last sync: {rows:,} rows written; "
            f"{sum(not a.ok for a in message.summary.accounts)} account(s) with problems"
        )
        for title, text in notes:
            self.notify(text, title=title, severity="error", timeout=15)
        if not notes:
            self.notify(f"Sync finished: {rows:,} rows written", title="Sync")
        self.load_store()

    @on(SyncCrashed)
    def sync_crashed(self, message: SyncCrashed) -> None:
        self.sync_state.running = False
        self.pane(AccountsPane).sync_panel.finish("The sync did not run.")
        self.notify(message.message, title="Sync failed", severity="error", timeout=15)

    @on(AccountsPane.EditRequested)
    def edit_requested(self, message: AccountsPane.EditRequested) -> None:
        self.edit_account(message.account)

    def edit_account(self, name: str | None) -> None:
        if name is not None and name not in self.settings.accounts:
            self.notify(f"{name} is stored but not configured; add it again to edit it.")
            return

        def saved(result: str | None) -> None:
            if result:
                self.reload_settings(f"Saved account {result!r} to {self.config_file}")

        self.push_screen(AccountFormScreen(self.config_file, name), saved)

    @on(AccountsPane.RemoveRequested)
    def remove_requested(self, message: AccountsPane.RemoveRequested) -> None:
        from workbench.settings import remove_account

        name = message.account
        if name not in self.settings.accounts:
            self.notify(f"{name} is not configured (only its stored data is shown).")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                remove_account(name, path=self.config_file)
            except SettingsError as exc:
                self.notify(str(exc), title="Not removed", severity="error")
                return
            self.reload_settings(
                f"Removed {name!r} from {self.config_file}; its stored data "
                "stays until you delete it"
            )

        self.push_screen(
            ConfirmScreen(f"Remove the account {name!r} from {self.config_file}?", "Remove"),
            answered,
        )

    def reload_settings(self, note: str) -> None:
        try:
            self.settings = self.settings_loader()
        except SettingsError as exc:
            self.notify(str(exc), title="Settings not read", severity="error", timeout=15)
            return
        self.notify(note)
        self._show_accounts()

    # --- welcome and demo ----------------------------------------------------------------------

    def _welcome_choice(self, choice: str | None) -> None:
        if choice == "demo":
            self.notify("Starting the demo sandbox…")
            self.demo_worker()
        elif choice == "add":
            self.action_show_pane("accounts")
            self.edit_account(None)
        elif choice == "quit":
            self.exit()

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def demo_worker(self) -> None:
        try:
            from workbench.demo import start_demo

            demo = start_demo()
        except Exception as exc:
            self.post_message(DemoFailed(f"The demo could not start: {exc}"))
            return
        self.post_message(DemoStarted(demo))

    @on(DemoStarted)
    def demo_started(self, message: DemoStarted) -> None:
        self.use_demo(message.demo)

    def use_demo(self, demo: Any) -> None:
        """Switch to a running demo: its settings, config file and store; then sync it."""
        self.demo = demo
        self.settings = demo.settings
        self.config_file = demo.config_path
        self.settings_loader = lambda: load_settings(demo.config_path, environ={})
        self.store = Store(demo.settings.store_dir)
        self._show_accounts()
        self.action_show_pane("accounts")
        self.start_sync(None)

    @on(DemoFailed)
    def demo_failed(self, message: DemoFailed) -> None:
        self.notify(message.message, title="Demo", severity="error", timeout=15)

    def on_unmount(self) -> None:
        if self.demo is not None:
            self.demo.close()

    # --- theme ---------------------------------------------------------------------------------

    def _theme_changed(self, theme: Any) -> None:
        if theme.name != self.settings.theme:
            try:
                save_theme(self.config_file, theme.name)
                self.settings = self.settings.model_copy(update={"theme": theme.name})
            except SettingsError as exc:
                self.notify(f"Theme not saved: {exc}", severity="warning")
        if self.selection is not None and self.response_rows is not None:
            selection, rows = self.selection, self.response_rows
            self._show(
                "responses",
                self.generation,
                lambda: self.pane(ResponsesPane).show(
                    selection,
                    self.snapshot.responses.height,
                    rows,
                    self._colours(),
                    keep_cursor=True,
                ),
            )
        self.rebuild_charts()
