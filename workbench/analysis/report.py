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
from workbench.analysis.estimators import Metric
from workbench.analysis.filter_model import Filter
from workbench.analysis.filters import compile_filter
from workbench.analysis.metrics import ces, csat, nps, score_distribution
from workbench.analysis.multiple import PAdjust
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
RIGHT_ALIGNED = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64, pl.Float64)


def _cell(value: Any, too_small: bool) -> str:
    if value is None:
        return "·" if too_small else "—"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1e6 else f"{value:.3g}"
    return str(value)


def _p_cell(value: Any) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def metric_table(
    frame: pl.DataFrame, title: str | None = None, columns: Sequence[str] | None = None
) -> Table:
    """A rich table of a metric frame (all its columns, or `columns`); the scale, interval and
    comparison methods and the p-value adjustment go in the caption. A group too small to show
    has "·" for its numbers and its note ("too small (n=12)")."""
    shown = [c for c in (columns or frame.columns) if c in frame.columns and c not in HIDDEN]
    if "note" in shown and frame.height and frame["note"].null_count() == frame.height:
        shown.remove("note")
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
    for column in shown:
        justify = "right" if frame.schema[column] in RIGHT_ALIGNED else "left"
        table.add_column(column, justify=justify)
    small = frame["too_small"].to_list() if "too_small" in frame.columns else [False] * frame.height
    for row, is_small in zip(frame.select(shown).iter_rows(), small, strict=True):
        table.add_row(
            *(
                _p_cell(v) if name.startswith("p_") else _cell(v, bool(is_small))
                for name, v in zip(shown, row, strict=True)
            )
        )
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

    `filter` (a Filter or its text) is compiled against the frame in `time_zone`; when it says
    `excluded:include` the metrics count excluded responses too. `min_n` applies to segments,
    trend points and tags alike (shown as "too small (n=12)", never dropped); p-values across
    segments and across tags are adjusted by `p_adjust` ("holm" or "bh"), named in the caption.
    """
    parsed = Filter.parse(filter) if isinstance(filter, str) else filter
    selected = responses
    include = False
    if parsed is not None:
        selected = responses.filter(
            compile_filter(parsed, responses.schema, time_zone=time_zone, today=today)
        )
        include = parsed.excluded != "exclude"
    heading = f"{metric.upper()} report · {selected.height:,} responses"
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
