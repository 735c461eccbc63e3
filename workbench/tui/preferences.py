"""What the TUI remembers between runs: the theme (in the config file) and saved filters.

Why the theme is written into the one config file rather than through `save_settings`: the
loaded settings may hold secrets that came from the environment or the keyring, and saving
them whole would copy those into the file. Editing one key keeps everything else as it was.
Saved filters live beside the user's config, in `filters.toml`, as their text form, so they
are readable, editable by hand and shared with the CLI's `--filter`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs

from workbench.analysis import Filter
from workbench.settings import SettingsError, write_config
from workbench.settings.writing import read_document

APP_NAME = "workbench"
FILTERS_FILE = "filters.toml"


def save_theme(config_file: Path, theme: str) -> None:
    """Set `theme = ...` in the config file, keeping every other key; raises SettingsError."""
    document = read_document(config_file)
    document["theme"] = theme
    write_config(config_file, document)


def _section(path: Path, name: str) -> dict[str, Any]:
    """The TOML table `[name]` of the file; empty when unreadable or not a table (never raises)."""
    try:
        document = read_document(path)
    except SettingsError:
        return {}
    table = document.get(name, {})
    return table if isinstance(table, dict) else {}


def _keep(path: Path, name: str, key: str, value: object) -> None:
    """Set `key = value` in the file's `[name]` (an empty value: remove the key), keeping every
    other entry; raises SettingsError if the file cannot be read or written."""
    document = read_document(path) if path.exists() else {}
    kept = document.get(name, {})
    kept = dict(kept) if isinstance(kept, dict) else {}
    if value:
        kept[key] = value
    else:
        kept.pop(key, None)
    document[name] = kept
    write_config(path, document)


def filters_file() -> Path:
    """~/.config/workbench/filters.toml on Linux (platformdirs elsewhere)."""
    return platformdirs.user_config_path(APP_NAME) / FILTERS_FILE


class SavedFilters:
    """Named filters kept as text in a TOML table `[filters]`; reading never raises."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or filters_file()

    def load(self) -> dict[str, str]:
        """Name -> filter text, skipping entries that are not strings."""
        table = _section(self.path, "filters")
        return {str(k): v for k, v in sorted(table.items()) if isinstance(v, str)}

    def get(self, name: str) -> Filter:
        """The saved filter, parsed; KeyError if there is none, FilterSyntaxError if broken."""
        return Filter.parse(self.load()[name])

    def save(self, name: str, chosen: Filter) -> None:
        """Store (or overwrite) a filter under `name`; raises SettingsError if unwritable."""
        name = name.strip()
        if not name:
            raise ValueError("a saved filter needs a name")
        filters = self.load()
        filters[name] = chosen.to_text()
        write_config(self.path, {"filters": filters})

    def delete(self, name: str) -> None:
        filters = self.load()
        if filters.pop(name, None) is not None:
            write_config(self.path, {"filters": filters})


TABLES_FILE = "tables.toml"


def tables_file() -> Path:
    """~/.config/workbench/tables.toml on Linux: each table's columns, shown and in order."""
    return platformdirs.user_config_path(APP_NAME) / TABLES_FILE


class TableColumns:
    """Which columns each table shows, in which order: `[columns] table-id = ["a", "b"]`, the
    widths set by hand: `[widths.table-id] comment = 90`, and the sort keys, first key first:
    `[sort] table-id = [["account", "asc"], ["score", "desc"]]`.

    Kept apart from the config file for the reason saved filters are: it is written often
    and must never copy a setting. Reading never raises; a table never arranged is absent.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or tables_file()

    def load(self) -> dict[str, list[str]]:
        table = _section(self.path, "columns")
        return {
            str(k): [str(c) for c in v]
            for k, v in table.items()
            if isinstance(v, list) and all(isinstance(c, str) for c in v)
        }

    def get(self, table: str) -> list[str] | None:
        return self.load().get(table)

    def save(self, table: str, columns: list[str] | None) -> None:
        """Keep `columns` for `table` (None: back to the table's own); raises SettingsError."""
        document = read_document(self.path) if self.path.exists() else {}
        arranged = self.load()
        if columns is None:
            arranged.pop(table, None)
        else:
            arranged[table] = list(columns)
        document["columns"] = arranged
        write_config(self.path, document)

    def widths(self, table: str) -> dict[str, int]:
        """Column -> width in cells, for the columns widened or narrowed by hand."""
        mine = _section(self.path, "widths").get(table, {})
        if not isinstance(mine, dict):
            return {}
        return {str(k): v for k, v in mine.items() if isinstance(v, int) and v > 0}

    def save_widths(self, table: str, widths: dict[str, int]) -> None:
        """Keep `widths` for `table` (empty: every column sized by its content)."""
        _keep(self.path, "widths", table, dict(widths))

    def sort(self, table: str) -> list[tuple[str, bool]]:
        """The table's sort keys, (column, descending), first key first; [] if unsorted."""
        mine = _section(self.path, "sort").get(table, [])
        if not isinstance(mine, list):
            return []
        return [
            (key[0], key[1] == "desc")
            for key in mine
            if isinstance(key, list)
            and len(key) == 2
            and isinstance(key[0], str)
            and key[1] in ("asc", "desc")
        ]

    def save_sort(self, table: str, keys: list[tuple[str, bool]]) -> None:
        """Keep the table's sort keys (empty: unsorted); raises SettingsError if unwritable."""
        written = [[column, "desc" if descending else "asc"] for column, descending in keys]
        _keep(self.path, "sort", table, written)
