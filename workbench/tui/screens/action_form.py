"""The questions an action asks before its plan is built (an attribute, a file, a subject).

One labelled input per field; enter moves to the next field and, on the last one, answers.
A required field left empty is named and keeps the form open. Dismisses with the answers
(field name -> text, stripped) or None on escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from workbench.tui.acting import Field


class ActionFormScreen(ModalScreen[dict[str, str] | None]):
    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, fields: Sequence[Field], note: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.fields = list(fields)
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="action-form"):
            yield Static(escape(self.title_text), classes="dialog-title")
            if self.note:
                yield Static(escape(self.note), classes="dialog-text")
            with Vertical(id="action-fields"):
                for f in self.fields:
                    mark = " *" if f.required else ""
                    with Horizontal(classes="form-row"):
                        yield Label(escape(f.label) + mark)
                        yield Input(
                            f.value, placeholder=f.placeholder, id=f"field-{f.name}", compact=True
                        )
            yield Static("", id="action-form-problem")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Show the plan", variant="primary", id="plan")
                yield Button("Cancel", id="cancel")
            yield Static("enter: next field · escape: cancel · nothing is sent yet")

    def answers(self) -> dict[str, str]:
        return {
            f.name: self.query_one(f"#field-{f.name}", Input).value.strip() for f in self.fields
        }

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.submit()

    @on(Button.Pressed, "#plan")
    def submit(self) -> None:
        answers = self.answers()
        missing = [f for f in self.fields if f.required and not answers[f.name]]
        if missing:
            self.query_one("#action-form-problem", Static).update(
                f"[$error]{escape(missing[0].label)} is needed.[/]"
            )
            self.query_one(f"#field-{missing[0].name}", Input).focus()
            return
        self.dismiss(answers)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)
