"""The Surveys pane: Apptentive surveys with answer bars, CXI imports, Wootric NPS by month.

Wootric's `nps_summary` counts in the account's zone, so its months sit beside the store's
months counted the same way in that zone; a month where they disagree is marked, and the
selected responses' monthly trend says which zone it buckets in.
"""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.tui import acting
from workbench.tui.compute import SurveyFrames
from workbench.tui.views import answer_bars
from workbench.tui.widgets.grid import FrameView

APPTENTIVE = {
    "name": "survey",
    "active": "active",
    "response_count": "responses",
    "account": "account",
}
"""No "selected" column: Apptentive survey answers are stored as totals per question, not as
responses a filter could select (the pane's bars show them)."""
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
MONTHS = {
    "account": "account",
    "month": "month",
    "n": "n (store)",
    "nps": "NPS (store)",
    "api_n": "n (Wootric)",
    "api_nps": "NPS (Wootric)",
    "check": "",
    "time_zone": "zone",
}


class SurveysPane(VerticalScroll):
    """Three sections, one per kind of survey; `selected` counts responses in the filter.
    `i` imports a CSV into a CXI account, `d` deactivates the Apptentive survey under the
    cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [*acting.bindings("surveys")]

    def compose(self) -> ComposeResult:
        yield Static(
            "Apptentive surveys   [dim]d: deactivate the survey under the cursor[/]",
            classes="section-title",
        )
        yield FrameView("No Apptentive surveys stored.", id="apptentive-surveys", classes="short")
        yield Static("", id="answer-bars")
        yield Static(
            "CXI imports   [dim]i: import a CSV file · ctrl+p: actions[/]", classes="section-title"
        )
        yield FrameView("No CXI imports stored.", id="cxi-imports", classes="short")
        yield Static(
            "Wootric NPS by month: the store beside nps_summary, in each account's zone",
            classes="section-title",
            id="wootric-months-title",
        )
        yield FrameView("No NPS summaries stored.", id="wootric-summaries", classes="short")
        yield Static("", id="wootric-notes")
        yield Static(
            "Wootric NPS by month (selected responses)",
            classes="section-title",
            id="wootric-trend-title",
        )
        yield FrameView("No Wootric responses selected.", id="wootric-trend", classes="short")

    def current_survey(self) -> dict[str, Any] | None:
        """The Apptentive survey under the cursor of its table (account, id, name, ...)."""
        view = self.query_one("#apptentive-surveys", FrameView)
        grid, shown = view.grid, view.frame
        if grid is None or not grid.row_count or shown is None or shown.is_empty():
            return None
        return shown.row(min(grid.cursor_row, shown.height - 1), named=True)

    def focus_table(self) -> None:
        """The Apptentive surveys' table (where `d` acts), so the pane's keys work."""
        view = self.query_one("#apptentive-surveys", FrameView)
        if view.grid is not None:
            view.focus_grid()
            self.call_after_refresh(self.scroll_home, animate=False)
        else:
            self.focus()

    def show(self, frames: SurveyFrames) -> None:
        self.query_one("#apptentive-surveys", FrameView).show_frame(frames.apptentive, APPTENTIVE)
        self.query_one("#answer-bars", Static).update(
            answer_bars(frames.answers, frames.apptentive)
        )
        self.query_one("#cxi-imports", FrameView).show_frame(frames.imports, IMPORTS)
        self.query_one("#wootric-trend-title", Static).update(
            escape(f"Wootric NPS by month (selected responses, {frames.zone.label})")
        )
        self.query_one("#wootric-trend", FrameView).show_frame(frames.wootric_trend, TREND)
        self.query_one("#wootric-summaries", FrameView).show_frame(
            months_table(frames.wootric_months), MONTHS
        )
        self.query_one("#wootric-notes", Static).update(
            escape("\n".join(frames.notes)) if frames.notes else ""
        )


def months_table(months: pl.DataFrame) -> pl.DataFrame:
    """The comparison with a mark column: "≠ differs" where the store and Wootric disagree."""
    if months.is_empty():
        return months
    return months.with_columns(
        pl.when(pl.col("differs")).then(pl.lit("≠ differs")).otherwise(pl.lit("=")).alias("check")
    )
