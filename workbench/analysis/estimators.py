"""Every metric formula, in one place: counts per group, then the estimate and its interval.

Why two steps: each metric has small sufficient statistics (NPS: the three band counts; CSAT and
CES: n, the band count, the sum and the sum of squares). Aggregating those is the only pass over
the responses; everything else (by-segment tables, trend buckets, rolling windows, tag impact by
subtraction "all minus with-tag", comparisons) works on a few rows of counts. So a number shown
anywhere comes from `finish()` here, and the per-response work stays vectorised in polars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, TypeVar

import numpy as np
import polars as pl

from workbench.analysis.fields import resolve_many, schema_of
from workbench.analysis.scales import CES, CSAT, NPS, Band, CesScale, CsatScale, NpsScale
from workbench.analysis.small_n import check_min_n, too_small_note
from workbench.analysis.stats import check_level, t_quantiles, z_quantile

Metric = Literal["nps", "csat", "ces"]
NpsMethod = Literal["wald", "adjusted-wald"]
METRIC_NAMES: Final[tuple[Metric, ...]] = ("nps", "csat", "ces")
Scores = pl.DataFrame | pl.LazyFrame | pl.Series | Sequence[int | None]


def _percent(level: float) -> str:
    return f"{level * 100:g}%"


def _share(count: str, n: str = "n") -> pl.Expr:
    return pl.when(pl.col(n) > 0).then(pl.col(count) / pl.col(n)).otherwise(None)


def _wilson_parts(count: str, z: float) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval's centre and half-width, as proportions."""
    n = pl.col("n").cast(pl.Float64)
    p = _share(count)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / (1 + z * z / n)
    return centre, half


def _band_and_moments(score: pl.Expr, band: Band, name: str) -> list[pl.Expr]:
    """What CSAT and CES count per group: n, the scores inside `band` (as `name`), and the
    sum and sum of squares of the scores (for the mean and its spread)."""
    value = score.cast(pl.Float64)
    return [
        pl.len().cast(pl.Int64).alias("n"),
        score.is_between(band.low, band.high).sum().cast(pl.Int64).alias(name),
        value.sum().alias("score_sum"),
        (value * value).sum().alias("score_sumsq"),
    ]


