"""Dialogs to save the current filter under a name and to load (or delete) a saved one."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.settings import SettingsError
from workbench.tui.preferences import SavedFilters
from workbench.tui.screens.dialog import Dialog, buttons


class SaveFilterScreen(Dialog[str]):
    """Asks for a name; dismisses with it (None on cancel)."""

    def __init__(self, filter_text: str, names: list[str]) -> None:
        super().__init__()
        self.filter_text = filter_text
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Save the filter as", classes="dialog-title")
            yield Static(self.filter_text or "(empty filter)", classes="dialog-text", markup=False)
            yield Input(placeholder="a name, e.g. enterprise detractors", id="filter-name")
            yield buttons("Save", "save")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        name = self.required("#filter-name", "Give the filter a name")
        if name is not None:
            self.dismiss(name)


class LoadFilterScreen(Dialog[str]):
    """Lists saved filters; enter loads one, `d` deletes it. Dismisses with the chosen name."""

    BINDINGS: ClassVar[list[BindingType]] = [*Dialog.BINDINGS, Binding("d", "delete", "Delete")]

    def __init__(self, store: SavedFilters) -> None:
        super().__init__()
        self.store = store
        self.saved = store.load()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(
                "Load a saved filter  [dim]enter: load · d: delete[/]", classes="dialog-title"
            )
            yield OptionList(*self._options(), id="saved-filters")

    def _options(self) -> list[Option]:
        if not self.saved:
            return [Option("No saved filters yet (ctrl+s saves the current one)", disabled=True)]
        return [
            Option(f"[b]{escape(name)}[/b]  [dim]{escape(text)}[/]", id=name)
            for name, text in self.saved.items()
        ]

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_delete(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not self.saved:
            return
        name = options.get_option_at_index(index).id
        if name is None:
            return
        try:
            self.store.delete(name)
        except SettingsError as exc:
            self.notify(str(exc), severity="error")
            return
        self.saved.pop(name, None)
        options.clear_options()
        options.add_options(self._options())
