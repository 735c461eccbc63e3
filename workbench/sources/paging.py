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
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

MAX_PAGE = 30
PER_PAGE = 50
CAP = MAX_PAGE * PER_PAGE

Row = dict[str, Any]
FetchPage = Callable[[dict[str, str]], Awaitable[list[Row]]]
"""Reads one page: gets the query parameters, returns the rows as the API sent them."""


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

    `created_of` reads the walked field of a row as Unix seconds; `base_params` go with every
    query (end users need `sort_key` to match the walked field, since they sort by email).
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
    ) -> None:
        self._field = field
        self._base = base_params or {}
        self._fetch = fetch
        self._created_of = created_of
        self._concurrency = max(1, concurrency)
        self._on_shortfall = on_shortfall
        self.shortfalls: list[Shortfall] = []

    async def bounds(self) -> Window | None:
        """The oldest and newest second holding a row, or None for an empty list."""
        probe = {**self._base, "per_page": "1", "page": "1"}
        oldest, newest = await asyncio.gather(
            self._fetch({**probe, "sort_order": "asc"}),
            self._fetch({**probe, "sort_order": "desc"}),
        )
        if not oldest or not newest:
            return None
        return Window(self._created_of(oldest[0]), self._created_of(newest[0]))

    def windows(self, span: Window, count: int | None = None) -> list[Window]:
        """`span` cut into about `count` equal windows (at least one second each)."""
        count = count or self._concurrency * 4
        seconds = span.last - span.first + 1
        count = max(1, min(count, seconds))
        step = -(-seconds // count)
        return [
            Window(start, min(start + step - 1, span.last))
            for start in range(span.first, span.last + 1, step)
        ]

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
        start = self._created_of(first[0]) if since is None else since
        if len(first) < CAP:
            end = self._created_of(first[-1]) if until is None else until
            yield Batch(Window(start, end), first, done=True)
            return
        last = self._created_of(first[-1])
        if until is None:
            probe = {**self._base, **bounds, "per_page": "1", "page": "1", "sort_order": "desc"}
            newest = await self._fetch(probe)
            until = self._created_of(newest[0]) if newest else last
        head = [row for row in first if self._created_of(row) < last]
        if head:
            yield Batch(Window(start, last - 1), head, done=True)
        async for batch in self._concurrently(self.windows(Window(last, until), windows)):
            yield batch

    async def _concurrently(self, plan: list[Window]) -> AsyncIterator[Batch]:
        queue: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(maxsize=64)
        slots = asyncio.Semaphore(self._concurrency)

        async def run(window: Window) -> None:
            async with slots:
                try:
                    async for batch in self._walk(window):
                        await queue.put(batch)
                except Exception as exc:
                    await queue.put(exc)
                finally:
                    await queue.put(None)  # this window is over, however it ended

        tasks = [asyncio.create_task(run(w)) for w in plan]
        finished = asyncio.gather(*tasks, return_exceptions=True)
        running = len(tasks)
        try:
            while running:
                item = await queue.get()
                if item is None:
                    running -= 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await finished

    async def _walk(self, window: Window) -> AsyncIterator[Batch]:
        cursor = window.first
        while cursor <= window.last:
            rows = await self._query(
                {f"{self._field}[gte]": str(cursor), f"{self._field}[lte]": str(window.last)},
                "asc",
            )
            if len(rows) < CAP:
                yield Batch(window, rows, done=True)
                return
            last = self._created_of(rows[-1])
            if last == cursor:
                yield Batch(window, await self._second(cursor, rows), done=cursor == window.last)
                cursor += 1
            else:
                # Seconds before `last` are complete; `last` itself may not be.
                yield Batch(window, [r for r in rows if self._created_of(r) < last], done=False)
                cursor = last

    async def _second(self, second: int, ascending: list[Row]) -> list[Row]:
        """All rows of one crowded second: ascending already read, add descending."""
        descending = await self._query({f"{self._field}[eq]": str(second)}, "desc")
        seen = {row["id"] for row in ascending}
        extra = [row for row in descending if row["id"] not in seen]
        if len(descending) >= CAP and len(extra) == len(descending):
            shortfall = Shortfall(second, len(ascending) + len(extra))
            self.shortfalls.append(shortfall)
            if self._on_shortfall:
                self._on_shortfall(shortfall)
        return ascending + extra

    async def _query(self, created: dict[str, str], order: str) -> list[Row]:
        """Pages 1..30 of one query, in order, stopping at the first short page."""
        rows: list[Row] = []
        seen: set[Any] = set()
        for page in range(1, MAX_PAGE + 1):
            query = {**self._base, **created, "page": str(page), "per_page": str(PER_PAGE)}
            batch = await self._fetch({**query, "sort_order": order})
            for row in batch:
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(row)
            if len(batch) < PER_PAGE:
                break
        return rows
