"""The pieces every table's sync is made of: a `TableRun` (where to write, whom to tell), a
platform's `Plan` (its tables, typed by its client and account) and `walk`, which reads a table
window by window from its cursor and checkpoints as it goes.

A walked table's cursor entry is `{"through": n}`: everything at or before `n` (a second, or for
Crowdskout a profile id) is on disk. While a full read is under way it also holds
`full_from_part`, the first store part the read wrote, so that a full read killed halfway goes on
as a full read, and at its end the stored rows it did not see again can be removed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import polars as pl

from workbench.data.normalize import Normalized
from workbench.data.progress import Phase, SyncEvent, TableSummary
from workbench.data.schema import TIMESTAMP
from workbench.data.store import PART_PATTERN, AccountStore
from workbench.settings import Account
from workbench.sources.connect import Client
from workbench.sources.paging import Batch

CHECKPOINT_ROWS = 10_000
"""Rows held in memory before they are written as a part and the cursor moves: a kill loses at
most this many rows of work (they are read again), and a million rows make a hundred parts."""
NORMALIZE_ROWS = 500
"""Rows read and handed on (in batches of about `paging.AHEAD_ROWS`) that wait to be normalized
together: a normalizer call has a fixed cost, and the rows waiting are few beside the walk's."""
OVERLAP = 3_600
"""Seconds re-read before a cursor: rows that reach an API late still land in the store."""


# --- one table's run ---------------------------------------------------------------------------

ClientT = TypeVar("ClientT", bound=Client)
AccountT = TypeVar("AccountT")


@dataclass
class TableRun(Generic[ClientT, AccountT]):
    """What a table's sync function gets: where to write, whom to tell, what to count.

    Generic in the platform's client and account types, so that a table's function is typed
    for its own platform (`TableRun[WootricClient, WootricAccount]`): `Plan.run` checks them
    once, where the run is made."""

    name: str
    platform: str
    table: str
    client: ClientT
    store: AccountStore
    summary: TableSummary
    full: bool
    since: int | None
    emit: Callable[[SyncEvent], None]
    account: AccountT
    """The account's configuration (some platforms read options from it)."""
    refresh: int = 0
    """Seconds before the cursor that a table which can change after creation reads again."""

    def event(self, phase: Phase, message: str | None = None, total: int | None = None) -> None:
        """Tell the table's progress; a `failed` event carries the kind of the summary's failure."""
        stats = self.client.http.stats
        self.summary.requests = stats.by_purpose.get(self.table, 0)
        failure = self.summary.failure if phase == "failed" else None
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
                kind=failure.kind if failure else None,
            )
        )

    def activity(self) -> tuple[int, ...]:
        """Changes whenever the table makes progress (the watchdog compares two readings)."""
        stats = self.client.http.stats
        return (stats.by_purpose.get(self.table, 0), self.summary.rows, stats.retries)

    def rate_waiting(self) -> bool:
        """Whether the account's requests sit out a rate window the server announced."""
        until = getattr(self.client.http.stats, "waiting_until", 0.0) or 0.0
        return bool(until > time.time())

    def rate_message(self) -> str | None:
        """ "waiting for the rate window until HH:MM:SS" while the account's requests wait."""
        if not self.rate_waiting():
            return None
        return self.client.http.stats.waiting_message()

    def waiting_on(self) -> str:
        """What a stalled table was waiting for, in words."""
        made = self.client.http.stats.by_purpose.get(self.table, 0)
        if not made:
            return "no request could start"
        return f"{made:,} requests made, the last one unanswered"

    def _note(self, normalized: Normalized) -> None:
        """Count the rejected rows and keep each note once."""
        self.summary.rejected.extend(normalized.rejected)
        for note in normalized.notes:
            if note not in self.summary.notes:
                self.summary.notes.append(note)

    def write(self, normalized: Normalized) -> None:
        """Append normalized rows as one store part and count them."""
        self._note(normalized)
        self.store.append(self.table, normalized.frame)
        self.summary.rows += normalized.frame.height
        self.event("progress")

    def replace(self, normalized: Normalized) -> None:
        """A snapshot table: the whole table at once. An empty answer where the store holds
        rows replaces nothing (a platform that answers nothing readable has not deleted
        everything); the note says so."""
        self._note(normalized)
        if normalized.frame.is_empty() and normalized.rejected:
            held = self.store.scan(self.table)
            count = 0 if held is None else held.select(pl.len()).collect().item()
            if count:
                self.summary.notes.append(
                    f"every {self.table} row the platform sent was rejected; the "
                    f"{count:,} stored rows are kept"
                )
                self.event("progress")
                return
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
    run: TableRun[Any, Any],
    batches: Callable[[int | None], AsyncIterator[Batch]],
    normalize: Callable[[list[dict[str, Any]]], Normalized],
    *,
    overlap: int = OVERLAP,
    refreshed: bool = False,
    before_write: Callable[[], None] | None = None,
) -> None:
    """Read a walked table from its cursor (or from the start), checkpointing every window.

    `before_write` runs just before each part of the table is written: a table filled from
    the same listing writes its own buffered rows there, so both land in parts of
    `CHECKPOINT_ROWS` and neither is ever behind the cursor.

    A `refreshed` table (rows that change after creation, listed by creation only) starts
    `run.refresh` seconds before its cursor, so that edits to recent rows are read again.

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
        start = max(0, int(through) - max(overlap, run.refresh if refreshed else 0))
    else:
        start = None
    progress = Progress(start)
    buffered: list[Normalized] = []
    finished: list[tuple[int, int]] = []

    waiting: list[dict[str, Any]] = []

    def settle() -> None:
        """Normalize the rows waiting, into the rows buffered for the next part."""
        if waiting:
            buffered.append(normalize(list(waiting)))
            waiting.clear()

    def flush() -> None:
        """Write the buffered rows as one part, then move the cursor over the windows they
        complete: a cursor never covers rows that are not on disk."""
        nonlocal through
        settle()
        if buffered:
            if before_write is not None:
                before_write()
            run.write(_join(buffered))
            buffered.clear()
        reached = None
        for first, last in finished:
            reached = progress.add(first, last)
        finished.clear()
        if reached is not None and (through is None or reached > int(through)):
            through = reached
            run.store.set_cursor(run.table, {**state, "through": through})

    try:
        async for batch in batches(start):
            waiting.extend(batch.rows)
            if len(waiting) >= NORMALIZE_ROWS:
                settle()
            if batch.done:
                finished.append((batch.window.first, batch.window.last))
            if sum(part.frame.height for part in buffered) >= CHECKPOINT_ROWS:
                flush()
    except BaseException:
        # Keep what was read: the rows go to disk and the cursor moves over the windows that
        # were complete, so the next run starts after them (and a full read goes on as one).
        with contextlib.suppress(Exception):
            flush()
        raise
    flush()
    if full:
        run.summary.deleted = _remove_unseen(run, int(state["full_from_part"]))
        run.store.set_cursor(run.table, {"through": through})
    run.store.compact(run.table)


def _join(parts: list[Normalized]) -> Normalized:
    if len(parts) == 1:
        return parts[0]
    frame = pl.concat([p.frame for p in parts], how="diagonal_relaxed")
    notes = list(dict.fromkeys(n for p in parts for n in p.notes))
    return Normalized(frame, [r for p in parts for r in p.rejected], notes)


def _remove_unseen(run: TableRun[Any, Any], first_part: int) -> int:
    """After a full read: tombstone stored rows whose ids the read did not bring back."""
    fresh = _parts_from(run.store, run.table, first_part)
    # An id the read did not see is in none of its parts, so whether it is stored is decided
    # by the files before them alone (usually just the table file, read without a merge): the
    # whole table's merge is never needed here (it held the ids of every part in a hash table).
    written = set(fresh)
    before = [p for p in run.store.sources(run.table) if str(p) not in written]
    if not before:
        return 0  # a first sync: nothing stored before it to remove (and no ids to hold)
    seen = (
        pl.scan_parquet(fresh).select("id").collect().get_column("id")
        if fresh
        else pl.Series("id", [], pl.String)
    )
    held = run.store.scan(run.table, sources=before)
    stored = (
        held.select("id").collect().get_column("id")
        if held is not None
        else pl.Series("id", [], pl.String)
    )
    gone = stored.filter(~stored.is_in(seen.implode()))
    if gone.is_empty():
        return 0
    if seen.is_empty():
        # Nothing readable is not the same as everything deleted (a wrong base URL, a changed
        # API): keep the table and say so.
        run.summary.notes.append(
            f"the full read brought back no {run.table} while the store holds {stored.len():,}; "
            "nothing was removed (check the account's base URL and credentials)"
        )
        return 0
    now = datetime.now(UTC)
    tombstones = pl.DataFrame({"id": gone}).with_columns(
        pl.lit(now).cast(TIMESTAMP).alias("updated_at")
    )
    run.store.append(run.table, tombstones, deleted=True)
    return gone.len()


TableSync = Callable[[TableRun[ClientT, AccountT]], Awaitable[None]]
"""A table's sync function, for the platform whose client and account it is typed with."""


