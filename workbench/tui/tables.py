"""What the table tools compute, apart from any widget: sort orders, frequency tables, search
matches and the filter a cell asks for.

Why here and not in the widgets: each is a polars expression over the rows a table shows, so
it can be tested against polars itself, and the grid only moves a cursor or shows a result.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from workbench.analysis import Condition, Filter, nps

SortKey = tuple[str, bool]
"""(source column, descending)."""

ARROWS = {False: "▲", True: "▼"}
TAG_COLUMNS = ("tags", "tag")
"""Columns whose values are tags: a cell filter on them is `tag:` rather than `column=`."""


def sortable(frame: pl.DataFrame, column: str) -> pl.Expr:
    """An expression that orders `column` as a person reads it (lists by their text)."""
    dtype = frame.schema[column]
    col = pl.col(column)
    if isinstance(dtype, pl.List):
        return col.cast(pl.List(pl.String)).list.join(", ")
    if isinstance(dtype, pl.Struct | pl.Object):
        return col.cast(pl.String)
    return col


def sort_order(frame: pl.DataFrame, keys: list[SortKey]) -> pl.Series | None:
    """The row positions of `frame` in the order of `keys` (stable; nulls last); None when
    no key names one of its columns."""
    keys = [(c, d) for c, d in keys if c in frame.columns]
    if not keys or frame.height == 0:
        return None
    ordered = frame.with_row_index("__row").sort(
        [sortable(frame, c) for c, _ in keys],
        descending=[d for _, d in keys],
        nulls_last=True,
        maintain_order=True,
    )
    return ordered["__row"]


def sort_frame(frame: pl.DataFrame, keys: list[SortKey]) -> pl.DataFrame:
    order = sort_order(frame, keys)
    return frame if order is None else frame[order]


def header_label(label: str, column: str, keys: list[SortKey]) -> str:
    """`label ▲` (or `▼`), numbered when several keys sort the table: `label ▼2`."""
    for i, (c, descending) in enumerate(keys):
        if c == column:
            number = str(i + 1) if len(keys) > 1 else ""
            return f"{label} {ARROWS[descending]}{number}"
    return label


def toggle_key(keys: list[SortKey], column: str, descending: bool, add: bool) -> list[SortKey]:
    """The keys after asking to sort by `column`: alone (`add` False) or as one more key; asking
    again for the same direction of a key already there removes it."""
    existing = dict(keys)
    if add:
        if existing.get(column) is descending:
            return [k for k in keys if k[0] != column]
        if column in existing:
            return [(c, descending if c == column else d) for c, d in keys]
        return [*keys, (column, descending)]
    if keys == [(column, descending)]:
        return []
    return [(column, descending)]


def click_key(keys: list[SortKey], column: str) -> list[SortKey]:
    """A click on a header: ascending, then descending, then unsorted."""
    current = dict(keys).get(column)
    if current is None or len(keys) > 1:
        return [(column, False)]
    if current is False:
        return [(column, True)]
    return []


def value_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`frame` with `column` as the values a person counts: one row per tag of a list, the day
    of a time."""
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List):
        return frame.explode(column)
    if isinstance(dtype, pl.Datetime):
        return frame.with_columns(pl.col(column).dt.date())
    return frame


def frequency(frame: pl.DataFrame, column: str, *, metric: bool) -> pl.DataFrame:
    """Each value of `column` with its count and share of the rows (most common first); with
    `metric`, the NPS of its rows (`analysis.nps` by the column) with the interval and n."""
    rows = frame.height
    values = value_column(frame, column)
    counts = (
        values.group_by(column)
        .agg(pl.len().alias("count"))
        .with_columns((pl.col("count") * 100 / max(rows, 1)).alias("share"))
    )
    if metric and {"score", "metric"} <= set(frame.columns):
        # By a copy of the column: grouped by `score` itself, the NPS's own input would clash.
        key = "__value__"
        grouped = values.filter(pl.col(column).is_not_null()).with_columns(
            pl.col(column).alias(key)
        )
        scores = nps(grouped, by=key).drop(column, strict=False).rename({key: column})
        if scores.height:
            counts = counts.join(
                scores.select(column, "n", "nps", "ci_low", "ci_high"),
                on=column,
                how="left",
                nulls_equal=True,
            )
    return counts.sort(["count", column], descending=[True, False], nulls_last=True)


def matching_rows(frame: pl.DataFrame, term: str) -> list[int]:
    """Positions of the rows where any column's text holds `term` (case-insensitive)."""
    if not term or frame.height == 0 or not frame.columns:
        return []
    needle = term.lower()
    texts = [
        sortable(frame, c).cast(pl.String).str.to_lowercase().str.contains(needle, literal=True)
        for c in frame.columns
    ]
    mask = frame.select(pl.any_horizontal(texts).fill_null(False)).to_series()
    return mask.arg_true().to_list()


def next_match(matches: list[int], row: int, backwards: bool = False) -> int | None:
    """The match after `row` (before it, `backwards`), wrapping round; None without any."""
    if not matches:
        return None
    if backwards:
        earlier = [m for m in matches if m < row]
        return earlier[-1] if earlier else matches[-1]
    later = [m for m in matches if m > row]
    return later[0] if later else matches[0]


def as_filter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def with_cell(chosen: Filter, column: str, value: Any, *, exclude: bool = False) -> Filter:
    """`chosen` and the cell's condition: `column=value` (`column!=value` to exclude it), a tag
    as `tag:`/`-tag:` (a cell of several tags as `tags-all:`), a day as `since:`/`until:`.
    Raises ValueError for what the filter language cannot say (an empty cell, excluding a day)."""
    if value is None or value == "":
        raise ValueError(f"the {column} cell is empty; there is no value to filter by")
    if column in TAG_COLUMNS or isinstance(value, list | tuple):
        # a cell of tags: keep the responses with every one of them, or with none of them
        tags = [str(t) for t in value] if isinstance(value, list | tuple) else [str(value)]
        if not tags:
            raise ValueError(f"the {column} cell is empty; there is no value to filter by")
        if column not in TAG_COLUMNS:
            raise ValueError(f"{column} holds lists; the filter cannot compare them")
        field = "tags_none" if exclude else ("tags_any" if len(tags) == 1 else "tags_all")
        have = getattr(chosen, field)
        return chosen.model_copy(update={field: [*have, *(t for t in tags if t not in have)]})
    if isinstance(value, datetime | date):
        if exclude:
            raise ValueError("a day cannot be excluded; use since: and until: around it")
        day = value.date() if isinstance(value, datetime) else value
        return chosen.model_copy(update={"since": day, "until": day, "last_days": None})
    op = "!=" if exclude else "="
    condition = Condition(field=column, op=op, values=[as_filter_value(value)])
    if exclude:
        kept = [c for c in chosen.conditions if c != condition]
    else:  # a column equals one value: any other `=` or `in` on it would select nothing
        kept = [c for c in chosen.conditions if not (c.field == column and c.op in ("=", "in"))]
    return chosen.model_copy(update={"conditions": [*kept, condition]})
