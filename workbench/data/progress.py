"""What a sync reports while it runs and when it ends, as plain data.

The CLI draws these as rich progress bars, the TUI turns them into messages for its widgets and
the notebook into a tqdm bar: the sync itself knows none of them, it only calls `on_event`.

A failure keeps its kind (`Failure.kind`, an `ErrorKind` decided where the exception was
raised), so that each face chooses its words and actions from the kind, not from the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from workbench.data.normalize import Rejected
from workbench.sources.errors import ErrorKind

Phase = Literal["start", "progress", "waiting", "done", "failed", "skipped"]
"""`waiting`: the table (or, with table `*`, the account) waits for something it names in
`message`: another sync of the account, a rate window."""


@dataclass(frozen=True)
class SyncEvent:
    """One step of one table of one account.

    `rows` and `requests` count from the start of this table's sync; `waited` is the time spent
    sitting out rate limits (seconds, for the whole account so far); `total` is the number of rows
    expected when the API tells it (None when it does not). `message` says why a table failed
    or was skipped; `kind` is what kind of trouble it failed of (with phase `failed`).
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
    kind: ErrorKind | None = None


OnEvent = Callable[[SyncEvent], None]


KIND_TITLES: dict[ErrorKind, str] = {
    ErrorKind.AUTH: "credentials refused",
    ErrorKind.FORBIDDEN: "permission refused",
    ErrorKind.ONBOARDING_NEEDED: "CXI onboarding needed",
    ErrorKind.LOCKED: "feature not enabled",
    ErrorKind.NOT_FOUND: "not found",
    ErrorKind.RATE_LIMITED: "rate limited",
    ErrorKind.SERVER: "the platform failed",
    ErrorKind.NETWORK: "no answer from the platform",
    ErrorKind.BAD_DATA: "unreadable answer",
    ErrorKind.INVALID_REQUEST: "request refused",
    ErrorKind.INCOMPLETE: "incomplete read",
    ErrorKind.SETTINGS: "settings problem",
    ErrorKind.STORE: "store problem",
    ErrorKind.BUSY: "another sync holds the account",
    ErrorKind.STALLED: "stalled",
}
"""A few words for each kind, the title every face puts before a failure's line; each face
adds its own next step where its action differs (the TUI's onboarding key, the notebook's call)."""


@dataclass(frozen=True)
class Failure:
    """Why a table or an account could not be synced."""

    kind: ErrorKind
    """For a face to choose its words and actions (the onboarding button, the credentials)."""
    message: str
    """One line: what went wrong and what to do, as the error said it."""


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
    failure: Failure | None = None

    @property
    def error(self) -> str | None:
        """The failure's line, if the table failed."""
        return self.failure.message if self.failure else None


@dataclass
class AccountSummary:
    account: str
    platform: str
    tables: list[TableSummary] = field(default_factory=list)
    requests: int = 0
    waited: float = 0.0
    seconds: float = 0.0
    failure: Failure | None = None
    """Why the account could not be synced at all (bad credentials, onboarding, ...)."""

    @property
    def error(self) -> str | None:
        """The account's failure's line, if it could not be synced at all."""
        return self.failure.message if self.failure else None

    @property
    def failures(self) -> list[Failure]:
        """The account's failure, or else each failed table's, once each."""
        if self.failure:
            return [self.failure]
        return list(dict.fromkeys(t.failure for t in self.tables if t.failure))

    @property
    def ok(self) -> bool:
        return self.failure is None and all(t.failure is None for t in self.tables)

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
