"""The Dashboard pane: NPS, CSAT and CES cards, trend, distribution, segments and tag impact.

Every figure is for the current filter and comes from the analysis core; the pane holds the
choices (metric, bucket, segment) and asks the app to recompute when one changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Select

from workbench.tui.compute import CHARTS, DashboardFrames, Every, Metric
from workbench.tui.widgets.chart import ChartView
from workbench.tui.widgets.metric_card import MetricCard

METRICS: list[tuple[str, Metric]] = [("NPS", "nps"), ("CSAT", "csat"), ("CES", "ces")]
EVERY: list[tuple[str, Every]] = [
    ("by week", "week"),
    ("by month", "month"),
    ("by quarter", "quarter"),
    ("by day", "day"),
]


NARROW = 120
"""Below this width the charts stack in one column (each keeps a readable height and the pane
scrolls) instead of squeezing two side by side."""


class DashboardPane(VerticalScroll):
    """Cards on top, choices below them, then four charts in a grid; the pane scrolls when the
    terminal is too small for all of them at their minimum height."""

    @dataclass
    class OptionsChanged(Message):
        metric: Metric
        every: Every
        segment: str | None

    def compose(self) -> ComposeResult:
        with Horizontal(id="cards"):
            for _, metric in METRICS:
                yield MetricCard(metric, id=f"card-{metric}", classes="card")
        with Horizontal(id="dashboard-options"):
            yield Label("Metric")
            yield Select(METRICS, value="nps", allow_blank=False, id="metric-select", compact=True)
            yield Label("Trend")
            yield Select(EVERY, value="month", allow_blank=False, id="every-select", compact=True)
            yield Label("Segment")
            yield Select([], prompt="pick a property", id="segment-select", compact=True)
        with Grid(id="charts"):
            for name in CHARTS:
                yield ChartView(name, id=f"chart-{name}", classes="chart")

    @property
    def metric(self) -> Metric:
        return self.query_one("#metric-select", Select).value  # type: ignore[return-value]

    @property
    def every(self) -> Every:
        return self.query_one("#every-select", Select).value  # type: ignore[return-value]

    @property
    def segment(self) -> str | None:
        value = self.query_one("#segment-select", Select).value
        return value if isinstance(value, str) else None

    def set_segments(self, fields: list[str]) -> None:
        """Offer the properties (and account, platform) to break the metric down by."""
        select = self.query_one("#segment-select", Select)
        current = select.value
        select.set_options((name, name) for name in fields)
        if isinstance(current, str) and current in fields:
            select.value = current

    def show(self, frames: DashboardFrames) -> None:
        """The cards; a metric that could not be computed says why on its card."""
        for metric, frame in frames.cards.items():
            card = self.query_one(f"#card-{metric}", MetricCard)
            if metric in frames.problems:
                card.show_problem(frames.problems[metric])
            else:
                card.show_metric(frame)
        self.call_after_refresh(self._fit_cards)

    def _fit_cards(self) -> None:
        """Give the three cards one height: the tallest card's text, wrapped at its width."""
        cards = list(self.query(MetricCard))
        if not cards or not all(card.content_region.width for card in cards):
            return
        height = max(card.text_height() for card in cards)
        for card in cards:
            card.styles.height = height + card.styles.gutter.height

    def focus_table(self) -> None:
        """The pane itself takes focus, so the arrow and page keys scroll it."""
        self.focus()

    def show_charts(self, charts: dict[str, str], problems: dict[str, str] | None = None) -> None:
        """The charts; one that could not be built says why in its place."""
        for name, text in charts.items():
            self.query_one(f"#chart-{name}", ChartView).show_chart(text)
        for name, reason in (problems or {}).items():
            self.query_one(f"#chart-{name}", ChartView).show_problem(reason)

    def chart_sizes(self) -> dict[str, tuple[int, int]]:
        return {chart.chart: chart.chart_size for chart in self.query(ChartView)}

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
        self.call_after_refresh(self._fit_cards)

    @on(Select.Changed)
    def option_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.OptionsChanged(self.metric, self.every, self.segment))
