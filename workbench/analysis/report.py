"""The terminal report: metric tables (rich) and charts (plotext) for a frame of responses.

Why here and not in the CLI: `workbench report`, the notebook helpers and the TUI's export of a
view all show the same tables, so the layout is built once from the analysis functions and a
face only prints it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

import polars as pl
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from workbench.analysis import charts
from workbench.analysis.counting import Counts, count_line, counts
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


NARROW_DROPS = (
    "se",
    "passives",
    "detractors",
    "promoters",
    "rest",
    "share",
    "without_tag",
    "with_tag",
    "rank",
    "p_adjusted",
    "difference",
    "impact",
)
"""The columns a table too wide for its `width` leaves out, first to last, until it fits (the
caption names them; `workbench report --format csv` has every one). The group, n, the estimate
and the intervals are never left out."""
TEXT_WIDTH = 12
"""The least width a text column (a segment's name, a note) is counted at: it wraps below it."""


def _fitted(
    columns: list[tuple[str, str, bool, list[str]]], width: int | None
) -> tuple[list[tuple[str, str, bool, list[str]]], list[str]]:
    """The columns that fit in `width` (a rich table without edges: a column is its widest
    cell plus a space either side, with a rule between two), and the headers left out."""
    if width is None:
        return columns, []

    def needed(kept: list[tuple[str, str, bool, list[str]]]) -> int:
        sizes = [
            (natural if numeric else min(natural, max(TEXT_WIDTH, len(header))))
            for _, header, numeric, cells in kept
            for natural in [max([len(header), *map(len, cells)])]
        ]
        return sum(size + 2 for size in sizes) + max(len(sizes) - 1, 0)

    kept = list(columns)
    dropped: list[str] = []
    for name in NARROW_DROPS:
        if needed(kept) <= width:
            break
        for column in kept:
            if column[0] == name:
                kept.remove(column)
                dropped.append(column[1])
                break
    return kept, dropped


def metric_table(
    frame: pl.DataFrame,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    width: int | None = None,
) -> Table:
    """A rich table of a metric frame (all its columns, or `columns`); the scale, interval and
    comparison methods and the p-value adjustment go in the caption. A group too small to show
    has "·" for its numbers and its note ("too small (n=12)"). With a `width`, a table wider
    than that leaves out columns (NARROW_DROPS, named in the caption) instead of being cut."""
    shown = [c for c in (columns or frame.columns) if c in frame.columns and c not in HIDDEN]
    if "note" in shown and frame.height:
        said_notes = frame["note"].drop_nulls()
        if said_notes.is_empty() or (
            said_notes.str.starts_with("too small").all() and "too_small" in frame.columns
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
    table_columns: list[tuple[str, str, bool, list[str]]] = []  # name, header, numeric, cells
    small = frame["too_small"].to_list() if "too_small" in frame.columns else [False] * frame.height
    values = frame.select(shown).rows()
    notes = frame["note"].to_list() if "note" in frame.columns else [None] * frame.height
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
        table_columns.append((name, HEADERS.get(name, name), numeric, cells))
    kept, dropped = _fitted(table_columns, width)
    if dropped:
        parts.append(f"not shown at this width: {', '.join(dropped)}")
    caption = " · ".join(parts)
    table = Table(title=title, caption=caption or None, show_edge=False, header_style="bold")
    for _, header, numeric, cells in kept:
        # A number is never cut ("-100…") and nor is its header ("detract…"): text columns
        # (the segment's name, the note) wrap instead.
        width = max([len(header), *map(len, cells)]) if numeric else None
        table.add_column(header, justify="right" if numeric else "left", min_width=width)
    for row in zip(*(cells for _, _, _, cells in kept), strict=True):
        table.add_row(*row)
    return table


def _metric(frame: pl.DataFrame, metric: Metric) -> pl.DataFrame:
    functions: dict[str, Callable[..., pl.DataFrame]] = {"nps": nps, "csat": csat, "ces": ces}
    return functions[metric](frame)


@dataclass(frozen=True)
class ReportFrames:
    """The figures of a report, as the analysis frames: what the table, JSON and CSV forms of
    `workbench report` are each rendered from, so all three show one computation.

    `segments` (each against the rest, `segment_breakdown`), `trend` and `tags` (every tag,
    not only the ten the table shows) are None when the report has no such section."""

    metric: Metric
    filter: Filter | None
    time_zone: str
    counts: Counts
    heading: str
    overall: pl.DataFrame
    distribution: pl.DataFrame
    by: str | None = None
    segments: pl.DataFrame | None = None
    every: Every | None = None
    trend: pl.DataFrame | None = None
    tags: pl.DataFrame | None = None
    min_n: int = MIN_N
    p_adjust: PAdjust = "holm"

    def sections(self) -> dict[str, pl.DataFrame]:
        """The figures by section name (overall, segments, trend, tags, scores), in report order;
        a section the report does not have is left out."""
        found = {
            "overall": self.overall,
            "segments": self.segments,
            "trend": self.trend,
            "tags": self.tags,
            "scores": self.distribution,
        }
        return {name: frame for name, frame in found.items() if frame is not None}


class ReportOptions(TypedDict, total=False):
    """What a report is of: the keywords of `report_frames` (which holds their defaults), that
    `report` passes on as they are."""

    filter: Filter | str | None
    metric: Metric
    by: str | None
    every: Every | None
    time_zone: str
    today: date | None
    min_n: int
    p_adjust: PAdjust
    tags: bool


def report_frames(
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
    tags: bool = True,
) -> ReportFrames:
    """The figures of `report(...)` for the same options, as frames (see `report`)."""
    parsed = Filter.parse(filter) if isinstance(filter, str) else filter
    selected = responses
    if parsed is not None:
        selected = responses.filter(
            compile_filter(parsed, responses, time_zone=time_zone, today=today)
        )
    listed = counts(selected)  # metrics never count the excluded ones (analysis.counting)
    heading = f"{metric.upper()} report · {count_line(listed)}"
    if parsed is not None and not parsed.is_empty():
        heading += f" · filter: {parsed.to_text()}"
    segments = (
        segment_breakdown(selected, by, metric, min_n=min_n, p_adjust=p_adjust) if by else None
    )
    points = (
        trend(selected, metric, every=every, time_zone=time_zone, min_n=min_n) if every else None
    )
    impact = (
        tag_impact(selected, metric, min_n=min_n, p_adjust=p_adjust)
        if tags and "tags" in selected.columns
        else None
    )
    return ReportFrames(
        metric=metric,
        filter=parsed if parsed is not None and not parsed.is_empty() else None,
        time_zone=time_zone,
        counts=listed,
        heading=heading,
        overall=_metric(selected, metric),
        distribution=score_distribution(selected, metric),
        by=by,
        segments=segments,
        every=every,
        trend=points,
        tags=impact,
        min_n=min_n,
        p_adjust=p_adjust,
    )


def report(
    responses: pl.DataFrame,
    *,
    width: int = 100,
    chart_height: int = 16,
    palette: charts.Palette = charts.DEFAULT,
    **options: Unpack[ReportOptions],
) -> Group:
    """Everything `workbench report` prints: overall, by segment, over time, scores and tags.

    `filter` (a Filter or its text) is compiled against the frame in `time_zone`, as `export`
    compiles it (so both refuse the same filters). Excluded responses are counted in the heading
    and never in a metric (`workbench.analysis.counting`). `min_n` applies to segments,
    trend points and tags alike (shown as "too small (n=12)", never dropped); p-values across
    segments and across tags are adjusted by `p_adjust` ("holm" or "bh"), named in the caption.
    The figures are `report_frames(...)`'s; `render_report` lays them out.
    """
    frames = report_frames(responses, **options)
    return render_report(frames, width=width, chart_height=chart_height, palette=palette)


def render_report(
    frames: ReportFrames,
    *,
    width: int = 100,
    chart_height: int = 16,
    palette: charts.Palette = charts.DEFAULT,
) -> Group:
    """The tables and charts of a report's frames (the top ten tags only)."""
    parts: list[RenderableType] = [Text(frames.heading, style="bold")]
    parts.append(metric_table(frames.overall, "Overall", width=width))
    if frames.by and frames.segments is not None:
        by = frames.by
        value = {"nps": "nps", "csat": "csat", "ces": "mean"}[frames.metric]
        columns = [by, SEGMENT_COLUMNS[0], value, *SEGMENT_COLUMNS[1:]]
        parts.append(
            metric_table(frames.segments, f"By {by}, each against the rest", columns, width)
        )
        parts.append(
            _chart(
                charts.segment_chart(
                    frames.segments,
                    by,
                    width=width,
                    height=chart_height,
                    palette=palette,
                    min_n=frames.min_n,
                )
            )
        )
    if frames.every and frames.trend is not None:
        parts.append(
            metric_table(frames.trend, f"Every {frames.every} ({frames.time_zone})", width=width)
        )
        parts.append(
            _chart(
                charts.trend_chart(frames.trend, width=width, height=chart_height, palette=palette)
            )
        )
    parts.append(
        _chart(
            charts.score_distribution_chart(
                frames.distribution, width=width, height=chart_height, palette=palette
            )
        )
    )
    if frames.tags is not None:
        impact = frames.tags.head(10)
        parts.append(metric_table(impact, "Tag impact (top 10)", TAG_COLUMNS, width))
        parts.append(
            _chart(
                charts.tag_impact_chart(impact, width=width, height=chart_height, palette=palette)
            )
        )
    return Group(*parts)


# --- the forms for scripts: JSON and one long CSV ---------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as JSON holds it: dates and times in ISO 8601, NaN and infinities as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def report_json(frames: ReportFrames) -> dict[str, Any]:
    """The report as one JSON-ready object: what it is of (metric, filter, time zone, counts,
    min_n, p_adjust) and a list of rows per section (`overall`, `segments`, `trend`, `tags`,
    `scores`), each row every column of the analysis frame (estimates, intervals, methods)."""
    document: dict[str, Any] = {
        "metric": frames.metric,
        "filter": frames.filter.to_text() if frames.filter is not None else None,
        "time_zone": frames.time_zone,
        "responses": frames.counts.responses,
        "excluded": frames.counts.excluded,
        "counted": frames.counts.counted,
        "min_n": frames.min_n,
        "p_adjust": frames.p_adjust,
        "by": frames.by,
        "every": frames.every,
    }
    for name, frame in frames.sections().items():
        document[name] = [
            {key: _plain(value) for key, value in row.items()} for row in frame.to_dicts()
        ]
    return document


GROUP_COLUMNS = {"trend": "period", "tags": "tag", "scores": "score"}
"""The column that names a row in each section of the long CSV (segments: the `by` column)."""


def report_long(frames: ReportFrames) -> pl.DataFrame:
    """The report as one long table for a CSV: a row per figure row, `section` (overall,
    segments, trend, tags, scores) and `group` (the segment's value, the trend's period, the
    tag, the score; "all" overall) first, then every column of the sections' frames (a column
    a section lacks is empty there). Segments also say what they are by (`by`)."""
    parts: list[pl.DataFrame] = []
    for name, frame in frames.sections().items():
        key = frames.by if name == "segments" else GROUP_COLUMNS.get(name)
        if key is not None and key in frame.columns:
            group = frame[key].cast(pl.String)
            rest = frame.drop(key)
        else:
            group = pl.Series(["all"] * frame.height, dtype=pl.String)
            rest = frame
        head = pl.DataFrame(
            {"section": [name] * frame.height, "group": group},
            schema={"section": pl.String, "group": pl.String},
        )
        if name == "segments":
            head = head.with_columns(by=pl.lit(frames.by, pl.String))
        parts.append(pl.concat([head, rest], how="horizontal"))
    return pl.concat(parts, how="diagonal_relaxed")


def _chart(text: str) -> Text:
    return Text.from_ansi(text)


def render_text(renderables: RenderableType | Sequence[RenderableType], width: int = 100) -> str:
    """Plain text of rich renderables (for notebooks, logs and tests)."""
    # force_jupyter=False: in a Jupyter kernel rich would otherwise send what it prints to the
    # notebook as well (a report shown twice: once here, once as the value of the cell).
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        color_system=None,
        force_terminal=False,
        force_jupyter=False,
    )
    items = renderables if isinstance(renderables, Sequence) else [renderables]
    for item in items:
        console.print(item)
    return out.getvalue()
