"""Crowdskout profile ids as a person writes them: "1-5000, 7001-7300, 9000".

Crowdskout has no profile listing, so a sync reads the ids it is given. The text is checked when
the settings are read (a typo is one clear line then, not a sync that finds nothing), and turned
into sorted, merged ranges here, once.
"""

from __future__ import annotations

import re

MAX_IDS = 10_000_000
"""More ids than any organization holds: a range past it is a typo (a missing dash, say)."""
_PART = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_id_ranges(text: str) -> list[tuple[int, int]]:
    """Inclusive (first, last) ranges, sorted and merged; a ValueError names the wrong part."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _PART.match(part)
        if match is None:
            raise ValueError(
                f"{part.strip()!r} is not an id or a range; write ids and ranges like "
                '"1-5000, 7001-7300, 9000"'
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise ValueError(
                f"{part.strip()!r}: a range runs from a low id (1 or more) to a higher one"
            )
        ranges.append((first, last))
    if not ranges:
        raise ValueError('no profile ids given; write ids and ranges like "1-5000, 9000"')
    return merge_ranges(ranges)


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    if sum(last - first + 1 for first, last in merged) > MAX_IDS:
        raise ValueError(f"more than {MAX_IDS:,} profile ids; check the ranges for a missing dash")
    return merged
