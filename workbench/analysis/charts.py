"""Terminal charts built with plotext from the metric frames, returned as text.

Why text: the TUI shows it in a widget, the CLI prints it, a notebook prints it, and a test can
read it; none of them needs plotext's terminal handling. plotext keeps one global figure, so
building is serialised by a lock (the TUI builds charts in worker threads).

Every builder takes the frame a metric function returned, a size and a Palette, and never
raises on awkward data: no rows, one point, or every point too small gives a framed note that
says so instead of a chart.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import plotext as plt
import polars as pl

from workbench.analysis.chart_text import fit, message_box, number, title_line
from workbench.analysis.multiple import format_p
from workbench.analysis.small_n import MIN_N, too_small_text
from workbench.analysis.trend_layout import (
    below_lines,
    gap_breaks,
    runs,
    side_table,
    split,
    time_positions,
    time_ticks,
)

Colour = str | int | tuple[int, int, int]
MIN_WIDTH, MIN_HEIGHT = 20, 6
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Palette:
    """The colours charts use; the TUI builds one from its theme. plotext colour names, 0-255
    codes or RGB tuples. `colour=False` gives plain text without ANSI escapes."""

    line: Colour = "blue"
    band: Colour = "gray"
    promoter: Colour = "green"
    passive: Colour = "orange"
    detractor: Colour = "red"
    positive: Colour = "green"
    negative: Colour = "red"
    bar: Colour = "blue"
    canvas: Colour = "default"
    axes: Colour = "default"
    ticks: Colour = "default"
    colour: bool = True


DEFAULT = Palette()
PLAIN = Palette(colour=False)


def _too_small_canvas(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


def _start(width: int, height: int, palette: Palette, title: str) -> None:
    plt.clear_figure()
    plt.theme("clear")
    plt.plotsize(width, height)
    if palette.canvas != "default":
        plt.canvas_color(palette.canvas)
    if palette.axes != "default":
        plt.axes_color(palette.axes)
    if palette.ticks != "default":
        plt.ticks_color(palette.ticks)
    if title:
        plt.title(title)


def _finish(palette: Palette) -> str:
    text = plt.build()
    plt.clear_figure()
    return text if palette.colour else plt.uncolorize(text)


def _finite(values: Sequence[Any]) -> list[bool]:
    return [v is not None and math.isfinite(v) for v in values]


def _value_column(frame: pl.DataFrame) -> str:
    for name in ("nps", "csat", "mean"):
        if name in frame.columns:
            return name
    raise ValueError("expected a metric frame with an nps, csat or mean column")


def _paint(text: str, colour: Colour, palette: Palette) -> str:
    return plt.colorize(text, colour) if palette.colour and colour != "default" else text


def trend_chart(
    trend: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str | None = None,
) -> str:
    """The metric over time as a line, its interval as a band (two lighter lines).

    The x axis is proportional to time: a month with no responses leaves a gap, and the line
    is broken there. Points marked `too_small` break the line; the title says how many were
    left out. The numbers are printed beside the plot (a table of the latest points when the
    chart is wide enough, else the latest point and the range below it).
    """
    with _LOCK:
        return _trend(trend, width, height, palette, title)


def _trend(
    frame: pl.DataFrame, width: int, height: int, palette: Palette, title: str | None
) -> str:
    if frame.is_empty():
        return message_box("No responses in this period", width, height, title or "")
    value = _value_column(frame)
    heading = title if title is not None else f"{value.upper()} over time"
    if "period" not in frame.columns:
        raise ValueError("expected a trend frame with a period column")
    frame = frame.sort("period")
    values = frame[value].to_list()
    shown = _finite(values)
    if not any(shown):
        note = "Too few responses in every period to show a number"
        if "n" in frame.columns:
            note += f" (largest n = {frame['n'].max()!s})"
        return message_box(note, width, height, heading)
    if _too_small_canvas(width, height):
        return message_box(heading, width, height)
    hidden = len(values) - sum(shown)
    if hidden:
        heading += f" ({hidden} point{'s' * (hidden != 1)} too small)"
    periods = frame["period"].to_list()
    labels = [str(p) for p in periods]
    ns = frame["n"].to_list() if "n" in frame.columns else [None] * len(values)
    lows = frame["ci_low"].to_list() if "ci_low" in frame.columns else [None] * len(values)
    highs = frame["ci_high"].to_list() if "ci_high" in frame.columns else [None] * len(values)
    rows = [
        (labels[i], values[i], ns[i]) for i in range(len(values)) if shown[i]
    ]  # what the table beside the plot lists
    side = side_table(rows, height - 1) if width >= 64 else []
    side_width = max((len(r) for r in side), default=0) + 1 if side else 0
    below = [] if side else below_lines(rows, width)
    plot_width, plot_height = width - side_width, height - len(below)
    xs = time_positions(periods)
    breaks = gap_breaks(xs)
    _start(plot_width, plot_height, palette, heading)
    for run in runs(shown):
        for piece in split(list(run), breaks):
            px = [xs[i] for i in piece]
            if len(piece) == 1:
                plt.scatter(px, [values[i] for i in piece], color=palette.line, marker="●")
            else:
                plt.plot(px, [values[i] for i in piece], color=palette.line)
            for bound in (lows, highs):
                points = [
                    i
                    for i in piece
                    if bound[i] is not None and math.isfinite(cast(float, bound[i]))
                ]
                if len(points) > 1:
                    plt.plot(
                        [xs[i] for i in points],
                        [bound[i] for i in points],
                        color=palette.band,
                        marker="dot",
                    )
    if len(values) == 1:
        plt.xlim(-1, 1)
    else:
        plt.xlim(xs[0], xs[-1])
    positions, ticks = time_ticks(xs, labels, plot_width - 8)
    plt.xticks(positions, ticks)
    plot = _finish(palette).rstrip("\n").splitlines()
    if side:
        pad = max((len(_visible(line)) for line in plot), default=0)
        table = ["", *side]
        out = []
        for i in range(max(len(plot), len(table))):
            left = plot[i] if i < len(plot) else ""
            right = table[i] if i < len(table) else ""
            out.append(left + " " * (pad - len(_visible(left)) + 1) + right)
        return "\n".join(out)
    return "\n".join([*plot, *below])


def _visible(line: str) -> str:
    """The visible text of a line with ANSI codes."""
    return plt.uncolorize(line)


def score_distribution_chart(
    distribution: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str = "Score distribution",
) -> str:
    """Bars for each score (0-10 for NPS), coloured by category (detractor/passive/promoter),
    with each category's share and n printed under the plot."""
    with _LOCK:
        if distribution.is_empty() or distribution["count"].sum() == 0:
            return message_box("No scores to show", width, height, title)
        if _too_small_canvas(width, height):
            return message_box(title, width, height)
        frame = distribution.group_by("score", "category").agg(pl.col("count").sum()).sort("score")
        colours = {
            "detractor": palette.detractor,
            "passive": palette.passive,
            "promoter": palette.promoter,
            "satisfied": palette.positive,
            "agree": palette.positive,
        }
        total = int(frame["count"].sum())
        shares = (
            frame.group_by("category", maintain_order=True)
            .agg(pl.col("count").sum())
            .with_columns((100 * pl.col("count") / total).alias("share"))
        )
        summary = " · ".join(
            f"{name} {share:.0f}%" for name, share in shares.select("category", "share").rows()
        )
        footer = fit(f"{summary} · n={total:,}", width)
        _start(width, height - 1, palette, title)
        for category, part in frame.group_by("category", maintain_order=True):
            plt.bar(
                part["score"].to_list(),
                part["count"].to_list(),
                color=colours.get(str(category[0]), palette.bar),
                width=0.6,
            )
        scores = frame["score"].to_list()
        plt.xticks(scores, [str(s) for s in scores])
        plot = _finish(palette).rstrip("\n").splitlines()
        return "\n".join([*plot[: height - 1], footer])


