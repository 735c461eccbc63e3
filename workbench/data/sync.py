"""Fetch what changed on the platforms into the store: concurrent, incremental, resumable.

Every account runs at once, and within an account every table (each client bounds its own
requests in flight). A table is one of two kinds:

- **walked** tables (Wootric responses, declines and end users, Crowdskout profiles) are read
  window by window from a cursor. Each window's rows are written as a store part as soon as they
  arrive, and the cursor moves only over windows that are complete and contiguous from where the
  read began, so a sync killed at any instant resumes from the cursor: the rows read again are
  the same ids, which the store's upsert-by-id keeps once.
- **snapshot** tables (segments, tags, imports, surveys, ...) are small and read whole each time,
  then replace the stored table in one atomic write.

Incremental reads start `OVERLAP` seconds before the cursor, to catch rows that reached the API
late. A `--full` sync reads everything again and, at the end, removes the stored rows the
platform no longer has (deleted end users and their responses). Its progress survives a kill:
the cursor remembers the full read and the first store part it wrote, and the next run
continues it.

What the APIs do not let a sync see is said in the docs of each table's function.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from workbench.data import normalize as wootric
from workbench.data.normalize import Normalized
from workbench.data.progress import (
    AccountSummary,
    OnEvent,
    Phase,
    SyncEvent,
    SyncSummary,
    TableSummary,
)
from workbench.data.store import PART_PATTERN, AccountStore, Store, StoreError
from workbench.settings import Settings, SettingsError
from workbench.settings.model import unknown_account
from workbench.sources.connect import Client, open_client, token_cache
from workbench.sources.errors import SourceError
from workbench.sources.http import purpose
from workbench.sources.paging import Batch
from workbench.sources.wootric import WootricClient

CHECKPOINT_ROWS = 10_000
"""Rows held in memory before they are written as a part and the cursor moves: a kill loses at
most this many rows of work (they are read again), and a million rows make a hundred parts."""
OVERLAP = 3_600
"""Seconds re-read before a cursor: rows that reach an API late still land in the store."""


class SyncError(Exception):
    """A sync that cannot start (unknown account); the message says what to do."""


# --- one table's run ---------------------------------------------------------------------------


@dataclass
class TableRun:
    """What a table's sync function gets: where to write, whom to tell, what to count."""

    name: str
    platform: str
    table: str
    client: Client
    store: AccountStore
    summary: TableSummary
    full: bool
    since: int | None
    emit: Callable[[SyncEvent], None]

    def event(self, phase: Phase, message: str | None = None, total: int | None = None) -> None:
        stats = self.client.http.stats
        self.summary.requests = stats.by_purpose.get(self.table, 0)
        self.emit(
            SyncEvent(
                account=self.name,
                platform=self.platform,
                table=self.table,
                phase=phase,
                rows=self.summary.rows,
                requests=self.summary.requests,
                waited=stats.waited,
                total=total,
                message=message,
            )
        )

    def write(self, normalized: Normalized) -> None:
        """Append normalized rows as one store part and count them."""
        self.summary.rejected.extend(normalized.rejected)
        self.store.append(self.table, normalized.frame)
        self.summary.rows += normalized.frame.height
        self.event("progress")

    def replace(self, normalized: Normalized) -> None:
        """A snapshot table: the whole table at once."""
        self.summary.rejected.extend(normalized.rejected)
        self.store.replace(self.table, normalized.frame)
        self.summary.rows = normalized.frame.height
        self.event("progress")


# --- cursors of walked tables --------------------------------------------------------------


class Progress:
    """The seconds read so far in one walk; `through` is the end of the contiguous part that
    starts where the walk started (everything at or before it is in the store)."""

    def __init__(self, start: int | None) -> None:
        self.start = start
        self.spans: list[tuple[int, int]] = []
        self.through: int | None = None

    def add(self, first: int, last: int) -> int | None:
        if self.start is None:
            self.start = first
        self.spans.append((first, last))
        self.spans.sort()
        through = self.start - 1
        for low, high in self.spans:
            if low > through + 1:
                break
            through = max(through, high)
        self.through = through if through >= self.start else None
        return self.through


