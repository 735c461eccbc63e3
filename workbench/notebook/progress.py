"""A sync as a notebook sees it: a tqdm progress bar fed by the sync's events, and a result
that shows itself as a table.

The bar is `tqdm.auto`: a widget in Jupyter when ipywidgets is installed, text otherwise (and
in a terminal). One bar counts the rows of every account and table; its label names the table
that moved last and how many tables are done.
"""

from __future__ import annotations

import html
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import polars as pl

from workbench.data.progress import KIND_TITLES, Failure, SyncEvent, SyncSummary
from workbench.sources.errors import ErrorKind

FINISHED = ("done", "failed", "skipped")


def _tqdm() -> Any:
    """tqdm.auto's class, without its warning that ipywidgets is missing (text bars then)."""
    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm

    return tqdm


class SyncProgress:
    """An `on_event` callback for `data.sync.sync` that draws one tqdm bar of rows.

    Events may come from another thread (a sync started inside Jupyter's event loop runs in a
    thread of its own), so updates are serialised. `close()` ends the bar.
    """

    def __init__(self, *, enabled: bool = True, **tqdm_options: Any) -> None:
        self.enabled = enabled
        self.options = {"unit": " rows", "desc": "sync", "leave": True, **tqdm_options}
        self.rows: dict[tuple[str, str], int] = {}
        self.requests: dict[tuple[str, str], int] = {}
        self.finished: set[tuple[str, str]] = set()
        self.failures: list[str] = []
        self.events = 0
        self._bar: Any = None
        self._lock = threading.Lock()

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def __call__(self, event: SyncEvent) -> None:
        with self._lock:
            self.events += 1
            key = (event.account, event.table)
            if event.phase == "failed":
                self.failures.append(f"{event.account} {event.table}: {event.message or ''}")
            if event.table == "*":  # the whole account: nothing to count
                return
            before = self.rows.get(key, 0)
            self.rows[key] = max(before, event.rows)
            self.requests[key] = event.requests
            if event.phase in FINISHED:
                self.finished.add(key)
            self._draw(event, self.rows[key] - before)

    def _draw(self, event: SyncEvent, added: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = _tqdm()(**self.options)
        self._bar.set_description_str(f"sync {event.account} {event.table}", refresh=False)
        waiting = f", {event.message}" if event.phase == "waiting" and event.message else ""
        self._bar.set_postfix_str(
            f"{len(self.finished)}/{len(self.rows)} tables, "
            f"{sum(self.requests.values()):,} requests{waiting}",
            refresh=False,
        )
        self._bar.update(added)  # redraws at most every tqdm `mininterval`

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.set_description_str("sync", refresh=False)
                self._bar.close()
                self._bar = None


COLUMNS = {
    "account": pl.String,
    "platform": pl.String,
    "table": pl.String,
    "rows": pl.Int64,
    "removed": pl.Int64,
    "rejected": pl.Int64,
    "requests": pl.Int64,
    "error": pl.String,
    "kind": pl.String,
    "notes": pl.String,
}
"""`kind` is the failure's `ErrorKind` value ("onboarding_needed", "auth", ...), for code that
acts on it; `error` its line."""

NEXT_STEPS: dict[ErrorKind, str] = {
    ErrorKind.ONBOARDING_NEEDED: "complete it with `wb.onboard({account!r})`, which lists the "
    "product categories, then sync again",
}
"""What a notebook offers for a kind of failure, after the failure's own line."""


def failure_line(where: str, failure: Failure, account: str) -> str:
    """A failure as the notebook says it: where, the kind's title, its line, the next step."""
    step = NEXT_STEPS.get(failure.kind)
    line = f"{where}: {KIND_TITLES[failure.kind]}: {failure.message}"
    return f"{line}; {step.format(account=account)}" if step else line


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: `summary` is the data layer's SyncSummary; `frame` has a row per
    account and table (an account that could not start has one row with table "*")."""

    summary: SyncSummary

    @property
    def ok(self) -> bool:
        return self.summary.ok

    @property
    def rows(self) -> int:
        return self.summary.rows

    @property
    def errors(self) -> list[str]:
        """One line per account or table that failed."""
        lines = []
        for account in self.summary.accounts:
            if account.failure:
                lines.append(failure_line(account.account, account.failure, account.account))
                continue
            lines.extend(
                failure_line(f"{account.account} {t.table}", t.failure, account.account)
                for t in account.tables
                if t.failure
            )
        return lines

    @property
    def frame(self) -> pl.DataFrame:
        records: list[dict[str, Any]] = []
        for account in self.summary.accounts:
            if account.error or not account.tables:
                records.append(
                    {
                        "account": account.account,
                        "platform": account.platform,
                        "table": "*",
                        "rows": 0,
                        "removed": 0,
                        "rejected": 0,
                        "requests": account.requests,
                        "error": account.error,
                        "kind": account.failure.kind.value if account.failure else None,
                        "notes": None if account.error else "no tables to sync on this platform",
                    }
                )
                continue
            for table in account.tables:
                records.append(
                    {
                        "account": account.account,
                        "platform": account.platform,
                        "table": table.table,
                        "rows": table.rows,
                        "removed": table.deleted,
                        "rejected": len(table.rejected),
                        "requests": table.requests,
                        "error": table.error,
                        "kind": table.failure.kind.value if table.failure else None,
                        "notes": "; ".join(table.notes) or None,
                    }
                )
        return pl.DataFrame(records, schema=COLUMNS)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{len(self.errors)} failed"
        return f"SyncResult({state}, {self.rows:,} rows)\n{self.frame}"

    def _repr_html_(self) -> str:
        state = "ok" if self.ok else "with failures: " + html.escape("; ".join(self.errors))
        heading = f"<p>Sync {state} · {self.rows:,} rows</p>"
        return heading + self.frame._repr_html_()
