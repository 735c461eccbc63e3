"""NPS, CSAT and CES with their uncertainty, comparisons, distributions and Wootric's totals.

Every function takes a responses frame (or a plain sequence of scores) and returns a polars
DataFrame: the counts, the value, its standard error and a confidence interval, plus `scale` and
`interval` columns that say which bands and which method produced them. The formulas live in
`estimators`; this module decides which rows count and how groups are formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.dates import day_range
from workbench.analysis.differences import CompareMethod, two_sample
from workbench.analysis.differences import label as comparison_label
from workbench.analysis.fields import group_names, resolve_many, schema_of
from workbench.analysis.scales import NPS, CesScale, CsatScale, NpsScale
from workbench.analysis.small_n import MIN_N

By = str | Sequence[str] | None


def nps(
    data: E.Scores,
    by: By = None,
    *,
    scale: NpsScale = NPS,
    method: E.NpsMethod = "adjusted-wald",
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """NPS per group: n, detractors, passives, promoters, nps (-100..100), se, se_wald,
    ci_centre, ci_low, ci_high.

    `nps` is the raw estimate and `se_wald` its Wald standard error (R's `NPS::nps_se`). `se`
    and `ci_centre` belong to the interval's method, so ci_low/ci_high = ci_centre ∓ z·se:
    with `method="adjusted-wald"` (default; Rocks 2016) the centre and se of the counts with
    3/4 detractor, 3/2 passive and 3/4 promoter added; with `"wald"` the centre is `nps` and
    `se` is `se_wald`. The bounds are clipped to -100..100 and, where a group is tiny, widened
    to take in `nps` (see `estimators.NpsEstimator`).
    """
    est = E.NpsEstimator(scale, method, level)
    return metric_table(
        data, est, by, include_excluded=include_excluded, select_metric=select_metric
    )


def csat(
    data: E.Scores,
    by: By = None,
    *,
    scale: CsatScale | None = None,
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """CSAT per group: n, satisfied, csat (% satisfied), se, se_wald, ci_centre, Wilson
    ci_low/ci_high (= ci_centre ∓ z·se), mean."""
    est = E.estimator("csat", scale=scale, level=level)
    return metric_table(
        data, est, by, include_excluded=include_excluded, select_metric=select_metric
    )


def ces(
    data: E.Scores,
    by: By = None,
    *,
    scale: CesScale | None = None,
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """CES per group: n, mean, sd, se, t-interval of the mean, and the share agreeing (Wilson)."""
    est = E.estimator("ces", scale=scale, level=level)
    return metric_table(
        data, est, by, include_excluded=include_excluded, select_metric=select_metric
    )


def metric_table(
    data: E.Scores,
    est: E.Estimator,
    by: By = None,
    *,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Any metric per group, given its estimator (what `nps`, `csat` and `ces` call)."""
    keys = group_names(by)
    scores = E.scored(data, est, by, include_excluded=include_excluded, select_metric=select_metric)
    return est.finish(E.count(scores, est, keys), keys)


def compare(
    a: E.Scores,
    b: E.Scores,
    metric: E.Metric = "nps",
    *,
    by: By = None,
    method: CompareMethod = "adjusted-wald",
    min_n: int = MIN_N,
    scale: NpsScale | CsatScale | CesScale | None = None,
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Group a minus group b: the difference, its interval and a two-sided p-value.

    Columns: [by...], n_a, <value>_a, se_a, n_b, <value>_b, se_b, difference (of the raw
    figures), ci_centre, se, ci_low, ci_high (ci_centre ∓ critical·se, widened to hold the
    raw difference where a group is lopsided), p_value, testable,
    note, scale, interval. NPS defaults to Rocks' adjusted Wald in its two-sample form (3/4
    detractor, 3/2 passive, 3/4 promoter added to each group), CSAT to Agresti-Caffo (one
    satisfied and one not added to each group), CES means use Welch's t; `method="wald"` gives
    the unadjusted forms. The formulas and their sources are in `differences`.

    A side with fewer than `min_n` responses, or no variance to test, is not tested: se,
    interval and p-value are null, `testable` is false and `note` says why. With `by`, each
    group present in both a and b is compared with itself.
    """
    est = E.estimator(metric, scale=scale, method="wald", level=level)
    keys = group_names(by)
    options: dict[str, Any] = {"include_excluded": include_excluded, "select_metric": select_metric}
    left = E.count(E.scored(a, est, by, **options), est, keys)
    right = E.count(E.scored(b, est, by, **options), est, keys)
    if keys:
        joined = left.join(right, on=keys, how="inner", suffix="_b", nulls_equal=True)
        left = joined.select(*keys, *est.counts)
        right = joined.select(*keys, *(pl.col(f"{c}_b").alias(c) for c in est.counts))
    result = two_sample(est, left, right, method=method, level=level, min_n=min_n)
    value = est.value
    return pl.concat(
        [
            left.select(*keys, pl.col("n").alias("n_a")),
            result.select(pl.col("value_a").alias(f"{value}_a"), "se_a"),
            right.select(pl.col("n").alias("n_b")),
            result.select(pl.col("value_b").alias(f"{value}_b"), "se_b"),
            result.drop("value_a", "value_b", "se_a", "se_b"),
        ],
        how="horizontal",
    ).with_columns(
        pl.lit(est.scale.describe()).alias("scale"),
        pl.lit(comparison_label(est, method, level)).alias("interval"),
    )


def score_distribution(
    data: E.Scores,
    metric: E.Metric = "nps",
    *,
    by: By = None,
    scale: NpsScale | CsatScale | CesScale | None = None,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Every score on the scale with its count, share (percent) and category, zeros included.

    Categories: detractor/passive/promoter for NPS, satisfied/other for CSAT, agree/other for CES.
    """
    est = E.estimator(metric, scale=scale)
    keys = group_names(by)
    scores = E.scored(data, est, by, include_excluded=include_excluded, select_metric=select_metric)
    counted = scores.group_by(*keys, "score").agg(pl.len().cast(pl.Int64).alias("count")).collect()
    grid = pl.DataFrame(
        {"score": pl.int_range(est.scale.low, est.scale.high + 1, eager=True).cast(pl.Int16)}
    )
    if keys:
        grid = counted.select(keys).unique().join(grid, how="cross")
    full = grid.join(counted, on=[*keys, "score"], how="left", nulls_equal=True).with_columns(
        pl.col("count").fill_null(0)
    )
    total = pl.col("count").sum().over(keys) if keys else pl.col("count").sum()
    return full.with_columns(
        pl.when(total > 0).then(100 * pl.col("count") / total).alias("share"),
        _category(est).alias("category"),
        pl.lit(est.scale.describe()).alias("scale"),
    ).sort(*keys, "score", nulls_last=True)


def _category(est: E.Estimator) -> pl.Expr:
    s, score = est.scale, pl.col("score")
    if isinstance(s, NpsScale):
        return (
            pl.when(score.is_between(s.promoters.low, s.promoters.high))
            .then(pl.lit("promoter"))
            .when(score.is_between(s.passives.low, s.passives.high))
            .then(pl.lit("passive"))
            .when(score.is_between(s.detractors.low, s.detractors.high))
            .then(pl.lit("detractor"))
        )
    band = s.satisfied if isinstance(s, CsatScale) else s.agree
    name = "satisfied" if isinstance(s, CsatScale) else "agree"
    return (
        pl.when(score.is_between(band.low, band.high)).then(pl.lit(name)).otherwise(pl.lit("other"))
    )


def answer_distribution(survey_answers: pl.DataFrame | pl.LazyFrame, by: By = None) -> pl.DataFrame:
    """Survey answer counts and shares (percent) per question, as Apptentive reports them.

    A free-text question has no choices; its rows keep `choice` null. Questions are kept in
    order of appearance, choices by count (largest first).
    """
    frame = survey_answers.lazy()
    schema = schema_of(frame)
    keys = group_names(by)
    question = ["survey_id", "question_id"]
    return (
        frame.with_row_index("_order")
        .select(
            "_order",
            *resolve_many(by, schema),
            *question,
            "question",
            "question_type",
            "choice",
            pl.col("count").cast(pl.Int64),
        )
        .group_by(*keys, *question, "question", "question_type", "choice")
        .agg(pl.col("count").sum(), pl.col("_order").min())
        .with_columns(
            pl.col("_order").min().over(*keys, *question).alias("_question_order"),
            (100 * pl.col("count") / pl.col("count").sum().over(*keys, *question)).alias("share"),
        )
        .sort(
            [*keys, "_question_order", "count", "choice"],
            descending=[*[False] * len(keys), False, True, False],
            nulls_last=True,
        )
        .drop("_order", "_question_order")
        .collect()
    )


def nps_summary_totals(
    responses: pl.DataFrame | pl.LazyFrame,
    *,
    start: date | None,
    end: date | None,
    time_zone: str,
    scale: NpsScale = NPS,
) -> pl.DataFrame:
    """The totals Wootric's `/v1/nps_summary` reports for `start`..`end` in the account's zone.

    Its rules: both dates inclusive, as calendar days in the account's time zone; responses
    flagged `excluded_from_calculations` not counted; nps an integer, 100·(promoters -
    detractors)/responses rounded half away from zero (exact, in integers). `None` leaves that
    side open; the endpoint's own default range ("the last month") is not guessed here. nps is
    null when there are no responses.
    """
    est = E.NpsEstimator(scale, "wald")
    frame = responses.lazy().filter(day_range(start, end, time_zone))
    counts = E.count(E.scored(frame, est), est, [])
    margin = 100 * (pl.col("promoters") - pl.col("detractors"))
    rounded = ((2 * margin.abs() + pl.col("n")) // (2 * pl.col("n"))) * margin.sign()
    return counts.select(
        pl.lit(start, dtype=pl.Date).alias("date_start"),
        pl.lit(end, dtype=pl.Date).alias("date_end"),
        pl.lit(time_zone).alias("time_zone"),
        pl.when(pl.col("n") > 0).then(rounded).cast(pl.Int64).alias("nps"),
        pl.col("n").alias("responses"),
        "detractors",
        "passives",
        "promoters",
    )
