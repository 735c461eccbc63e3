"""The few distribution functions the intervals need, without SciPy.

Why not SciPy: it is a large dependency for three functions. The normal quantile comes from the
standard library; Student's t goes through the regularized incomplete beta function (the
continued fraction of Numerical Recipes, §6.4), accurate to ~1e-12, which is far more than an
interval printed to one decimal needs. These are evaluated once per group, never per response.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()


def check_level(level: float) -> float:
    """A confidence level strictly between 0 and 1 (0.95, not 95)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level is a probability such as 0.95; {level!r} is not")
    return level


def z_quantile(level: float) -> float:
    """The two-sided normal critical value for `level` (1.959964 for 0.95)."""
    return _NORMAL.inv_cdf(0.5 + check_level(level) / 2.0)


def normal_two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-value of standard normal statistics: P(|Z| >= |z|)."""
    values = np.asarray(z, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    out[ok] = [math.erfc(abs(v) / math.sqrt(2.0)) for v in values[ok]]
    return out


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 3e-16:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    if not (math.isfinite(t) and df > 0):
        return math.nan
    return _betainc(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(level: float, df: float) -> float:
    """The two-sided t critical value: P(|T| <= q) = level, found by bisection on the CDF."""
    check_level(level)
    if not df > 0:
        return math.nan
    alpha = 1.0 - level
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > alpha:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_two_sided_p(mid, df) > alpha:
            low = mid
        else:
            high = mid
        if high - low < 1e-13 * max(1.0, high):
            break
    return (low + high) / 2.0


def t_quantiles(level: float, df: np.ndarray) -> np.ndarray:
    """t critical values for an array of degrees of freedom, each distinct df solved once."""
    values = np.asarray(df, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values) & (values > 0)
    if ok.any():
        unique, inverse = np.unique(values[ok], return_inverse=True)
        solved = np.array([t_quantile(level, float(d)) for d in unique])
        out[ok] = solved[inverse]
    return out


def t_two_sided_ps(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Vector form of t_two_sided_p (one value per group compared, so a short loop)."""
    ts = np.asarray(t, dtype=float)
    dfs = np.asarray(df, dtype=float)
    return np.array([t_two_sided_p(float(a), float(b)) for a, b in zip(ts, dfs, strict=True)])