def _wilson(count: str, z: float) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval of a proportion, in percent; it always contains the estimate."""
    p = _share(count)
    centre, half = _wilson_parts(count, z)
    # Exactly, the Wilson interval contains p; min/max only absorb rounding at p = 0 or 1.
    low = pl.min_horizontal(centre - half, p)
    high = pl.max_horizontal(centre + half, p)
    return (100 * low).clip(0, 100), (100 * high).clip(0, 100)


class Estimator:
    """A metric on a scale with an interval method and level: counts, then `finish()`."""

    metric: Metric
    value: str
    """The headline column: nps, csat or mean."""
    counts: tuple[str, ...]
    """The sufficient statistics `aggregations()` produces; they add across groups."""
    estimates: tuple[str, ...]
    """Columns that are numbers derived from counts (nulled out where a group is too small)."""

    def __init__(self, scale: NpsScale | CsatScale | CesScale, level: float) -> None:
        self.scale = scale
        self.level = check_level(level)
        self.z = z_quantile(level)

    def in_scale(self, score: pl.Expr) -> pl.Expr:
        return score.is_between(self.scale.low, self.scale.high)

    def aggregations(self, score: pl.Expr) -> list[pl.Expr]:
        raise NotImplementedError

    def finish(self, counts: pl.DataFrame, keys: Sequence[str] = ()) -> pl.DataFrame:
        """The estimate, se and interval from counts; keys first, then counts and estimates."""
        raise NotImplementedError

    def interval_label(self) -> str:
        raise NotImplementedError

    def _labels(self) -> list[pl.Expr]:
        return [
            pl.lit(self.scale.describe()).alias("scale"),
            pl.lit(self.interval_label()).alias("interval"),
        ]


class NpsEstimator(Estimator):
    """NPS on -100..100 with the per-respondent variance (p_pro + p_det) - (p_pro - p_det)^2.

    Columns: the counts, `nps` (the raw estimate, 100·(promoters - detractors)/n), `se_wald`
    (its Wald standard error, 100·sqrt(var/n): R's `NPS::nps_se`), and the interval of
    `method`: `ci_centre` and `se` are that method's centre and standard error, so that
    ci_low/ci_high = ci_centre ∓ z·se. With "wald" the centre is `nps` and `se` is `se_wald`.
    With "adjusted-wald" (Rocks 2016, "Interval estimation for the 'Net Promoter Score'", The
    American Statistician 70(4); his R package NPS, `nps_test(test = "adjusted.wald")` with
    pseudo_observations = c(0.75, 1.50, 0.75)) 3/4 detractor, 3/2 passive and 3/4 promoter are
    added (n + 3) and the centre and se are those of the adjusted counts. Two exceptions, both
    only where a group is tiny or the level low: the bounds are clipped to -100..100, and widened
    just enough to take in the raw `nps` (a point drawn outside its own band reads as an error).
    """

    metric: Metric = "nps"
    value = "nps"
    counts = ("n", "detractors", "passives", "promoters")
    estimates = ("nps", "se", "se_wald", "ci_centre", "ci_low", "ci_high")
    PSEUDO: Final[tuple[float, float, float]] = (0.75, 1.5, 0.75)
    """Rocks' pseudo-observations: detractors, passives, promoters (3 in all)."""

    def __init__(
        self, scale: NpsScale = NPS, method: NpsMethod = "adjusted-wald", level: float = 0.95
    ) -> None:
        if method not in ("wald", "adjusted-wald"):
            raise ValueError(f"NPS intervals are 'wald' or 'adjusted-wald', not {method!r}")
        super().__init__(scale, level)
        self.scale: NpsScale = scale
        self.method = method

    def aggregations(self, score: pl.Expr) -> list[pl.Expr]:
        s = self.scale
        return [
            pl.len().cast(pl.Int64).alias("n"),
            score.is_between(s.detractors.low, s.detractors.high)
            .sum()
            .cast(pl.Int64)
            .alias("detractors"),
            score.is_between(s.passives.low, s.passives.high)
            .sum()
            .cast(pl.Int64)
            .alias("passives"),
            score.is_between(s.promoters.low, s.promoters.high)
            .sum()
            .cast(pl.Int64)
            .alias("promoters"),
        ]

    def interval_label(self) -> str:
        return f"{self.method} {_percent(self.level)}"

    def finish(self, counts: pl.DataFrame, keys: Sequence[str] = ()) -> pl.DataFrame:
        z = self.z
        n = pl.col("n").cast(pl.Float64)
        pro, det = pl.col("promoters").cast(pl.Float64), pl.col("detractors").cast(pl.Float64)
        p_pro, p_det = pro / n, det / n
        raw = p_pro - p_det
        se_wald = ((p_pro + p_det - raw * raw).clip(lower_bound=0.0) / n).sqrt()
        if self.method == "wald":
            centre, se = raw, se_wald
        else:
            add_det, _, add_pro = self.PSEUDO
            n_adj = n + sum(self.PSEUDO)
            a_pro, a_det = (pro + add_pro) / n_adj, (det + add_det) / n_adj
            centre = a_pro - a_det
            se = ((a_pro + a_det - centre * centre).clip(lower_bound=0.0) / n_adj).sqrt()
        low = pl.min_horizontal(centre - z * se, raw).clip(-1.0, 1.0)
        high = pl.max_horizontal(centre + z * se, raw).clip(-1.0, 1.0)
        some = pl.col("n") > 0
        return counts.select(
            *keys,
            *self.counts,
            pl.when(some).then(100 * raw).alias("nps"),
            pl.when(some).then(100 * se).alias("se"),
            pl.when(some).then(100 * se_wald).alias("se_wald"),
            pl.when(some).then(100 * centre).alias("ci_centre"),
            pl.when(some).then(100 * low).alias("ci_low"),
            pl.when(some).then(100 * high).alias("ci_high"),
            *self._labels(),
        )


class _BandEstimator(Estimator):
    """CSAT and CES count alike: n, the scores in one band of the scale (`band`), and the sum
    and the sum of squares of the scores; `intervals` names their interval methods."""

    band: str
    intervals: str

    def aggregations(self, score: pl.Expr) -> list[pl.Expr]:
        return _band_and_moments(score, self.scale.band(self.band), self.band)

    def interval_label(self) -> str:
        return f"{self.intervals} {_percent(self.level)}"


class CsatEstimator(_BandEstimator):
    """CSAT: the share satisfied in percent with a Wilson interval, and the mean score.

    `se_wald` is the share's Wald se, 100·sqrt(p(1-p)/n); `ci_centre` and `se` are the Wilson
    interval's centre and half-width / z, so that ci_low/ci_high = ci_centre ∓ z·se (Wilson 1927;
    Agresti & Coull 1998). The Wilson interval always contains the share.
    """

    metric: Metric = "csat"
    value = "csat"
    counts = ("n", "satisfied", "score_sum", "score_sumsq")
    estimates = ("csat", "se", "se_wald", "ci_centre", "ci_low", "ci_high", "mean")
    band, intervals = "satisfied", "wilson"

    def __init__(self, scale: CsatScale = CSAT, level: float = 0.95) -> None:
        super().__init__(scale, level)

    def finish(self, counts: pl.DataFrame, keys: Sequence[str] = ()) -> pl.DataFrame:
        p = _share("satisfied")
        low, high = _wilson("satisfied", self.z)
        centre, half = _wilson_parts("satisfied", self.z)
        some = pl.col("n") > 0
        return counts.select(
            *keys,
            "n",
            "satisfied",
            pl.when(some).then(100 * p).alias("csat"),
            pl.when(some).then(100 * half / self.z).alias("se"),
            pl.when(some).then(100 * (p * (1 - p) / pl.col("n")).sqrt()).alias("se_wald"),
            pl.when(some).then(100 * centre).alias("ci_centre"),
            pl.when(some).then(low).alias("ci_low"),
            pl.when(some).then(high).alias("ci_high"),
            pl.when(some).then(pl.col("score_sum") / pl.col("n")).alias("mean"),
            *self._labels(),
        )


class CesEstimator(_BandEstimator):
    """CES: the mean with its t-interval, and the share agreeing with a Wilson interval."""

    metric: Metric = "ces"
    value = "mean"
    counts = ("n", "agree", "score_sum", "score_sumsq")
    estimates = ("mean", "sd", "se", "ci_low", "ci_high", "agree_share", "agree_low", "agree_high")
    band, intervals = "agree", "t (mean), wilson (agree)"

    def __init__(self, scale: CesScale = CES, level: float = 0.95) -> None:
        super().__init__(scale, level)

    def finish(self, counts: pl.DataFrame, keys: Sequence[str] = ()) -> pl.DataFrame:
        n = pl.col("n").cast(pl.Float64)
        mean = pl.col("score_sum") / n
        var = ((pl.col("score_sumsq") - pl.col("score_sum") ** 2 / n) / (n - 1)).clip(
            lower_bound=0.0
        )
        t = t_quantiles(self.level, counts["n"].cast(pl.Float64).to_numpy() - 1)
        with_t = counts.with_columns(pl.Series("_t", t, dtype=pl.Float64).fill_nan(None))
        se = (var / n).sqrt()
        low, high = _wilson("agree", self.z)
        some, several = pl.col("n") > 0, pl.col("n") > 1
        return with_t.select(
            *keys,
            "n",
            pl.when(some).then(mean).alias("mean"),
            pl.when(several).then(var.sqrt()).alias("sd"),
            pl.when(several).then(se).alias("se"),
            pl.when(several).then(mean - pl.col("_t") * se).alias("ci_low"),
            pl.when(several).then(mean + pl.col("_t") * se).alias("ci_high"),
            "agree",
            pl.when(some).then(100 * _share("agree")).alias("agree_share"),
            pl.when(some).then(low).alias("agree_low"),
            pl.when(some).then(high).alias("agree_high"),
            *self._labels(),
        )


def estimator(
    metric: Metric,
    *,
    scale: NpsScale | CsatScale | CesScale | None = None,
    method: NpsMethod = "adjusted-wald",
    level: float = 0.95,
) -> Estimator:
    """The estimator for `metric`, with its default scale unless one is given."""
    if metric == "nps":
        return NpsEstimator(_scale(scale, NpsScale, NPS), method, level)
    if metric == "csat":
        return CsatEstimator(_scale(scale, CsatScale, CSAT), level)
    if metric == "ces":
        return CesEstimator(_scale(scale, CesScale, CES), level)
    raise ValueError(f"metric is one of {', '.join(METRIC_NAMES)}, not {metric!r}")


S = TypeVar("S", NpsScale, CsatScale, CesScale)


def _scale(given: object, kind: type[S], default: S) -> S:
    if given is None:
        return default
    if not isinstance(given, kind):
        raise TypeError(f"expected a {kind.__name__}, got {type(given).__name__}")
    return given


def as_frame(data: Scores) -> pl.LazyFrame:
    """A frame of responses, or a plain sequence of scores as a one-column frame."""
    if isinstance(data, pl.DataFrame | pl.LazyFrame):
        return data.lazy()
    series = data if isinstance(data, pl.Series) else pl.Series(list(data), dtype=pl.Int64)
    return pl.DataFrame({"score": series.cast(pl.Int64)}).lazy()


def scored(
    data: Scores,
    est: Estimator,
    by: str | Sequence[str] | None = None,
    *,
    keep: Sequence[str] = (),
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.LazyFrame:
    """The responses a metric counts: its `metric` rows, not excluded, a score on the scale.

    Columns out: the `by` names (properties resolved), `keep` columns, and `score`.
    Why `select_metric`: a frame mixing NPS and CSAT rows must not blend scales; a frame with
    no `metric` column (scores by hand) is taken as all of this metric.
    """
    frame = as_frame(data)
    schema = schema_of(frame)
    if "score" not in schema:
        raise ValueError("the frame has no `score` column")
    conditions = [est.in_scale(pl.col("score"))]
    if select_metric and "metric" in schema:
        conditions.append(pl.col("metric") == est.metric)
    if not include_excluded and "excluded_from_calculations" in schema:
        conditions.append(~pl.col("excluded_from_calculations").fill_null(False))
    return frame.filter(*conditions).select(
        *resolve_many(by, schema), *keep, pl.col("score").cast(pl.Int16)
    )


def count(scores: pl.LazyFrame, est: Estimator, keys: Sequence[str]) -> pl.DataFrame:
    """The sufficient statistics per group (one row, n = 0, when there are no keys and no rows)."""
    aggs = est.aggregations(pl.col("score"))
    if not keys:
        return scores.select(aggs).collect()
    return scores.group_by(*keys).agg(aggs).sort(*keys, nulls_last=True).collect()


def mask_small(result: pl.DataFrame, est: Estimator, min_n: int) -> pl.DataFrame:
    """Null the estimates of groups under `min_n`; say so in `too_small` and in `note`
    ("too small (n=12)"). The counts stay, so the rows still add up."""
    small = pl.col("n") < check_min_n(min_n)
    return result.with_columns(
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in est.estimates),
        small.alias("too_small"),
        pl.when(small).then(too_small_note()).alias("note"),
    )


def to_numpy(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy()
