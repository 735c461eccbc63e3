"""Accounts: the Accounts pane's rows, sync (all or one), the account form, removal, the demo.

A sync runs in a worker (`syncing.run_sync`) that posts its progress; when it ends the store is
read again. The welcome screen offers the demo sandbox, which then becomes the app's settings,
config file and store, and is synced.
"""

from __future__ import annotations

from typing import Any

from textual import on, work

from workbench.data.store import Store
from workbench.settings import Settings, SettingsError, load_settings, remove_account
from workbench.tui.base import WorkbenchBase
from workbench.tui.messages import DemoFailed, DemoStarted, SyncCrashed, SyncFinished, SyncProgress
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.screens.account_form import AccountFormScreen
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.syncing import run_sync
from workbench.tui.widgets.sync_panel import SyncPanel


class AccountFlowApp(WorkbenchBase):
    """Shows the accounts, syncs them, adds, edits and removes them."""

    def show_accounts(self) -> None:
        pane = self.pane_or_none(AccountsPane)
        if pane is not None:
            pane.show(self.sync_state.rows(self.settings, self.snapshot))

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
        pane = self.pane_or_none(AccountsPane)
        if pane is None:
            return
        self.sync_state.running = True
        pane.sync_panel.start()
        self.sync_worker(self.settings, names, self.store)

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def sync_worker(self, settings: Settings, accounts: list[str], store: Store) -> None:
        await run_sync(settings, accounts, store, self.post_message)

    @on(SyncProgress)
    def sync_progress(self, message: SyncProgress) -> None:
        pane = self.pane_or_none(AccountsPane)
        if pane is not None:
            pane.sync_panel.apply(message.event)

    def _sync_ended(self) -> SyncPanel | None:
        """The sync is over; its panel (None once the app is shutting down)."""
        self.sync_state.running = False
        pane = self.pane_or_none(AccountsPane)
        return None if pane is None else pane.sync_panel

    @on(SyncFinished)
    def sync_finished(self, message: SyncFinished) -> None:
        panel = self._sync_ended()
        if panel is None:
            return
        notes = self.sync_state.record(message.summary)
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
        panel = self._sync_ended()
        if panel is None:
            return
        panel.finish("The sync did not run.")
        self.notify(message.message, title="Sync failed", severity="error", timeout=15)

    # --- the account form and removal ------------------------------------------------------

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
        self.show_accounts()

    # --- welcome and demo ------------------------------------------------------------------

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
        self.show_accounts()
        self.action_show_pane("accounts")
        self.start_sync(None)

    @on(DemoFailed)
    def demo_failed(self, message: DemoFailed) -> None:
        self.notify(message.message, title="Demo", severity="error", timeout=15)