# --- text charts: one row per item, so labels, bars and numbers line up -----------------------


@dataclass(frozen=True)
class _Row:
    label: str
    value: float | None
    text: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class _Canvas:
    """The size and colours a chart of rows is drawn in, as its caller was given them."""

    width: int
    height: int
    palette: Palette


def _rows_chart(rows: list[_Row], canvas: _Canvas, *, title: str, footer: str, kind: str) -> str:
    """One line per row: label, a bar (or an interval with its point) on one shared scale
    with a zero axis, and the row's numbers. Rows that do not fit are counted in the footer."""
    width, height, palette = canvas.width, canvas.height, canvas.palette
    room = height - 1 - (1 if footer else 0)
    shown, rest = rows[:room], rows[room:]
    if rest:
        footer = f"+{len(rest)} more · {footer}" if footer else f"+{len(rest)} more"
    label_width = min(max(len(r.label) for r in shown), max(6, width // 3))
    least_bar = max(8, width // 4)
    text_width = max(0, min(max(len(r.text) for r in shown), width - label_width - 2 - least_bar))
    bar_width = width - label_width - text_width - 2
    points = [v for r in shown for v in (r.value, r.low, r.high) if v is not None]
    top = max([0.0, *points])
    bottom = min([0.0, *points])
    span = (top - bottom) or 1.0
    scale = (bar_width - 1) / span
    zero = round(-bottom * scale)
    lines = [title_line(title, width)]
    for row in shown:
        cells = [" "] * bar_width
        colour_of: list[Colour] = [""] * bar_width
        if row.value is not None:
            if kind == "bars":
                length = round(abs(row.value) * scale)
                colour = palette.positive if row.value >= 0 else palette.negative
                cells_range = (
                    range(zero + 1, zero + 1 + length)
                    if row.value >= 0
                    else range(zero - length, zero)
                )
                for c in cells_range:
                    if 0 <= c < bar_width:
                        cells[c], colour_of[c] = "█", colour
            else:
                if row.low is not None and row.high is not None:
                    for c in range(
                        round((row.low - bottom) * scale), round((row.high - bottom) * scale) + 1
                    ):
                        if 0 <= c < bar_width:
                            cells[c], colour_of[c] = "─", palette.band
                c = round((row.value - bottom) * scale)
                if 0 <= c < bar_width:
                    cells[c], colour_of[c] = "●", palette.line
        if 0 <= zero < bar_width and cells[zero] == " ":
            cells[zero], colour_of[zero] = "│", palette.axes
        bar = "".join(
            _paint(ch, colour_of[i], palette) if colour_of[i] and ch != " " else ch
            for i, ch in enumerate(cells)
        )
        label = fit(row.label, label_width).rjust(label_width)
        lines.append(f"{label} {bar} {fit(row.text, text_width)}".rstrip())
    if kind == "bars" and points:
        unit = f"█ = {1 / scale:.2g}"
        footer = f"{footer} · {unit}" if footer else unit
    if footer:
        lines.append(fit(footer, width))
    return "\n".join(lines)


def segment_chart(
    table: pl.DataFrame,
    by: str,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str | None = None,
    min_n: int = MIN_N,
) -> str:
    """Each segment on its own line: its value as a point with its interval, and its numbers
    (value, n, and, from `segment_breakdown`, the difference from the rest with its adjusted
    p-value). A segment under `min_n` is listed as "too small (n=12)", with no point."""
    with _LOCK:
        value = _value_column(table) if not table.is_empty() else "nps"
        heading = title if title is not None else f"{value.upper()} by {by}"
        if table.is_empty() or by not in table.columns:
            return message_box("No segment to show", width, height, heading)
        if _too_small_canvas(width, height):
            return message_box(heading, width, height)
        ok = table[value].is_not_null() & table[value].is_finite()
        if "n" in table.columns:
            ok = ok & (table["n"] >= min_n)
        rows: list[_Row] = []
        for record, shown in zip(table.iter_rows(named=True), ok.to_list(), strict=True):
            label = "(none)" if record[by] is None else str(record[by])
            n = record.get("n")
            if not shown:
                rows.append(_Row(label, None, too_small_text(n) if n is not None else "—"))
                continue
            text = number(record[value])
            if width >= 60 and record.get("ci_low") is not None:
                text += f" [{number(record['ci_low'])}, {number(record['ci_high'])}]"
            if n is not None:
                text += f" n={n:,}"
            if record.get("difference") is not None and width >= 70:
                text += f" Δ{number(record['difference'])}"
                if record.get("p_adjusted") is not None:
                    text += f" p={_p(record['p_adjusted'])}"
            rows.append(
                _Row(label, record[value], text, record.get("ci_low"), record.get("ci_high"))
            )
        footer = ""
        if "p_adjust" in table.columns and width >= 60:
            footer = f"Δ vs the rest; p adjusted ({table['p_adjust'][0]})"
        canvas = _Canvas(width, height, palette)
        return _rows_chart(rows, canvas, title=heading, footer=footer, kind="intervals")


_p = format_p


def tag_impact_chart(
    impact: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    top: int = 10,
    title: str = "Tag impact",
) -> str:
    """One labelled bar per tag, one line each, in `rank` order (from `tag_impact`): the bar
    runs from a zero axis, right for a positive impact and left for a negative one, every bar
    on the same scale; the impact (and, when there is room, its interval and adjusted
    p-value) is printed beside it. A tag too small to test is listed with its note."""
    with _LOCK:
        if impact.is_empty():
            return message_box("No tags to show", width, height, title)
        rows_frame = impact.filter(pl.col("impact").is_not_null() & pl.col("impact").is_finite())
        if rows_frame.is_empty():
            return message_box("No tags to show", width, height, title)
        if _too_small_canvas(width, height):
            return message_box(title, width, height)
        if "rank" in rows_frame.columns:
            rows_frame = rows_frame.sort("rank")
        else:
            rows_frame = rows_frame.sort(pl.col("impact").abs(), descending=True)
        rows_frame = rows_frame.head(top)
        rows: list[_Row] = []
        for record in rows_frame.iter_rows(named=True):
            text = number(record["impact"])
            if record.get("too_small"):
                text += " " + (record.get("note") or too_small_text(record["n"]))
            elif record.get("impact_low") is not None and width >= 60:
                text += f" [{number(record['impact_low'])}, {number(record['impact_high'])}]"
                if record.get("p_adjusted") is not None:
                    text += f" p={_p(record['p_adjusted'])}"
            rows.append(_Row(str(record["tag"]), record["impact"], text))
        footer = ""
        if "p_adjust" in rows_frame.columns:
            footer = f"ranked by {rows_frame['rank_by'][0]}; p {rows_frame['p_adjust'][0]}"
        if impact.height > rows_frame.height:
            footer = f"top {rows_frame.height} of {impact.height} · {footer}".rstrip(" ·")
        canvas = _Canvas(width, height, palette)
        return _rows_chart(rows, canvas, title=title, footer=footer, kind="bars")


def answer_chart(
    answers: pl.DataFrame,
    *,
    question_id: str | None = None,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
) -> str:
    """One bar per answer of a question (the first question unless named), with its count and
    share beside it."""
    with _LOCK:
        if answers.is_empty():
            return message_box("No survey answers to show", width, height)
        wanted = question_id if question_id is not None else answers["question_id"][0]
        rows_frame = answers.filter(pl.col("question_id") == wanted)
        question = str(rows_frame["question"][0]) if not rows_frame.is_empty() else str(wanted)
        rows_frame = rows_frame.filter(pl.col("choice").is_not_null())
        if rows_frame.is_empty() or rows_frame["count"].sum() == 0:
            return message_box("No answers to this question", width, height, question)
        if _too_small_canvas(width, height):
            return message_box(question, width, height)
        total = int(rows_frame["count"].sum())
        rows = [
            _Row(str(choice), float(count), f"{count:,} ({100 * count / total:.0f}%)")
            for choice, count in rows_frame.select("choice", "count").rows()
        ]
        plain = Palette(**{**palette.__dict__, "positive": palette.bar})
        canvas = _Canvas(width, height, plain)
        return _rows_chart(rows, canvas, title=question, footer=f"n={total:,}", kind="bars")
