"""Text blocks that show themselves well in Jupyter, in IPython and in a terminal.

A chart is plotext text from `workbench.analysis.charts`, a report is the rich layout of
`workbench.analysis.report`: both are text in a monospace block. Jupyter gets HTML (a `<pre>`
with the chart's colours as inline styles), IPython and `print()` get the plain text.
"""

from __future__ import annotations

import html
import io
from typing import Any

import polars as pl
from rich.console import Console, RenderableType
from rich.text import Text

from workbench.analysis import charts
from workbench.analysis.report import render_text
from workbench.analysis.small_n import MIN_N

PRE_STYLE = "font-family: monospace; line-height: 1.15; white-space: pre; overflow-x: auto"
HTML_BLOCK = f'<pre style="{PRE_STYLE}">{{code}}</pre>'


def _html(renderable: RenderableType, width: int) -> str:
    """The renderable as an HTML `<pre>` with inline colours (rich's exporter)."""
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        color_system="truecolor",
        force_terminal=True,
        force_jupyter=False,
    )
    console.print(renderable, soft_wrap=True, crop=False)
    return console.export_html(inline_styles=True, code_format=HTML_BLOCK)


class TextBlock:
    """Monospace text: `str()` is the plain text; Jupyter shows it as a `<pre>` block."""

    def __init__(self, text: str) -> None:
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)

    def _repr_html_(self) -> str:
        return f'<pre style="{PRE_STYLE}">{html.escape(self.text)}</pre>'

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextBlock) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class Chart(TextBlock):
    """A plotext chart. `ansi` keeps its colours (for a terminal: `print(chart.ansi)`), `text`
    is the same chart without them, and Jupyter shows it in colour."""

    def __init__(self, ansi: str) -> None:
        self.ansi = ansi
        super().__init__(Text.from_ansi(ansi).plain)

    @property
    def width(self) -> int:
        return max((len(line) for line in self.text.splitlines()), default=0)

    def _repr_html_(self) -> str:
        return _html(Text.from_ansi(self.ansi), self.width + 1)


class Report(TextBlock):
    """What `workbench report` prints, as a block: plain text, or HTML with its colours."""

    def __init__(self, renderable: RenderableType, width: int) -> None:
        self.renderable = renderable
        self.width = width
        super().__init__(render_text(renderable, width=width))

    def _repr_html_(self) -> str:
        return _html(self.renderable, self.width)


# --- chart helpers: the analysis charts, wrapped ------------------------------------------------


def trend_chart(
    trend: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: charts.Palette = charts.DEFAULT,
    title: str | None = None,
) -> Chart:
    """`analysis.charts.trend_chart` of a frame from `trend(...)`, as a Chart."""
    return Chart(
        charts.trend_chart(trend, width=width, height=height, palette=palette, title=title)
    )


def segment_chart(
    table: pl.DataFrame,
    by: str,
    *,
    width: int = 80,
    height: int = 20,
    palette: charts.Palette = charts.DEFAULT,
    title: str | None = None,
    min_n: int = MIN_N,
) -> Chart:
    """`analysis.charts.segment_chart` of a frame from `segment_breakdown(...)` (or from
    `nps(..., by=by)`)."""
    return Chart(
        charts.segment_chart(
            table, by, width=width, height=height, palette=palette, title=title, min_n=min_n
        )
    )


def tag_impact_chart(
    impact: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: charts.Palette = charts.DEFAULT,
    top: int = 10,
    title: str = "Tag impact",
) -> Chart:
    """`analysis.charts.tag_impact_chart` of a frame from `tag_impact(...)`."""
    return Chart(
        charts.tag_impact_chart(
            impact, width=width, height=height, palette=palette, top=top, title=title
        )
    )


def score_distribution_chart(
    distribution: pl.DataFrame,
    *,
    width: int = 80,
    height: int = 20,
    palette: charts.Palette = charts.DEFAULT,
    title: str = "Score distribution",
) -> Chart:
    """`analysis.charts.score_distribution_chart` of a frame from `score_distribution(...)`."""
    return Chart(
        charts.score_distribution_chart(
            distribution, width=width, height=height, palette=palette, title=title
        )
    )


def answer_chart(
    answers: pl.DataFrame,
    *,
    question_id: str | None = None,
    width: int = 80,
    height: int = 20,
    palette: charts.Palette = charts.DEFAULT,
) -> Chart:
    """`analysis.charts.answer_chart` of survey answers (`answer_distribution(...)`)."""
    return Chart(
        charts.answer_chart(
            answers, question_id=question_id, width=width, height=height, palette=palette
        )
    )
