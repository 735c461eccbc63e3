"""The app's common ground: its state, the lookups of its widgets, and the time-zone rule.

Why a base of its own: the app's jobs (filtering, the worker results, export, accounts and
sync, details) are mixins (`filtering`, `results`, `exporting`, `account_flow`, `details`, `acts`),
and each reads the same state and finds the same widgets; they find them here, typed by the
widget they return. `pane` raises `NoMatches` when the widget is not there; `pane_or_none` is
for a worker's late message, which may arrive while the app shuts down (its handler then
returns).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl
import pyarrow as pa
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import TabbedContent

from workbench.analysis import Filter
from workbench.analysis.dates import ZoneChoice, choose_time_zone, selection_accounts
from workbench.data.store import Store
from workbench.data.time_zones import settings_zones
from workbench.settings import Settings, load_settings
from workbench.tui.history import FilterHistory
from workbench.tui.preferences import SavedFilters
from workbench.tui.selection import Selection
from workbench.tui.snapshot import Snapshot
from workbench.tui.syncing import SyncState
from workbench.tui.theming import score_colours
from workbench.tui.views import ScoreColours
from workbench.tui.widgets.filter_bar import FilterBar
from workbench.tui.widgets.pane_problem import PaneProblem

if TYPE_CHECKING:
    from workbench.tui.compute import DashboardFrames

W = TypeVar("W", bound=Widget)

PANES = ("accounts", "end-users", "responses", "tags", "surveys", "dashboard")
TITLES = ("Accounts", "End users", "Responses", "Tags", "Surveys", "Dashboard")


class WorkbenchBase(App[None]):
    """The state every part of the app shares, and where its widgets are."""

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

    # --- the widgets -----------------------------------------------------------------------

    def pane_or_none(self, kind: type[W]) -> W | None:
        """A widget of the main screen (also while a dialog is open on top of it), or None
        once it is gone (the app shutting down)."""
        try:
            return self.screen_stack[0].query_one(kind)
        except (NoMatches, IndexError):
            return None

    def pane(self, kind: type[W]) -> W:
        """A widget of the main screen; raises `NoMatches` when there is none."""
        found = self.pane_or_none(kind)
        if found is None:
            raise NoMatches(f"No {kind.__name__} on the main screen")
        return found

    def _by_id(self, selector: str, kind: type[W]) -> W | None:
        try:
            return self.screen_stack[0].query_one(selector, kind)
        except (NoMatches, IndexError):
            return None

    def pane_content(self, pane: str) -> Widget | None:
        """The widget that shows a pane's content (not its problem line); None once gone."""
        return self._by_id(f"#{pane}-pane", Widget)

    def pane_problem(self, pane: str) -> PaneProblem | None:
        """The line shown in place of a pane's content when its computation failed."""
        return self._by_id(f"#{pane}-problem", PaneProblem)

    @property
    def filter_bar(self) -> FilterBar:
        return self.pane(FilterBar)

    @property
    def active_pane(self) -> str:
        tabs = self.pane_or_none(TabbedContent)
        return "" if tabs is None else tabs.active

    def action_show_pane(self, pane: str) -> None:
        tabs = self.pane_or_none(TabbedContent)
        if tabs is None:
            return
        tabs.active = pane
        focus = getattr(self.pane_content(pane), "focus_table", None)
        bar = self.pane_or_none(FilterBar)
        if callable(focus):
            self.call_after_refresh(focus)
        elif bar is not None and self.focused is bar.input:
            self.set_focus(None)  # a pane without a table: keys 1-6 must switch panes again

    def _current(self, generation: int) -> bool:
        """Whether a result belongs to the latest filter run (older ones are dropped)."""
        return generation == self.generation

    def _colours(self) -> ScoreColours:
        return score_colours(self.theme_variables)

    # --- the time zone ---------------------------------------------------------------------

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

    # --- what the other parts provide ------------------------------------------------------

    def apply_filter(self, chosen: Filter | None = None) -> None:  # pragma: no cover
        raise NotImplementedError  # `filtering.FilteringApp`

    def set_filter(self, chosen: Filter) -> None:  # pragma: no cover
        raise NotImplementedError  # `filtering.FilteringApp`

    def show_accounts(self) -> None:  # pragma: no cover
        raise NotImplementedError  # `account_flow.AccountFlowApp`

    def load_store(self) -> None:  # pragma: no cover
        raise NotImplementedError  # `results.ResultsApp`
