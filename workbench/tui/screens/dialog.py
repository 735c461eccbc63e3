"""What the TUI's small dialogs share: the modal frame, escape or Cancel to close it with None,
the row of buttons, and a field that must not be left empty."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT | None], Generic[ResultT]):
    """A dialog that dismisses with its answer, or None when cancelled."""

    AUTO_FOCUS = "*"  # the app autofocuses nothing; a dialog focuses its first field
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    def required(self, selector: str, warning: str) -> str | None:
        """The text of the Input `selector`, stripped; None, after `warning`, when empty."""
        text = self.query_one(selector, Input).value.strip()
        if not text:
            self.notify(warning, severity="warning")
            return None
        return text


def buttons(label: str, button_id: str) -> Horizontal:
    """A dialog's buttons: its action (`button_id`, the primary one), then Cancel."""
    return Horizontal(
        Button(label, variant="primary", id=button_id),
        Button("Cancel", id="cancel"),
        classes="dialog-buttons",
    )
