"""The terminal report: metric tables (rich) and charts (plotext) for a frame of responses.

Why here and not in the CLI: `workbench report`, the notebook helpers and the TUI's export of a
view all show the same tables, so the layout is built once from the analysis functions and a
face only prints it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from workbench.analysis import charts
from workbench.analysis.counting import count_line
from workbench.analysis.estimators import Metric
from workbench.analysis.filter_model import Filter
from workbench.analysis.filters import compile_filter
from workbench.analysis.metrics import ces, csat, nps, score_distribution
from workbench.analysis.multiple import PAdjust, format_p
from workbench.analysis.segments import segment_breakdown
from workbench.analysis.small_n import MIN_N
from workbench.analysis.tags import tag_impact
from workbench.analysis.trend import Every, trend

HIDDEN = {
    "scale",
    "interval",
    "too_small",
    "score_sum",
    "score_sumsq",
    "p_adjust",
    "comparison",
    "rank_by",
    "testable",
    "se_wald",
    "ci_centre",  # in the frames; an 80-column report has no room for it beside the interval
}
SEGMENT_COLUMNS = (
    "n",
    "ci_low",
    "ci_high",
    "rest",
    "difference",
    "difference_low",
    "difference_high",
    "p_adjusted",
    "note",
)
TAG_COLUMNS = (
    "tag",
    "n",
    "share",
    "with_tag",
    "without_tag",
    "impact",
    "impact_low",
    "impact_high",
    "p_adjusted",
    "note",
    "rank",
)
HEADERS = {
    "ci_low": "95% CI",
    "difference": "vs rest",
    "difference_low": "vs rest CI",
    "impact_low": "impact CI",
    "p_adjusted": "p adj.",
    "with_tag": "with",
    "without_tag": "without",
}
"""Printed names that keep an 80-column report readable; an interval is one column."""
RIGHT_ALIGNED = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64, pl.Float64)


def _cell(value: Any, too_small: bool) -> str:
    if value is None:
        return "·" if too_small else "—"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1e6 else f"{value:.3g}"
    return str(value)


def _interval(low: Any, high: Any, too_small: bool, note: str | None) -> str:
    if low is None or high is None:
        return (note or "too small") if too_small else "—"
    return f"{_cell(low, False)} – {_cell(high, False)}"


_p_cell = format_p


def metric_table(
    frame: pl.DataFrame, title: str | None = None, columns: Sequence[str] | None = None
) -> Table:
    """A rich table of a metric frame (all its columns, or `columns`); the scale, interval and
    comparison methods and the p-value adjustment go in the caption. A group too small to show
    has "·" for its numbers and its note ("too small (n=12)")."""
    shown = [c for c in (columns or frame.columns) if c in frame.columns and c not in HIDDEN]
    if "note" in shown and frame.height:
        notes = frame["note"].drop_nulls()
        if notes.is_empty() or (
            notes.str.starts_with("too small").all() and "too_small" in frame.columns
        ):
            shown.remove("note")  # nothing to say, or only "too small", which the CI cell says
    parts = [
        str(frame[c][0])
        for c in ("scale", "interval", "comparison")
        if c in frame.columns and frame.height
    ]
    if "p_adjust" in frame.columns and frame.height:
        parts.append(f"p adjusted: {frame['p_adjust'][0]}")
    if "rank_by" in frame.columns and frame.height:
        parts.append(f"ranked by {frame['rank_by'][0]}")
    caption = " · ".join(parts)
    table = Table(title=title, caption=caption or None, show_edge=False, header_style="bold")
    small = frame["too_small"].to_list() if "too_small" in frame.columns else [False] * frame.height
    values = frame.select(shown).rows()
    notes = frame["note"].to_list() if "note" in frame.columns else [None] * frame.height
    columns: list[tuple[str, bool, list[str]]] = []  # header, numeric, cells
    for index, name in enumerate(shown):
        if name.endswith("_high") and name.removesuffix("_high") + "_low" in shown:
            continue  # drawn with its _low, as one interval
        numeric = frame.schema[name] in RIGHT_ALIGNED
        if name.endswith("_low") and (high := name.removesuffix("_low") + "_high") in shown:
            other = shown.index(high)
            cells = [
                _interval(row[index], row[other], bool(tiny), said)
                for row, tiny, said in zip(values, small, notes, strict=True)
            ]
        else:
            cells = [
                _p_cell(row[index]) if name.startswith("p_") else _cell(row[index], bool(tiny))
                for row, tiny in zip(values, small, strict=True)
            ]
        columns.append((HEADERS.get(name, name), numeric, cells))
    for header, numeric, cells in columns:
        # A number is never cut ("-100…") and nor is its header ("detract…"): text columns
        # (the segment's name, the note) wrap instead.
        width = max([len(header), *map(len, cells)]) if numeric else None
        table.add_column(header, justify="right" if numeric else "left", min_width=width)
    for row in zip(*(cells for _, _, cells in columns), strict=True):
        table.add_row(*row)
    return table


def _metric(frame: pl.DataFrame, metric: Metric, by: str | None, include: bool) -> pl.DataFrame:
    function = {"nps": nps, "csat": csat, "ces": ces}[metric]
    return function(frame, by, include_excluded=include)


def report(
    responses: pl.DataFrame,
    *,
    filter: Filter | str | None = None,
    metric: Metric = "nps",
    by: str | None = None,
    every: Every | None = None,
    time_zone: str = "UTC",
    today: date | None = None,
    min_n: int = MIN_N,
    p_adjust: PAdjust = "holm",
    width: int = 100,
    chart_height: int = 16,
    palette: charts.Palette = charts.DEFAULT,
    tags: bool = True,
) -> Group:
    """Everything `workbench report` prints: overall, by segment, over time, scores and tags.

    `filter` (a Filter or its text) is compiled against the frame in `time_zone`, as `export`
    compiles it (so both refuse the same filters). Excluded responses are counted in the heading
    and never in a metric (`workbench.analysis.counting`). `min_n` applies to segments,
    trend points and tags alike (shown as "too small (n=12)", never dropped); p-values across
    segments and across tags are adjusted by `p_adjust` ("holm" or "bh"), named in the caption.
    """
    parsed = Filter.parse(filter) if isinstance(filter, str) else filter
    selected = responses
    include = False  # the rule: a metric never counts excluded responses
    if parsed is not None:
        selected = responses.filter(
            compile_filter(parsed, responses, time_zone=time_zone, today=today)
        )
    heading = f"{metric.upper()} report · {count_line(selected)}"
    if parsed is not None and not parsed.is_empty():
        heading += f" · filter: {parsed.to_text()}"
    parts: list[RenderableType] = [Text(heading, style="bold")]
    parts.append(metric_table(_metric(selected, metric, None, include), "Overall"))
    if by:
        segments = segment_breakdown(
            selected, by, metric, min_n=min_n, p_adjust=p_adjust, include_excluded=include
        )
        value = {"nps": "nps", "csat": "csat", "ces": "mean"}[metric]
        columns = [by, SEGMENT_COLUMNS[0], value, *SEGMENT_COLUMNS[1:]]
        parts.append(metric_table(segments, f"By {by}, each against the rest", columns))
        parts.append(
            _chart(
                charts.segment_chart(
                    segments, by, width=width, height=chart_height, palette=palette, min_n=min_n
                )
            )
        )
    if every:
        points = trend(
            selected,
            metric,
            every=every,
            time_zone=time_zone,
            min_n=min_n,
            include_excluded=include,
        )
        parts.append(metric_table(points, f"Every {every} ({time_zone})"))
        parts.append(
            _chart(charts.trend_chart(points, width=width, height=chart_height, palette=palette))
        )
    distribution = score_distribution(selected, metric, include_excluded=include)
    parts.append(
        _chart(
            charts.score_distribution_chart(
                distribution, width=width, height=chart_height, palette=palette
            )
        )
    )
    if tags and "tags" in selected.columns:
        impact = tag_impact(
            selected, metric, min_n=min_n, p_adjust=p_adjust, include_excluded=include
        ).head(10)
        parts.append(metric_table(impact, "Tag impact (top 10)", TAG_COLUMNS))
        parts.append(
            _chart(
                charts.tag_impact_chart(impact, width=width, height=chart_height, palette=palette)
            )
        )
    return Group(*parts)


def _chart(text: str) -> Text:
    return Text.from_ansi(text)


def render_text(renderables: RenderableType | Sequence[RenderableType], width: int = 100) -> str:
    """Plain text of rich renderables (for notebooks, logs and tests)."""
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    items = renderables if isinstance(renderables, Sequence) else [renderables]
    for item in items:
        console.print(item)
    return console.file.getvalue()  # type: ignore[attr-defined]
