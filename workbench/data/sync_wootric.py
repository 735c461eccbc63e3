"""Wootric NPS tables: responses and declines walked by creation, end users by update;
segments and monthly NPS summaries read whole."""

from __future__ import annotations

import asyncio
import math
import weakref
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import polars as pl

from workbench.data import normalize
from workbench.data.normalize import Normalized
from workbench.data.schema import TIMESTAMP
from workbench.data.store import AccountStore
from workbench.data.sync_tables import OVERLAP, Plan, TableRun, TableSync, dump, walk
from workbench.data.time_zones import (
    Inference,
    Responses,
    day_counts,
    infer_time_zone,
    reproduces,
    settled_months,
    store_time_zone,
    stored_time_zone,
    telling_day,
)
from workbench.settings import WootricAccount
from workbench.sources.paging import MAX_PAGE
from workbench.sources.wootric import WootricClient

Run = TableRun[WootricClient, WootricAccount]


async def wootric_responses(run: Run) -> None:
    """By `created`. Wootric lists responses by creation only, so an incremental sync reads the
    last `sync.refresh_days` again to see edits (tags, exclusion); an edit to an older response
    is seen by `--refresh DAYS` reaching back to it, or by the next `--full` sync."""
    client = run.client
    await walk(
        run,
        lambda since: client.response_batches(since),
        lambda rows: normalize.wootric_responses(rows, run.name),
        refreshed=True,
    )
    await _finished(run)


async def wootric_declines(run: Run) -> None:
    client = run.client
    await walk(
        run,
        lambda since: client.decline_batches(since),
        lambda rows: normalize.wootric_declines(rows, run.name),
    )


async def wootric_end_users(run: Run) -> None:
    """By `updated`, so that changed properties come back on an incremental sync.

    The same listing fills `end_user_settings`: each end user carries its `settings` hash, so
    the settings cost no request of their own (`GET /v1/end_users/{id}/settings` would be one
    per end user, and adds only the settings object's own id and times). The settings of the
    end users a part holds are written, as one part, just before it (`walk`'s `before_write`),
    so a killed sync never has its cursor past settings it did not keep, and the settings come
    in parts of the walk's size, not one per page batch (thousands at 1M end users, which made
    their compaction slow and large).
    """
    written = 0
    pending: list[pl.DataFrame] = []

    def normalized(rows: list[dict[str, Any]]) -> Normalized:
        settings = normalize.wootric_end_user_settings(rows, run.name)
        run.summary.rejected.extend(settings.rejected)
        pending.append(settings.frame)
        return normalize.wootric_end_users(rows, run.name)

    def write_settings() -> None:
        nonlocal written
        if pending:
            frame = pl.concat(pending, how="diagonal_relaxed")
            pending.clear()
            run.store.append(SETTINGS, frame)
            written += frame.height

    await walk(
        run,
        lambda since: run.client.end_user_batches(since, by="updated"),
        normalized,
        before_write=write_settings,
    )
    if run.summary.deleted:
        _drop_settings_of_removed(run)
    run.store.compact(SETTINGS)
    if written:
        run.summary.notes.append(f"{written:,} {SETTINGS} rows from the same listing")


SETTINGS = "end_user_settings"


def _drop_settings_of_removed(run: Run) -> None:
    """After a full read removed end users: tombstone their settings too."""
    kept = run.store.ids("end_users")
    held = run.store.ids(SETTINGS)
    gone = held.filter(~held.is_in(kept.implode()))
    if not gone.is_empty():
        now = datetime.now(UTC)
        frame = pl.DataFrame({"id": gone}).with_columns(
            pl.lit(now).cast(TIMESTAMP).alias("updated_at")
        )
        run.store.append(SETTINGS, frame, deleted=True)


TABLES: dict[str, TableSync[WootricClient, WootricAccount]] = {
    "responses": wootric_responses,
    "declines": wootric_declines,
    "end_users": wootric_end_users,
}


SUMMARY_MONTHS = 12
"""Calendar months of `/v1/nps_summary` kept, in the account's time zone (the Surveys pane)."""


async def segments(run: Run) -> None:
    found = await run.client.segments()
    run.replace(normalize.wootric_segments(dump(found), run.name))


async def nps_summaries(run: Run) -> None:
    """One summary per month of the last `SUMMARY_MONTHS`. A month that ended before the last
    fetch is not asked for again (the current and the previous month always are)."""
    client = run.client
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


# --- page views: one request (or a few) per end user, on request -------------------------------

PAGE_VIEW_PAGE = 50
"""Page views asked per request (the documented maximum of `per_page`)."""
PAGE_VIEW_USERS = 200
"""End users whose page views are read at once, then written as one part (memory stays flat)."""


