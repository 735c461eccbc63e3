"""Adjusting p-values for many comparisons: Holm (default) and Benjamini-Hochberg.

Why here: every table that tests several groups at once (segments against the rest, tags with
against without) must say how its p-values were adjusted, and adjust them the same way.

- Holm (1979), "A simple sequentially rejective multiple test procedure": with the m p-values
  sorted, p_(1) <= ... <= p_(m), the adjusted p_(i) is max over j <= i of min(1, (m - j + 1)
  p_(j)). It controls the family-wise error rate under any dependence.
- Benjamini & Hochberg (1995), "Controlling the false discovery rate": the adjusted p_(i) is
  min over j >= i of min(1, m p_(j) / j). It controls the false discovery rate (independent or
  positively dependent tests) and rejects more than Holm.

Both equal R's `p.adjust(p, "holm")` and `p.adjust(p, "BH")`. Missing p-values (a group too
small to test) are left missing and are not counted in m: they were never tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np

PAdjust = Literal["holm", "bh"]
P_ADJUST: Final[tuple[PAdjust, ...]] = ("holm", "bh")
DESCRIPTIONS: Final[dict[str, str]] = {
    "holm": "Holm (family-wise error)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
}


def check_method(method: str) -> PAdjust:
    """ "holm" or "bh" (also accepted: "BH", "fdr_bh", "benjamini-hochberg")."""
    name = str(method).strip().lower()
    if name in ("bh", "fdr_bh", "fdr", "benjamini-hochberg"):
        return "bh"
    if name == "holm":
        return "holm"
    raise ValueError(f"p_adjust is 'holm' or 'bh' (Benjamini-Hochberg), not {method!r}")


def holm(p_values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order (NaN/None stay NaN)."""
    return _adjust(p_values, "holm")


def benjamini_hochberg(p_values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg step-up adjusted p-values, in the input order (NaN/None stay NaN)."""
    return _adjust(p_values, "bh")


def adjust(p_values: Sequence[float | None] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values by `method` ("holm" or "bh")."""
    return _adjust(p_values, check_method(method))


def _adjust(p_values: Sequence[float | None] | np.ndarray, method: PAdjust) -> np.ndarray:
    raw = np.array([np.nan if v is None else v for v in p_values], dtype=float)
    out = np.full(raw.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(raw))
    m = tested.size
    if m == 0:
        return out
    if ((raw[tested] < 0) | (raw[tested] > 1)).any():
        raise ValueError("p-values lie between 0 and 1")
    order = tested[np.argsort(raw[tested], kind="stable")]
    ranked = raw[order]
    i = np.arange(1, m + 1)
    if method == "holm":
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - i + 1) * ranked))
    else:
        adjusted = np.minimum.accumulate(np.minimum(1.0, m * ranked / i)[::-1])[::-1]
    out[order] = adjusted
    return out


def format_p(p: float | None) -> str:
    """A p-value as every face prints it: "<0.001", "0.004", "0.27"; "—" when not tested."""
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}" if p < 0.1 else f"{p:.2f}"
