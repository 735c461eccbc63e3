"""What a Wootric API request asks, read as Rails/Rack and Grape would read it.

- Parameters come from the query and the body alike (the docs send list filters with
  `curl -X GET ... -d "created[lt]=..."`), as a form (`&` or `;` between fields, Rack's two
  separators: the legacy examples use `;`), multipart (`curl -F`) or JSON.
- Invalid values answer 400 with Grape's messages: "<param> is missing", "<param> does not have a
  valid value", several joined by ", ".
- List queries: `page` 1..30, `per_page` 1..50 (default 25), `sort_order`, `sort_key` where it
  exists, `created[...]`/`updated[...]` windows in Unix seconds; `page_of` finds the rows.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from starlette.requests import Request

from workbench.sandbox import rails
from workbench.sandbox.rails import Params, bracketed, strict_int
from workbench.sandbox.wootric.store import Table

MAX_PAGE = 30
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 25
RANGE_OPERATORS = ("eq", "lt", "lte", "gt", "gte")
TRUE_WORDS = {"true", "1", "t", "yes", "on"}
FALSE_WORDS = {"false", "0", "f", "no", "off"}


class ApiError(Exception):
    """An answer other than success: `{"error": message}` with `status` (Grape's shape)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": message}
        self.headers = headers or {}


async def read_params(request: Request) -> Params:
    """Query plus body, whatever the body's encoding, as Rack reads them (`rails.WOOTRIC`)."""
    try:
        return await rails.read_params(request, rails.WOOTRIC)
    except rails.BodyError:
        raise ApiError(400, "the body is not valid JSON") from None


def integer(values: dict[str, str], name: str, errors: list[str]) -> int | None:
    raw = values.get(name)
    if raw is None:
        return None
    number = strict_int(raw, signs="-", unicode_digits=True)
    if number is None:
        errors.append(f"{name} does not have a valid value")
    return number


def boolean(values: dict[str, str], name: str, errors: list[str]) -> bool | None:
    raw = values.get(name)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    errors.append(f"{name} does not have a valid value")
    return None


def check(errors: list[str]) -> None:
    if errors:
        raise ApiError(400, ", ".join(errors))


def integers(values: dict[str, str], *names: str) -> list[int | None]:
    """The named integers (None where absent); one 400 naming every one that is not."""
    errors: list[str] = []
    numbers = [integer(values, name, errors) for name in names]
    check(errors)
    return numbers


def properties_in(values: dict[str, str], name: str) -> dict[str, Any]:
    """`properties[plan]=x` (or `end_user[properties][plan]=x`) as {"plan": "x"}, in order."""
    return {k: v for k, v in bracketed(values, name).items() if "[" not in k and "]" not in k}


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """One list query's paging, order and windows (bounds inclusive, None = open)."""

    page: int
    per_page: int
    descending: bool
    sort_key: str
    created: tuple[int | None, int | None]
    updated: tuple[int | None, int | None] | None


def window(values: dict[str, str], name: str, errors: list[str]) -> tuple[int | None, int | None]:
    """`created[gt]=..&created[lte]=..` as inclusive bounds."""
    low: int | None = None
    high: int | None = None
    given = bracketed(values, name)
    for op in RANGE_OPERATORS:
        if op not in given:
            continue
        value = integer(given, op, [])
        if value is None:
            errors.append(f"{name}[{op}] does not have a valid value")
            continue
        first, last = {
            "eq": (value, value),
            "gt": (value + 1, None),
            "gte": (value, None),
            "lt": (None, value - 1),
            "lte": (None, value),
        }[op]
        if first is not None:
            low = first if low is None else max(low, first)
        if last is not None:
            high = last if high is None else min(high, last)
    return low, high


def listing(
    values: dict[str, str],
    *,
    descending: bool,
    sort_keys: tuple[str, ...] = (),
    updated: bool = False,
) -> Listing:
    errors: list[str] = []
    bounded = {"page": (1, MAX_PAGE, 1), "per_page": (1, MAX_PER_PAGE, DEFAULT_PER_PAGE)}
    numbers = {}
    for name, (low, high, default) in bounded.items():
        value = integer(values, name, []) if name in values else default
        if value is None or not low <= value <= high:
            errors.append(f"{name} does not have a valid value")
            value = default
        numbers[name] = value
    order = values.get("sort_order", "desc" if descending else "asc").strip().lower()
    if order not in ("asc", "desc"):
        errors.append("sort_order does not have a valid value")
    sort_key = "created_at"
    if sort_keys:
        sort_key = values.get("sort_key", sort_keys[0]).strip()
        if sort_key not in sort_keys:
            errors.append("sort_key does not have a valid value")
    created = window(values, "created", errors)
    updated_window = window(values, "updated", errors) if updated else None
    check(errors)
    return Listing(
        page=numbers["page"],
        per_page=numbers["per_page"],
        descending=order == "desc" if order in ("asc", "desc") else descending,
        sort_key=sort_key,
        created=created,
        updated=updated_window,
    )


Keep = Callable[[int, int], np.ndarray]
"""A filter over stored positions [start, stop): a boolean array of that length."""


def page_of(table: Table, query: Listing, keep: Keep | None = None) -> np.ndarray:
    """Stored positions of the rows on the asked page, in the asked order.

    The created window is two binary searches; other filters and sort keys cost one pass over
    the window (or, for another sort key, over the table).
    """
    start, stop = table.window(*query.created)
    offset = (query.page - 1) * query.per_page
    filters: list[Keep] = [keep] if keep else []
    if query.updated and query.updated != (None, None):
        low, high = query.updated

        def in_updated(first: int, last: int) -> np.ndarray:
            moments = table.array("updated_at")[first:last]
            inside = np.ones(len(moments), bool)
            if low is not None:
                inside &= moments >= low
            if high is not None:
                inside &= moments <= high
            return inside

        filters.append(in_updated)
    if query.sort_key != "created_at":
        chosen = np.zeros(table.height, bool)
        chosen[start:stop] = True
        for kept in filters:
            chosen &= kept(0, table.height)
        order = table.order(query.sort_key)
        ordered = order[chosen[order]]
    elif filters:
        inside = np.ones(stop - start, bool)
        for kept in filters:
            inside &= kept(start, stop)
        ordered = start + np.flatnonzero(inside)
    else:
        if query.descending:
            top = stop - 1 - offset
            return np.arange(top, max(top - query.per_page, start - 1), -1)
        return np.arange(start + offset, min(start + offset + query.per_page, stop))
    if query.descending:
        ordered = ordered[::-1]
    return ordered[offset : offset + query.per_page]


def calendar_day(values: dict[str, str], name: str, errors: list[str]) -> date | None:
    raw = values.get(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip().strip("'\"")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(f"date[{name}] does not have a valid value")
    return None


def month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), zone).timestamp())
