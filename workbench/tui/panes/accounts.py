"""The Accounts pane: platform > account > tables, sync with progress, add/edit/remove.

An account appears if it is configured, stored, or both: a stored account whose configuration
was removed still shows its data (and says it cannot be synced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from rich.markup import escape
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static, Tree

from workbench.analysis.counting import Counts, count_line
from workbench.tui import acting
from workbench.tui.widgets.sync_panel import SyncPanel

Onboarding = Literal["complete", "required", "unknown"]
PLATFORM_TITLES = {
    "wootric": "Wootric NPS",
    "cxi": "Wootric CXI",
    "apptentive": "Apptentive",
    "crowdskout": "Crowdskout",
}


@dataclass(frozen=True)
class AccountRow:
    """What the tree shows of one account."""

    name: str
    platform: str
    configured: bool
    tables: dict[str, int] = field(default_factory=dict)
    written: datetime | None = None
    onboarding: Onboarding | None = None
    problem: str | None = None
    excluded: int = 0
    """Stored responses excluded from calculations (listed, never counted in a metric)."""

    def short_summary(self) -> str:
        """The tree's line for the account: when it was synced and what needs attention."""
        parts = [f"{self.written:%Y-%m-%d}" if self.written else "never synced"]
        if self.onboarding == "required":
            parts.append("onboarding")
        if not self.configured:
            parts.append("not configured")
        if self.problem:
            parts.append("failed")
        return " · ".join(parts)

    def summary(self) -> str:
        parts = [f"last sync {self.written:%Y-%m-%d %H:%M} UTC" if self.written else "never synced"]
        if self.onboarding is not None:
            parts.append(f"onboarding {self.onboarding}")
        if not self.configured:
            parts.append("not configured")
        if self.problem:
            parts.append("last sync failed")
        return " · ".join(parts)


class AccountsPane(Horizontal):
    """Tree on the left; the chosen account's details, actions and sync bars on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sync_selected", "Sync account"),
        Binding("S", "sync_all", "Sync all"),
        Binding("a", "add", "Add account"),
        Binding("e", "edit", "Edit account"),
        Binding("delete", "remove", "Remove account"),
        *acting.bindings("accounts"),
    ]

    @dataclass
    class SyncRequested(Message):
        accounts: list[str] | None
        """None: every configured account."""

    @dataclass
    class EditRequested(Message):
        account: str | None
        """None: add a new account."""

    @dataclass
    class RemoveRequested(Message):
        account: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows: dict[str, AccountRow] = {}
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree("Accounts", id="accounts-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
        with Vertical(id="account-side"):
            yield Static("Select an account.", id="account-detail")
            yield Button(
                "Complete the onboarding (o)", id="onboard", compact=True, variant="warning"
            )
            with Horizontal(id="account-actions"):
                yield Button("Sync", id="sync-one", compact=True)
                yield Button("Sync all", id="sync-all", compact=True, variant="primary")
                yield Button("Add", id="add-account", compact=True)
                yield Button("Edit", id="edit-account", compact=True)
                yield Button("Remove", id="remove-account", compact=True, variant="error")
            yield SyncPanel(id="sync-panel")

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < 120, "-narrow")

    @property
    def sync_panel(self) -> SyncPanel:
        return self.query_one(SyncPanel)

    def show(self, rows: list[AccountRow]) -> None:
        """Rebuild the tree (keeping the selected account selected)."""
        self.rows = {row.name: row for row in rows}
        tree: Tree[str] = self.query_one("#accounts-tree", Tree)
        tree.clear()
        by_platform: dict[str, list[AccountRow]] = {}
        for row in rows:
            by_platform.setdefault(row.platform, []).append(row)
        for platform in sorted(
            by_platform,
            key=lambda p: list(PLATFORM_TITLES).index(p) if p in PLATFORM_TITLES else 99,
        ):
            branch = tree.root.add(PLATFORM_TITLES.get(platform, platform), expand=True)
            for row in sorted(by_platform[platform], key=lambda r: r.name):
                style = "" if row.configured else "[dim]"
                label = f"{style}[b]{escape(row.name)}[/b] [dim]{escape(row.short_summary())}[/]"
                node = branch.add(label, data=row.name, expand=True)
                for table, count in sorted(row.tables.items()):
                    shown = f"{count:,} row{'s' * (count != 1)}" if count >= 0 else "stored"
                    if table == "responses" and count >= 0:
                        shown = count_line(Counts(count, row.excluded), noun="row")
                    node.add_leaf(f"{escape(table)} [dim]{shown}[/]", data=row.name)
        if not rows:
            tree.root.add_leaf("No accounts yet: press a to add one.")
        if self.selected not in self.rows:
            self.selected = next(iter(sorted(self.rows)), None)
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#account-detail", Static)
        row = self.rows.get(self.selected or "")
        if row is None:
            detail.update("Select an account.")
            self.query_one("#onboard", Button).display = False
            return
        lines = [
            f"[b]{escape(row.name)}[/b] · {PLATFORM_TITLES.get(row.platform, row.platform)}",
            escape(row.summary()),
            f"{sum(c for c in row.tables.values() if c > 0):,} rows stored in "
            f"{len(row.tables)} tables",
        ]
        if row.onboarding == "required":
            lines.append(
                "[$warning]CXI onboarding is not complete: every CXI call answers 424 until it "
                "is. Press o (or Onboard) to complete it here, then sync again.[/]"
            )
        if row.problem:
            lines.append(f"[$error]{escape(row.problem)}[/]")
        detail.update("\n".join(lines))
        self.query_one("#onboard", Button).display = row.onboarding == "required"

    @on(Tree.NodeHighlighted)
    def highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        if event.node.data:
            self.selected = event.node.data
            self._show_detail()

    def action_sync_selected(self) -> None:
        if self.selected:
            self.post_message(self.SyncRequested([self.selected]))

    def action_sync_all(self) -> None:
        self.post_message(self.SyncRequested(None))

    def action_add(self) -> None:
        self.post_message(self.EditRequested(None))

    def action_edit(self) -> None:
        if self.selected:
            self.post_message(self.EditRequested(self.selected))

    def action_remove(self) -> None:
        if self.selected:
            self.post_message(self.RemoveRequested(self.selected))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "sync-one": self.action_sync_selected,
            "sync-all": self.action_sync_all,
            "add-account": self.action_add,
            "edit-account": self.action_edit,
            "remove-account": self.action_remove,
            "onboard": lambda: self.app.call_later(self.run_action, "app.act('onboard')"),
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def focus_table(self) -> None:
        self.query_one("#accounts-tree", Tree).focus()