@dataclass(frozen=True)
class Plan(Generic[ClientT, AccountT]):
    """A platform's tables and the client and account types their functions take.

    `run` checks, once, that the client and account a sync opened are this platform's, so the
    functions of the tables get them typed and need no check of their own."""

    client_type: type[ClientT]
    account_type: type[AccountT]
    tables: Mapping[str, TableSync[ClientT, AccountT]]
    optional: Mapping[str, tuple[str, TableSync[ClientT, AccountT]]] = field(default_factory=dict)
    """Tables read only when asked (`workbench sync --with NAME`): name -> (table, its sync)."""

    def run(
        self,
        client: Client,
        account: Account,
        *,
        name: str,
        platform: str,
        table: str,
        store: AccountStore,
        full: bool,
        since: int | None,
        emit: Callable[[SyncEvent], None],
        refresh: int,
    ) -> TableRun[ClientT, AccountT]:
        """The run of one of this platform's tables."""
        if not isinstance(client, self.client_type) or not isinstance(account, self.account_type):
            raise TypeError(
                f"{name}: a {type(client).__name__} with a {type(account).__name__} cannot sync "
                f"{self.client_type.__name__} tables"
            )
        return TableRun(
            name,
            platform,
            table,
            client,
            store,
            TableSummary(table),
            full,
            since,
            emit,
            account,
            refresh,
        )


def dump(models: Iterable[Any]) -> list[dict[str, Any]]:
    """Client models as the JSON rows the normalizers read: only for a read that has no raw
    form yet (Wootric's segments); every other table hands the API's rows over as they came."""
    return [m.model_dump(mode="json") for m in models]
