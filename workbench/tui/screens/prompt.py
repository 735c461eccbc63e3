"""A one-line question (search text, a row number): enter answers, escape cancels.

`on_change`, if given, hears every keystroke, so search moves the cursor while typing.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from workbench.tui.screens.dialog import Dialog


class PromptScreen(Dialog[str]):
    """Dismisses with the text typed, or None."""

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        on_change: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="prompt-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("enter: done · escape: cancel", classes="dialog-text")

    @on(Input.Changed, "#prompt-input")
    def changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.on_change is not None:
            self.on_change(event.value)

    @on(Input.Submitted, "#prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
