"""The terminal report the CLI will print."""

from __future__ import annotations

import json

from tests.analysis.frames import synthetic
from workbench.analysis import nps, trend
from workbench.analysis.charts import PLAIN
from workbench.analysis.report import (
    metric_table,
    render_report,
    render_text,
    report,
    report_frames,
    report_json,
    report_long,
)


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


def test_the_table_json_and_csv_forms_are_one_computation() -> None:
    frame = synthetic(2_000)
    options = {"filter": "-tag:PRICING", "by": "plan", "every": "month"}
    frames = report_frames(frame, **options)
    assert render_text(render_report(frames, palette=PLAIN), width=110) == render_text(
        report(frame, **options, palette=PLAIN), width=110
    )
    document = report_json(frames)
    assert document["filter"] == "-tag:PRICING"
    assert [row["n"] for row in document["segments"]] == frames.segments["n"].to_list()
    assert document["overall"][0]["ci_low"] == frames.overall["ci_low"][0]
    long = report_long(frames)
    assert long.columns[:2] == ["section", "group"]
    assert long.filter(section="tags").height == frames.tags.height
    assert long.filter(section="trend")["group"].to_list() == [
        str(day) for day in frames.trend["period"]
    ]


def test_json_has_no_nan_and_dates_in_iso() -> None:
    frames = report_frames(synthetic(120), by="plan", every="week", min_n=50)
    text = json.dumps(report_json(frames), allow_nan=False)  # raises on NaN or infinity
    assert '"period": "2025-' in text


def test_at_80_columns_a_wide_table_leaves_out_columns_instead_of_cutting_them() -> None:
    frames = report_frames(synthetic(2_000), by="plan", every="month")
    text = render_text(render_report(frames, width=80, palette=PLAIN), width=80)
    table_lines = [line for line in text.splitlines() if "┃" in line or "│" in line]
    assert table_lines
    assert all(len(line.rstrip()) <= 80 for line in table_lines), max(table_lines, key=len)
    assert "not shown at this width: se" in " ".join(text.split())
    header = next(line for line in text.splitlines() if line.lstrip().startswith("period"))
    assert "95% CI" in header  # the interval is never the one left out
    wide = render_text(render_report(frames, width=160, palette=PLAIN), width=160)
    assert "not shown" not in wide