def _page_view_users(run: Run, through: int | None) -> pl.DataFrame:
    """The stored end users whose page views to read, oldest change first: `id`, `pages` (the
    requests their `page_views_count` needs: a full last page asks one more to see the end),
    `views` (that count), `mark` (Unix seconds of the later of `updated_at` and `last_seen_at`)."""
    scanned = run.store.scan("end_users")
    if scanned is None:
        return pl.DataFrame(
            schema={"id": pl.String, "pages": pl.Int64, "views": pl.Int64, "mark": pl.Int64}
        )
    mark = pl.max_horizontal(
        pl.col("updated_at").dt.epoch("s"), pl.col("last_seen_at").dt.epoch("s")
    ).fill_null(0)
    count = pl.col("page_views_count").fill_null(1)  # unknown: ask once
    chosen = scanned.select(
        "id",
        pl.when(count > 0).then(count // PAGE_VIEW_PAGE + 1).otherwise(0).alias("pages"),
        pl.col("page_views_count").fill_null(0).alias("views"),
        mark.alias("mark"),
    )
    if through is not None:
        chosen = chosen.filter(pl.col("mark") >= through - OVERLAP)
    return chosen.sort("mark", "id").collect()


def page_view_plan(run: Run, requests: int) -> str:
    """ "N requests to Wootric for page views (about M minutes at the account's rate limit)"."""
    budget = getattr(run.client.http, "budget", None)
    limit = getattr(budget, "limit", None)
    if limit and limit < 1 << 30:
        minutes = math.ceil(requests / limit)
        pace = f"about {minutes:,} minute{'s' if minutes != 1 else ''} at the account's rate limit"
        pace += f" of {limit:,} a minute"
    elif limit:
        pace = "the account answers without a rate limit"
    else:
        pace = "the account's rate limit is not known yet"
    return f"{requests:,} requests to Wootric for page views ({pace})"


async def page_views(run: Run) -> None:
    """On request (`workbench sync --with page-views`): `GET /v1/end_users/{id}/page_views` for
    each stored end user, so it runs after the account's other tables (the end users are fresh).

    What it reads is known before it starts, and said first (the `start` event's message, with
    the end users as `total`): an end user's `page_views_count` gives its pages (none when it
    is 0), so the count is exact while the data holds still (a page view added meanwhile can
    cost one more page; more than `MAX_PAGE` pages is read by the walker and counted as planned).

    Incremental: the cursor `{"through": s}` is the latest `updated_at`/`last_seen_at` of the end
    users read so far; the next sync reads only end users changed after it (less `OVERLAP`).
    Wootric has no list of page views across end users nor a change date for them, so a page
    view added or removed without the end user's `updated_at` or `last_seen_at` moving is seen
    by the next `--full` sync. Each read end user's page views replace its stored ones (a view
    the platform no longer lists is removed); `--full` reads every end user again and also
    removes the page views of end users no longer stored.
    """
    client = run.client
    state = run.store.cursors().get("page_views") or {}
    through = None if run.full or not state else state.get("through")
    chosen = await asyncio.to_thread(_page_view_users, run, through)
    requests = int(chosen["pages"].sum() or 0)
    expected = int(chosen["views"].sum() or 0)
    run.event("start", page_view_plan(run, requests), total=expected)
    first_part = _next_part_number(run)

    async def read(end_user_id: str, pages: int) -> list[dict[str, object]]:
        if pages > MAX_PAGE:
            found = await client.end_user_page_views(end_user_id)
            return dump(found)
        rows: list[dict[str, object]] = []
        for page in range(1, MAX_PAGE + 1):
            got = await client.page_view_page(end_user_id, page, PAGE_VIEW_PAGE)
            rows.extend(got)
            if len(got) < PAGE_VIEW_PAGE:
                break
        return rows

    reached = through
    for chunk in chosen.iter_slices(PAGE_VIEW_USERS):
        wanted = [(i, p) for i, p in zip(chunk["id"], chunk["pages"], strict=True) if p > 0]
        answers = await asyncio.gather(*(read(i, p) for i, p in wanted))
        normalized = normalize.wootric_page_views([r for rows in answers for r in rows], run.name)
        if normalized.frame.height:
            run.write(normalized)
        else:
            run.summary.rejected.extend(normalized.rejected)
        top = cast(int, chunk["mark"].max() or 0)
        reached = top if reached is None else max(reached, top)
        run.store.set_cursor("page_views", {"through": reached})
        run.event("progress", total=max(expected, run.summary.rows))
    run.summary.deleted = await asyncio.to_thread(_remove_stale_page_views, run, chosen, first_part)
    run.store.compact("page_views")


def _next_part_number(run: Run) -> int:
    parts = run.store.parts("page_views")
    if not parts:
        return 1
    return int(parts[-1].stem.rsplit("-", 1)[-1]) + 1


def _remove_stale_page_views(run: Run, chosen: pl.DataFrame, first_part: int) -> int:
    """Tombstone stored page views of the end users just read that their answer no longer
    held, and (after `--full`) those of end users no longer stored."""
    parts = run.store.parts("page_views")
    fresh = [p for p in parts if int(p.stem.rsplit("-", 1)[-1]) >= first_part]
    before = [p for p in run.store.sources("page_views") if p not in fresh]
    if not before:
        return 0
    held = run.store.scan("page_views", sources=before)
    if held is None:
        return 0
    read_users = chosen.get_column("id").implode()
    stale = pl.col("end_user_id").is_in(read_users)
    if run.full:
        stale = stale | ~pl.col("end_user_id").is_in(run.store.ids("end_users").implode())
    candidates = held.filter(stale).select("id")
    if fresh:
        candidates = candidates.join(pl.scan_parquet(fresh).select("id"), on="id", how="anti")
    gone = candidates.collect().get_column("id")
    if gone.is_empty():
        return 0
    now = datetime.now(UTC)
    frame = pl.DataFrame({"id": gone}).with_columns(pl.lit(now).cast(TIMESTAMP).alias("updated_at"))
    run.store.append("page_views", frame, deleted=True)
    return gone.len()


OPTIONAL: dict[str, tuple[str, TableSync[WootricClient, WootricAccount]]] = {
    "page-views": ("page_views", page_views)
}
"""Tables read only when asked (`workbench sync --with NAME`): name -> (table, its sync)."""
PLAN = Plan(WootricClient, WootricAccount, TABLES, OPTIONAL)


# --- the account's time zone, once responses and summaries are both in -------------------------

_ZONE_INPUTS = frozenset({"responses", "nps_summaries"})
_done: weakref.WeakKeyDictionary[AccountStore, dict[str, Run]] = weakref.WeakKeyDictionary()
"""Per account being synced (its store object, one per sync), the zone inputs finished so far."""


async def _finished(run: Run) -> None:
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


def _zone_inputs(run: Run) -> tuple[Responses, pl.DataFrame]:
    """The stored responses, scanned (each count is one streaming pass over the file, so the
    inference never holds them), and the stored nps_summary answers."""
    scanned = run.store.scan("responses")
    columns = ["created_at", "score", "metric", "excluded_from_calculations"]
    responses = pl.DataFrame() if scanned is None else scanned.select(columns)
    return responses, run.store.read("nps_summaries")


async def _telling_answers(
    run: Run, responses: Responses, summaries: pl.DataFrame, candidates: list[str]
) -> pl.DataFrame:
    """One-day nps_summary answers that tell apart `candidates` (zones whose months all
    reproduce the stored answers), asked one at a time, each chosen by the last; not stored."""
    months = await asyncio.to_thread(settled_months, summaries, responses)
    first, last = cast(date, months["date_start"].min()), cast(date, months["date_end"].max())
    asked: list[dict[str, object]] = []
    remaining = list(candidates)
    for _ in range(TELLING_DAYS):
        day = await asyncio.to_thread(telling_day, responses, remaining, first, last)
        if day is None:
            break
        answer = await run.client.nps_summary(day, day)
        asked.append({**answer.model_dump(mode="json"), "date_start": day, "date_end": day})
        want = (answer.responses, answer.promoters, answer.detractors)
        counts = await asyncio.to_thread(day_counts, responses, remaining, [day])
        remaining = [z for z, c in zip(remaining, counts, strict=True) if c[0] == want] or remaining
        if len(remaining) < 2:
            break
    return normalize.wootric_nps_summary(asked, run.name).frame


async def _infer(
    run: Run, responses: Responses, summaries: pl.DataFrame, before: str | None
) -> Inference:
    """The inference from the stored months, then from a few one-day answers when several
    zones reproduce every month."""
    prefer = [before] if before else []
    inference = await asyncio.to_thread(infer_time_zone, responses, summaries, prefer=prefer)
    # A zone an earlier sync settled (with its own one-day questions) that still reproduces
    # every month is kept without asking again: an incremental sync costs no extra requests.
    if inference.time_zone is not None and inference.others and inference.time_zone != before:
        extra = await _telling_answers(
            run, responses, summaries, [inference.time_zone, *inference.others]
        )
        if not extra.is_empty():
            both = pl.concat([summaries, extra], how="diagonal_relaxed")
            inference = await asyncio.to_thread(infer_time_zone, responses, both, prefer=prefer)
    return inference


async def _settle_time_zone(run: Run) -> str | None:
    """Infer the zone from what is stored and keep it; the line the sync summary shows."""
    responses, summaries = await asyncio.to_thread(_zone_inputs, run)
    configured = run.account.time_zone
    if configured:
        missed = await asyncio.to_thread(reproduces, responses, summaries, configured)
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
        account_id = run.account.account_token or run.name
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
