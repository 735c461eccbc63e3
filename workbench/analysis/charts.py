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
from typing import Any

import plotext as plt
import polars as pl

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


def message_box(text: str, width: int = 60, height: int = 10, title: str = "") -> str:
    """A framed box with a centred note: what a chart shows when there is nothing to draw."""
    width, height = max(width, 4), max(height, 3)
    inner = width - 2
    lines = _wrap(text, inner - 2)
    top = "┌" + (f" {title} "[:inner] if title else "").center(inner, "─") + "┐"
    body_rows = height - 2
    pad_top = max(0, (body_rows - len(lines)) // 2)
    rows = [""] * pad_top + lines
    rows = (rows + [""] * body_rows)[:body_rows]
    return "\n".join(
        [top, *("│" + r.center(inner)[:inner] + "│" for r in rows), "└" + "─" * inner + "┘"]
    )


def _wrap(text: str, width: int) -> list[str]:
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


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


def _labels(values: Sequence[Any], limit: int) -> list[str]:
    out = []
    for v in values:
        text = "(none)" if v is None else str(v)
        out.append(text if len(text) <= limit else text[: max(limit - 1, 1)] + "…")
    return out


def _sparse_ticks(labels: list[str], width: int) -> tuple[list[int], list[str]]:
    """At most as many x labels as fit, evenly spaced, first and last always shown."""
    if not labels:
        return [], []
    room = max(1, width // (max(len(s) for s in labels) + 2))
    step = max(1, math.ceil(len(labels) / room))
    positions = list(range(0, len(labels), step))
    if positions[-1] != len(labels) - 1 and len(labels) > 1:
        positions[-1] = len(labels) - 1
    return positions, [labels[i] for i in positions]


def _value_column(frame: pl.DataFrame) -> str:
    for name in ("nps", "csat", "mean"):
        if name in frame.columns:
            return name
    raise ValueError("expected a metric frame with an nps, csat or mean column")


def trend_chart(
    trend: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str | None = None,
) -> str:
    """The metric over time as a line, its interval as a band (two lighter lines).

    Points marked `too_small` break the line; the title says how many were left out.
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
            note += f" (largest n = {frame['n'].max()})"
        return message_box(note, width, height, heading)
    if _too_small_canvas(width, height):
        return message_box(heading, width, height)
    hidden = len(values) - sum(shown)
    if hidden:
        heading += f" ({hidden} point{'s' * (hidden != 1)} too small)"
    labels = [str(p) for p in frame["period"].to_list()]
    _start(width, height, palette, heading)
    lows = frame["ci_low"].to_list() if "ci_low" in frame.columns else [None] * len(values)
    highs = frame["ci_high"].to_list() if "ci_high" in frame.columns else [None] * len(values)
    for run in _runs(shown):
        xs = list(run)
        if len(xs) == 1:
            plt.scatter(xs, [values[i] for i in xs], color=palette.line, marker="●")
        else:
            plt.plot(xs, [values[i] for i in xs], color=palette.line)
        for bound in (lows, highs):
            points = [i for i in xs if bound[i] is not None and math.isfinite(bound[i])]
            if len(points) > 1:
                plt.plot(points, [bound[i] for i in points], color=palette.band, marker="dot")
    if len(values) == 1:
        plt.xlim(-1, 1)
    positions, ticks = _sparse_ticks(labels, width - 8)
    plt.xticks(positions, ticks)
    return _finish(palette)


def _runs(mask: list[bool]) -> list[range]:
    runs, start = [], None
    for i, ok in enumerate([*mask, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append(range(start, i))
            start = None
    return runs


def score_distribution_chart(
    distribution: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str = "Score distribution",
) -> str:
    """Bars for each score (0-10 for NPS), coloured by category (detractor/passive/promoter)."""
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
        _start(width, height, palette, title)
        for category, part in frame.group_by("category", maintain_order=True):
            plt.bar(
                part["score"].to_list(),
                part["count"].to_list(),
                color=colours.get(str(category[0]), palette.bar),
                width=0.6,
            )
        scores = frame["score"].to_list()
        plt.xticks(scores, [str(s) for s in scores])
        return _finish(palette)


def segment_chart(
    table: pl.DataFrame,
    by: str,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    title: str | None = None,
    min_n: int = 1,
) -> str:
    """Each segment's value as a point with its interval as an error bar (from `nps(..., by=)`)."""
    with _LOCK:
        value = _value_column(table) if not table.is_empty() else "nps"
        heading = title if title is not None else f"{value.upper()} by {by}"
        rows = table.filter(pl.col("n") >= min_n) if "n" in table.columns else table
        rows = rows.filter(pl.col(value).is_not_null() & pl.col(value).is_finite())
        if rows.is_empty():
            return message_box("No segment has enough responses to show", width, height, heading)
        if _too_small_canvas(width, height):
            return message_box(heading, width, height)
        _start(width, height, palette, heading)
        xs = list(range(len(rows)))
        for i, (low, high) in enumerate(
            zip(rows["ci_low"].to_list(), rows["ci_high"].to_list(), strict=True)
        ):
            if low is not None and high is not None:
                plt.plot([i, i], [low, high], color=palette.band)
        plt.scatter(xs, rows[value].to_list(), color=palette.line, marker="●")
        limit = max(3, (width - 8) // max(len(xs), 1) - 1)
        plt.xticks(xs, _labels(rows[by].to_list(), limit))
        plt.xlim(-0.5, len(xs) - 0.5)
        return _finish(palette)


def tag_impact_chart(
    impact: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
    top: int = 10,
    title: str = "Tag impact",
) -> str:
    """Horizontal bars of each tag's impact, positive and negative in their own colours."""
    with _LOCK:
        rows = impact.filter(pl.col("impact").is_not_null() & pl.col("impact").is_finite())
        if rows.is_empty():
            return message_box("No tags to show", width, height, title)
        if _too_small_canvas(width, height):
            return message_box(title, width, height)
        rows = rows.sort(pl.col("impact").abs(), descending=True).head(top).reverse()
        _start(width, height, palette, title)
        ys = list(range(len(rows)))
        values = rows["impact"].to_list()
        for sign, colour in ((True, palette.positive), (False, palette.negative)):
            picked = [(y, v) for y, v in zip(ys, values, strict=True) if (v >= 0) == sign]
            if picked:
                plt.bar(
                    [y for y, _ in picked],
                    [v for _, v in picked],
                    color=colour,
                    orientation="horizontal",
                    width=0.6,
                )
        plt.yticks(ys, _labels(rows["tag"].to_list(), max(6, width // 4)))
        return _finish(palette)


def answer_chart(
    answers: pl.DataFrame,
    *,
    question_id: str | None = None,
    width: int = 80,
    height: int = 20,
    palette: Palette = DEFAULT,
) -> str:
    """Horizontal bars of one question's answer counts (the first question unless named)."""
    with _LOCK:
        if answers.is_empty():
            return message_box("No survey answers to show", width, height)
        wanted = question_id if question_id is not None else answers["question_id"][0]
        rows = answers.filter(pl.col("question_id") == wanted)
        question = str(rows["question"][0]) if not rows.is_empty() else str(wanted)
        rows = rows.filter(pl.col("choice").is_not_null())
        if rows.is_empty() or rows["count"].sum() == 0:
            return message_box("No answers to this question", width, height, question)
        if _too_small_canvas(width, height):
            return message_box(question, width, height)
        rows = rows.reverse()
        _start(width, height, palette, question)
        ys = list(range(len(rows)))
        plt.bar(ys, rows["count"].to_list(), color=palette.bar, orientation="horizontal", width=0.6)
        plt.yticks(ys, _labels(rows["choice"].to_list(), max(6, width // 4)))
        return _finish(palette)
