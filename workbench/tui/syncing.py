"""Syncing from the TUI: the sync runs as an async worker and reports through messages.

`data.sync.sync` never raises for one account's trouble (it is in that account's summary), so
a bad password on one account leaves the others and the stored data alone; anything else that
escapes (an unknown account, a bug) becomes one `SyncCrashed` message instead of a traceback.
`SyncState` remembers, per account, the last problem and the CXI onboarding state the syncs
revealed, for the Accounts tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from textual.message import Message

from workbench.analysis.counting import is_excluded
from workbench.data.progress import SyncEvent, SyncSummary
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.settings import Settings
from workbench.tui.messages import SyncCrashed, SyncFinished, SyncProgress
from workbench.tui.panes.accounts import AccountRow, Onboarding
from workbench.tui.snapshot import Snapshot

ONBOARDING_WORDS = ("onboarding", " 424")


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


def _onboarding_problem(message: str | None) -> bool:
    return bool(message) and any(word in message for word in ONBOARDING_WORDS)  # type: ignore[operator]


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
            failures = [account.error] if account.error else []
            failures += [t.error for t in account.tables if t.error and t.error != account.error]
            if account.platform == "cxi":
                blocked = any(_onboarding_problem(f) for f in failures)
                self.onboarding[account.account] = "required" if blocked else "complete"
            if failures:
                self.problems[account.account] = failures[0]
                notes.append((f"Sync of {account.account} failed", failures[0]))
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
