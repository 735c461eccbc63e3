"""One end user: who they are, their properties, their responses, the surveys they declined and
the pages they viewed."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workbench.tui.screens.response_detail import (
    app_surveys,
    field_lines,
    properties_text,
    survey_names,
    with_name,
)
from workbench.tui.views import content_escape, display_table
from workbench.tui.widgets.grid import FrameView

RESPONSE_COLUMNS = {
    "created_at": "date",
    "metric": "metric",
    "score": "score",
    "text": "comment",
    "tags": "tags",
}
DECLINE_COLUMNS = {"created_at": "declined", "survey_id": "survey", "origin_url": "page"}
PAGE_VIEW_COLUMNS = {"at": "viewed", "url": "page"}


class EndUserScreen(ModalScreen[None]):
    """Escape closes."""

    AUTO_FOCUS = "*"  # the app autofocuses nothing; a dialog focuses its first field
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close")]

    def __init__(
        self,
        account: str,
        end_user_id: str,
        user: dict[str, Any] | None,
        responses: pl.DataFrame,
        declines: pl.DataFrame,
        page_views: pl.DataFrame | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.account = account
        self.end_user_id = end_user_id
        self.user = user
        self.responses = responses.sort("created_at", descending=True, nulls_last=True)
        self.declines = declines.sort("created_at", descending=True, nulls_last=True)
        views = page_views if page_views is not None else pl.DataFrame()
        self.page_views = (
            views.sort("at", descending=True, nulls_last=True) if "at" in views.columns else views
        )

    def compose(self) -> ComposeResult:
        title = (self.user or {}).get("email") or self.end_user_id
        with VerticalScroll(classes="dialog wide", id="end-user-detail"):
            yield Static(
                f"[b]{content_escape(str(title))}[/b]  [dim]{content_escape(self.account)}[/]",
                classes="dialog-title",
            )
            if self.user:
                yield Static(
                    field_lines(
                        self.user,
                        [
                            "id",
                            "email",
                            "external_id",
                            "phone_number",
                            "created_at",
                            "last_surveyed",
                            "last_seen_at",
                            "page_views_count",
                        ],
                    )
                )
                yield Static("Properties", classes="section-title")
                yield Static(properties_text(self.user.get("properties")))
            else:
                yield Static("[dim]This end user is not in the stored end users.[/]")
            yield Static(f"Responses ({self.responses.height:,})", classes="section-title")
            yield FrameView("No responses.", id="end-user-responses", classes="short")
            yield Static(f"Declines ({self.declines.height:,})", classes="section-title")
            yield FrameView("No declines.", id="end-user-declines", classes="short")
            counted = (self.user or {}).get("page_views_count")
            note = f", {counted:,} counted by the platform" if isinstance(counted, int) else ""
            yield Static(
                f"Page views ({self.page_views.height:,}{note})",
                classes="section-title",
                id="end-user-page-views-title",
            )
            yield FrameView(
                "No page views stored for this end user.", id="end-user-page-views", classes="short"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#end-user-responses", FrameView).show(
            display_table(self.responses, RESPONSE_COLUMNS)
        )
        names = survey_names(app_surveys(self), self.account)
        declines = self.declines
        if names and "survey_id" in declines.columns:
            declines = declines.with_columns(
                pl.col("survey_id").map_elements(
                    lambda value: with_name(value, names), return_dtype=pl.String
                )
            )
        self.query_one("#end-user-declines", FrameView).show(
            display_table(declines, DECLINE_COLUMNS)
        )
        if {"at", "url"} <= set(self.page_views.columns):
            self.query_one("#end-user-page-views", FrameView).show(
                display_table(self.page_views, PAGE_VIEW_COLUMNS)
            )

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss()