def _next_part(store: AccountStore, table: str) -> int:
    parts = store.parts(table)
    if not parts:
        return 1
    match = PART_PATTERN.match(parts[-1].name)
    return int(match.group(1)) + 1 if match else 1


def _parts_from(store: AccountStore, table: str, first: int) -> list[str]:
    return [
        str(p)
        for p in store.parts(table)
        if (m := PART_PATTERN.match(p.name)) and int(m.group(1)) >= first
    ]


async def walk(
    run: TableRun,
    batches: Callable[[int | None], AsyncIterator[Batch]],
    normalize: Callable[[list[dict[str, Any]]], Normalized],
) -> None:
    """Read a walked table from its cursor (or from the start), checkpointing every window.

    The cursor entry is `{"through": second, "full_from_part": n}`; `full_from_part` is there
    while a full read is under way, naming the first part it wrote, so that at its end the rows
    of older parts it did not see again can be removed.
    """
    cursors = run.store.cursors()
    state: dict[str, Any] = dict(cursors.get(run.table) or {})
    resuming_full = state.get("full_from_part") is not None
    full = run.full or resuming_full or not state
    if full and not resuming_full:
        state = {"through": None, "full_from_part": _next_part(run.store, run.table)}
        run.store.set_cursor(run.table, state)
    through = state.get("through")
    if run.since is not None and not full:
        start: int | None = run.since
    elif through is not None:
        start = max(0, int(through) - OVERLAP)
    else:
        start = None
    progress = Progress(start)
    buffered: list[Normalized] = []
    finished: list[tuple[int, int]] = []

    def flush() -> None:
        """Write the buffered rows as one part, then move the cursor over the windows they
        complete: a cursor never covers rows that are not on disk."""
        nonlocal through
        if buffered:
            run.write(_join(buffered))
            buffered.clear()
        reached = None
        for first, last in finished:
            reached = progress.add(first, last)
        finished.clear()
        if reached is not None and (through is None or reached > int(through)):
            through = reached
            run.store.set_cursor(run.table, {**state, "through": through})

    held = 0
    async for batch in batches(start):
        if batch.rows:
            normalized = normalize(batch.rows)
            buffered.append(normalized)
            held += normalized.frame.height
        if batch.done:
            finished.append((batch.window.first, batch.window.last))
        if held >= CHECKPOINT_ROWS:
            flush()
            held = 0
    flush()
    if full:
        run.summary.deleted = _remove_unseen(run, int(state["full_from_part"]))
        run.store.set_cursor(run.table, {"through": through})
    run.store.compact(run.table)


def _join(parts: list[Normalized]) -> Normalized:
    if len(parts) == 1:
        return parts[0]
    frame = pl.concat([p.frame for p in parts], how="diagonal_relaxed")
    return Normalized(frame, [r for p in parts for r in p.rejected])


def _remove_unseen(run: TableRun, first_part: int) -> int:
    """After a full read: tombstone stored rows whose ids the read did not bring back."""
    fresh = _parts_from(run.store, run.table, first_part)
    seen = (
        pl.scan_parquet(fresh).select("id").collect().get_column("id")
        if fresh
        else pl.Series("id", [], pl.String)
    )
    stored = run.store.read(run.table)
    if stored.is_empty():
        return 0
    gone = stored.filter(~pl.col("id").is_in(seen.implode()))
    if not gone.is_empty():
        run.store.append(run.table, gone, deleted=True)
    return gone.height


# --- Wootric NPS -------------------------------------------------------------------------------


async def wootric_responses(run: TableRun) -> None:
    """By `created`. Wootric lists responses by creation only, so an edit to an old response
    (tags, exclusion) is seen by the next `--full` sync, not by an incremental one."""
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.response_batches(since),
        lambda rows: wootric.wootric_responses(rows, run.name),
    )


async def wootric_declines(run: TableRun) -> None:
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.decline_batches(since),
        lambda rows: wootric.wootric_declines(rows, run.name),
    )


async def wootric_end_users(run: TableRun) -> None:
    """By `updated`, so that changed properties come back on an incremental sync."""
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.end_user_batches(since, by="updated"),
        lambda rows: wootric.wootric_end_users(rows, run.name),
    )


