"""Which Crowdskout profile ids a sync reads, from the account's settings.

Crowdskout cannot list profiles, so the ids come from the person: ranges in the settings
(`profile_ids`), a file (`profile_ids_file`: a CSV exported from Crowdskout, or one id a line),
or, only when asked for (`profile_walk_from`), a walk up from an id until 25 in a row are missing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from workbench.settings import CrowdskoutAccount, SettingsError
from workbench.settings.profile_ids import merge_ranges, parse_id_ranges

ID_COLUMNS = ("id", "profile_id", "profile id", "crowdskout id", "crowdskout_id")
"""Header names (any case) of the id column in a CSV of profiles."""


class ProfileIdsError(SettingsError):
    """The id file cannot be read; the message names the file and what to do."""


@dataclass(frozen=True)
class ProfileIds:
    """The ids to read (`ranges`, sorted and merged) or where to start walking (`walk_from`)."""

    ranges: list[tuple[int, int]]
    walk_from: int | None
    source: str
    """In words, for the sync summary: "profile_ids", "ids.csv", "a walk from id 1"."""

    @property
    def count(self) -> int:
        return sum(last - first + 1 for first, last in self.ranges)

    def ids(self) -> list[int]:
        return [i for first, last in self.ranges for i in range(first, last + 1)]


HOW_TO_GIVE = (
    "Crowdskout has no profile listing: give the ids as accounts.{name}.profile_ids "
    '(e.g. "1-5000"), or profile_ids_file (a CSV exported from Crowdskout), or set '
    "profile_walk_from = 1 to look for them id by id"
)


def profile_ids(account: CrowdskoutAccount) -> ProfileIds | None:
    """The account's id source, or None when it gives none."""
    ranges: list[tuple[int, int]] = []
    sources: list[str] = []
    if account.profile_ids:
        ranges += parse_id_ranges(account.profile_ids)
        sources.append("profile_ids")
    if account.profile_ids_file:
        path = account.profile_ids_file.expanduser()
        ranges += [(i, i) for i in read_id_file(path)]
        sources.append(path.name)
    if ranges:
        return ProfileIds(merge_ranges(ranges), None, " and ".join(sources))
    if account.profile_walk_from:
        start = account.profile_walk_from
        return ProfileIds([], start, f"a walk from id {start}")
    return None


def read_id_file(path: Path) -> list[int]:
    """The ids in a CSV with an id column (Crowdskout's export) or a file of one id a line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ProfileIdsError(
            f"cannot read the profile ids file {path} ({exc.strerror or exc}); check "
            "profile_ids_file in the account's settings"
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ProfileIdsError(f"the profile ids file {path} is empty; put one id a line in it")
    header = next(csv.reader([lines[0]]))
    named = [h.strip().lower() for h in header]
    column = next((named.index(c) for c in ID_COLUMNS if c in named), None)
    if column is None and len(header) > 1:
        raise ProfileIdsError(
            f"{path} has no id column (its columns: {', '.join(header[:6])}); export the "
            "profiles with their id, or write one id a line"
        )
    rows = list(csv.reader(lines[1:] if column is not None else lines))
    ids: list[int] = []
    for number, row in enumerate(rows, start=2 if column is not None else 1):
        value = row[column or 0].strip() if row and len(row) > (column or 0) else ""
        if not value.isdigit() or int(value) < 1:
            raise ProfileIdsError(f"{path} line {number}: {value!r} is not a profile id")
        ids.append(int(value))
    return ids
