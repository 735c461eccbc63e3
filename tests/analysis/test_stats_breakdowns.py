"""Segments against the rest and tag impact: counts, intervals, adjusted p-values, small n."""

from __future__ import annotations

import polars as pl
import pytest

from tests.analysis.frames import scores_frame, synthetic
from workbench.analysis import compare, nps, tag_impact
from workbench.analysis.multiple import benjamini_hochberg, holm
from workbench.analysis.segments import segment_breakdown
from workbench.analysis.small_n import MIN_N


def test_each_segment_against_the_rest() -> None:
    frame = synthetic(2_000)
    table = segment_breakdown(frame, "plan")
    total = nps(frame).row(0, named=True)
    assert table["p_adjust"].unique().to_list() == ["holm"]
    assert table["p_adjusted"].to_list() == pytest.approx(holm(table["p_value"].to_list()))
    for row in table.iter_rows(named=True):
        assert row["n"] + row["n_rest"] == total["n"]
        segment = frame.filter(pl.col("properties").struct.field("plan") == row["plan"])
        rest = frame.filter(pl.col("properties").struct.field("plan") != row["plan"])
        direct = compare(segment, rest).row(0, named=True)
        assert row["difference"] == pytest.approx(direct["difference"], abs=1e-9)
        assert row["difference_low"] == pytest.approx(direct["ci_low"], abs=1e-9)
        assert row["p_value"] == pytest.approx(direct["p_value"], rel=1e-9)
        assert row["nps"] == pytest.approx(nps(segment)["nps"][0], abs=1e-9)
    bh = segment_breakdown(frame, "plan", p_adjust="bh")
    assert bh["p_adjust"][0] == "bh"
    assert bh["p_adjusted"].to_list() == pytest.approx(benjamini_hochberg(bh["p_value"].to_list()))


def test_a_small_segment_is_kept_and_marked_not_tested() -> None:
    scores = [9] * 40 + [0] * 40 + [5] * 12
    plans = ["A"] * 40 + ["B"] * 40 + ["C"] * 12
    frame = scores_frame(scores, properties=[{"plan": p} for p in plans])
    table = segment_breakdown(frame, "plan").sort("plan")
    assert MIN_N == 30
    assert table["plan"].to_list() == ["A", "B", "C"]
    small = table.row(2, named=True)
    assert small["n"] == 12
    assert small["too_small"] is True
    assert small["note"] == "too small (n=12)"
    assert (small["nps"], small["p_value"], small["p_adjusted"]) == (None, None, None)
    tested = table.filter(~pl.col("too_small"))
    assert tested["p_adjusted"].to_list() == pytest.approx(holm(tested["p_value"].to_list()))


def test_tag_impact_has_an_interval_a_test_and_keeps_small_tags() -> None:
    scores = [0] * 50 + [9] * 50 + [10] * 5
    tags = [["PRICING"]] * 50 + [["UX"]] * 25 + [[]] * 25 + [["RARE"]] * 5
    table = tag_impact(scores_frame(scores, tags=tags))
    by_tag = {row["tag"]: row for row in table.iter_rows(named=True)}
    assert set(by_tag) == {"PRICING", "UX", "RARE"}
    rare = by_tag["RARE"]
    assert rare["too_small"] is True
    assert rare["note"] == "too small (n=5)"
    assert rare["impact"] is not None  # the figure stays; only the test is withheld
    assert rare["p_value"] is None
    assert rare["rank"] == 3  # after every tested tag
    pricing = by_tag["PRICING"]
    share = pricing["n"] / 105
    assert pricing["impact"] == pytest.approx(share * pricing["difference"], abs=1e-9)
    assert pricing["impact_low"] == pytest.approx(share * pricing["difference_low"], abs=1e-9)
    assert pricing["impact_low"] <= pricing["impact"] <= pricing["impact_high"]
    assert pricing["impact_high"] < 0
    assert table["p_adjust"][0] == "holm"
    assert "bound nearest zero" in table["rank_by"][0]
    tested = table.filter(pl.col("p_value").is_not_null())
    assert tested["p_adjusted"].to_list() == pytest.approx(holm(tested["p_value"].to_list()))


def test_rank_does_not_reward_a_tag_for_being_common() -> None:
    # COMMON is on 300 responses that are a little worse; SHARP on 60 that are far worse.
    scores = [6, 7, 8, 9] * 75 + [0] * 60 + [8, 9, 10] * 100
    tags = [["COMMON"]] * 300 + [["SHARP"]] * 60 + [[]] * 300
    table = tag_impact(scores_frame(scores, tags=tags))
    ranks = dict(zip(table["tag"], table["rank"], strict=True))
    assert ranks["SHARP"] == 1
    impacts = dict(zip(table["tag"], table["impact"], strict=True))
    assert abs(impacts["COMMON"]) > abs(impacts["SHARP"])  # a size ranking would invert them
