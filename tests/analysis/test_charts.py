"""Charts: text out for normal data, and a note instead of an exception for awkward data."""

from __future__ import annotations

import polars as pl
import pytest

from tests.analysis.frames import synthetic
from workbench.analysis import (
    PLAIN,
    Palette,
    answer_chart,
    answer_distribution,
    message_box,
    nps,
    score_distribution,
    score_distribution_chart,
    segment_chart,
    tag_impact,
    tag_impact_chart,
    trend,
    trend_chart,
)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return synthetic(3_000)


def lines(chart: str) -> list[str]:
    return chart.splitlines()


def assert_fits(chart: str, width: int, height: int) -> None:
    rows = lines(chart)
    assert 0 < len(rows) <= height + 1
    assert max(len(r) for r in rows) <= width + 1


def test_trend_chart(frame: pl.DataFrame) -> None:
    chart = trend_chart(trend(frame, every="month", min_n=5), width=70, height=16, palette=PLAIN)
    assert "NPS over time" in chart
    assert "2025-01-01" in chart
    assert "\x1b[" not in chart
    assert_fits(chart, 70, 16)


def test_trend_chart_notes_small_points(frame: pl.DataFrame) -> None:
    points = trend(frame.head(300), every="week", min_n=12)
    hidden = int(points["too_small"].sum())
    assert hidden > 0
    chart = trend_chart(points, width=70, height=16, palette=PLAIN)
    assert f"({hidden} point" in chart


def test_colour_follows_the_palette(frame: pl.DataFrame) -> None:
    points = trend(frame, every="month", min_n=5)
    red = trend_chart(points, palette=Palette(line="red"))
    blue = trend_chart(points, palette=Palette(line="blue"))
    assert "\x1b[" in red
    assert red != blue


def test_score_distribution_chart(frame: pl.DataFrame) -> None:
    chart = score_distribution_chart(score_distribution(frame), width=60, height=14, palette=PLAIN)
    assert "Score distribution" in chart
    assert " 10 " in chart
    assert_fits(chart, 60, 14)


def test_segment_chart(frame: pl.DataFrame) -> None:
    chart = segment_chart(nps(frame, "plan"), "plan", width=60, height=14, palette=PLAIN)
    for plan in ("Enterprise", "Pro", "Free"):
        assert plan in chart
    assert "●" in chart


def test_tag_impact_chart(frame: pl.DataFrame) -> None:
    chart = tag_impact_chart(tag_impact(frame), width=60, height=14, palette=PLAIN)
    assert "PERFORMANCE" in chart
    assert "Tag impact" in chart


def test_answer_chart() -> None:
    answers = answer_distribution(
        pl.DataFrame(
            {
                "survey_id": ["s"] * 2,
                "question_id": ["q"] * 2,
                "question": ["Flavour?"] * 2,
                "question_type": ["multichoice"] * 2,
                "choice": ["Chocolate", "Vanilla"],
                "count": [3, 1],
            }
        )
    )
    chart = answer_chart(answers, width=50, height=10, palette=PLAIN)
    assert "Flavour?" in chart
    assert "Chocolate" in chart


EMPTY = synthetic(10).head(0)
ONE = (
    synthetic(10)
    .head(1)
    .with_columns(
        metric=pl.lit("nps"), score=pl.lit(9, pl.Int16), excluded_from_calculations=pl.lit(False)
    )
)


@pytest.mark.parametrize("data", [EMPTY, ONE], ids=["empty", "one response"])
@pytest.mark.parametrize("size", [(80, 20), (12, 4), (1, 1)], ids=["normal", "tiny", "absurd"])
def test_awkward_data_gives_a_chart_that_says_so(data: pl.DataFrame, size: tuple[int, int]) -> None:
    width, height = size
    options = {"width": width, "height": height, "palette": PLAIN}
    charts = [
        trend_chart(trend(data, every="week"), **options),
        trend_chart(trend(data, every="week", min_n=0), **options),
        score_distribution_chart(score_distribution(data), **options),
        segment_chart(nps(data, "plan"), "plan", **options),
        tag_impact_chart(tag_impact(data), **options),
        answer_chart(answer_distribution(pl.DataFrame(schema=ANSWERS)), **options),
    ]
    for chart in charts:
        assert isinstance(chart, str)
        assert chart.strip()
    if data.is_empty() and width >= 20:
        assert "No responses in this period" in charts[0]
        assert "No scores to show" in charts[2]
        assert "No tags to show" in charts[4]
    if not data.is_empty() and width >= 20:
        assert "Too few responses" in charts[0]


