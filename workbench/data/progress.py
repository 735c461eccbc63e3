"""What a sync reports while it runs and when it ends, as plain data.

The CLI draws these as rich progress bars, the TUI turns them into messages for its widgets and
the notebook into a tqdm bar: the sync itself knows none of them, it only calls `on_event`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from workbench.data.normalize import Rejected

Phase = Literal["start", "progress", "waiting", "done", "failed", "skipped"]
"""`waiting`: the table (or, with table `*`, the account) waits for something it names in
`message`: another sync of the account, a rate window."""


@dataclass(frozen=True)
class SyncEvent:
    """One step of one table of one account.

    `rows` and `requests` count from the start of this table's sync; `waited` is the time spent
    sitting out rate limits (seconds, for the whole account so far); `total` is the number of rows
    expected when the API tells it (None when it does not). `message` says why a table failed
    or was skipped.
    """

    account: str
    platform: str
    table: str
    phase: Phase
    rows: int = 0
    requests: int = 0
    waited: float = 0.0
    total: int | None = None
    message: str | None = None


OnEvent = Callable[[SyncEvent], None]


@dataclass
class TableSummary:
    table: str
    rows: int = 0
    """Rows written to the store (fetched rows that normalized)."""
    requests: int = 0
    deleted: int = 0
    """Rows a full sync found gone from the platform and removed."""
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the API did not let us read (a second over the page cap, dropped items, ...)."""
    error: str | None = None


@dataclass
class AccountSummary:
    account: str
    platform: str
    tables: list[TableSummary] = field(default_factory=list)
    requests: int = 0
    waited: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    """Why the account could not be synced at all (bad credentials, onboarding, ...)."""

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.error is None for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def rejected(self) -> list[Rejected]:
        return [r for t in self.tables for r in t.rejected]


@dataclass
class SyncSummary:
    accounts: list[AccountSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.accounts)

    @property
    def rows(self) -> int:
        return sum(a.rows for a in self.accounts)
