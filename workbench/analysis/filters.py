"""Compile a Filter to one polars expression (`compile_filter`), or select its rows
(`apply_filter`).

Why compile against a schema: `plan` may be a column or a property, and `revenue >= 5000` must
compare numbers on a numeric property but text on a text one, so the same filter compiles to
the right expression for each account's responses. Names are checked apart, in `filter_names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from workbench.analysis.dates import day_range, today_in, zone
from workbench.analysis.fields import UnknownNameError, resolve, schema_of
from workbench.analysis.filter_model import (
    Condition,
    Filter,
    FilterError,
    ScoreRange,
    ScoreScaleError,
)
from workbench.analysis.scales import (
    SCALED_METRICS,
    SCALES,
    NpsScale,
    Scales,
)

_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~])")


def _literal_pattern(term: str) -> str:
    """A case-insensitive regex matching `term` literally (Rust regex syntax, Unicode case)."""
    return "(?i)" + _REGEX_META.sub(r"\\\1", term)


def compile_filter(
    f: Filter,
    schema: pl.Schema | pl.DataFrame | pl.LazyFrame,
    *,
    time_zone: str = "UTC",
    today: date | None = None,
    scales: Scales = SCALES,
    scale: NpsScale | None = None,
) -> pl.Expr:
    """One boolean expression for the filter over frames with `schema`.

    Dates are calendar days in `time_zone` (the account's, in the TUI); `last_days` counts back
    from `today` (injected by tests, else the current date in `time_zone`). A condition on an
    unknown field raises FilterError with a suggestion.

    `score:` follows the one rule of the scales (`scales`; `scale` replaces only the NPS one):
    a band (`score:detractors`) selects only rows of the metric it belongs to; a range
    (`score:0-6`) applies to one metric's rows and is refused (ScoreScaleError) when the rows
    the rest of the filter selects hold several metrics. Pass the frame itself, not only its
    schema, so that the rows can be looked at: with a schema alone, a range needs exactly one
    `metric:`. Responses flagged excluded from calculations are listed unless `excluded:`
    says otherwise (metrics never count them).
    """
    if scale is not None:
        scales = scales.model_copy(update={"nps": scale})
    data = None if isinstance(schema, pl.Schema) else schema
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
        parts.append(_score(f, schema, data, scales, time_zone=time_zone, today=today))
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


def apply_filter(f: Filter, frame: pl.DataFrame, **options: Any) -> pl.DataFrame:
    """The frame's rows the filter selects (excluded responses listed unless `excluded:` says
    otherwise); ScoreScaleError when `score:` would mix the metrics' scales. `options` are
    those of `compile_filter`."""
    return frame.filter(compile_filter(f, frame, **options))


# --- score: one rule for bands and ranges across metrics ------------------------------------------

_NO_METRIC = "(no metric)"


def _label(metric: str) -> str:
    return metric.upper() if metric != _NO_METRIC else metric


def _with_scale(metric: str, scales: Scales) -> str:
    """`NPS (0-10)`, or `OTHER (a scale of its own)` for a metric without a defined one."""
    scale = scales.of(metric)
    if scale is None:
        return f"{_label(metric)} (a scale of its own)"
    return f"{_label(metric)} ({scale.low}-{scale.high})"


def _joined(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _ordered(metrics: Iterable[str]) -> list[str]:
    found = set(metrics)
    known = [m for m in SCALED_METRICS if m in found]
    return known + sorted(m for m in found if m not in SCALED_METRICS)


def _add_metric(metrics: Sequence[str]) -> str:
    """`add metric:nps (or csat, ces)`: the metric: terms that would settle it."""
    names = [m for m in metrics if m != _NO_METRIC] or list(SCALED_METRICS)
    rest = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
    return f"add metric:{names[0]}{rest}"


def _score_text(f: Filter) -> str:
    s = f.score
    if isinstance(s, ScoreRange):
        return f"score:{s.low}" if s.low == s.high else f"score:{s.low}-{s.high}"
    return f"score:{s}"


def scored_metrics(
    f: Filter,
    data: pl.DataFrame | pl.LazyFrame,
    *,
    time_zone: str = "UTC",
    today: date | None = None,
) -> list[str]:
    """The metrics of the scored rows that the filter, leaving out its `score:`, selects.

    Why leave `score:` out: whether `score:0-6` mixes scales depends on the rows the rest of
    the filter selects (`account:acme-nps score:0-6` holds NPS only; `tag:PRICING score:0-6`
    holds NPS, CSAT and CES on the demo).
    """
    lazy = data.lazy()
    schema = schema_of(lazy)
    if "metric" not in schema or "score" not in schema:
        return []
    rest = f.model_copy(update={"score": None})
    where = compile_filter(rest, schema, time_zone=time_zone, today=today)
    found = (
        lazy.filter(where & pl.col("score").is_not_null())
        .select(pl.col("metric").fill_null(_NO_METRIC).unique())
        .collect()["metric"]
        .to_list()
    )
    return _ordered(found)


def _score(
    f: Filter,
    schema: pl.Schema,
    data: pl.DataFrame | pl.LazyFrame | None,
    scales: Scales,
    *,
    time_zone: str,
    today: date | None,
) -> pl.Expr:
    score = pl.col("score")
    if "metric" not in schema:  # one unnamed scale: nothing to mix
        if isinstance(f.score, ScoreRange):
            return score.is_between(f.score.low, f.score.high)
        raise ScoreScaleError(f"{_score_text(f)} is a band of a metric; these rows name none")

    def present() -> list[str] | None:
        if data is None:
            return None
        return scored_metrics(f, data, time_zone=time_zone, today=today)

    if isinstance(f.score, ScoreRange):
        return _range(f, f.score, present(), scales)
    assert f.score is not None  # _score is called only for a filter with a score
    return _band(f, f.score, present, scales)


def _range(f: Filter, s: ScoreRange, present: list[str] | None, scales: Scales) -> pl.Expr:
    """`score:a-b` on one metric's rows: that of `metric:`, or the only one the rows hold."""
    text = _score_text(f)
    if present is None:  # no rows to look at: the filter must name the metric
        candidates = _ordered(f.metrics) if f.metrics else list(SCALED_METRICS)
        if len(candidates) > 1:
            spans = _joined([_with_scale(m, scales) for m in candidates])
            raise ScoreScaleError(
                f"{text} may span {spans}; {_add_metric(candidates)} to say which scale"
            )
        metrics = candidates
    else:
        metrics = present
        if len(metrics) > 1:
            spans = _joined([_with_scale(m, scales) for m in metrics])
            raise ScoreScaleError(
                f"{text} spans {spans} here; {_add_metric(metrics)} to say which scale"
            )
    if metrics:
        scale = scales.of(metrics[0])
        if scale is not None and (s.high < scale.low or s.low > scale.high):
            bands = ", ".join(f"{name} {band}" for name, band in scale.bands().items())
            raise ScoreScaleError(
                f"{text} lies outside the {_label(metrics[0])} scale ({scale.low}-{scale.high}); "
                f"its bands: {bands}"
            )
    return pl.col("score").is_between(s.low, s.high)


