"""NPS, CSAT and CES with their uncertainty, comparisons, distributions and Wootric's totals.

Every function takes a responses frame (or a plain sequence of scores) and returns a polars
DataFrame: the counts, the value, its standard error and a confidence interval, plus `scale` and
`interval` columns that say which bands and which method produced them. The formulas live in
`estimators`; this module decides which rows count and how groups are formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.dates import day_range
from workbench.analysis.fields import group_names, resolve_many, schema_of
from workbench.analysis.scales import NPS, CesScale, CsatScale, NpsScale
from workbench.analysis.stats import normal_two_sided_p, t_quantiles, t_two_sided_ps, z_quantile

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
    """NPS per group: n, detractors, passives, promoters, nps (-100..100), se, ci_low, ci_high.

    `method="adjusted-wald"` (default) puts the interval around the adjusted estimate (Rocks
    2016) while `nps` stays the raw one; `"wald"` is nps ± z·se.
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
    """CSAT per group: n, satisfied, csat (% satisfied), se, Wilson ci_low/ci_high, mean."""
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
    scale: NpsScale | CsatScale | CesScale | None = None,
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Group a minus group b: the difference, its se, a Wald interval and a two-sided p-value.

    NPS and CSAT: se = sqrt(se_a² + se_b²) (for NPS that is sqrt(var_a/n_a + var_b/n_b)), with
    a normal p-value. CES means: Welch's t with Satterthwaite's degrees of freedom. With `by`,
    each group present in both a and b is compared with itself.
    """
    est = E.estimator(metric, scale=scale, method="wald", level=level)
    keys = group_names(by)
    options = {"include_excluded": include_excluded, "select_metric": select_metric}
    left = metric_table(a, est, by, **options)
    right = metric_table(b, est, by, **options)
    value = est.value
    cols = ["n", value, "se"]
    joined = (
        left.select(*keys, *cols).join(
            right.select(*keys, *cols),
            on=keys,
            how="inner",
            suffix="_b",
            nulls_equal=True,
        )
        if keys
        else pl.concat(
            [left.select(cols), right.select(cols).rename({c: f"{c}_b" for c in cols})],
            how="horizontal",
        )
    )
    joined = joined.rename({c: f"{c}_a" for c in cols})
    joined = joined.with_columns(
        (pl.col(f"{value}_a") - pl.col(f"{value}_b")).alias("difference"),
        (pl.col("se_a") ** 2 + pl.col("se_b") ** 2).sqrt().alias("se"),
    )
    diff, se = E.to_numpy(joined["difference"]), E.to_numpy(joined["se"])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, diff / se, np.where(diff == 0, np.nan, np.inf * np.sign(diff)))
    if metric == "ces":
        va = E.to_numpy(joined["se_a"]) ** 2
        vb = E.to_numpy(joined["se_b"]) ** 2
        na, nb = E.to_numpy(joined["n_a"]), E.to_numpy(joined["n_b"])
        with np.errstate(divide="ignore", invalid="ignore"):
            df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        critical = t_quantiles(level, df)
        p = t_two_sided_ps(stat, df)
        p = np.where(np.isinf(stat), 0.0, p)
    else:
        critical = np.full(diff.shape, z_quantile(level))
        p = normal_two_sided_p(stat)
        p = np.where(np.isinf(stat), 0.0, p)
    return joined.with_columns(
        (pl.col("difference") - pl.Series(critical) * pl.col("se")).alias("ci_low"),
        (pl.col("difference") + pl.Series(critical) * pl.col("se")).alias("ci_high"),
        pl.Series("p_value", p, dtype=pl.Float64).fill_nan(None),
        pl.lit(est.scale.describe()).alias("scale"),
        pl.lit(f"wald {level * 100:g}%" if metric != "ces" else f"welch t {level * 100:g}%").alias(
            "interval"
        ),
    ).with_columns(pl.col("ci_low", "ci_high").fill_nan(None))


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
