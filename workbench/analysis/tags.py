"""Tag impact: how much each tag's responses move the metric, with an interval and a test.

impact = metric(all) - metric(all without the tag's responses). Why by subtraction of counts:
the "without" group of every tag is "all minus with", and the metric's sufficient statistics
subtract exactly, so one exploded group-by serves every tag at once.

For a metric that is a mean over responses (NPS, CSAT's share, CES's mean) the impact is exactly
share × (with_tag - without_tag), where share = n_with / n_all. So each tag is tested as a
comparison of its responses with the others (`differences.two_sample`: Rocks' adjusted Wald for
NPS, Agresti-Caffo for CSAT, Welch for CES), and the impact's interval is share × the
difference's interval (conditional on the number of responses carrying the tag). The p-values
are adjusted across all the tags tested (`multiple`, Holm by default), named in `p_adjust`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.differences import CompareMethod, tested_columns, two_sample
from workbench.analysis.differences import label as comparison_label
from workbench.analysis.fields import group_names, schema_of
from workbench.analysis.multiple import PAdjust, check_method
from workbench.analysis.scales import CesScale, CsatScale, NpsScale
from workbench.analysis.small_n import MIN_N, check_min_n, too_small_note

RANK_BY: Final[str] = "difference bound nearest zero"
"""What `rank` orders by: how far from zero the with-vs-without difference surely is (the bound
of its interval nearest zero; 0 when the interval spans zero), largest first. A rare tag with a
wide interval does not outrank a common one by its size alone, nor a common one by its count."""

COLUMNS: Final[tuple[str, ...]] = (
    "tag",
    "n",
    "share",
    "with_tag",
    "without_tag",
    "overall",
    "impact",
    "impact_low",
    "impact_high",
    "difference",
    "difference_low",
    "difference_high",
    "p_value",
    "p_adjusted",
    "p_adjust",
    "too_small",
    "note",
    "rank",
    "rank_by",
    "scale",
    "interval",
)


def tag_impact(
    data: pl.DataFrame | pl.LazyFrame,
    metric: E.Metric = "nps",
    *,
    by: str | Sequence[str] | None = None,
    min_n: int = MIN_N,
    p_adjust: PAdjust = "holm",
    method: CompareMethod = "adjusted-wald",
    level: float = 0.95,
    scale: NpsScale | CsatScale | CesScale | None = None,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Per tag: the metric with the tag, without it, the impact, its interval and a test.

    Columns: [by...], tag, n, share (percent of responses), with_tag, without_tag, overall,
    impact (overall - without_tag), impact_low, impact_high, difference (with_tag -
    without_tag), difference_low, difference_high, p_value, p_adjusted, p_adjust, too_small,
    note, rank, rank_by, scale, interval.

    Every tag carried by a counted response is listed. A tag on fewer than `min_n` responses
    (or whose "without" side is that small) keeps its figures but is not tested: no interval,
    no p-value, `too_small` set, `note` "too small (n=12)"; it ranks after every tested tag.
    Tested tags rank by `RANK_BY`, then adjusted p-value, then the size of the impact; ties by
    tag name. With `by`, ranks restart in each group. A response carrying a tag twice counts
    once.
    """
    check_min_n(min_n)
    p_adjust = check_method(p_adjust)
    est = E.estimator(metric, scale=scale, level=level)
    keys = group_names(by)
    if "tags" not in schema_of(data):
        raise ValueError("tag impact needs a `tags` column of tag-name lists")
    scores = E.scored(
        data, est, by, keep=["tags"], include_excluded=include_excluded, select_metric=select_metric
    )
    aggs = est.aggregations(pl.col("score"))
    totals = E.count(scores.drop("tags"), est, keys)
    with_tag = (
        scores.with_columns(pl.col("tags").list.unique())
        .explode("tags")
        .drop_nulls("tags")
        .group_by(*keys, "tags")
        .agg(aggs)
        .rename({"tags": "tag"})
        .sort(*keys, "tag", nulls_last=True)
        .collect()
    )
    if keys:
        joined = with_tag.join(
            totals, on=keys, how="left", suffix="_all", nulls_equal=True, maintain_order="left"
        )
    else:
        joined = with_tag.join(totals, how="cross", suffix="_all")
    without = joined.select(
        *keys, "tag", *(pl.col(f"{c}_all") - pl.col(c) for c in est.counts)
    ).rename({f"{c}_all": c for c in est.counts})
    alls = joined.select(*keys, "tag", *(pl.col(f"{c}_all").alias(c) for c in est.counts))
    value = est.value
    with_values = est.finish(joined, [*keys, "tag"])[value]
    without_values = est.finish(without, [*keys, "tag"])[value]
    overall = est.finish(alls, [*keys, "tag"])[value]
    tested = two_sample(est, joined, without, method=method, level=level, min_n=min_n)
    share = pl.col("n") / pl.col("n_all")
    result = pl.DataFrame(
        [
            *(joined[k] for k in keys),
            joined["tag"],
            joined["n"],
            joined["n_all"],
            with_values.alias("with_tag"),
            without_values.alias("without_tag"),
            overall.alias("overall"),
            *tested_columns(tested, p_adjust),
            tested["testable"],
            tested["note"],
        ]
    ).with_columns(
        (100 * share).alias("share"),
        (pl.col("overall") - pl.col("without_tag")).alias("impact"),
        (pl.col("with_tag") - pl.col("without_tag")).alias("difference"),
        (share * pl.col("difference_low")).alias("impact_low"),
        (share * pl.col("difference_high")).alias("impact_high"),
        ((pl.col("n") < min_n) | (pl.col("n_all") - pl.col("n") < min_n)).alias("too_small"),
        pl.when(pl.col("n") < min_n).then(too_small_note()).otherwise(pl.col("note")).alias("note"),
    )
    strength = (
        pl.when(pl.col("difference_low") > 0)
        .then(pl.col("difference_low"))
        .when(pl.col("difference_high") < 0)
        .then(-pl.col("difference_high"))
        .otherwise(0.0)
    )
    ranked = result.with_columns(
        strength.alias("_strength"), (~pl.col("testable")).alias("_untested")
    ).sort(
        [*keys, "_untested", "_strength", "p_adjusted", pl.col("impact").abs(), "tag"],
        descending=[*[False] * len(keys), False, True, False, True, False],
        nulls_last=True,
    )
    position = pl.int_range(1, pl.len() + 1)
    return ranked.with_columns(
        (position.over(keys) if keys else position).cast(pl.Int64).alias("rank"),
        pl.lit(p_adjust).alias("p_adjust"),
        pl.lit(RANK_BY).alias("rank_by"),
        pl.lit(est.scale.describe()).alias("scale"),
        pl.lit(comparison_label(est, method, level)).alias("interval"),
    ).select(*keys, *COLUMNS)
