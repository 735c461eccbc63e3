"""The terminal report the CLI will print."""

from __future__ import annotations

from tests.analysis.frames import synthetic
from workbench.analysis import nps, trend
from workbench.analysis.charts import PLAIN
from workbench.analysis.report import metric_table, render_text, report


def test_report_has_tables_and_charts() -> None:
    frame = synthetic(2_000)
    text = render_text(
        report(frame, filter="-tag:PRICING", by="plan", every="month", palette=PLAIN), width=110
    )
    assert "NPS report" in text
    assert "filter: -tag:PRICING" in text
    assert "By plan" in text
    assert "Enterprise" in text
    assert "Every month (UTC)" in text
    assert "Score distribution" in text
    assert "Tag impact" in text
    assert "adjusted-wald 95%" in text


def test_tables_say_too_small_instead_of_a_number() -> None:
    points = trend(synthetic(200), every="week", min_n=50)
    text = render_text(metric_table(points, "weekly"), width=160)
    assert "too small (n=" in text


def test_report_counts_match_the_metric_function() -> None:
    frame = synthetic(1_000)
    n = nps(frame)["n"][0]
    text = render_text(report(frame, palette=PLAIN, tags=False))
    assert f" {n} " in text
