"""The text every chart shares: a framed note where there is nothing to draw, and how numbers
and labels are cut to fit. Plain strings, no plotext, so that a builder can fall back to them
on any data.
"""

from __future__ import annotations

import math
from typing import Any


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


def number(value: Any, signed: bool = True) -> str:
    """A figure to one decimal (signed by default), or a dash for none."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def fit(text: str, width: int) -> str:
    """The text cut to `width` with an ellipsis when it is longer."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def title_line(title: str, width: int) -> str:
    return fit(title, width).center(width).rstrip()


__all__ = ["fit", "message_box", "number", "title_line"]
