"""The Tags pane: each tag's responses, NPS impact and sentiment; pick tags into the filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import polars as pl
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from workbench.tui import acting
from workbench.tui.widgets.grid import FrameView

TagMode = Literal["any", "all", "none", "drop"]
PICKS: tuple[tuple[str, TagMode, str], ...] = (
    ("a", "any", "any of"),
    ("l", "all", "all of"),
    ("n", "none", "none of"),
    ("x", "drop", "remove"),
)
"""The keys that put the tag under the cursor into the filter (or take it out): the key, the
mode, and what the key bar and the pane's hint call it."""
_PICK_KEYS = " · ".join(f"{key}: {name}" for key, _, name in PICKS)
COLUMNS = {
    "tag": "tag",
    "responses": "responses",
    "n": "NPS n",
    "share": "% of scored",
    "with_tag": "NPS with tag",
    "impact": "NPS impact",
    "impact_low": "impact low",
    "impact_high": "impact high",
    "p_adjusted": "p (Holm)",
    "note": "note",
    "positive": "positive",
    "neutral": "neutral",
    "negative": "negative",
}
"""`responses` lists every row carrying the tag (excluded ones too); `NPS n` is what NPS counts."""


class TagsPane(Vertical):
    """Tags of the selection; `a`/`l`/`n` add the tag under the cursor to the filter as any
    of / all of / none of, `x` takes it out again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"pick('{mode}')", f"Tag: {name}") for key, mode, name in PICKS),
        *acting.bindings("tags"),
    ]

    @dataclass
    class Picked(Message):
        """A tag to put into (or take out of) the filter."""

        tag: str
        mode: TagMode

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.tags = pl.DataFrame()

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-status", id="tags-count")
        yield FrameView("No tags in the selection.", id="tags-table")

    def show(self, tags: pl.DataFrame) -> None:
        self.tags = tags
        self.query_one("#tags-count", Static).update(
            f"{tags.height:,} tags   [dim]{_PICK_KEYS} "
            "· NPS impact = NPS − NPS without the tag's responses, with its 95% interval "
            "· responses include excluded ones, NPS n does not[/]"
        )
        self.query_one(FrameView).show_frame(tags, COLUMNS, keep_cursor=True)

    def current_tag(self) -> str | None:
        view = self.query_one(FrameView)
        grid, shown = view.grid, view.frame
        if grid is None or not grid.row_count or shown is None or shown.is_empty():
            return None
        row = min(grid.cursor_row, shown.height - 1)
        return str(shown["tag"][row])

    def action_pick(self, mode: TagMode) -> None:
        tag = self.current_tag()
        if tag is not None:
            self.post_message(self.Picked(tag, mode))

    def focus_table(self) -> None:
        self.query_one(FrameView).focus_grid()
