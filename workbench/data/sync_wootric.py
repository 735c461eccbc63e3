"""Wootric NPS tables: responses and declines walked by creation, end users by update;
segments and monthly NPS summaries read whole."""

from __future__ import annotations

import asyncio
import weakref
from datetime import date, timedelta
from typing import cast

import polars as pl

from workbench.data import normalize
from workbench.data.normalize import Normalized
from workbench.data.store import AccountStore
from workbench.data.sync_tables import TableRun, TableSync, dump, walk
from workbench.data.time_zones import (
    Inference,
    day_counts,
    infer_time_zone,
    reproduces,
    settled_months,
    store_time_zone,
    stored_time_zone,
    telling_day,
)
from workbench.sources.wootric import WootricClient


async def wootric_responses(run: TableRun) -> None:
    """By `created`. Wootric lists responses by creation only, so an incremental sync reads the
    last `sync.refresh_days` again to see edits (tags, exclusion); an edit to an older response
    is seen by `--refresh DAYS` reaching back to it, or by the next `--full` sync."""
    client = _wootric(run)
    await walk(
        run,
        lambda since: client.response_batches(since),
        lambda rows: normalize.wootric_responses(rows, run.name),
        refreshed=True,
    )
    await _finished(run)


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
    await _finished(run)


def _month(today: date, back: int) -> tuple[date, date]:
    """The calendar month `back` months before today's: its first and last day."""
    index = today.year * 12 + today.month - 1 - back
    first = date(index // 12, index % 12 + 1, 1)
    after = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return first, after - timedelta(days=1)


TABLES.update({"segments": segments, "nps_summaries": nps_summaries})


# --- the account's time zone, once responses and summaries are both in -------------------------

_ZONE_INPUTS = frozenset({"responses", "nps_summaries"})
_done: weakref.WeakKeyDictionary[AccountStore, dict[str, TableRun]] = weakref.WeakKeyDictionary()
"""Per account being synced (its store object, one per sync), the zone inputs finished so far."""


async def _finished(run: TableRun) -> None:
    """Record that one input of the zone inference is in; the second to finish infers.

    Both tables run at once, so neither can wait for the other (the watchdog would see no
    progress); whichever ends second sees both done and runs the inference. A table that fails
    never finishes, and the zone stored before stays."""
    done = _done.setdefault(run.store, {})
    done[run.table] = run
    if set(done) < _ZONE_INPUTS:
        return
    _done.pop(run.store, None)
    summaries_run = done["nps_summaries"]
    note = await _settle_time_zone(run)
    if note and note not in summaries_run.summary.notes:
        summaries_run.summary.notes.append(note)


TELLING_DAYS = 6
"""At most this many one-day nps_summary questions to tell apart zones the months cannot."""


def _zone_inputs(run: TableRun) -> tuple[pl.DataFrame, pl.DataFrame]:
    scanned = run.store.scan("responses")
    columns = ["created_at", "score", "metric", "excluded_from_calculations"]
    responses = pl.DataFrame() if scanned is None else scanned.select(columns).collect()
    return responses, run.store.read("nps_summaries")


async def _telling_answers(
    run: TableRun, responses: pl.DataFrame, summaries: pl.DataFrame, candidates: list[str]
) -> pl.DataFrame:
    """One-day nps_summary answers that tell apart `candidates` (zones whose months all
    reproduce the stored answers), asked one at a time, each chosen by the last; not stored."""
    months = settled_months(summaries, responses)
    first, last = cast(date, months["date_start"].min()), cast(date, months["date_end"].max())
    asked: list[dict[str, object]] = []
    remaining = list(candidates)
    for _ in range(TELLING_DAYS):
        day = await asyncio.to_thread(telling_day, responses, remaining, first, last)
        if day is None:
            break
        answer = await _wootric(run).nps_summary(day, day)
        asked.append({**answer.model_dump(mode="json"), "date_start": day, "date_end": day})
        want = (answer.responses, answer.promoters, answer.detractors)
        remaining = [
            zone for zone in remaining if day_counts(responses, zone, [day])[0] == want
        ] or remaining
        if len(remaining) < 2:
            break
    return normalize.wootric_nps_summary(asked, run.name).frame


async def _infer(
    run: TableRun, responses: pl.DataFrame, summaries: pl.DataFrame, before: str | None
) -> Inference:
    """The inference from the stored months, then from a few one-day answers when several
    zones reproduce every month."""
    prefer = [before] if before else []
    inference = infer_time_zone(responses, summaries, prefer=prefer)
    # A zone an earlier sync settled (with its own one-day questions) that still reproduces
    # every month is kept without asking again: an incremental sync costs no extra requests.
    if inference.time_zone is not None and inference.others and inference.time_zone != before:
        extra = await _telling_answers(
            run, responses, summaries, [inference.time_zone, *inference.others]
        )
        if not extra.is_empty():
            both = pl.concat([summaries, extra], how="diagonal_relaxed")
            inference = infer_time_zone(responses, both, prefer=prefer)
    return inference


async def _settle_time_zone(run: TableRun) -> str | None:
    """Infer the zone from what is stored and keep it; the line the sync summary shows."""
    responses, summaries = await asyncio.to_thread(_zone_inputs, run)
    configured = getattr(run.account, "time_zone", None)
    if configured:
        missed = reproduces(responses, summaries, configured)
        if not missed:
            return None
        months = ", ".join(m.strftime("%Y-%m") for m in missed[:3])
        found = (await _infer(run, responses, summaries, None)).time_zone
        also = f"; {found} does" if found else ""
        return (
            f"time zone of {run.name}: accounts.{run.name}.time_zone is {configured}, but the "
            f"stored responses do not reproduce Wootric's nps_summary in it ({months}){also}"
        )
    before = stored_time_zone(run.store)
    inference = await _infer(run, responses, summaries, before)
    if inference.time_zone is not None:
        account_id = getattr(run.account, "account_token", None) or run.name
        if inference.time_zone != before:
            store_time_zone(run.store, run.platform, account_id, inference.time_zone)
        return inference.note(run.name)
    if before:
        return (
            f"time zone of {run.name}: kept {before}, inferred before; this sync's stored "
            f"responses reproduce no zone's nps_summary months ({inference.matched} of "
            f"{inference.months} at best)"
        )
    return inference.note(run.name)
