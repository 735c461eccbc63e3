"""Syncing from the TUI: the sync runs as an async worker and reports through messages.

`data.sync.sync` never raises for one account's trouble (it is in that account's summary), so
a bad password on one account leaves the others and the stored data alone; anything else that
escapes (an unknown account, a bug) becomes one `SyncCrashed` message instead of a traceback.
`SyncState` remembers, per account, the last problem and the CXI onboarding state the syncs
revealed, for the Accounts tree: both from the failures' kinds, never from their words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from textual.message import Message

from workbench.analysis.counting import is_excluded
from workbench.data.progress import KIND_TITLES, Failure, SyncEvent, SyncSummary
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.settings import Settings
from workbench.sources.errors import ErrorKind
from workbench.tui.messages import SyncCrashed, SyncFinished, SyncProgress
from workbench.tui.panes.accounts import AccountRow, Onboarding
from workbench.tui.snapshot import Snapshot

NEXT_STEPS: dict[ErrorKind, str] = {
    ErrorKind.ONBOARDING_NEEDED: "In Accounts, press o to complete the onboarding here, then "
    "sync again.",
    ErrorKind.AUTH: "In Accounts, press e to edit the account's credentials, then sync again.",
}
"""What the TUI offers for a kind of failure, after the failure's own line."""


def failure_text(failure: Failure) -> str:
    """A failure as the TUI says it: its line, then the TUI's own step for its kind."""
    step = NEXT_STEPS.get(failure.kind)
    return f"{failure.message} {step}" if step else failure.message


async def run_sync(
    settings: Settings, accounts: list[str], store: Store, post: Callable[[Message], object]
) -> None:
    """Sync `accounts`, posting each progress event and then the summary."""

    def on_event(event: SyncEvent) -> None:
        post(SyncProgress(event))

    try:
        summary = await sync(settings, accounts, store=store, on_event=on_event)
    except Exception as exc:  # the sync's own errors are in the summary; this is the rest
        post(SyncCrashed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__))
        return
    post(SyncFinished(summary))


@dataclass
class SyncState:
    """What the syncs of this session found out about each account."""

    running: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    onboarding: dict[str, Onboarding] = field(default_factory=dict)

    def record(self, summary: SyncSummary) -> list[tuple[str, str]]:
        """Note each account's outcome; return (title, message) for each one that failed."""
        notes: list[tuple[str, str]] = []
        for account in summary.accounts:
            failures = account.failures
            if account.platform == "cxi":
                blocked = any(f.kind is ErrorKind.ONBOARDING_NEEDED for f in failures)
                self.onboarding[account.account] = "required" if blocked else "complete"
            if failures:
                first = failures[0]
                self.problems[account.account] = first.message
                notes.append(
                    (
                        f"Sync of {account.account} failed: {KIND_TITLES[first.kind]}",
                        failure_text(first),
                    )
                )
            else:
                self.problems.pop(account.account, None)
        return notes

    def rows(self, settings: Settings, snapshot: Snapshot) -> list[AccountRow]:
        """Every configured or stored account, as the Accounts tree shows it."""
        names = sorted(set(settings.accounts) | set(snapshot.accounts))
        excluded = excluded_by_account(snapshot.responses)
        rows: list[AccountRow] = []
        for name in names:
            stored = snapshot.accounts.get(name)
            configured = name in settings.accounts
            platform = (
                settings.accounts[name].platform
                if configured
                else (stored.platform if stored and stored.platform else "unknown")
            )
            onboarding: Onboarding | None = None
            if platform == "cxi":
                has_rows = stored is not None and any(c > 0 for c in stored.tables.values())
                onboarding = self.onboarding.get(name, "complete" if has_rows else "unknown")
            rows.append(
                AccountRow(
                    name,
                    platform,
                    configured,
                    dict(stored.tables) if stored else {},
                    stored.written if stored else None,
                    onboarding,
                    self.problems.get(name),
                    excluded.get(name, 0),
                )
            )
        return rows


def excluded_by_account(responses: pl.DataFrame) -> dict[str, int]:
    """Stored responses excluded from calculations, per account (the tree says so)."""
    if responses.is_empty() or "account" not in responses.columns:
        return {}
    counted = responses.group_by("account").agg(is_excluded(responses).sum().alias("excluded"))
    return dict(counted.select("account", "excluded").iter_rows())
