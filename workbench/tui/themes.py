"""Colour themes as data: TOML or JSON files turned into Textual `Theme` objects at start.

Why files: a team can add its house colours (or a colour-blind-safe set) without touching
code, by dropping a file in the user config dir's `themes/`. The bundled ones live in the
repository's top-level `themes/` (packaged into `workbench/tui/themes` in a wheel). A file
that does not load is reported, not fatal: the app starts with the themes that did.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import platformdirs
from textual.theme import Theme

APP_NAME = "workbench"
THEME_SUFFIXES = (".toml", ".json")
_FIELDS = {f.name for f in fields(Theme)}


@dataclass(frozen=True)
class ThemeProblem:
    """A theme file that could not be loaded, and why (shown as a notification)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"theme {self.path}: {self.reason}"


def bundled_theme_dirs() -> list[Path]:
    """Where the shipped themes are: inside the package (a wheel) or the repository root."""
    here = Path(__file__).resolve().parent
    return [d for d in (here / "themes", here.parents[1] / "themes") if d.is_dir()]


def user_theme_dir() -> Path:
    """The user's own themes, e.g. ~/.config/workbench/themes on Linux."""
    return platformdirs.user_config_path(APP_NAME) / "themes"


def theme_from_data(data: dict[str, Any], default_name: str) -> Theme:
    """A Theme from a file's table; unknown keys are an error so typos do not pass silently."""
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; theme keys are {', '.join(sorted(_FIELDS))}")
    values = {"name": default_name, **data}
    if not isinstance(values.get("primary"), str):
        raise ValueError('a theme needs a primary colour, e.g. primary = "#4C9BE8"')
    variables = values.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError("[variables] maps names to colour strings")
    theme = Theme(**values)
    try:
        theme.to_color_system()  # parses every colour now, so a bad one is reported at load
    except Exception as exc:  # textual's ColorParseError is not a ValueError
        raise ValueError(str(exc)) from None
    return theme


def load_theme_file(path: Path) -> Theme:
    """One theme file (TOML or JSON); raises ValueError with the reason."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if not isinstance(data, dict):
        raise ValueError("a theme file holds one table of colours")
    try:
        return theme_from_data(data, path.stem)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc).splitlines()[0]) from None


def load_themes(
    directories: Iterable[Path] | None = None,
) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every theme in the bundled and user directories (later ones win on a name clash)."""
    chosen = (
        list(directories)
        if directories is not None
        else [*reversed(bundled_theme_dirs()), user_theme_dir()]
    )
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for directory in chosen:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix not in THEME_SUFFIXES or not path.is_file():
                continue
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
