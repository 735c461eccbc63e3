"""Calendar days in a time zone turned into UTC instants, and "today" made injectable.

Why bounds instead of converting every row: "2025-01-01 to 2025-01-31 in America/Chicago" is
two instants in UTC, so a date filter over ten million responses is two comparisons on the
stored UTC column, with daylight saving handled once by zoneinfo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a ValueError that says what was wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris'"
        ) from None


def today_in(time_zone: str, now: datetime | None = None) -> date:
    """The calendar date in `time_zone` at `now` (the current moment unless a test injects one)."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zone(time_zone)).date()


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def local_midnight(day: date, time_zone: str) -> datetime:
    """The UTC instant at which `day` begins in `time_zone`.

    At the ends of the calendar (1 January of year 1 east of UTC, 31 December 9999 west of it)
    that instant is outside what `datetime` holds: it is clamped to the first or last instant,
    which selects the same rows, rather than an OverflowError."""
    try:
        return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)
    except OverflowError:
        return EARLIEST if day.year == 1 else LATEST


def day_range(
    start: date | None, end: date | None, time_zone: str, column: str = "created_at"
) -> pl.Expr:
    """`column` falls on a local day from `start` through `end`, both inclusive (None: open)."""
    zone(time_zone)
    condition = pl.lit(True)
    if start is not None:
        condition = condition & (pl.col(column) >= local_midnight(start, time_zone))
    if end is not None and end < date.max:  # through the calendar's last day: no upper bound
        condition = condition & (
            pl.col(column) < local_midnight(end + timedelta(days=1), time_zone)
        )
    return condition


def local_date(column: str, time_zone: str) -> pl.Expr:
    """The calendar date of a UTC timestamp column in `time_zone`."""
    zone(time_zone)
    return pl.col(column).dt.convert_time_zone(time_zone).dt.date()
