"""A chart built by `workbench.analysis.charts` (plotext text), shown at the widget's size.

Why the chart is built elsewhere: plotext draws into one global figure, so the analysis core
builds charts under a lock in a worker thread; this widget only shows the finished text and
asks for a new one when its size changes.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

MIN_SIZE = (20, 6)


class ChartView(Static):
    """Shows one chart's text; posts `Resized` so the app can rebuild it to fit."""

    class Resized(Message):
        """The chart's size changed: its text should be rebuilt at the new size."""

    def __init__(self, chart: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.chart = chart
        self.text = ""
        self.problem = ""

    @property
    def chart_size(self) -> tuple[int, int]:
        """The size to build the chart at: the content area, at least plotext's minimum."""
        size = self.content_region.size
        return max(size.width, MIN_SIZE[0]), max(size.height, MIN_SIZE[1])

    def show_chart(self, text: str) -> None:
        self.text = text
        self.problem = ""
        self.remove_class("-failed")
        self.border_title = None
        self.update(Text.from_ansi(text, no_wrap=True) if text else "")

    def show_problem(self, reason: str) -> None:
        """The chart could not be built: say why (and what to do) where it would be."""
        self.text = ""
        self.problem = reason
        self.add_class("-failed")
        self.border_title = "not shown"
        self.update(Text(reason))

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized())
