"""Compile a Filter to one polars expression, and check its names against what exists.

Why compile against a schema: `plan` may be a column or a property, and `revenue >= 5000` must
compare numbers on a numeric property but text on a text one, so the same filter compiles to
the right expression for each account's responses. Why a separate validate step: knowing every
tag requires reading the data (or the tags table), which the TUI does once and reuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from workbench.analysis.dates import day_range, today_in, zone
from workbench.analysis.fields import (
    UnknownNameError,
    field_names,
    nearest,
    resolve,
    schema_of,
    unknown_message,
)
from workbench.analysis.filter_model import (
    OPERATORS,
    Condition,
    Filter,
    FilterError,
    FilterSyntaxError,
    ScoreRange,
)
from workbench.analysis.filter_text import complete, format_filter, parse_filter
from workbench.analysis.scales import NPS, NpsScale
from workbench.data.schema import METRICS, PLATFORMS

__all__ = [
    "OPERATORS",
    "Condition",
    "Filter",
    "FilterError",
    "FilterSyntaxError",
    "KnownNames",
    "ScoreRange",
    "compile_filter",
    "complete",
    "format_filter",
    "parse_filter",
    "validate_filter",
]

_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~])")


def _literal_pattern(term: str) -> str:
    """A case-insensitive regex matching `term` literally (Rust regex syntax, Unicode case)."""
    return "(?i)" + _REGEX_META.sub(r"\\\1", term)


@dataclass(frozen=True)
class KnownNames:
    """What a filter may name: tags, columns and properties, accounts, platforms, metrics."""

    tags: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    accounts: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset(PLATFORMS)
    metrics: frozenset[str] = frozenset(METRICS)
    extra_tags: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_frame(
        cls,
        responses: pl.DataFrame | pl.LazyFrame,
        tags: pl.DataFrame | pl.LazyFrame | Iterable[str] | None = None,
    ) -> KnownNames:
        """The names in a responses frame, plus the names in a tags table (or list) if given.

        Why both: a tag defined in CXI but on no response yet is still a valid filter.
        """
        lazy = responses.lazy()
        schema = schema_of(lazy)
        uniques = lazy.select(
            *(
                pl.col(c).drop_nulls().unique().implode()
                for c in ("account", "platform")
                if c in schema
            ),
            *(
                [pl.col("tags").explode().drop_nulls().unique().implode().alias("_tags")]
                if "tags" in schema
                else []
            ),
        ).collect()
        row = uniques.row(0, named=True) if uniques.width else {}
        extra: set[str] = set()
        if isinstance(tags, pl.DataFrame | pl.LazyFrame):
            extra = set(tags.lazy().select("name").drop_nulls().collect()["name"].to_list())
        elif tags is not None:
            extra = set(tags)
        fields = field_names(schema)
        props = [f for f in fields if f not in schema]
        return cls(
            tags=frozenset(row.get("_tags") or []) | extra,
            columns=tuple(c for c in schema.names() if c != "properties"),
            properties=tuple(props),
            accounts=frozenset(row.get("account") or []),
            platforms=frozenset(PLATFORMS) | frozenset(row.get("platform") or []),
        )

    def fields(self) -> list[str]:
        return list(self.columns) + [p for p in self.properties if p not in self.columns]


def validate_filter(f: Filter, known: KnownNames | pl.DataFrame | pl.LazyFrame) -> None:
    """Raise FilterError listing every unknown name, each with the nearest known one."""
    names = known if isinstance(known, KnownNames) else KnownNames.from_frame(known)
    problems: list[str] = []
    suggestions: dict[str, str] = {}

    def check(kind: str, values: Iterable[str], pool: Iterable[str]) -> None:
        pool = list(pool)
        for value in values:
            if value not in pool:
                problems.append(unknown_message(kind, value, pool))
                guess = nearest(value, pool)
                if guess is not None:
                    suggestions[value] = guess

    check("tag", [*f.tags_any, *f.tags_all, *f.tags_none], names.tags)
    check("field", [_bare(c.field) for c in f.conditions], names.fields())
    if names.accounts:
        check("account", f.accounts, names.accounts)
    check("platform", f.platforms, names.platforms)
    check("metric", f.metrics, names.metrics)
    if problems:
        raise FilterError(problems, suggestions)


def _bare(name: str) -> str:
    for prefix in ("properties.", "property."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def compile_filter(
    f: Filter,
    schema: pl.Schema | pl.DataFrame | pl.LazyFrame,
    *,
    time_zone: str = "UTC",
    today: date | None = None,
    scale: NpsScale = NPS,
) -> pl.Expr:
    """One boolean expression for the filter over frames with `schema`.

    Dates are calendar days in `time_zone` (the account's, in the TUI); `last_days` counts back
    from `today` (injected by tests, else the current date in `time_zone`). Band names in
    `score:` use `scale`. A condition on an unknown field raises FilterError with a suggestion.
    """
    schema = schema_of(schema)
    zone(time_zone)
    parts: list[pl.Expr] = []

    def need(column: str, why: str) -> None:
        if column not in schema:
            raise FilterError([f"{why} needs a {column!r} column, which this frame lacks"])

    for values, column in (
        (f.accounts, "account"),
        (f.platforms, "platform"),
        (f.metrics, "metric"),
    ):
        if values:
            need(column, f"{column}:")
            parts.append(pl.col(column).is_in(values))
    if f.since or f.until:
        need("created_at", "a date range")
        parts.append(day_range(f.since, f.until, time_zone))
    if f.last_days:
        need("created_at", "last:")
        end = today if today is not None else today_in(time_zone)
        try:
            start = end - timedelta(days=f.last_days - 1)
        except OverflowError:  # a period longer than the calendar: everything up to today
            start = date.min
        parts.append(day_range(start, end, time_zone))
    if f.score is not None:
        need("score", "score:")
        band = f.score if isinstance(f.score, ScoreRange) else scale.band(f.score)
        parts.append(pl.col("score").is_between(band.low, band.high))
    if f.tags_any or f.tags_all or f.tags_none:
        need("tags", "tag:")
        has = [pl.col("tags").list.contains(t).fill_null(False) for t in f.tags_any]
        if has:
            parts.append(pl.any_horizontal(has))
        parts.extend(pl.col("tags").list.contains(t).fill_null(False) for t in f.tags_all)
        parts.extend(~pl.col("tags").list.contains(t).fill_null(False) for t in f.tags_none)
    if f.text or f.text_none:
        need("text", "a text search")
        for term in f.text:
            parts.append(pl.col("text").str.contains(_literal_pattern(term)).fill_null(False))
        for term in f.text_none:
            parts.append(~pl.col("text").str.contains(_literal_pattern(term)).fill_null(False))
    parts.extend(_condition(c, schema) for c in f.conditions)
    if f.excluded != "include" and "excluded_from_calculations" in schema:
        flagged = pl.col("excluded_from_calculations").fill_null(False)
        parts.append(flagged if f.excluded == "only" else ~flagged)
    if not parts:
        return pl.lit(True)
    return pl.all_horizontal(parts).fill_null(False)


def _condition(c: Condition, schema: pl.Schema) -> pl.Expr:
    try:
        expr, dtype = resolve(c.field, schema)
    except UnknownNameError as exc:
        raise FilterError(
            [str(exc)], {c.field: exc.suggestion} if exc.suggestion else None
        ) from None
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        hint = " (use tag:NAME)" if c.field == "tags" else ""
        raise FilterError([f"{c.field!r} holds {dtype}; a condition compares single values{hint}"])
    values = [_convert(v, dtype, c.field) for v in c.values]
    if c.op == "in":
        return expr.is_in(values).fill_null(False)
    if c.op == "not in":
        return (~expr.is_in(values)).fill_null(True)
    value = values[0]
    if c.op == "=":
        return (expr == value).fill_null(False)
    if c.op == "!=":
        return (expr != value).fill_null(True)
    compare = {">": expr.__gt__, ">=": expr.__ge__, "<": expr.__lt__, "<=": expr.__le__}[c.op]
    return compare(value).fill_null(False)


def _convert(value: str, dtype: pl.DataType, name: str) -> Any:
    """A typed value for the field's type, or a FilterError saying what it should look like."""
    try:
        if dtype.is_integer():
            number = float(value)
            return int(number) if number.is_integer() else number
        if dtype.is_float() or dtype.is_decimal():
            return float(value)
        if isinstance(dtype, pl.Boolean):
            lowered = value.lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise ValueError
        if isinstance(dtype, pl.Date):
            return date.fromisoformat(value)
        if isinstance(dtype, pl.Datetime):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None and dtype.time_zone:
                moment = moment.replace(tzinfo=zone(dtype.time_zone))
            return moment
    except ValueError:
        kind = "a number" if dtype.is_numeric() else f"a {dtype}"
        raise FilterError([f"{name} is {kind}; {value!r} is not one"]) from None
    if isinstance(dtype, pl.Null):
        return value
    return value
