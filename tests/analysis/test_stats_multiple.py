"""Holm and Benjamini-Hochberg against values worked by hand, and their properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis.multiple import adjust, benjamini_hochberg, check_method, holm

P = [0.01, 0.04, 0.03, 0.005]


def test_holm_by_hand() -> None:
    # sorted: 0.005, 0.01, 0.03, 0.04; times m - i + 1 = 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04;
    # running maximum: 0.02, 0.03, 0.06, 0.06; back in the input order:
    assert holm(P) == pytest.approx([0.03, 0.06, 0.06, 0.02], abs=1e-15)


def test_benjamini_hochberg_by_hand() -> None:
    # sorted p times m / i: 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4 = 0.02, 0.02, 0.04, 0.04;
    # running minimum from the largest: unchanged; back in the input order:
    assert benjamini_hochberg(P) == pytest.approx([0.02, 0.04, 0.04, 0.02], abs=1e-15)
    # one that the running minimum changes: 0.01*3/1=0.03, 0.02*3/2=0.03, 0.021*3/3=0.021
    assert benjamini_hochberg([0.01, 0.02, 0.021]) == pytest.approx([0.021] * 3, abs=1e-15)


def test_untested_groups_stay_missing_and_are_not_counted() -> None:
    out = holm([0.02, None, 0.04, float("nan")])
    assert out[0] == pytest.approx(0.04)  # m = 2, not 4
    assert out[2] == pytest.approx(0.04)
    assert math.isnan(out[1])
    assert math.isnan(out[3])
    assert np.isnan(adjust([None, None])).all()


def test_capped_at_one_and_named() -> None:
    assert holm([0.5, 0.6]).tolist() == [1.0, 1.0]
    assert check_method("BH") == "bh"
    assert check_method("holm") == "holm"
    with pytest.raises(ValueError, match="holm"):
        adjust([0.1], "bonferroni")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust([1.5])


p_values = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=40)


@settings(deadline=None)
@given(p_values)
def test_adjusted_are_at_least_raw_at_most_one_and_keep_the_order(raw: list[float]) -> None:
    for method in ("holm", "bh"):
        out = adjust(raw, method)
        assert (out >= np.array(raw) - 1e-12).all()
        assert (out <= 1.0).all()
        order = np.argsort(raw, kind="stable")
        assert (np.diff(out[order]) >= -1e-12).all()  # monotone in the raw p-values
    assert (adjust(raw, "bh") <= adjust(raw, "holm") + 1e-12).all()
