"""The command palette's provider: every action of the workbench, found by name.

Why the app lists its own commands: the palette, the footer and the help screen then agree on
what exists; this provider only matches what a person types against the app's list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


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
