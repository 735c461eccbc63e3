"""What the TUI holds of the store: every table it shows, read once, plus what the panes derive.

Why one immutable snapshot: workers read the store in a thread and hand the app a finished
object in a message; the app swaps it in whole, so no pane ever sees half a reload. Responses
stay in the order `load_table` gives (the order the CLI exports in), and `newest_first` is the
permutation the Responses pane displays them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from workbench.analysis import KnownNames
from workbench.data.schema import TABLES, empty
from workbench.data.store import Store
from workbench.data.tables import load_table

SHOWN_TABLES = (
    "responses",
    "end_users",
    "declines",
    "tags",
    "surveys",
    "survey_answers",
    "nps_summaries",
    "projects",
)
"""The canonical tables some pane shows; the rest are counted in the Accounts tree only."""


@dataclass(frozen=True)
class AccountFiles:
    """One stored account as the Accounts pane shows it: platform, tables, when last written."""

    name: str
    platform: str | None
    tables: dict[str, int] = field(default_factory=dict)
    """Rows per table, for the tables the TUI reads; -1 for a table stored but not read."""
    written: datetime | None = None
    """The newest file time in the account's directory: when a sync last wrote to it."""


@dataclass(frozen=True)
class Snapshot:
    """The store as read at one moment."""

    tables: dict[str, pl.DataFrame]
    newest_first: pl.Series
    known: KnownNames
    accounts: dict[str, AccountFiles]

    @property
    def responses(self) -> pl.DataFrame:
        return self.tables["responses"]

    def table(self, name: str) -> pl.DataFrame:
        return self.tables[name]

    @property
    def segment_fields(self) -> list[str]:
        """Properties a person can break the metrics down by (plus account and platform)."""
        return ["account", "platform", *self.known.properties]

    @classmethod
    def empty(cls) -> Snapshot:
        tables = {name: empty(name) for name in SHOWN_TABLES}
        return cls(tables, pl.Series("row", [], pl.UInt32), KnownNames(), {})


def _written(directory: Path) -> datetime | None:
    times = [p.stat().st_mtime for p in directory.rglob("*.parquet") if p.is_file()]
    return datetime.fromtimestamp(max(times), UTC) if times else None


def _counts(frame: pl.DataFrame) -> dict[str, int]:
    if frame.is_empty() or "account" not in frame.columns:
        return {}
    return dict(frame.group_by("account").len().iter_rows())


def load_snapshot(store: Store) -> Snapshot:
    """Read every shown table of every stored account (raises StoreError, SchemaError)."""
    tables = {name: load_table(store, name) for name in SHOWN_TABLES}
    responses = tables["responses"]
    newest_first = responses["created_at"].arg_sort(descending=True, nulls_last=True).alias("row")
    known = KnownNames.from_frame(responses, tables["tags"])
    counts = {name: _counts(frame) for name, frame in tables.items()}
    accounts: dict[str, AccountFiles] = {}
    for name in store.accounts():
        account = store.account(name)
        platform = account.meta().get("platform")
        per_table = {
            table: counts[table].get(name, 0) if table in counts else -1
            for table in account.tables()
            if table in TABLES
        }
        accounts[name] = AccountFiles(name, platform, per_table, _written(account.path))
    return Snapshot(tables, newest_first, known, accounts)
