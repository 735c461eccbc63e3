"""The detail screens: a response (enter in Responses) and an end user (enter in End users).

They read the snapshot the panes show, plus the end user's page views, which no pane shows and
so are read from the store only when asked.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from textual import on

from workbench.data.store import StoreError
from workbench.data.tables import load_table
from workbench.tui.base import WorkbenchBase
from workbench.tui.messages import ShowEndUser, ShowResponse
from workbench.tui.screens.end_user_detail import EndUserScreen
from workbench.tui.screens.response_detail import ResponseScreen
from workbench.tui.views import score_categories


class DetailsApp(WorkbenchBase):
    """Opens the response and end-user screens."""

    @on(ShowResponse)
    def show_response(self, message: ShowResponse) -> None:
        responses = self.snapshot.responses
        if not 0 <= message.row < responses.height:
            return
        row = responses.row(message.row, named=True)
        user = self._end_user(row["account"], row["end_user_id"])
        category = None
        if row.get("score") is not None:
            match = score_categories().filter(
                (pl.col("metric") == row.get("metric")) & (pl.col("score") == row["score"])
            )
            category = match["category"][0] if match.height else None
        self.push_screen(ResponseScreen(row, user, category))

    def _end_user(self, account: str, end_user_id: str | None) -> dict[str, Any] | None:
        if end_user_id is None:
            return None
        users = self.snapshot.table("end_users").filter(
            (pl.col("account") == account) & (pl.col("id") == end_user_id)
        )
        return users.row(0, named=True) if users.height else None

    @on(ShowEndUser)
    def show_end_user(self, message: ShowEndUser) -> None:
        def mine(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.filter(
                (pl.col("account") == message.account)
                & (pl.col("end_user_id") == message.end_user_id)
            )

        self.push_screen(
            EndUserScreen(
                message.account,
                message.end_user_id,
                self._end_user(message.account, message.end_user_id),
                mine(self.snapshot.responses),
                mine(self.snapshot.table("declines")),
                self._page_views(message.account, message.end_user_id),
            )
        )

    def _page_views(self, account: str, end_user_id: str) -> pl.DataFrame:
        """The end user's stored page views (read when asked: no pane shows the table)."""
        try:
            views = load_table(self.store, "page_views", [account])
        except (StoreError, OSError, pl.exceptions.PolarsError):
            return pl.DataFrame()
        return views.filter(pl.col("end_user_id") == end_user_id)
