"""The Surveys pane: Apptentive surveys with answer bars, CXI imports, Wootric NPS by month."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.tui.compute import SurveyFrames
from workbench.tui.views import answer_bars, display_table
from workbench.tui.widgets.grid import FrameView

APPTENTIVE = {
    "name": "survey",
    "active": "active",
    "response_count": "responses",
    "selected": "selected",
    "account": "account",
}
IMPORTS = {
    "name": "import",
    "metric": "metric",
    "response_count": "responses",
    "selected": "selected",
    "created_at": "imported",
    "account": "account",
}
TREND = {
    "period": "month",
    "n": "n",
    "promoters": "promoters",
    "passives": "passives",
    "detractors": "detractors",
    "nps": "NPS",
    "ci_low": "CI low",
    "ci_high": "CI high",
}
SUMMARIES = {
    "account": "account",
    "date_start": "from",
    "date_end": "to",
    "nps": "NPS (Wootric)",
    "responses": "responses",
    "promoters": "promoters",
    "passives": "passives",
    "detractors": "detractors",
}


class SurveysPane(VerticalScroll):
    """Three sections, one per kind of survey; `selected` counts responses in the filter."""

    def compose(self) -> ComposeResult:
        yield Static("Apptentive surveys", classes="section-title")
        yield FrameView("No Apptentive surveys stored.", id="apptentive-surveys", classes="short")
        yield Static("", id="answer-bars")
        yield Static("CXI imports", classes="section-title")
        yield FrameView("No CXI imports stored.", id="cxi-imports", classes="short")
        yield Static("Wootric NPS by month (selected responses)", classes="section-title")
        yield FrameView("No Wootric responses selected.", id="wootric-trend", classes="short")
        yield Static("Wootric's own NPS summaries, as fetched", classes="section-title")
        yield FrameView("No NPS summaries stored.", id="wootric-summaries", classes="short")

    def show(self, frames: SurveyFrames) -> None:
        self.query_one("#apptentive-surveys", FrameView).show(
            display_table(frames.apptentive, APPTENTIVE)
        )
        self.query_one("#answer-bars", Static).update(
            answer_bars(frames.answers, frames.apptentive)
        )
        self.query_one("#cxi-imports", FrameView).show(display_table(frames.imports, IMPORTS))
        self.query_one("#wootric-trend", FrameView).show(display_table(frames.wootric_trend, TREND))
        self.query_one("#wootric-summaries", FrameView).show(
            display_table(frames.wootric_summaries, SUMMARIES)
        )
