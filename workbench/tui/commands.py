"""The command palette's provider: every action of the workbench, found by name.

Why the app lists its own commands: the palette, the footer and the help screen then agree on
what exists; this provider only matches what a person types against the app's list. The table
tools and the filter history come from their bindings (`Grid.BINDINGS`, the app's), so a key
is written once and the palette and the help screen show it from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.keys import key_to_character

from workbench.tui.widgets.table import Grid

HISTORY_ACTIONS = ("undo_filter", "redo_filter")
"""The app's actions that belong with the table tools in the palette and the help."""


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


def bindings_for(
    bindings: Iterable[BindingType], actions: Iterable[str] | None = None
) -> list[Binding]:
    """The `Binding`s (of `actions`, if given, in their order), one per action."""
    found: dict[str, Binding] = {}
    for binding in bindings:
        if isinstance(binding, Binding) and binding.action not in found:
            found[binding.action] = binding
    if actions is None:
        return list(found.values())
    return [found[a] for a in actions if a in found]


NAMED_CHARACTERS = {"slash": "/"}
"""Keys whose name Textual does not turn back into their character."""


def key_text(binding: Binding) -> str:
    """The key as the help and the palette write it: `ctrl+e`, `/`, `?`, `delete`."""
    key = binding.key.split(",")[0]
    if "+" in key or len(key) == 1:
        return key
    character = NAMED_CHARACTERS.get(key) or key_to_character(key)
    return character if character and character.isprintable() and not character.isspace() else key


def action_key(bindings: Iterable[BindingType], action: str) -> str:
    """The key (`key_text`) of `action` among `bindings`."""
    return key_text(bindings_for(bindings, [action])[0])


def key_display(app: Any, binding: Binding) -> str:
    """The key as the footer writes it (`[`, `F`, `ctrl+f`)."""
    try:
        return str(app.get_key_display(binding))
    except Exception:
        return binding.key


def target_grid(app: Any) -> Grid | None:
    """The table a palette command acts on: the focused one, else the active pane's."""
    focused = app.focused
    if isinstance(focused, Grid):
        return focused
    try:
        main = app.screen_stack[0]
        pane = getattr(app, "active_pane", "")
        found = main.query(f"#{pane}-pane Grid") if pane else main.query(Grid)
    except Exception:
        return None
    return found.first() if found else None


def _run_on_grid(app: Any, action: str) -> None:
    grid = target_grid(app)
    if grid is None:
        app.notify("Open a pane with a table first (1-5).")
        return
    grid.focus()
    app.call_later(grid.run_action, action)


def table_commands(app: Any) -> list[PaletteCommand]:
    """One palette entry per table tool (`Grid.BINDINGS`) and per filter-history action."""
    commands = [
        PaletteCommand(
            f"Table: {b.description}",
            f"On the table of the current pane ({key_display(app, b)})",
            partial(_run_on_grid, app, b.action),
        )
        for b in bindings_for(Grid.BINDINGS)
    ]
    commands += [
        PaletteCommand(
            b.description,
            f"Step through the filters applied ({key_display(app, b)})",
            partial(app.call_later, app.run_action, b.action),
        )
        for b in bindings_for(type(app).BINDINGS, HISTORY_ACTIONS)
    ]
    return commands


def keys_markdown(app: Any) -> str:
    """The table tools and the filter history as a Markdown table of keys."""
    rows = [
        (key_display(app, b), b.description)
        for b in [
            *bindings_for(Grid.BINDINGS),
            *bindings_for(type(app).BINDINGS, HISTORY_ACTIONS),
        ]
    ]
    lines = ["| key | what it does |", "|---|---|"]
    lines += [f"| `{key}` | {what} |" for key, what in rows]
    return "\n".join(lines)


def actions_markdown(app: Any) -> str:
    """The write actions (`acting.bindings` of each pane) as a Markdown table of keys."""
    from workbench.tui import acting

    lines = ["| key | pane | what it does |", "|---|---|---|"]
    for pane, title in acting.PANE_TITLES.items():
        for b in acting.bindings(pane):
            lines.append(f"| `{key_display(app, b)}` | {title} | {b.description} |")
    return "\n".join(lines)


class HasCommands(Protocol):
    def palette_commands(self) -> list[PaletteCommand]: ...


class WorkbenchCommands(Provider):
    """Lists every workbench action; fuzzy-matches the query against the titles."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        listing = getattr(app, "palette_commands", None)
        return listing() if callable(listing) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
