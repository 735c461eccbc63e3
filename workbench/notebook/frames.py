"""The analysis core's functions with a `filter=` argument, for frames a notebook already holds.

A filter is a `Filter` or its text form (`'tag:PRICING metric:nps score:0-6 plan=Enterprise'`).
It selects rows exactly as `workbench export --filter` and `workbench report --filter` do: names
checked against the frame (an unknown tag or property is named with the nearest known one),
`score:` checked against the metrics the rows hold, dates as calendar days in `time_zone`.
Responses excluded from calculations are among the rows (unless `excluded:exclude`) and never
counted in a metric. The numbers come from `workbench.analysis`; nothing is computed here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl

from workbench import analysis
from workbench.analysis import Filter
from workbench.analysis import segments as segment_analysis
from workbench.analysis.export import write_export
from workbench.analysis.filter_names import validate_filter
from workbench.analysis.filters import apply_filter
from workbench.analysis.small_n import MIN_N
from workbench.analysis.trend import Every

FilterLike = Filter | str | None
Metric = Literal["nps", "csat", "ces"]
By = str | Sequence[str] | None


def as_filter(filter: FilterLike) -> Filter | None:
    """A Filter from a Filter or its text form (None stays None)."""
    if filter is None or isinstance(filter, Filter):
        return filter
    if isinstance(filter, str):
        return Filter.parse(filter)
    raise TypeError(f"a filter is a Filter or its text form, not {type(filter).__name__}")


def says_something(filter: FilterLike) -> bool:
    """Whether a filter has any text: as in `workbench export --filter TEXT`, an empty one
    (None, "" or `Filter()`) selects every row, excluded responses included."""
    if isinstance(filter, Filter):
        return bool(filter.to_text())
    return bool(filter)


def _selected(
    responses: pl.DataFrame, filter: FilterLike, time_zone: str, today: date | None
) -> tuple[pl.DataFrame, bool]:
    """The rows a filter selects, and whether metrics count excluded responses among them
    (never: the rule of `analysis.counting`, whatever `excluded:` says about the rows).

    As `workbench export`: a filter that says nothing selects every row.
    """
    parsed = as_filter(filter)
    if parsed is None or not says_something(filter):
        return responses, False
    chosen = apply_filter(
        validate_filter(parsed, responses), responses, time_zone=time_zone, today=today
    )
    return chosen, False


def select(
    responses: pl.DataFrame,
    filter: FilterLike = None,
    *,
    time_zone: str = "UTC",
    today: date | None = None,
) -> pl.DataFrame:
    """The responses a filter selects (all of them without one): the rows every face exports."""
    return _selected(responses, filter, time_zone, today)[0]


def _metric(name: str, doc: str) -> Callable[..., pl.DataFrame]:
    """`analysis.<name>` (nps, csat or ces) of the filtered responses, `by` a column or
    property; the three differ only in the metric."""

    def metric(
        responses: pl.DataFrame,
        by: By = None,
        *,
        filter: FilterLike = None,
        time_zone: str = "UTC",
        today: date | None = None,
        **options: Any,
    ) -> pl.DataFrame:
        compute: Callable[..., pl.DataFrame] = getattr(analysis, name)
        return compute(select(responses, filter, time_zone=time_zone, today=today), by, **options)

    metric.__name__ = metric.__qualname__ = name
    metric.__doc__ = doc
    return metric


nps = _metric(
    "nps",
    """`analysis.nps` of the filtered responses: n, detractors, passives, promoters, nps, se,
    ci_low, ci_high (options: scale, method, level, include_excluded).""",
)
csat = _metric(
    "csat", """`analysis.csat` of the filtered responses (the share satisfied, Wilson interval)."""
)
ces = _metric(
    "ces", """`analysis.ces` of the filtered responses (the mean, t-interval, share agreeing)."""
)


def trend(
    responses: pl.DataFrame,
    metric: Metric = "nps",
    *,
    filter: FilterLike = None,
    every: Every | None = "week",
    window: str | int | None = None,
    by: By = None,
    min_n: int = MIN_N,
    time_zone: str = "UTC",
    today: date | None = None,
    **options: Any,
) -> pl.DataFrame:
    """`analysis.trend` of the filtered responses: one row per bucket (`every`) or per day of a
    rolling `window`, points under `min_n` marked `too_small`."""
    chosen, include = _selected(responses, filter, time_zone, today)
    options.setdefault("include_excluded", include)
    return analysis.trend(
        chosen,
        metric,
        every=every,
        window=window,
        by=by,
        min_n=min_n,
        time_zone=time_zone,
        **options,
    )


def compare(
    a: pl.DataFrame | FilterLike,
    b: pl.DataFrame | FilterLike,
    metric: Metric = "nps",
    *,
    responses: pl.DataFrame | None = None,
    by: By = None,
    time_zone: str = "UTC",
    today: date | None = None,
    **options: Any,
) -> pl.DataFrame:
    """`analysis.compare`: group a minus group b, with the difference's interval and p-value
    (Rocks' adjusted Wald by default; `method="wald"`; `min_n`, 30 by default, below which a
    side is not tested and `note` says so).

    Each side is a frame of responses, or a filter applied to `responses`
    (`compare("plan=Enterprise", "plan=Free", responses=frame)`).
    """
    include = False
    sides: list[pl.DataFrame] = []
    for side in (a, b):
        if isinstance(side, pl.DataFrame):
            sides.append(side)
            continue
        if responses is None:
            raise TypeError("compare() needs `responses=` to apply a filter to")
        chosen, counts_excluded = _selected(responses, side, time_zone, today)
        include = include or counts_excluded
        sides.append(chosen)
    options.setdefault("include_excluded", include)
    return analysis.compare(sides[0], sides[1], metric, by=by, **options)


def tag_impact(
    responses: pl.DataFrame,
    metric: Metric = "nps",
    *,
    filter: FilterLike = None,
    by: By = None,
    min_n: int = MIN_N,
    time_zone: str = "UTC",
    today: date | None = None,
    **options: Any,
) -> pl.DataFrame:
    """`analysis.tag_impact` of the filtered responses: per tag, the metric with and without
    it, the impact with its interval, a test with the p-value adjusted across tags (Holm, or
    `p_adjust="bh"`), ranked by the difference's interval bound nearest zero; tags under
    `min_n` are kept and marked "too small (n=12)"."""
    chosen, include = _selected(responses, filter, time_zone, today)
    options.setdefault("include_excluded", include)
    return analysis.tag_impact(chosen, metric, by=by, min_n=min_n, **options)


def segment_breakdown(
    responses: pl.DataFrame,
    by: str | Sequence[str],
    metric: Metric = "nps",
    *,
    filter: FilterLike = None,
    min_n: int = MIN_N,
    time_zone: str = "UTC",
    today: date | None = None,
    **options: Any,
) -> pl.DataFrame:
    """`analysis.segments.segment_breakdown` of the filtered responses: each segment's figure
    with its interval, and the segment against the rest (difference, interval, p-value and
    p_adjusted, Holm unless `p_adjust="bh"`); segments under `min_n` marked too small."""
    chosen, include = _selected(responses, filter, time_zone, today)
    options.setdefault("include_excluded", include)
    return segment_analysis.segment_breakdown(chosen, by, metric, min_n=min_n, **options)


def score_distribution(
    responses: pl.DataFrame,
    metric: Metric = "nps",
    *,
    filter: FilterLike = None,
    by: By = None,
    time_zone: str = "UTC",
    today: date | None = None,
    **options: Any,
) -> pl.DataFrame:
    """`analysis.score_distribution` of the filtered responses: each score's count and share."""
    chosen, include = _selected(responses, filter, time_zone, today)
    options.setdefault("include_excluded", include)
    return analysis.score_distribution(chosen, metric, by=by, **options)


def export(
    frame: pl.DataFrame,
    path: str | os.PathLike[str],
    *,
    filter: FilterLike = None,
    columns: Sequence[str] | None = None,
    format: Literal["csv", "parquet", "xlsx"] | None = None,
    bom: bool = False,
    time_zone: str = "UTC",
    today: date | None = None,
) -> Path:
    """Write the (filtered) frame as `workbench export` does (`analysis.write_export`: CSV,
    Parquet or Excel by the name's ending or `format`, any other name refused); returns the
    path. A filter applies to responses."""
    if says_something(filter):
        frame = select(frame, filter, time_zone=time_zone, today=today)
    return write_export(frame, path, format=format, columns=columns, bom=bom)
