"""A breakdown by segment: each segment's figure, and each segment against the rest.

What the TUI dashboard's segment table, `workbench report --by` and the notebook's
`segments()` show. Per segment: its own figure with its interval (as `nps(..., by=)`), then
the difference from everyone else in the selection ("the rest": all counted responses minus the
segment's, by subtraction of counts), that difference's interval and p-value (`differences`),
and the p-value adjusted across all the segments tested (`multiple`: Holm by default, or
Benjamini-Hochberg), with the adjustment named in `p_adjust`.

A segment under `min_n` responses is kept: its counts stay, its figure and test are null,
`too_small` is set and `note` says "too small (n=12)". It is not counted among the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.differences import CompareMethod, tested_columns, two_sample
from workbench.analysis.differences import label as comparison_label
from workbench.analysis.fields import group_names
from workbench.analysis.multiple import PAdjust, check_method
from workbench.analysis.scales import CesScale, CsatScale, NpsScale
from workbench.analysis.small_n import MIN_N, check_min_n


def segment_breakdown(
    data: E.Scores,
    by: str | Sequence[str],
    metric: E.Metric = "nps",
    *,
    min_n: int = MIN_N,
    p_adjust: PAdjust = "holm",
    method: CompareMethod = "adjusted-wald",
    scale: NpsScale | CsatScale | CesScale | None = None,
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Each segment of `by`: its figure and interval, and the segment minus the rest.

    Columns: [by...], the metric's counts and estimates (as `nps`/`csat`/`ces` with `by`),
    n_rest, rest (the rest's figure), difference (segment minus rest), difference_low,
    difference_high (its interval), p_value, p_adjusted, p_adjust ("holm" or "bh"),
    comparison (the two-sample method), too_small, note, scale, interval. Sorted by segment.
    """
    check_min_n(min_n)
    p_adjust = check_method(p_adjust)
    keys = group_names(by)
    if not keys:
        raise ValueError("a segment breakdown needs a property or column to break down by")
    est = E.estimator(metric, scale=scale, method=method, level=level)
    scores = E.scored(data, est, by, include_excluded=include_excluded, select_metric=select_metric)
    counts = E.count(scores, est, keys)
    totals = E.count(scores.drop(keys), est, [])
    rest = counts.select(
        *(pl.lit(totals[c][0]).alias(c) - pl.col(c) for c in est.counts)
    ).with_columns(pl.col("n").cast(pl.Int64))
    figures = E.mask_small(est.finish(counts, keys), est, min_n)
    compared = two_sample(est, counts, rest, method=method, level=level, min_n=min_n)
    differences = pl.DataFrame(
        [
            rest["n"].alias("n_rest"),
            compared["value_b"].alias("rest"),
            compared["difference"],
            *tested_columns(compared, p_adjust),
        ]
    ).with_columns(
        pl.lit(p_adjust).alias("p_adjust"),
        pl.lit(f"{comparison_label(est, method, level)} vs rest").alias("comparison"),
    )
    labels = figures.select("too_small", "note", "scale", "interval")
    body = figures.drop("too_small", "note", "scale", "interval")
    out = pl.concat([body, differences, labels], how="horizontal")
    # A segment big enough to show but compared with a rest too small to test says so too.
    return out.with_columns(
        pl.when(pl.col("too_small")).then(None).otherwise(pl.col("difference")).alias("difference"),
        pl.when(pl.col("note").is_null())
        .then(compared["note"])
        .otherwise(pl.col("note"))
        .alias("note"),
    )
