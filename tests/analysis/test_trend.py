"""Trends: calendar buckets in a time zone, rolling windows, and points too small to show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from tests.analysis.frames import responses, synthetic
from workbench.analysis import nps, trend


def test_weeks_start_on_monday_in_the_chosen_zone() -> None:
    sunday_late = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    frame = responses([{"id": "1", "metric": "nps", "score": 9, "created_at": sunday_late}])
    utc = trend(frame, every="week", min_n=0)
    paris = trend(frame, every="week", time_zone="Europe/Paris", min_n=0)
    assert utc["period"].to_list() == [date(2025, 2, 24)]
    assert paris["period"].to_list() == [date(2025, 3, 3)]


@pytest.mark.parametrize(
    ("every", "first"),
    [("day", date(2025, 1, 1)), ("month", date(2025, 1, 1)), ("quarter", date(2025, 1, 1))],
)
def test_buckets_add_up_to_the_total(every: str, first: date) -> None:
    frame = synthetic(2_000)
    table = trend(frame, every=every, min_n=0)  # type: ignore[arg-type]
    assert table["period"][0] == first
    assert table["n"].sum() == nps(frame)["n"][0]
    assert table["period"].is_sorted()


def test_small_points_are_marked_not_shown() -> None:
    frame = synthetic(400)
    table = trend(frame, every="week", min_n=20)
    small = table.filter(pl.col("too_small"))
    big = table.filter(~pl.col("too_small"))
    assert (small["n"] < 20).all()
    assert (big["n"] >= 20).all()
    assert small["nps"].null_count() == small.height
    assert small["ci_low"].null_count() == small.height
    assert big["nps"].null_count() == 0


def test_rolling_window_matches_a_direct_computation() -> None:
    frame = synthetic(1_500).filter(pl.col("metric") == "nps")
    table = trend(frame, window="30d", min_n=0)
    periods = table["period"].to_list()
    assert periods == [periods[0] + timedelta(days=i) for i in range(len(periods))]  # no gaps
    kept = frame.filter(~pl.col("excluded_from_calculations"))
    for day in (periods[0], periods[40], periods[-1]):
        window = kept.filter(
            pl.col("created_at").dt.date().is_between(day - timedelta(days=29), day)
        )
        expected = nps(window).row(0, named=True)
        row = table.filter(pl.col("period") == day).row(0, named=True)
        assert row["n"] == expected["n"]
        assert row["nps"] == pytest.approx(expected["nps"])
        assert row["ci_low"] == pytest.approx(expected["ci_low"])


def test_rolling_by_group() -> None:
    frame = synthetic(1_000)
    table = trend(frame, window=7, by="plan", min_n=0)
    assert set(table["plan"].unique().to_list()) == {"Enterprise", "Pro", "Free"}
    per_plan = table.group_by("plan").len()["len"].to_list()
    assert len(set(per_plan)) == 1  # every plan on the same day grid


def test_other_metrics_trend_too() -> None:
    frame = synthetic(3_000)
    table = trend(frame, "csat", every="month", min_n=1)
    assert "csat" in table.columns
    assert (
        table["n"].sum()
        == frame.filter((pl.col("metric") == "csat") & ~pl.col("excluded_from_calculations")).height
    )


def test_empty_frames_and_bad_arguments() -> None:
    empty = synthetic(10).head(0)
    assert trend(empty, every="week").is_empty()
    assert trend(empty, window="30d").is_empty()
    with pytest.raises(ValueError, match="every is one of"):
        trend(empty, every="fortnight")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="number of days"):
        trend(empty, window="a month")
    with pytest.raises(ValueError, match="unknown time zone"):
        trend(empty, time_zone="Nowhere/Else")
