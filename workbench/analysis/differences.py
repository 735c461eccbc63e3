"""Two groups compared from their counts: the difference, its interval and a test.

Why from counts: a comparison needs only each group's sufficient statistics (`estimators`), so
"a segment against the rest" or "with a tag against without" is a subtraction of count rows and
every comparison in the workbench (compare, segments, tag impact) goes through `two_sample`.

Methods (two-sided, at `level`):

- NPS "adjusted-wald" (default): Rocks' adjusted Wald in its two-sample form, as in his R package
  NPS (`nps_test(x, y, test = "adjusted.wald")`, pseudo_observations = c(0.75, 1.50, 0.75)):
  each group gets 3/4 detractor, 3/2 passive and 3/4 promoter (3 pseudo-observations, n + 3),
  then with p~ the adjusted shares, NPS~ = p~_pro - p~_det and var~ = p~_pro + p~_det - NPS~²,
  the centre is NPS~_a - NPS~_b and se = sqrt(var~_a / ñ_a + var~_b / ñ_b) (Rocks 2016, "Interval
  estimation for the 'Net Promoter Score'", The American Statistician 70(4), 365-372).
- NPS "wald": the same without pseudo-observations (raw shares, n).
- CSAT "adjusted-wald": Agresti & Caffo (2000), "Simple and effective confidence intervals for
  proportions and differences of proportions result from adding two successes and two failures":
  one satisfied and one not added to each group, p~ = (k + 1)/(n + 2), se = sqrt(Σ p~(1-p~)/ñ).
  "wald" uses k/n and n.
- CES (means): Welch's t with Satterthwaite's degrees of freedom, whatever `method` says.

The interval is centre ± critical·se, clipped to the metric's range of differences and, as
for one group, widened just enough to take in the raw difference where the pseudo-observations
pulled the centre past it (a lopsided group: 50 detractors of 50). The p-value is that of
centre/se, so, unless widened, "the interval excludes 0" and "p < 1 - level" agree.
`difference` is always the raw difference of the two figures shown; `ci_centre` is where the
interval is centred (they differ only by the pseudo-observations).

A comparison is not tested (no se, interval or p-value; `testable` false, `note` says why) when
either group has fewer than `min_n` responses, or the groups have no variance to test with
(every response in one band, under "wald"). It is never reported as se 0, an interval of one
point, or p = 0.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import numpy as np
import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.multiple import PAdjust, adjust
from workbench.analysis.small_n import check_min_n
from workbench.analysis.stats import normal_two_sided_p, t_quantiles, t_two_sided_ps, z_quantile

CompareMethod = Literal["adjusted-wald", "wald"]
COMPARE_METHODS: Final[tuple[CompareMethod, ...]] = ("adjusted-wald", "wald")
RANGE: Final[dict[str, float]] = {"nps": 200.0, "csat": 100.0}


def check_method(method: str) -> CompareMethod:
    if method not in COMPARE_METHODS:
        raise ValueError(f"a comparison is 'adjusted-wald' or 'wald', not {method!r}")
    return method


def label(est: E.Estimator, method: CompareMethod, level: float) -> str:
    """The name of the comparison's method, for the `interval` column."""
    percent = f"{level * 100:g}%"
    if est.metric == "ces":
        return f"welch t {percent}"
    if method == "wald":
        return f"wald {percent}"
    return f"{'adjusted-wald' if est.metric == 'nps' else 'agresti-caffo'} {percent}"


