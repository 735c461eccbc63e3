"""Wootric NPS tables: responses and declines walked by creation, end users by update;
segments and monthly NPS summaries read whole."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import polars as pl

from workbench.data import normalize
from workbench.data.normalize import Normalized
from workbench.data.sync_tables import TableRun, TableSync, dump, walk
from workbench.sources.wootric import WootricClient


async def wootric_responses(run: TableRun) -> None:
    """By `created`. Wootric lists responses by creation only, so an edit to an old response
    (tags, exclusion) is seen by the next `--full` sync, not by an incremental one."""
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.response_batches(since),
        lambda rows: normalize.wootric_responses(rows, run.name),
    )


async def wootric_declines(run: TableRun) -> None:
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.decline_batches(since),
        lambda rows: normalize.wootric_declines(rows, run.name),
    )


async def wootric_end_users(run: TableRun) -> None:
    """By `updated`, so that changed properties come back on an incremental sync."""
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.end_user_batches(since, by="updated"),
        lambda rows: normalize.wootric_end_users(rows, run.name),
    )


def _wootric(run: TableRun) -> WootricClient:
    assert isinstance(run.client, WootricClient)
    return run.client


TABLES: dict[str, TableSync] = {
    "responses": wootric_responses,
    "declines": wootric_declines,
    "end_users": wootric_end_users,
}


SUMMARY_MONTHS = 12
"""Calendar months of `/v1/nps_summary` kept, in the account's time zone (the Surveys pane)."""


async def segments(run: TableRun) -> None:
    found = await _wootric(run).segments()
    run.replace(normalize.wootric_segments(dump(found), run.name))


async def nps_summaries(run: TableRun) -> None:
    """One summary per month of the last `SUMMARY_MONTHS`. A month that ended before the last
    fetch is not asked for again (the current and the previous month always are)."""
    client = _wootric(run)
    stored = run.store.read("nps_summaries")
    today = date.today()
    months = [_month(today, back) for back in range(SUMMARY_MONTHS)]
    settled: set[date] = set()
    if not stored.is_empty() and not run.full:
        fetched = stored.select("date_start", "date_end", "fetched_at").rows()
        settled = {start for start, end, at in fetched if at is not None and end < at.date()}
    wanted = [(s, e) for s, e in months if s not in settled or s >= months[1][0]]

    async def fetch(start: date, end: date) -> dict[str, object]:
        summary = await client.nps_summary(start, end)
        return {**summary.model_dump(mode="json"), "date_start": start, "date_end": end}

    answers = await asyncio.gather(*(fetch(s, e) for s, e in wanted))
    fresh = normalize.wootric_nps_summary(answers, run.name)
    if not stored.is_empty():
        kept = stored.filter(
            ~pl.col("date_start").is_in([s for s, _ in wanted])
            & pl.col("date_start").is_in([s for s, _ in months])
        )
        fresh = Normalized(pl.concat([kept, fresh.frame], how="diagonal_relaxed"), fresh.rejected)
    run.replace(fresh)


def _month(today: date, back: int) -> tuple[date, date]:
    """The calendar month `back` months before today's: its first and last day."""
    index = today.year * 12 + today.month - 1 - back
    first = date(index // 12, index % 12 + 1, 1)
    after = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first, after - timedelta(days=1)


TABLES.update({"segments": segments, "nps_summaries": nps_summaries})
