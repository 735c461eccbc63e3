"""The line a pane shows in place of its content when its computation failed.

Why a widget beside the pane rather than inside it: every pane fails the same way (the reason
and what to do, one line), so the app puts one of these above each pane and hides the pane's
content while it is shown; the panes themselves need not know about failures.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


class PaneProblem(Static):
    """Hidden until `show`; `clear` hides it again when the pane's figures arrive."""

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.title = title
        self.reason = ""

    def show(self, reason: str) -> None:
        self.reason = reason
        self.border_title = f"{self.title}: not shown for this filter"
        self.update(Text(reason))
        self.add_class("-visible")

    def clear(self) -> None:
        self.reason = ""
        self.update("")
        self.remove_class("-visible")

    @property
    def shown(self) -> bool:
        return self.has_class("-visible")
