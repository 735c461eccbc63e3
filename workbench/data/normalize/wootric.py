"""Wootric NPS rows to canonical frames: responses, declines, end users (walked, so read a page
at a time with their timestamps parsed per column), page views, end-user settings, segments and
NPS summaries.

The walked tables keep the original Wootric normalizers' reading: fields are taken as the API
types them and then checked against their columns (`collect.fit_for`), and a rejection names a
row by `str(row.get("id", "?"))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from workbench.data.normalize.collect import Entry, Normalized, Record, collect, entries
from workbench.data.normalize.fields import (
    INT64,
    Bad,
    Row,
    read_count,
    read_day,
    read_flag,
    read_id,
    read_object,
    read_score,
    read_text,
    read_time,
    tag_names,
    wootric_properties,
)
from workbench.data.normalize.ints import Bounds, lazy_score
from workbench.data.normalize.times import lazy_time

PLATFORM = "wootric"
SCORE = (0, 10)
"""The NPS scale of a Wootric score."""
Reader = Callable[..., Any]
"""A field reader (`fields.read_time`, `read_score`), or its stand-in for the collector's quick
read (`times.lazy_time`, `ints.lazy_score`), which leaves the value to a column parse."""


def _walked_id(row: Row) -> str:
    """A walked table's row named as those tables always named it."""
    return str(row.get("id", "?"))


def _quickly(
    table: str,
    rows: Iterable[object],
    read: Callable[..., Record],
    quick: Callable[[Row], Record],
    ints: Mapping[str, Bounds] | None = None,
) -> Normalized:
    return collect(table, entries(rows, named=_walked_id), read, quick=quick, ints=ints)


def _end_user(row: Row) -> Mapping[str, Any]:
    value = row.get("end_user")
    return value if isinstance(value, dict) else {}


def _event(row: Row, account: str, when: Reader) -> Record:
    """What a response and a decline both hold: whose, of which survey, where and when."""
    return {
        "account": account,
        "platform": PLATFORM,
        "id": read_id(row),
        "end_user_id": read_id(row, "end_user_id", required=False),
        "survey_id": read_id(row, "survey_id", required=False),
        "origin_url": row.get("origin_url"),
        "created_at": when(row, "created_at", required=True),
        "updated_at": when(row, "updated_at"),
        "properties": wootric_properties(_end_user(row).get("properties")),
    }


def wootric_responses(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row, when: Reader = read_time, score: Reader = read_score) -> Record:
        return {
            **_event(row, account, when),
            "metric": "nps",
            "score": score(row, *SCORE),
            "text": row.get("text") or None,
            "tags": tag_names(row.get("tags")),
            "excluded_from_calculations": bool(row.get("excluded_from_calculations")),
        }

    quick = partial(read, when=lazy_time, score=lazy_score)
    return _quickly("responses", rows, read, quick, ints={"score": SCORE})


def wootric_declines(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row, when: Reader = read_time) -> Record:
        return _event(row, account, when)

    return _quickly("declines", rows, read, partial(read, when=lazy_time))


def wootric_end_users(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row, when: Reader = read_time) -> Record:
        return {
            "account": account,
            "platform": PLATFORM,
            "id": read_id(row),
            "email": row.get("email"),
            "external_id": read_id(row, "external_id", required=False),
            "phone_number": row.get("phone_number"),
            "created_at": when(row, "created_at", required=True),
            "updated_at": when(row, "updated_at"),
            "last_surveyed": when(row, "last_surveyed"),
            "last_seen_at": when(row, "last_seen_at"),
            "page_views_count": row.get("page_views_count"),  # checked as the column's Int64
            "properties": wootric_properties(row.get("properties")),
        }

    quick = partial(read, when=lazy_time)
    return _quickly("end_users", rows, read, quick, ints={"page_views_count": INT64})


# --- page views, segments, NPS summaries --------------------------------------------------------


def wootric_page_views(rows: Iterable[Row], account: str) -> Normalized:
    """`PageView` rows (`WootricClient.end_user_page_views`, as JSON) -> `page_views`."""

    def read(row: Row) -> Record:
        return {
            "account": account,
            "platform": PLATFORM,
            "id": read_id(row),
            "end_user_id": read_id(row, "end_user_id", required=False),
            "url": read_text(row, "url"),
            "at": read_time(row, "at"),
            "created_at": read_time(row, "created_at", required=True),
            "updated_at": read_time(row, "updated_at"),
        }

    return collect("page_views", entries(rows), read)


SETTING_FLAGS = (
    "email_nps",
    "mobile_nps",
    "web_nps",
    "force_web_survey",
    "force_mobile_survey",
    "surveys_disabled_by_end_user",
)
"""The flags of an end user's `settings` hash (end_user_settings.md, end_users.md)."""


def wootric_end_user_settings(rows: Iterable[Row], account: str) -> Normalized:
    """End-user rows as listed (each with its `settings` hash) -> `end_user_settings`, keyed by
    the end user's id. An end user listed without a `settings` hash gives no row."""

    def read(row: Row) -> list[Record]:
        if row.get("settings") is None:
            return []
        settings = read_object(row, "settings")
        return [
            {
                "account": account,
                "platform": PLATFORM,
                "id": read_id(row),
                **{flag: read_flag(settings, flag) for flag in SETTING_FLAGS},
                "updated_at": read_time(row, "updated_at") or read_time(row, "created_at"),
            }
        ]

    return collect("end_user_settings", entries(rows), read)


def wootric_segments(rows: Iterable[Row], account: str) -> Normalized:
    """`Segment` rows (`WootricClient.segments`) -> `segments`; a segment is known by its name."""

    def read(row: Row) -> Record:
        data_type = read_text(row, "data_type")
        return {
            "account": account,
            "platform": PLATFORM,
            "name": read_text(row, "name", required=True),
            "data_type": data_type.lower() if data_type else None,
            "created_at": read_time(row, "created_at"),
        }

    return collect("segments", entries(rows, "name"), read)


def wootric_nps_summary(
    rows: Iterable[Row], account: str, *, fetched_at: datetime | None = None
) -> Normalized:
    """`/v1/nps_summary` answers -> `nps_summaries`, one row per answer and date range.

    The answer does not say which range it counts (that is the query's), so each row carries
    `date_start` and `date_end` beside the answer's fields, as the caller asked for them:
    `{**summary.model_dump(mode="json"), "date_start": start, "date_end": end}`. Both are
    required: the table is keyed by the range, and Wootric's default ("the last month", in the
    account's time zone) is not a range we could name. `fetched_at` (default now) may also come
    per row.
    """
    fetched = fetched_at or datetime.now(UTC)

    def read(row: Row) -> Record:
        start, end = read_day(row, "date_start"), read_day(row, "date_end")
        if end < start:
            raise Bad("date_end", f"{end} is before date_start {start}")
        return {
            "account": account,
            "platform": PLATFORM,
            "date_start": start,
            "date_end": end,
            "nps": read_count(row, "nps", low=-100, high=100),
            **{n: read_count(row, n) for n in ("responses", "detractors", "passives", "promoters")},
            "response_rate": read_count(row, "response_rate"),
            "email_response_rate": read_count(row, "email_response_rate"),
            "fetched_at": read_time(row, "fetched_at") or fetched,
        }

    def ranges(given: Iterable[object]) -> Iterator[Entry]:
        for shown_as, row in entries(given):
            if isinstance(row, Mapping):
                shown_as = f"{row.get('date_start', '?')}..{row.get('date_end', '?')}"
            yield shown_as, row

    return collect("nps_summaries", ranges(rows), read)
