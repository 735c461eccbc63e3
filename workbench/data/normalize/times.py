"""Timestamps read for a whole column at once, in polars, over the formats the APIs send most.

Why: parsing each value in Python (`sources.timestamps.parse_timestamp`) and handing polars a
list of datetime objects is most of a large page's cost. A value counts as read here only when
it is in one of `FORMATS` exactly (each gated by its own pattern, so that polars never reads more
loosely than the Python parser: no leap seconds, no offsets of 24 hours, no stray text) and its
UTC time falls within years 1-9999. Every other value (Unix seconds, RFC 1123, quoted text,
"yesterday") is null here, and the collector reads that row again through `fields.read_time`,
which gives the one answer, or the one rejection, it always gave.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from workbench.data.normalize.fields import Row, read_time

_DAY = r"^\d{4}-\d{2}-\d{2}"
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
_OFFSET = r"[+-]([01]\d|2[0-3])"
FORMATS: tuple[tuple[str, str], ...] = (
    (rf"{_DAY} {_CLOCK} {_OFFSET}[0-5]\d$", "%Y-%m-%d %H:%M:%S %z"),  # 2016-12-16 09:05:00 -0800
    (rf"{_DAY} {_CLOCK}$", "%Y-%m-%d %H:%M:%S"),  # 2014-12-01 18:36:59 (UTC)
    (rf"{_DAY} {_CLOCK}{_OFFSET}:[0-5]\d$", "%Y-%m-%d %H:%M:%S%:z"),  # 2015-04-20 04:46:51-08:00
    (rf"{_DAY}T{_CLOCK}\.(\d{{3}}|\d{{6}}){_OFFSET}:[0-5]\d$", "%Y-%m-%dT%H:%M:%S%.f%:z"),
)
"""(pattern, format) of the timestamps Wootric sends (`sandbox/wootric/store.TIME_FORMATS`)."""
TIMESTAMP = pl.Datetime("us", "UTC")
_FIRST = datetime(1, 1, 1, tzinfo=UTC)
_LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def parse_column(values: pl.Series) -> pl.Series:
    """Aware UTC datetimes where a text is in one of `FORMATS`; null everywhere else."""
    text = pl.col("text")
    read = pl.coalesce(
        pl.when(text.str.contains(pattern)).then(
            text.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        )
        for pattern, fmt in FORMATS
    )
    within = read.is_between(pl.lit(_FIRST, TIMESTAMP), pl.lit(_LAST, TIMESTAMP))
    frame = pl.DataFrame({"text": values.cast(pl.String)})
    return frame.select(pl.when(within).then(read).alias(values.name)).to_series()


def lazy_time(row: Row, name: str, *, required: bool = False) -> datetime | str | None:
    """`read_time`, except that non-empty text is left as it is, for `parse_column` to read
    with the rest of its column (the collector reads again any row it cannot)."""
    value = row.get(name)
    if type(value) is str and value:
        return value
    return read_time(row, name, required=required)
