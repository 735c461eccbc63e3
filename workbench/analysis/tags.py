"""Tag impact: how much each tag's responses move the metric.

impact = metric(all) - metric(all without the tag's responses). Why by subtraction of counts:
the "without" group of every tag is "all minus with", and the metric's sufficient statistics
subtract exactly, so one exploded group-by serves every tag at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.fields import group_names, schema_of
from workbench.analysis.scales import CesScale, CsatScale, NpsScale


def tag_impact(
    data: pl.DataFrame | pl.LazyFrame,
    metric: E.Metric = "nps",
    *,
    by: str | Sequence[str] | None = None,
    min_n: int = 1,
    scale: NpsScale | CsatScale | CesScale | None = None,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """Per tag: n, share (percent of responses), the metric with the tag, without it, impact.

    Columns: [by...], tag, n, share, with_tag, without_tag, overall, impact, rank, scale.
    Ranked by the size of the impact (largest first, either sign), ties by tag name; tags on
    fewer than `min_n` responses are left out. A response carrying a tag twice counts once.
    """
    est = E.estimator(metric, scale=scale)
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
        .filter(pl.col("n") >= max(min_n, 1))
        .collect()
    )
    if keys:
        joined = with_tag.join(totals, on=keys, how="left", suffix="_all", nulls_equal=True)
    else:
        joined = with_tag.join(totals, how="cross", suffix="_all")
    without = joined.select(
        *keys, "tag", *(pl.col(f"{c}_all") - pl.col(c) for c in est.counts)
    ).rename({f"{c}_all": c for c in est.counts})
    value = est.value
    with_values = est.finish(joined, [*keys, "tag"]).select(
        *keys, "tag", "n", pl.col(value).alias("with_tag"), "scale"
    )
    without_values = est.finish(without, [*keys, "tag"]).select(
        *keys, "tag", pl.col(value).alias("without_tag")
    )
    overall = est.finish(totals, keys).select(*keys, pl.col(value).alias("overall"))
    result = with_values.join(without_values, on=[*keys, "tag"], how="left", nulls_equal=True)
    result = (
        result.join(overall, on=keys, how="left", nulls_equal=True)
        if keys
        else result.join(overall, how="cross")
    )
    n_all = joined.select(*keys, "tag", pl.col("n_all"))
    result = result.join(n_all, on=[*keys, "tag"], how="left", nulls_equal=True)
    ranked = result.with_columns(
        (100 * pl.col("n") / pl.col("n_all")).alias("share"),
        (pl.col("overall") - pl.col("without_tag")).alias("impact"),
    ).sort(
        [*keys, pl.col("impact").abs(), "tag"],
        descending=[*[False] * len(keys), True, False],
        nulls_last=True,
    )
    over = keys or None
    return ranked.with_columns(
        pl.int_range(1, pl.len() + 1).over(over).cast(pl.Int64).alias("rank")
        if over
        else pl.int_range(1, pl.len() + 1).cast(pl.Int64).alias("rank")
    ).select(
        *keys,
        "tag",
        "n",
        "share",
        "with_tag",
        "without_tag",
        "overall",
        "impact",
        "rank",
        "scale",
    )