def _array(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame[column].cast(pl.Float64).fill_null(0.0).to_numpy()


def _side(
    est: E.Estimator, counts: pl.DataFrame, method: CompareMethod
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per group: n, the raw figure, the centre figure and the variance of one response,
    in the metric's units (NPS -100..100, CSAT percent, CES score)."""
    n = _array(counts, "n")
    with np.errstate(divide="ignore", invalid="ignore"):
        if est.metric == "nps":
            det, pas, pro = (_array(counts, c) for c in ("detractors", "passives", "promoters"))
            raw = 100 * (pro - det) / n
            if method == "adjusted-wald":
                add_det, add_pas, add_pro = E.NpsEstimator.PSEUDO
                det, pas, pro = det + add_det, pas + add_pas, pro + add_pro
            total = det + pas + pro
            p_pro, p_det = pro / total, det / total
            centre = p_pro - p_det
            var = np.clip(p_pro + p_det - centre * centre, 0.0, None) * 100**2
            return total, raw, 100 * centre, var
        if est.metric == "csat":
            k = _array(counts, "satisfied")
            raw = 100 * k / n
            if method == "adjusted-wald":
                k, n = k + 1.0, n + 2.0
            p = k / n
            return n, raw, 100 * p, p * (1 - p) * 100**2
        total, sumsq = _array(counts, "score_sum"), _array(counts, "score_sumsq")
        mean = total / n
        var = np.clip((sumsq - total * total / n) / (n - 1), 0.0, None)
        return n, mean, mean, var


def two_sample(
    est: E.Estimator,
    a: pl.DataFrame,
    b: pl.DataFrame,
    *,
    method: CompareMethod = "adjusted-wald",
    level: float = 0.95,
    min_n: int = 30,
) -> pl.DataFrame:
    """Group a minus group b for each row of two aligned count frames (the estimator's counts).

    Columns: value_a, value_b (the raw figures), se_a, se_b (each group's se under the method),
    difference (value_a - value_b), ci_centre, se, ci_low, ci_high, p_value, testable, note.
    """
    check_method(method)
    check_min_n(min_n)
    if a.height != b.height:
        raise ValueError("the two count frames must have the same rows")
    n_a_raw, n_b_raw = _array(a, "n"), _array(b, "n")
    n_a, raw_a, centre_a, var_a = _side(est, a, method)
    n_b, raw_b, centre_b, var_b = _side(est, b, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_a, se_b = np.sqrt(var_a / n_a), np.sqrt(var_b / n_b)
        se = np.sqrt(se_a**2 + se_b**2)
        centre = centre_a - centre_b
        stat = centre / se
    least = max(min_n, 2 if est.metric == "ces" else 1)
    enough = (n_a_raw >= least) & (n_b_raw >= least)
    varies = np.isfinite(se) & (se > 0)
    testable = enough & varies
    if est.metric == "ces":
        with np.errstate(divide="ignore", invalid="ignore"):
            va, vb = se_a**2, se_b**2
            df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
        df = np.where(testable, df, np.nan)
        critical = t_quantiles(level, df)
        p = t_two_sided_ps(np.where(testable, stat, np.nan), df)
    else:
        critical = np.full(centre.shape, z_quantile(level))
        p = normal_two_sided_p(np.where(testable, stat, np.nan))
    bound = RANGE.get(est.metric, math.inf)
    raw = raw_a - raw_b
    with np.errstate(invalid="ignore"):
        low = np.clip(np.fmin(centre - critical * se, raw), -bound, bound)
        high = np.clip(np.fmax(centre + critical * se, raw), -bound, bound)
    notes = [
        None
        if ok
        else f"too small to test (n={int(x):,} vs {int(y):,}; min_n={min_n})"
        if not big
        else "no variance to test (every response in one band)"
        for ok, big, x, y in zip(testable, enough, n_a_raw, n_b_raw, strict=True)
    ]
    missing = ~testable

    def column(name: str, values: np.ndarray, mask: np.ndarray) -> pl.Series:
        out = np.where(mask | ~np.isfinite(values), np.nan, values)
        return pl.Series(name, out, dtype=pl.Float64).fill_nan(None)

    has_a, has_b = n_a_raw > 0, n_b_raw > 0
    return pl.DataFrame(
        [
            column("value_a", raw_a, ~has_a),
            column("value_b", raw_b, ~has_b),
            column("se_a", se_a, missing),
            column("se_b", se_b, missing),
            column("difference", raw, ~(has_a & has_b)),
            column("ci_centre", centre, missing),
            column("se", se, missing),
            column("ci_low", low, missing),
            column("ci_high", high, missing),
            column("p_value", p, missing),
            pl.Series("testable", testable, dtype=pl.Boolean),
            pl.Series("note", notes, dtype=pl.String),
        ]
    )


def tested_columns(tested: pl.DataFrame, p_adjust: PAdjust) -> list[pl.Series]:
    """A `two_sample` frame's interval and p-value as a breakdown shows them (segments, tags):
    `difference_low`, `difference_high`, `p_value`, and `p_adjusted` across every row tested."""
    return [
        tested["ci_low"].alias("difference_low"),
        tested["ci_high"].alias("difference_high"),
        tested["p_value"],
        pl.Series(
            "p_adjusted", adjust(E.to_numpy(tested["p_value"]), p_adjust), dtype=pl.Float64
        ).fill_nan(None),
    ]
