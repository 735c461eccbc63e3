"""Sync progress: one bar per account and table, fed by the sync's events via the app.

The sync itself knows nothing of this widget: it calls `on_event`, the worker posts a
`SyncProgress` message, and the app hands the event here.
"""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, ProgressBar, Static

from workbench.data.progress import KIND_TITLES, SyncEvent

NARROW = 72
"""Below this panel width a row takes two lines (name and bar, then the status) and the status
says what it waits for in fewer words."""

_PROCESS = re.compile(r"^waiting for process (\d+)(?: on \S+)?(?: \([^)]*\))?(?: since (\S+))?$")
_RATE = re.compile(r"^waiting for the rate window until (\S+)$")


def short_status(message: str) -> str:
    """A waiting message in fewer words, for a narrow panel ("waits for pid 1234 since
    21:04:05", "rate window until 14:02:07"); other messages as they are."""
    if match := _PROCESS.match(message):
        since = f" since {match[2]}" if match[2] else ""
        return f"waits for pid {match[1]}{since}"
    if match := _RATE.match(message):
        return f"rate window until {match[1]}"
    return message


def _key(account: str, table: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in f"{account}--{table}")
    return f"sync-{safe}"


class SyncRow(Horizontal):
    """`account table  [bar]  status` for one table being synced."""

    def __init__(self, event: SyncEvent, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = event.account if event.table == "*" else f"{event.account} · {event.table}"
        self.latest = event
        self.ready = False
        self.short = False

    def compose(self) -> ComposeResult:
        yield Label(escape(self.label), classes="sync-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False)
        yield Label("", classes="sync-status")

    def on_mount(self) -> None:
        self.ready = True
        self.apply(self.latest)

    def apply(self, event: SyncEvent) -> None:
        """Show `event` (kept until the row is mounted, if it is not yet)."""
        self.latest = event
        if not self.ready:
            return
        bar = self.query_one(ProgressBar)
        status = self.query_one(".sync-status", Label)
        if event.phase in ("done", "skipped"):
            total = event.total if event.total is not None else max(event.rows, 1)
            bar.update(total=total, progress=total)
            text = f"{event.rows:,} rows · {event.requests:,} requests"
            status.update(text if event.phase == "done" else f"skipped: {event.message or ''}")
            self.set_class(True, "-done")
        elif event.phase == "waiting":
            message = event.message or "waiting"
            status.update(escape(short_status(message) if self.short else message))
            status.tooltip = message
        elif event.phase == "failed":
            bar.update(total=1, progress=0)
            title = f" ({KIND_TITLES[event.kind]})" if event.kind else ""
            status.update(escape(f"failed{title}: {event.message or ''}"))
            self.set_class(True, "-failed")
        else:
            bar.update(total=event.total, progress=event.rows)
            waited = f" · waited {event.waited:.0f} s" if event.waited >= 1 else ""
            status.update(f"{event.rows:,} rows · {event.requests:,} requests{waited}")


class SyncPanel(VerticalScroll):
    """The bars of the sync in progress (or the last one)."""

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            for row in self.query(SyncRow):
                row.short = narrow
                row.apply(row.latest)

    def compose(self) -> ComposeResult:
        yield Static(
            "No sync yet. Press s to sync the selected account, S for all.", id="sync-note"
        )

    def start(self) -> None:
        """Clear the bars of a previous sync."""
        self.remove_children(SyncRow)
        self.query_one("#sync-note", Static).update("Syncing…")

    def apply(self, event: SyncEvent) -> None:
        key = _key(event.account, event.table)
        rows = self.query(f"#{key}")
        if rows:
            row = rows.first(SyncRow)
            row.apply(event)
        else:
            row = SyncRow(event, id=key)
            row.short = self.has_class("-narrow")
            self.mount(row)

    def finish(self, note: str) -> None:
        self.query_one("#sync-note", Static).update(note)
