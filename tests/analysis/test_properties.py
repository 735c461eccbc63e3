"""Properties that must hold for any data (hypothesis)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.frames import scores_frame
from workbench.analysis import ces, csat, nps, tag_impact

nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=200)
levels = st.floats(0.5, 0.999)
methods = st.sampled_from(["wald", "adjusted-wald"])


@settings(deadline=None)
@given(nps_scores, methods)
def test_nps_lies_within_its_scale(scores: list[int], method: str) -> None:
    row = nps(scores, method=method).row(0, named=True)  # type: ignore[arg-type]
    assert -100.0 <= row["nps"] <= 100.0
    assert -100.0 <= row["ci_low"] <= row["ci_high"] <= 100.0


@settings(deadline=None)
@given(nps_scores, st.integers(9, 10))
def test_adding_a_promoter_never_lowers_nps(scores: list[int], promoter: int) -> None:
    before = nps(scores)["nps"][0]
    after = nps([*scores, promoter])["nps"][0]
    assert after >= before - 1e-9


@settings(deadline=None)
@given(nps_scores, methods, levels)
def test_the_interval_contains_the_estimate(scores: list[int], method: str, level: float) -> None:
    row = nps(scores, method=method, level=level).row(0, named=True)  # type: ignore[arg-type]
    assert row["ci_low"] <= row["nps"] <= row["ci_high"]


@settings(deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=200), levels)
def test_csat_interval_contains_the_share(scores: list[int], level: float) -> None:
    row = csat(scores, level=level).row(0, named=True)
    assert 0.0 <= row["ci_low"] <= row["csat"] <= row["ci_high"] <= 100.0


@settings(deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=200), levels)
def test_ces_interval_contains_the_mean(scores: list[int], level: float) -> None:
    row = ces(scores, level=level).row(0, named=True)
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert row["agree_low"] <= row["agree_share"] <= row["agree_high"]


grouped = st.lists(
    st.tuples(st.integers(0, 10), st.sampled_from(["a", "b", "c", None])), min_size=1, max_size=150
)


@settings(deadline=None, max_examples=60)
@given(grouped)
def test_by_groups_add_up_to_the_total(rows: list[tuple[int, str | None]]) -> None:
    frame = scores_frame([s for s, _ in rows], account=[g for _, g in rows])
    total = nps(frame).row(0, named=True)
    by = nps(frame, "account")
    for column in ("n", "detractors", "passives", "promoters"):
        assert by[column].sum() == total[column]
    weighted = (by["nps"] * by["n"]).sum() / total["n"]
    assert weighted == pytest.approx(total["nps"], abs=1e-9)


tagged = st.lists(
    st.tuples(st.integers(0, 10), st.lists(st.sampled_from(["A", "B", "C"]), max_size=3)),
    min_size=1,
    max_size=100,
)


@settings(deadline=None, max_examples=60)
@given(tagged)
def test_tag_impact_is_overall_minus_without(rows: list[tuple[int, list[str]]]) -> None:
    frame = scores_frame([s for s, _ in rows], tags=[t for _, t in rows])
    table = tag_impact(frame)
    overall = nps(frame)["nps"][0]
    for row in table.iter_rows(named=True):
        has = frame["tags"].list.contains(row["tag"])
        assert row["n"] == int(has.sum())
        without = frame.filter(~has)
        if without.is_empty():
            assert row["without_tag"] is None
        else:
            expected = nps(without)["nps"][0]
            assert row["without_tag"] == pytest.approx(expected, abs=1e-9)
            assert row["impact"] == pytest.approx(overall - expected, abs=1e-9)
        assert row["with_tag"] == pytest.approx(nps(frame.filter(has))["nps"][0], abs=1e-9)
    assert table["rank"].to_list() == list(range(1, table.height + 1))
    assert isinstance(table, pl.DataFrame)
