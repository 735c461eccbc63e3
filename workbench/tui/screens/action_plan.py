"""The plan of a write action, its confirmation, its progress and its result, on one screen.

The screen shows what will be done (account, endpoint, calls, rows, what changes, what is
skipped) before anything is sent. "Do it" runs the plans in a worker, which posts progress
and the outcome; the screen's handlers update its widgets. An action that cannot be undone asks
for the account's name typed out. Escape during a run stops it safely: a call in flight is
journaled, and running the same action again finishes the rest without doing any row twice.
Dismisses with True when anything changed (the app then reloads the store).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static

from workbench.data.actions.plan import Plan
from workbench.data.actions.run import Outcome, run_plan
from workbench.data.lock import LockBusy
from workbench.data.store import Store, StoreError
from workbench.settings import Settings, SettingsError
from workbench.sources.errors import SourceError


class ActionPlanScreen(ModalScreen[bool]):
    """Plan, confirm, run, report: the TUI's face of `workbench.data.actions`."""

    AUTO_FOCUS = "#go"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Cancel")]

    class Progress(Message):
        def __init__(self, account: str, finished: int, total: int) -> None:
            super().__init__()
            self.account, self.finished, self.total = account, finished, total

    class Finished(Message):
        def __init__(self, outcomes: list[Outcome], problem: str | None = None) -> None:
            super().__init__()
            self.outcomes, self.problem = outcomes, problem

    def __init__(
        self,
        settings: Settings,
        store: Store,
        plans: Sequence[Plan],
        title: str,
        *,
        note: str = "",
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.settings = settings
        self.store = store
        self.plans = [plan for plan in plans if plan.calls]
        self.skipped_only = [plan for plan in plans if not plan.calls]
        self.title_text = title
        self.note = note
        """What the plans leave out of the selection (other platforms' rows), if anything."""
        self.running = False
        self.changed = False

    @property
    def destructive(self) -> Plan | None:
        return next((plan for plan in self.plans if plan.destructive), None)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="action-plan"):
            yield Static(escape(self.title_text), classes="dialog-title")
            if self.note:
                yield Static(escape(self.note), classes="dialog-text", id="action-note")
            with VerticalScroll(id="action-lines"):
                for plan in [*self.plans, *self.skipped_only]:
                    yield Static(
                        f"[b]{escape(plan.account)}[/] ({plan.platform})\n"
                        + "\n".join(escape(line) for line in plan.lines(limit=8)),
                        classes="action-plan-text",
                    )
            if not self.plans:
                yield Static("Nothing to do: every selected row is already as asked.")
            destructive = self.destructive
            if destructive is not None:
                yield Static(
                    f"This cannot be undone. Type [b]{escape(destructive.account)}[/] to go on.",
                    classes="action-warning",
                )
                yield Input(placeholder=destructive.account, id="typed-account")
            yield ProgressBar(id="action-progress", show_eta=False)
            yield Static("", id="action-result")
            with Horizontal(classes="dialog-buttons"):
                if self.plans:
                    yield Button("Do it", variant="warning", id="go")
                yield Button("Cancel", id="close")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        if self.destructive is not None:
            self.query_one("#typed-account", Input).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "action")
            return  # the worker's Finished message closes the run
        self.dismiss(self.changed)

    @on(Button.Pressed, "#go")
    @on(Input.Submitted, "#typed-account")
    def go(self) -> None:
        if self.running or not self.plans:
            return
        destructive = self.destructive
        if destructive is not None:
            typed = self.query_one("#typed-account", Input).value.strip()
            if typed != destructive.account:
                self.query_one("#action-result", Static).update(
                    f"[$error]Type {escape(destructive.account)} exactly to go on.[/]"
                )
                return
        self.running = True
        self.query_one("#go", Button).disabled = True
        self.query_one("#close", Button).label = "Stop"
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=sum(len(plan.calls) for plan in self.plans), progress=0)
        self.query_one("#action-result", Static).update("Sending…")
        self.call_after_refresh(self.query_one("#action-result", Static).scroll_visible)
        self.run_actions()

    @work(exclusive=True, group="action")
    async def run_actions(self) -> None:
        """Runs in the app's loop (the client is async); posts progress and the outcome."""
        outcomes: list[Outcome] = []
        done_before = 0
        try:
            for plan in self.plans:

                def progress(
                    finished: int, total: int, base: int = done_before, name: str = plan.account
                ) -> None:
                    self.post_message(self.Progress(name, base + finished, total))

                outcomes.append(
                    await run_plan(self.settings, plan, store=self.store, on_progress=progress)
                )
                done_before += len(plan.calls)
        except (SettingsError, SourceError, StoreError, LockBusy) as exc:
            self.post_message(self.Finished(outcomes, str(exc).splitlines()[0]))
            return
        except BaseException:
            self.post_message(
                self.Finished(
                    outcomes,
                    "Stopped. Running the same action again finishes the rest without doing "
                    "any row twice.",
                )
            )
            raise
        self.post_message(self.Finished(outcomes))

    @on(Progress)
    def progressed(self, message: Progress) -> None:
        self.query_one(ProgressBar).update(progress=message.finished)

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.running = False
        self.changed = any(o.done or o.earlier for o in message.outcomes)
        lines = [escape(line) for outcome in message.outcomes for line in outcome.lines()]
        ok = message.problem is None and all(o.ok for o in message.outcomes)
        if message.problem:
            lines.append(f"[$error]{escape(message.problem)}[/]")
        head = "[$success]Done.[/]" if ok else "[$warning]Not everything was done:[/]"
        self.query_one("#action-result", Static).update("\n".join([head, *lines]))
        self.query_one("#go", Button).display = False
        close = self.query_one("#close", Button)
        close.label = "Close"
        close.focus()
        self.call_after_refresh(self.query_one("#action-result", Static).scroll_visible)
