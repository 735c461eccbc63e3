"""The workbench's terminal app: six panes over the local store, one filter for all of them.

The app owns the state (settings, the store snapshot, the filter and what it selects) and the
workers. Workers read, compute and sync off the UI thread and only post messages
(`workbench.tui.messages`); the handlers update the state and hand each pane what it shows.
Every figure comes from `workbench.analysis` via `workbench.tui.compute`.

This module is the composition: the layout, the keys (`BINDINGS`, from which the footer, the
palette and the help take them) and the app-wide actions. The rest is in one mixin per job:
`filtering`, `results` (what the workers hand back), `exporting`, `account_flow`, `details`,
over the shared state and widget lookups of `base`, and the write actions of `acts`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path, PurePath
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane
from textual_fastdatatable.data_table import DataTable

from workbench.settings import SettingsError
from workbench.tui.account_flow import AccountFlowApp
from workbench.tui.acts import ActingApp
from workbench.tui.base import PANES, TITLES
from workbench.tui.commands import (
    PaletteCommand,
    WorkbenchCommands,
    action_key,
    table_commands,
)
from workbench.tui.details import DetailsApp
from workbench.tui.exporting import ExportingApp
from workbench.tui.filtering import FilteringApp
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.dashboard import DashboardPane
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.preferences import save_theme
from workbench.tui.results import ResultsApp
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.welcome import WelcomeScreen
from workbench.tui.themes import load_themes
from workbench.tui.widgets.filter_bar import FilterBar
from workbench.tui.widgets.pane_problem import PaneProblem
from workbench.tui.widgets.table import Grid

DEFAULT_THEME = "workbench-dark"
STYLES = Path(__file__).parent / "styles"
CONTENT: tuple[type[Widget], ...] = (
    EndUsersPane,
    ResponsesPane,
    TagsPane,
    SurveysPane,
    DashboardPane,
)
"""The widget of each pane after Accounts (`PANES[1:]`); each has a problem line above it."""


class WorkbenchApp(ResultsApp, FilteringApp, ExportingApp, AccountFlowApp, DetailsApp, ActingApp):
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

    # --- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filter-bar")
        initial = "accounts" if self.sync_on_start else "responses"
        with TabbedContent(initial=initial, id="panes"):
            with TabPane(f"1 {TITLES[0]}", id=PANES[0]):
                yield AccountsPane(id="accounts-pane")
            for number, (pane, title, content) in enumerate(
                zip(PANES[1:], TITLES[1:], CONTENT, strict=True), start=2
            ):
                with TabPane(f"{number} {title}", id=pane):
                    yield PaneProblem(title, id=f"{pane}-problem")
                    yield content(id=f"{pane}-pane", classes="pane-content")
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
        self.show_accounts()
        if self.active_pane == "accounts":
            self.pane(AccountsPane).focus_table()
        self.load_store()
        if self.sync_on_start:
            self.start_sync(None)
        elif self.offer_welcome and not self.settings.accounts and not self.store.accounts():
            self.push_screen(WelcomeScreen(), self._welcome_choice)

    def on_unmount(self) -> None:
        if self.demo is not None:
            self.demo.close()

    # --- commands ------------------------------------------------------------------------------

    def _key(self, action: str) -> str:
        """How the help and the palette write the key of one of the app's actions."""
        return action_key(self.BINDINGS, action)

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
        key = self._key
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
                f"Write the current view's rows with the filter ({key('export')})",
                self.action_export,
            ),
            PaletteCommand(
                "Filter", f"Type a filter ({key('focus_filter')})", self.action_focus_filter
            ),
            *self._time_zone_commands(),
            PaletteCommand("Clear filter", "Show every response", self.action_clear_filter),
            PaletteCommand(
                "Save filter",
                f"Save the current filter by name ({key('save_filter')})",
                self.action_save_filter,
            ),
            PaletteCommand(
                "Load filter",
                f"Load a saved filter ({key('load_filter')})",
                self.action_load_filter,
            ),
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
                "Reload store", f"Read the local store again ({key('reload')})", self.action_reload
            ),
            PaletteCommand(
                "Copy selection as TSV",
                f"Copy the selected cells ({action_key(DataTable.BINDINGS, 'copy_selection')})",
                self.action_copy_selection,
            ),
            PaletteCommand(
                "Help", f"Keys and the filter language ({key('help')})", self.action_help
            ),
            PaletteCommand(
                "Change theme",
                f"Pick a colour theme ({key('change_theme')})",
                self.action_change_theme,
            ),
        ]
        commands += table_commands(self)
        commands += self.action_commands()
        return commands

    # --- actions -------------------------------------------------------------------------------

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

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_reload(self) -> None:
        self.load_store()

    def action_copy_selection(self) -> None:
        focused = self.focused
        if isinstance(focused, Grid):
            focused.action_copy_selection()
        else:
            self.notify("Select cells in a table first (shift+arrows), then copy.")

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
                ResponsesPane,
                lambda pane: pane.show(
                    selection,
                    self.snapshot.responses.height,
                    rows,
                    self._colours(),
                    keep_cursor=True,
                ),
            )
        self.rebuild_charts()