ANSWERS = {
    "survey_id": pl.String,
    "question_id": pl.String,
    "question": pl.String,
    "question_type": pl.String,
    "choice": pl.String,
    "count": pl.Int64,
}


def test_message_box_fits_its_size() -> None:
    box = message_box("Nothing matches this filter at all", 24, 6, "Title")
    rows = lines(box)
    assert len(rows) == 6
    assert {len(r) for r in rows} == {24}
    assert "Title" in rows[0]
    assert "Nothing" in box


# --- charts that tell the truth: parse the text ---------------------------------------------


def _bar_rows(chart: str, names: list[str]) -> dict[str, tuple[int, int]]:
    """Per tag line: (signed bar length, axis column)."""
    out = {}
    for line in lines(chart):
        label = line[:12].strip()
        if label in names:
            axis = line.index("│")
            left = line[:axis].count("█")
            right = line[axis:].count("█")
            out[label] = (right - left, axis)
    return out


@pytest.mark.parametrize("size", [(38, 10), (78, 20), (158, 46)])
def test_tag_impact_bars_are_one_labelled_line_each_with_sign_and_length(size) -> None:
    impact = pl.DataFrame(
        {
            "tag": ["PRICING", "PERFORMANCE", "UX_UI", "SUPPORT"],
            "n": [570, 400, 300, 200],
            "impact": [-5.7, 3.0, -1.5, 0.75],
            "rank": [1, 2, 3, 4],
        }
    )
    width, height = size
    chart = tag_impact_chart(impact, width=width, height=height, palette=PLAIN)
    assert_fits(chart, width, height)
    names = impact["tag"].to_list()
    for name in names:
        assert sum(line.count(name) for line in lines(chart)) == 1
    bars = _bar_rows(chart, names)
    assert set(bars) == set(names)
    assert len({axis for _, axis in bars.values()}) == 1  # one shared zero axis
    longest = bars["PRICING"][0]
    assert longest < 0
    for name, value in zip(names, impact["impact"].to_list(), strict=True):
        length = bars[name][0]
        assert (length > 0) == (value > 0)
        assert abs(length) == pytest.approx(abs(value) / 5.7 * abs(longest), abs=1.0)
    assert "-5.7" in chart  # the numbers are beside the bars


def test_trend_x_axis_is_proportional_to_time() -> None:
    from datetime import date

    points = pl.DataFrame(
        {
            "period": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 12, 1)],
            "n": [100, 120, 90, 110],
            "nps": [10.0, 12.0, 8.0, 20.0],
            "ci_low": [0.0, 2.0, -2.0, 10.0],
            "ci_high": [20.0, 22.0, 18.0, 30.0],
        }
    )
    chart = trend_chart(points, width=100, height=16, palette=PLAIN)
    axis = [line for line in lines(chart) if "2025-01-01" in line and "2025-12-01" in line][-1]
    first, march, last = (axis.index(f"2025-{m}-01") for m in ("01", "03", "12"))
    # tick labels sit at their dates: Jan->Dec is 334 days, Jan->Mar 59
    assert (last - first) / (march - first) == pytest.approx(334 / 59, rel=0.15)
    assert "+20.0" in chart  # the numbers are beside the plot


def test_segment_chart_says_too_small_instead_of_dropping() -> None:
    from workbench.analysis.segments import segment_breakdown

    frame = synthetic(1_000)
    table = segment_breakdown(frame.head(200), "country", min_n=60)
    chart = segment_chart(table, "country", width=78, height=20, palette=PLAIN)
    for country in table["country"].to_list():
        assert country in chart
    for n in table.filter(pl.col("too_small"))["n"].to_list():
        assert f"too small (n={n})" in chart