def _wootric(run: TableRun) -> WootricClient:
    assert isinstance(run.client, WootricClient)
    return run.client


TableSync = Callable[[TableRun], Awaitable[None]]

PLANS: dict[str, dict[str, TableSync]] = {
    "wootric": {
        "responses": wootric_responses,
        "declines": wootric_declines,
        "end_users": wootric_end_users,
    },
}
"""Per platform, the tables a sync fills and the function that fills each."""


def register(platform: str, tables: dict[str, TableSync]) -> None:
    """Add a platform's tables to the plan (each platform module calls it once)."""
    PLANS.setdefault(platform, {}).update(tables)


# --- accounts ---------------------------------------------------------------------------------


async def sync(
    settings: Settings,
    accounts: Sequence[str] | None = None,
    *,
    store: Store | None = None,
    full: bool = False,
    since: datetime | None = None,
    on_event: OnEvent | None = None,
) -> SyncSummary:
    """Sync the named accounts (all configured ones by default), all at once.

    Never raises for an account's own trouble (bad credentials, onboarding, a full disk): that
    account's summary says what went wrong and what to do, and the other accounts go on.
    Raises `SyncError` only when asked for an account the settings do not have.
    """
    names = list(accounts) if accounts else list(settings.accounts)
    known = list(settings.accounts)
    for name in names:
        if name not in settings.accounts:
            raise SyncError(unknown_account(name, known))
    store = store or Store(settings.store_dir)
    emit = on_event or (lambda _event: None)
    since_second = int(since.astimezone(UTC).timestamp()) if since else None
    results = await asyncio.gather(
        *(_sync_account(settings, name, store, full, since_second, emit) for name in names)
    )
    return SyncSummary(list(results))


async def _sync_account(
    settings: Settings,
    name: str,
    store: Store,
    full: bool,
    since: int | None,
    emit: Callable[[SyncEvent], None],
) -> AccountSummary:
    platform = settings.accounts[name].platform
    summary = AccountSummary(name, platform)
    started = time.monotonic()
    plan = PLANS.get(platform, {})
    try:
        account = settings.account(name)
        client = open_client(name, account, settings.http, tokens=token_cache(store.root))
    except (SettingsError, SourceError) as exc:
        summary.error = _message(exc)
        emit(SyncEvent(name, platform, "*", "failed", message=summary.error))
        return summary
    try:
        account_store = store.account(name)
        account_store.ensure_meta(platform)
        runs = [
            TableRun(
                name, platform, table, client, account_store, TableSummary(table), full, since, emit
            )
            for table in plan
        ]
        summary.tables = [run.summary for run in runs]
        await asyncio.gather(*(_run_table(run, plan[run.table]) for run in runs))
    except StoreError as exc:
        summary.error = str(exc)
        emit(SyncEvent(name, platform, "*", "failed", message=summary.error))
    finally:
        summary.requests = client.http.stats.requests
        summary.waited = client.http.stats.waited
        summary.seconds = time.monotonic() - started
        await client.aclose()
    errors = {t.error for t in summary.tables}
    if summary.error is None and len(errors) == 1 and None not in errors and summary.tables:
        summary.error = errors.pop()  # every table failed alike: the account's trouble
    return summary


async def _run_table(run: TableRun, fill: TableSync) -> None:
    purpose.set(run.table)  # this task's requests count for its table
    run.event("start")
    try:
        await fill(run)
    except (SourceError, StoreError) as exc:
        run.summary.error = _message(exc)
        run.event("failed", run.summary.error)
        return
    shortfalls = getattr(run.client, "shortfalls", None) or []
    run.summary.notes.extend(str(s) for s in shortfalls if _concerns(s, run.table))
    run.event("done")


def _concerns(shortfall: object, table: str) -> bool:
    what = getattr(shortfall, "what", None)
    return what is None or what == table


def _message(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def flatten(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Models to the JSON dicts the normalizers read."""
    return [r.model_dump(mode="json") if hasattr(r, "model_dump") else dict(r) for r in rows]
