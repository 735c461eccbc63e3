"""The End users pane: who answered, with a search box; enter opens a person's detail."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static
from textual_fastdatatable.data_table import DataTable

from workbench.tui import acting
from workbench.tui.compute import search_end_users
from workbench.tui.messages import ShowEndUser
from workbench.tui.widgets.grid import FrameView

COLUMNS = {
    "email": "email",
    "external_id": "external id",
    "id": "id",
    "responses": "responses",
    "last_surveyed": "last surveyed",
    "account": "account",
    "platform": "platform",
}


class EndUsersPane(Vertical):
    """End users of the selection (all of them without a filter), searchable; the actions on
    the selection's end users are on its keys."""

    BINDINGS: ClassVar[list[BindingType]] = [*acting.bindings("end-users")]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.users = pl.DataFrame()
        self.shown = pl.DataFrame()

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search email, external id or id", id="end-user-search")
        yield Static("", classes="pane-status", id="end-users-count")
        yield FrameView("No end users match.", id="end-users-table")

    def show(self, users: pl.DataFrame) -> None:
        self.users = users
        self._refresh()

    def _refresh(self) -> None:
        term = self.query_one("#end-user-search", Input).value
        self.shown = search_end_users(self.users, term)
        self.query_one("#end-users-count", Static).update(
            f"{self.shown.height:,} end users   [dim]enter: details · p: push · s: set property[/]"
        )
        self.query_one(FrameView).show_frame(self.shown, COLUMNS)

    @on(Input.Changed, "#end-user-search")
    def searched(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh()

    @on(DataTable.RowSelected)
    def open_row(self, event: DataTable.RowSelected) -> None:
        event.stop()
        shown = self.query_one(FrameView).frame
        if shown is not None and 0 <= event.cursor_row < shown.height:
            row = shown.row(event.cursor_row, named=True)
            self.post_message(ShowEndUser(row["account"], row["id"]))

    def focus_table(self) -> None:
        self.query_one(FrameView).focus_grid()
