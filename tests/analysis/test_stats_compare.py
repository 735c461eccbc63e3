"""Two-sample comparisons by hand (Agresti-Caffo), and properties of every interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis import compare, csat, nps

Z95 = 1.959963984540054


def test_csat_difference_is_agresti_caffo_by_hand() -> None:
    a, b = [5] * 30 + [1] * 10, [4] * 20 + [2] * 25
    row = compare(a, b, "csat").row(0, named=True)
    pa, pb = (30 + 1) / (40 + 2), (20 + 1) / (45 + 2)
    se = math.sqrt(pa * (1 - pa) / 42 + pb * (1 - pb) / 47)
    assert row["difference"] == pytest.approx(100 * (30 / 40 - 20 / 45), rel=1e-12)
    assert row["ci_centre"] == pytest.approx(100 * (pa - pb), rel=1e-12)
    assert row["se"] == pytest.approx(100 * se, rel=1e-12)
    assert row["ci_low"] == pytest.approx(100 * (pa - pb - Z95 * se), rel=1e-12)
    assert row["interval"] == "agresti-caffo 95%"
    assert compare(a, b, "csat", method="wald").row(0, named=True)["interval"] == "wald 95%"


nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=200)


@settings(deadline=None)
@given(nps_scores)
def test_wald_interval_is_nps_plus_minus_z_se(scores: list[int]) -> None:
    row = nps(scores, method="wald").row(0, named=True)
    assert row["se"] == row["se_wald"]
    assert row["ci_low"] == pytest.approx(max(-100.0, row["nps"] - Z95 * row["se"]), abs=1e-9)
    assert row["ci_high"] == pytest.approx(min(100.0, row["nps"] + Z95 * row["se"]), abs=1e-9)


@settings(deadline=None)
@given(nps_scores)
def test_adjusted_interval_is_its_centre_plus_minus_z_se(scores: list[int]) -> None:
    row = nps(scores).row(0, named=True)
    low = max(-100.0, min(row["ci_centre"] - Z95 * row["se"], row["nps"]))
    high = min(100.0, max(row["ci_centre"] + Z95 * row["se"], row["nps"]))
    assert row["ci_low"] == pytest.approx(low, abs=1e-9)
    assert row["ci_high"] == pytest.approx(high, abs=1e-9)
    assert row["ci_low"] <= row["nps"] <= row["ci_high"]


@settings(deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=200))
def test_csat_interval_is_its_centre_plus_minus_z_se(scores: list[int]) -> None:
    row = csat(scores).row(0, named=True)
    assert row["ci_low"] == pytest.approx(row["ci_centre"] - Z95 * row["se"], abs=1e-9)
    assert row["ci_high"] == pytest.approx(row["ci_centre"] + Z95 * row["se"], abs=1e-9)


@settings(deadline=None)
@given(nps_scores, nps_scores, st.sampled_from(["wald", "adjusted-wald"]), st.integers(0, 40))
def test_a_comparison_is_tested_or_says_why_never_degenerate(
    a: list[int], b: list[int], method: str, min_n: int
) -> None:
    row = compare(a, b, method=method, min_n=min_n).row(0, named=True)  # type: ignore[arg-type]
    if not row["testable"]:
        assert row["note"]
        assert (row["se"], row["ci_low"], row["ci_high"], row["p_value"]) == (None,) * 4
        return
    assert row["note"] is None
    assert row["se"] > 0
    assert 0.0 < row["p_value"] <= 1.0
    assert row["ci_low"] < row["ci_high"]
    assert row["ci_low"] <= row["ci_centre"] <= row["ci_high"]
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    unclipped = row["ci_low"] > -200 and row["ci_high"] < 200
    unwidened = row["ci_low"] == pytest.approx(row["ci_centre"] - Z95 * row["se"], abs=1e-9)
    unwidened = unwidened and row["ci_high"] == pytest.approx(
        row["ci_centre"] + Z95 * row["se"], abs=1e-9
    )
    if unclipped and unwidened and abs(row["p_value"] - 0.05) > 1e-9:
        # the interval excludes 0 exactly when the test rejects at 5%
        assert (row["ci_low"] > 0 or row["ci_high"] < 0) == (row["p_value"] < 0.05)
