"""Integer columns (scores, counts) read a column at a time, in polars.

Why: reading each score in Python (`fields.read_score`, `read_count`) and then checking it again
against its column is a large part of a big page's cost, while nearly every value the APIs send
is already a plain JSON integer. A value counts as read here only when it is exactly that: an
`int` (never `true`, `5.0` or `"5"`) within the column's [low, high]. Every other value is left
to the collector, which reads that row again through the normalizer's own reader, so the answer,
or the rejection and its reason, is the one the per-row reader gives.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.data.normalize.fields import INT64, Row

Bounds = tuple[int, int]
_PLAIN = frozenset({int, type(None)})


def parse_column(name: str, values: list[Any], bounds: Bounds) -> tuple[pl.Series, list[int]]:
    """An Int64 column of the plain integers in `bounds` (null elsewhere), and the places of
    the other non-null values, for the exact reader."""
    low, high = bounds
    if set(map(type, values)) <= _PLAIN:
        try:
            column = pl.Series(name, values, pl.Int64, strict=True)
        except (TypeError, OverflowError):  # an int past 64 bits: read the slow way below
            pass
        else:
            outside = ((column < low) | (column > high)).fill_null(False)
            if not outside.any():
                return column, []
            return column.set(outside, None), outside.arg_true().to_list()
    plain = [v if type(v) is int and low <= v <= high else None for v in values]
    unread = [
        i for i, (v, p) in enumerate(zip(values, plain, strict=True)) if p is None and v is not None
    ]
    return pl.Series(name, plain, pl.Int64), unread


def lazy_score(row: Row, low: int, high: int) -> Any:
    """`fields.read_score` as the quick read has it: the value as it came, for `parse_column`."""
    return row.get("score")


def lazy_count(row: Row, name: str, *, low: int = 0, high: int = INT64[1]) -> Any:
    """`fields.read_count` as the quick read has it: the value as it came, for `parse_column`."""
    return row.get(name)
