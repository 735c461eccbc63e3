"""The welcome screen: no account is configured, so offer the demo or the add-account form."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

Choice = Literal["demo", "add", "quit"]

WELCOME = (
    "[b]Welcome to the feedback workbench[/b]\n\n"
    "It reads end users, survey responses, tags and surveys from Wootric NPS, Wootric CXI, "
    "Apptentive and Crowdskout into a local store, and shows NPS, CSAT and CES with their "
    "intervals, by segment and over time.\n\n"
    "No account is configured yet. Try the [b]demo[/b] (a local sandbox of the four APIs with "
    "synthetic data; no credentials needed), or [b]add an account[/b] of your own."
)


class WelcomeScreen(Screen[Choice]):
    """Dismisses with "demo", "add" or "quit"."""

    AUTO_FOCUS = "#demo"  # the app autofocuses nothing; the first choice takes focus
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "choose('demo')", "Start the demo"),
        Binding("a", "choose('add')", "Add an account"),
        Binding("q", "choose('quit')", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome", classes="dialog wide"):
            with VerticalScroll(id="welcome-scroll"):
                yield Static(WELCOME, id="welcome-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start the demo", variant="primary", id="demo")
                yield Button("Add an account", id="add")
                yield Button("Quit", id="quit")
        yield Footer()

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(choice)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)  # type: ignore[arg-type]