def _band(f: Filter, name: str, present: Callable[[], list[str] | None], scales: Scales) -> pl.Expr:
    """`score:detractors`: the band's rows of the metric (or metrics) it belongs to, only."""
    text = _score_text(f)
    owners = list(scales.metrics_of(name))
    if f.metrics:
        scoped = [m for m in owners if m in f.metrics]
        if not scoped:
            asked = _ordered(f.metrics)
            raise ScoreScaleError(
                f"{text} is a band of {_joined([_label(m) for m in owners])}, not of "
                f"{_joined([_label(m) for m in asked], 'or')} (metric:{','.join(f.metrics)}); "
                f"{_bands_instead(asked, scales)}"
            )
    else:
        scoped = owners
    seen = present()
    if seen is not None and seen:
        held = [m for m in scoped if m in seen]
        if not held:
            raise ScoreScaleError(
                f"{text} is a band of {_joined([_label(m) for m in owners])}, and these rows "
                f"hold {_joined([_label(m) for m in seen])} only; {_bands_instead(seen, scales)}"
            )
        scoped = held
    if len(scoped) > 1:
        bands = _joined([f"{_label(m)} ({scales.band(name, m)})" for m in scoped])
        where = "here" if seen is not None else "when the rows hold both"
        raise ScoreScaleError(
            f"{text} is a band of {bands} {where}; {_add_metric(scoped)} to say which scale"
        )
    metric = scoped[0]
    band = scales.band(name, metric)
    return (pl.col("metric") == metric) & pl.col("score").is_between(band.low, band.high)


def _bands_instead(metrics: list[str], scales: Scales) -> str:
    """`for CSAT use score:dissatisfied, neutral or satisfied`."""
    offers = []
    for m in metrics:
        scale = scales.of(m)
        if scale is None:
            offers.append(f"for {_label(m)} use a range (score:a-b)")
        else:
            offers.append(f"for {_label(m)} use score:{_joined(list(scale.bands()), 'or')}")
    return "; ".join(offers)


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


def _convert(value: str, dtype: PolarsDataType, name: str) -> Any:
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
