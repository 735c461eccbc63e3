"""The filter bar: the filter typed in its text form, with completion, errors and chips.

Why text: the same words work in `workbench export --filter` and in notebooks, so what a person
learns here carries over. Completion comes from `analysis.complete` (tags, properties, keys);
a syntax error is shown with a caret under the problem, an unknown name with the nearest one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

from workbench.analysis import Filter, FilterSyntaxError, KnownNames, complete
from workbench.tui.chips import chips
from workbench.tui.messages import FilterChanged


class FilterSuggester(Suggester):
    """Suggests the first completion of the last term of the filter being typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = KnownNames()

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value[-1].isspace():
            return None
        options = complete(value, self.known, limit=1)
        if not options:
            return None
        head = value[: len(value) - len(value.split()[-1])]
        suggestion = head + options[0]
        return suggestion if suggestion != value and suggestion.startswith(value) else None


PLACEHOLDER = 'e.g. tag:PRICING score:detractors "slow"   (/ to type a filter)'
"""Dim, and starting with "e.g.", so it is not taken for a filter in effect (the chips below
say which one is); short enough to show whole in an 80-column terminal."""


class ChipButton(Button):
    """One removable piece of the filter; pressing it removes that piece."""

    def __init__(self, label: str, without: Filter, **kwargs: Any) -> None:
        super().__init__(f"{label} ✕", compact=True, classes="chip", **kwargs)
        self.without = without
        self.tooltip = f"Remove {label} from the filter"


class FilterBar(Vertical):
    """Input + error line + chips; posts FilterChanged when a filter is submitted or a chip
    removed. The app answers with `show(filter)` or `show_error(...)`."""

    class Cleared(Message):
        """Escape in an empty bar: give focus back to the pane."""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=PLACEHOLDER,
            suggester=FilterSuggester(),
            select_on_focus=False,
            id="filter-input",
        )
        yield Static("", id="filter-error")
        yield Horizontal(id="filter-chips")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    def set_known(self, known: KnownNames) -> None:
        suggester = self.input.suggester
        if isinstance(suggester, FilterSuggester):
            suggester.known = known

    def show(self, chosen: Filter) -> None:
        """Show the filter in effect and one chip per piece; the text stays as it was typed
        when it is this filter (the canonical text otherwise)."""
        if not self._typed_is(chosen):
            self.input.value = chosen.to_text()
        self.clear_error()
        box = self.query_one("#filter-chips", Horizontal)
        box.remove_children()
        pieces = chips(chosen)
        if pieces:
            box.mount_all(ChipButton(chip.label, chip.without) for chip in pieces)
        else:
            box.mount(Static("no filter: every response", classes="chip-note"))

    def _typed_is(self, chosen: Filter) -> bool:
        text = self.input.value
        if not text.strip():
            return False
        try:
            return Filter.parse(text) == chosen
        except ValueError:
            return False

    def show_error(self, message: str) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(Text(message))
        error.add_class("visible")

    def show_rejected(self, message: str, applied: Filter) -> None:
        """The typed filter was not applied: why, and which filter is still in effect (the
        chips keep showing it; the typed text stays in the input to be corrected)."""
        still = applied.to_text() or "no filter (every response)"
        stop = "" if message.rstrip().endswith((".", "?", "!")) else "."
        self.show_error(f"Not applied: {message.rstrip()}{stop} Still showing: {still}")

    def clear_error(self) -> None:
        error = self.query_one("#filter-error", Static)
        error.update("")
        error.remove_class("visible")

    @on(Input.Submitted, "#filter-input")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            chosen = Filter.parse(event.value)
        except FilterSyntaxError as exc:
            self.show_error(f"Not applied: {exc}\n{exc.pointer()}")
            return
        except ValueError as exc:
            self.show_error(f"Not applied: {str(exc).splitlines()[0]}")
            return
        self.clear_error()
        self.post_message(FilterChanged(chosen))

    @on(Button.Pressed, ".chip")
    def chip_removed(self, event: Button.Pressed) -> None:
        event.stop()
        if isinstance(event.button, ChipButton):
            self.post_message(FilterChanged(event.button.without))
