"""Where a trend chart puts things: its points on a time axis, the breaks in its line, the tick
labels that fit, and the numbers printed beside or below it. Pure geometry and text, so that
`charts.trend_chart` is left with the drawing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from workbench.analysis.chart_text import fit, number


def time_positions(periods: Sequence[Any]) -> list[float]:
    """x positions proportional to time: days since the first period (dates or datetimes)."""
    if not periods:
        return []
    first = periods[0]
    return [float((p - first).days) for p in periods]


def gap_breaks(xs: list[float]) -> set[int]:
    """Indices i where the line must not join point i-1 to point i: a missing bucket (a step
    over 1.5 times the shortest step), so a gap in time shows as a gap in the line."""
    steps = [b - a for a, b in itertools.pairwise(xs)]
    if not steps:
        return set()
    usual = min(s for s in steps if s > 0) if any(s > 0 for s in steps) else 1.0
    return {i + 1 for i, step in enumerate(steps) if step > 1.5 * usual}


def side_table(rows: list[tuple[str, Any, Any]], room: int) -> list[str]:
    """The latest points as "period  value  n", as many as fit in `room` lines."""
    if room < 2:
        return []
    fits = rows[-(room - 1) :] if len(rows) > room - 1 else rows
    lines = [f"{'period':<10} {'value':>6} {'n':>5}"]
    if len(fits) < len(rows):
        lines.append(f"… {len(rows) - len(fits)} earlier")
        fits = fits[1:] if len(lines) + len(fits) > room else fits
    for label, value, n in fits:
        lines.append(f"{label[:10]:<10} {number(value):>6} {'' if n is None else n:>5}")
    return lines[:room]


def below_lines(rows: list[tuple[str, Any, Any]], width: int) -> list[str]:
    label, value, n = rows[-1]
    last = f"last {label}: {number(value)}" + ("" if n is None else f" (n={n:,})")
    finite = [v for _, v, _ in rows]
    span = f"min {number(min(finite))} · max {number(max(finite))}"
    return [fit(last, width), fit(span, width)]


def split(indices: list[int], breaks: set[int]) -> list[list[int]]:
    pieces: list[list[int]] = []
    for i in indices:
        if not pieces or i in breaks:
            pieces.append([i])
        else:
            pieces[-1].append(i)
    return pieces


def time_ticks(xs: list[float], labels: list[str], width: int) -> tuple[list[float], list[str]]:
    """Tick labels at their points' true positions, skipping any that would overlap."""
    if not xs:
        return [], []
    span = (xs[-1] - xs[0]) or 1.0
    size = max(len(s) for s in labels) + 2
    chosen: list[int] = []
    last_col = -math.inf
    for i, x in enumerate(xs):
        col = (x - xs[0]) / span * max(width, 1)
        if col - last_col >= size:
            chosen.append(i)
            last_col = col
    if len(xs) > 1 and chosen[-1] != len(xs) - 1:
        end = (xs[-1] - xs[0]) / span * max(width, 1)
        if end - ((xs[chosen[-1]] - xs[0]) / span * max(width, 1)) < size and len(chosen) > 1:
            chosen.pop()
        chosen.append(len(xs) - 1)
    return [xs[i] for i in chosen], [labels[i] for i in chosen]


def runs(mask: list[bool]) -> list[range]:
    runs, start = [], None
    for i, ok in enumerate([*mask, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append(range(start, i))
            start = None
    return runs


__all__ = [
    "below_lines",
    "gap_breaks",
    "runs",
    "side_table",
    "split",
    "time_positions",
    "time_ticks",
]
