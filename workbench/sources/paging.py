"""Reading every row of a Wootric list exactly once, past its 30-page cap.

A Wootric list query reaches at most 30 pages of 50 rows, and the lists have no total count. The
documented way past the cap is to filter by `created` (Unix seconds). So:

1. Find the oldest and newest `created_at` (one row each way), split that span into windows, and
   walk the windows concurrently (the account's rate budget paces them).
2. A window is read oldest first. If a query fills all 30 pages, every second before the last
   row's second is complete; the walk goes on from that second (`created[gte]`), de-duplicating by
   id the rows of that second it reads twice.
3. If all 1,500 rows of a query share one second, that second is read alone with `created[eq]`,
   ascending and descending: up to 3,000 rows. When the two reads overlap, the second is complete;
   when they do not, more rows may exist than the API can hand out, and a `TruncatedRead` warning
   names the second instead of dropping rows in silence.

Walking by `created[gt]` = last row's second, as the public Singer tap does, loses the rows that
share that second: this walker never does.

The walker reads only what it needs from a row (its second and its id) and never judges a row:
a row whose second cannot be read (a `created_at` of `"yesterday"`, in milliseconds, missing),
or lies outside the query's range, or has no usable id, is handed on like any other, once, for
the normalizer to reject with a reason. The window arithmetic uses the page's other rows; a full
page with no readable second at all is split in halves, since the server's own filter still
knows where its rows lie.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from workbench.sources.errors import ServerError

MAX_PAGE = 30
PER_PAGE = 50
CAP = MAX_PAGE * PER_PAGE
AHEAD_ROWS = 50
"""Rows a window hands on before its query ends (see `CreatedWalker._query_ahead`): a page. The
rows a sync holds as Python objects are about this times the windows walked at once (16 a
table, three tables): the 1M-response sync's read phase held ~30 MB more at 250 than at 100 and
~15 MB more at 100 than at 50 (bench/README.md), and 50 reads as fast with 20 ms latency; the
walk gathers the batches for its normalizer calls (`sync_tables.NORMALIZE_ROWS`)."""
CROWDED = 2 * PER_PAGE
"""Rows of its last second a full query may end with before that second is read alone
(`CreatedWalker._second`) rather than again by the next query: at this many, reading it alone
costs fewer pages."""
QUEUED = 2
"""Batches read ahead of the consumer (most are `AHEAD_ROWS` rows; a query's last one up to
`CAP`): the rows held while the consumer normalizes and writes grow with this, and more does
not read faster (one thread does both)."""

Row = dict[str, Any]
FetchPage = Callable[[dict[str, str]], Awaitable[list[Row]]]
"""Reads one page: gets the query parameters, returns the rows as the API sent them."""
Share = Callable[["Window", float], int]
"""Offers the rest of a dense window (and its rows a second) to idle slots; returns the last
second the offering walk keeps."""

UNREADABLE = (KeyError, TypeError, ValueError, OverflowError, OSError, AttributeError)
"""What reading a row's second may raise for a row of the wrong shape (no field, not an object,
a value no timestamp format reads or one past year 9999)."""


def density(rows: int, first: int, last: int) -> float:
    """Rows a second of a query that read `rows` rows of seconds `first` to `last`."""
    return rows / max(1, last - first + 1)


def row_key(row: object) -> Hashable:
    """What tells two rows apart: the id, or for a row without a usable id the row itself (so that
    the same bad row read twice is still handed on once)."""
    ident = row.get("id") if isinstance(row, Mapping) else None
    if isinstance(ident, str | int) and not isinstance(ident, bool) and ident != "":
        return ("id", str(ident))
    try:
        return ("row", orjson.dumps(row, option=orjson.OPT_SORT_KEYS, default=repr))
    except TypeError:
        return ("row", repr(row))


@dataclass(frozen=True)
class Window:
    """Seconds `first` to `last`, both included."""

    first: int
    last: int


@dataclass(frozen=True)
class Batch:
    """Rows read from one window. `done` marks the last batch of the window (for checkpoints)."""

    window: Window
    rows: list[Row]
    done: bool


@dataclass(frozen=True)
class Shortfall:
    """A second that holds more rows than the API lets us read."""

    second: int
    read: int

    def __str__(self) -> str:
        return (
            f"second {self.second} holds more than {self.read:,} rows; the API hands out at most "
            f"{2 * CAP:,} rows of one second, so some rows of it could not be read"
        )


class CreatedWalker:
    """Walks one Wootric list endpoint by `created` (or, for end users, `updated`) windows.

    `created_of` reads the walked field of a row as Unix seconds (it may raise for a row it
    cannot read: such a row is handed on, not judged, see the module docstring); `base_params`
    go with every query (end users need `sort_key` to match the walked field, since they sort by
    email). `lanes`, if given, says how many windows are worth walking at once right now (the
    account's rate budget: when the rate limit, not the round trip, decides the pace, more
    windows read no faster and each ends on a short page); at most `concurrency`.
    """

    def __init__(
        self,
        fetch: FetchPage,
        created_of: Callable[[Row], int],
        *,
        field: str = "created",
        base_params: dict[str, str] | None = None,
        concurrency: int = 8,
        on_shortfall: Callable[[Shortfall], None] | None = None,
        lanes: Callable[[], int | None] | None = None,
    ) -> None:
        self._field = field
        self._base = base_params or {}
        self._fetch = fetch
        self._created_of = created_of
        self._concurrency = max(1, concurrency)
        self._lanes = lanes
        self._on_shortfall = on_shortfall
        self.shortfalls: list[Shortfall] = []
        self._handed: set[Hashable] = set()
        """Rows handed on without a readable second, so that a later query does not hand them
        on again (rows with one are placed by their second instead)."""

    def width(self) -> int:
        """How many windows to walk at once now: `concurrency`, or fewer if `lanes` says so."""
        useful = self._lanes() if self._lanes is not None else None
        return self._concurrency if useful is None else max(1, min(self._concurrency, useful))

    def second_of(self, row: Row, low: int | None = None, high: int | None = None) -> int | None:
        """The row's second, or None when it cannot be read or lies outside [low, high] (the
        range the query asked for: a second outside it says nothing about where the row is)."""
        try:
            second = self._created_of(row)
        except UNREADABLE:
            return None
        if not isinstance(second, int) or isinstance(second, bool):
            return None
        if (low is not None and second < low) or (high is not None and second > high):
            return None
        return second

    def _last(self, rows: list[Row], low: int | None, high: int | None) -> int | None:
        """The latest readable second among `rows` (the last row's, unless it is unreadable)."""
        seconds = [s for r in rows if (s := self.second_of(r, low, high)) is not None]
        return max(seconds) if seconds else None

    def _first(self, rows: list[Row], low: int | None, high: int | None) -> int | None:
        seconds = [s for r in rows if (s := self.second_of(r, low, high)) is not None]
        return min(seconds) if seconds else None

    def _before(self, rows: list[Row], last: int, low: int | None, high: int | None) -> list[Row]:
        """Rows of seconds before `last` (complete), and unreadable rows not handed on yet."""
        kept: list[Row] = []
        for row in rows:
            second = self.second_of(row, low, high)
            if second is None:
                key = row_key(row)
                if key in self._handed:
                    continue
                self._handed.add(key)
                kept.append(row)
            elif second < last:
                kept.append(row)
        return kept

    def _once(self, rows: list[Row], low: int | None, high: int | None) -> list[Row]:
        """Every row of a complete read, save unreadable ones already handed on."""
        return self._before(rows, 2**62, low, high)

    async def bounds(self) -> Window | None:
        """The oldest and newest readable second holding a row, or None for an empty list."""
        probe = {**self._base, "per_page": str(PER_PAGE), "page": "1"}
        oldest, newest = await asyncio.gather(
            self._fetch({**probe, "sort_order": "asc"}),
            self._fetch({**probe, "sort_order": "desc"}),
        )
        first, last = self._first(oldest, None, None), self._last(newest, None, None)
        if first is None or last is None:
            return None
        return Window(first, last)

    def windows(self, span: Window, count: int | None = None) -> list[Window]:
        """`span` cut into about `count` equal windows (at least one second each)."""
        count = count or self._concurrency
        seconds = span.last - span.first + 1
        count = max(1, min(count, seconds))
        step = -(-seconds // count)
        return [
            Window(start, min(start + step - 1, span.last))
            for start in range(span.first, span.last + 1, step)
        ]

    def planned(self, span: Window, density: float) -> int:
        """How many windows to start `span` with: about one per query's worth of rows at
        `density` (rows a second), at most one per slot. Every window ends on a short page, so
        fewer windows cost fewer requests; a window that turns out dense is split later (see
        `_concurrently`), so starting with few never leaves slots idle for long."""
        rows = density * (span.last - span.first + 1)
        return max(1, min(self.width(), int(-(-rows // CAP))))

    async def batches(
        self, since: int | None = None, until: int | None = None, windows: int | None = None
    ) -> AsyncIterator[Batch]:
        """Every row whose field lies in [since, until] (open ends allowed), window by window.

        The first query reads the whole range oldest first: most lists (one end user's
        responses, a day of new rows) fit in it and cost one request. Only a range that fills all
        30 pages is split into windows, walked concurrently, from the last second read.
        """
        field = self._field
        bounds = {}
        if since is not None:
            bounds[f"{field}[gte]"] = str(since)
        if until is not None:
            bounds[f"{field}[lte]"] = str(until)
        first = await self._query(bounds, "asc")
        if not first:
            return
        oldest = self._first(first, since, until)
        if len(first) < CAP:
            start = since if since is not None else oldest
            end = until if until is not None else self._last(first, since, until)
            if start is None or end is None:  # no row's second is readable: nothing to mark
                start = end = since if since is not None else (until or 0)
            yield Batch(Window(start, max(start, end)), self._once(first, since, until), True)
            return
        last = self._last(first, since, until)
        if last is None:
            if since is None or until is None:
                raise ServerError(
                    f"no row of the first {CAP:,} the list answered has a readable "
                    f"{field} time, so the list cannot be walked; check the platform's data"
                )
            last = since  # walk the whole range; the windows split it until seconds read
        start = since if since is not None else (oldest if oldest is not None else last)
        if until is None:
            until = await self._newest(bounds, last)
        head = self._before(first, last, since, until)
        if head:
            yield Batch(Window(start, max(start, last - 1)), head, done=start < last)
        rest = Window(last, until)
        count = windows or self.planned(rest, density(len(first), start, last))
        async for batch in self._concurrently(self.windows(rest, count)):
            yield batch

    async def _newest(self, bounds: dict[str, str], last: int) -> int:
        """The newest readable second at or after `last` (a page of the newest rows)."""
        probe = {
            **self._base,
            **bounds,
            "per_page": str(PER_PAGE),
            "page": "1",
            "sort_order": "desc",
        }
        newest = await self._fetch(probe)
        found = self._last(newest, last, None)
        return found if found is not None else last

    async def _concurrently(self, plan: list[Window]) -> AsyncIterator[Batch]:
        """The windows of `plan`, walked `concurrency` at a time, their batches as they come.

        A walk whose query comes back full (its window holds more rows than one query reaches)
        offers the rest of its window to slots that are idle: the rest is cut into one window
        per idle slot and query's worth of rows (at the density just read), the walk keeps the
        first and new walks take the others. So a sparse account is read in few windows (few
        short pages) and a dense one in as many as keep the slots busy to the end."""
        queue: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(maxsize=QUEUED)
        slots = asyncio.Semaphore(self._concurrency)
        closing = False
        tasks: list[asyncio.Task[None]] = []
        open_windows = 0  # started or waiting for a slot, not over

        async def run(window: Window) -> None:
            nonlocal open_windows
            async with slots:
                try:
                    async for batch in self._walk(window, share):
                        await queue.put(batch)
                except Exception as exc:
                    await queue.put(exc)
                finally:
                    open_windows -= 1
                    if not closing:  # once the reader has gone, nobody empties the queue
                        await queue.put(None)  # this window is over, however it ended

        def start(window: Window) -> None:
            nonlocal open_windows
            open_windows += 1
            tasks.append(asyncio.create_task(run(window)))

        def share(rest: Window, rows_per_second: float) -> int:
            """The last second the calling walk keeps of `rest`; idle slots take the others."""
            idle = self.width() - open_windows
            if idle <= 0 or closing:
                return rest.last
            parts = min(idle + 1, int(rows_per_second * (rest.last - rest.first + 1) // CAP))
            if parts < 2:
                return rest.last
            kept, *given = self.windows(rest, parts)
            for window in given:
                start(window)
            return kept.last

        for window in plan:
            start(window)
        try:
            while open_windows or not queue.empty():
                item = await queue.get()
                if item is None:
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            closing = True
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _walk(self, window: Window, share: Share | None = None) -> AsyncIterator[Batch]:
        cursor = window.first
        while cursor <= window.last:
            held: list[Row] = []
            read = [0]
            async for early in self._query_ahead(cursor, window.last, held, read):
                yield Batch(window, early, done=False)
            rows = held
            if read[0] < CAP:
                yield Batch(window, self._once(rows, cursor, window.last), done=True)
                return
            last = self._last(rows, cursor, window.last)
            if last is None and cursor < window.last:
                # A full page and not one readable second: halve the range, the server's own
                # filter places the rows.
                middle = (cursor + window.last) // 2
                yield Batch(window, self._once(rows, cursor, window.last), done=False)
                for half in (Window(cursor, middle), Window(middle + 1, window.last)):
                    async for batch in self._walk(half, share):
                        yield batch
                return
            if last is None or last == cursor:
                crowded = await self._second(cursor, rows)
                yield Batch(window, self._once(crowded, cursor, window.last), cursor == window.last)
                cursor += 1
            else:
                # Seconds before `last` are complete; `last` itself may not be.
                yield Batch(window, self._before(rows, last, cursor, window.last), done=False)
                if share is not None:
                    kept = share(Window(last, window.last), density(read[0], cursor, last))
                    window = Window(window.first, kept)
                tail = [r for r in rows if self.second_of(r, cursor, window.last) == last]
                if len(tail) < CROWDED:
                    cursor = last  # the next query reads `last` again: a few rows
                    continue
                # A crowded second: read it alone instead of reading its rows again.
                crowded = await self._second(last, tail)
                yield Batch(window, self._once(crowded, last, window.last), last == window.last)
                cursor = last + 1

    async def _query_ahead(
        self, low: int, high: int, held: list[Row], read: list[int]
    ) -> AsyncIterator[list[Row]]:
        """`_query` of [low, high] ascending, handing on rows as soon as they are certain.

        A row whose second is before the newest readable second read so far is in every
        outcome of the query (complete, or cut at its last second), so it is handed on once
        `AHEAD_ROWS` such rows are waiting, instead of the window holding up to `CAP` rows until
        its query ends. What is left (the newest second's rows, unreadable rows) is in `held`
        when the iteration ends, and `read[0]` is how many distinct rows the query read."""
        seen: set[Hashable] = set()
        for page in range(1, MAX_PAGE + 1):
            query = {
                **self._base,
                f"{self._field}[gte]": str(low),
                f"{self._field}[lte]": str(high),
                "page": str(page),
                "per_page": str(PER_PAGE),
            }
            batch = await self._fetch({**query, "sort_order": "asc"})
            for row in batch:
                key = row_key(row)
                if key not in seen:
                    seen.add(key)
                    held.append(row)
            read[0] = len(seen)
            if len(batch) < PER_PAGE:
                return
            newest = self._last(held, low, high)
            if newest is None:
                continue
            ready = [
                r for r in held if (s := self.second_of(r, low, high)) is not None and s < newest
            ]
            if len(ready) >= AHEAD_ROWS:
                held[:] = [
                    r for r in held if (s := self.second_of(r, low, high)) is None or s >= newest
                ]
                yield ready

    async def _second(self, second: int, ascending: list[Row]) -> list[Row]:
        """All rows of one crowded second, given its first rows in ascending order (up to a
        query's worth, read by a query that reached into it).

        The second is read descending until a row read ascending comes back (from there on
        every row is one of them), so each row costs about one read. When a whole descending
        query meets none, the rows between are read ascending from the page where `ascending`
        ends, until a row read descending comes back. Both orders are the server's one order
        of the second (by id), as the documented paging already assumes."""
        eq = {f"{self._field}[eq]": str(second)}
        known = {row_key(row) for row in ascending}
        descending = await self._query(eq, "desc", meet=known)
        extra = [row for row in descending if row_key(row) not in known]
        if len(extra) < len(descending) or len(descending) < CAP:
            return ascending + extra  # met the rows read ascending, or read the whole second
        skipped = min(len(ascending), CAP) // PER_PAGE
        if skipped < MAX_PAGE:
            met = {row_key(row) for row in extra}
            middle = await self._query(eq, "asc", meet=met, first_page=skipped + 1)
            ascending = ascending + [row for row in middle if row_key(row) not in known | met]
            if any(row_key(row) in met for row in middle) or len(middle) < CAP - skipped * PER_PAGE:
                return ascending + extra
        shortfall = Shortfall(second, len(ascending) + len(extra))
        self.shortfalls.append(shortfall)
        if self._on_shortfall:
            self._on_shortfall(shortfall)
        return ascending + extra

    async def _query(
        self,
        created: dict[str, str],
        order: str,
        *,
        meet: set[Hashable] | None = None,
        first_page: int = 1,
    ) -> list[Row]:
        """Pages `first_page`..30 of one query, in order, stopping at the first short page (or
        after a page holding a row of `meet`)."""
        rows: list[Row] = []
        seen: set[Hashable] = set()
        for page in range(first_page, MAX_PAGE + 1):
            query = {**self._base, **created, "page": str(page), "per_page": str(PER_PAGE)}
            batch = await self._fetch({**query, "sort_order": order})
            met = False
            for row in batch:
                key = row_key(row)
                met = met or (meet is not None and key in meet)
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
            if len(batch) < PER_PAGE or met:
                break
        return rows
