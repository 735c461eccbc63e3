"""The small-n rule, defined once: below `MIN_N` responses a figure is marked too small.

Every function that shows a group (a trend point, a segment, a tag, one side of a comparison)
takes `min_n` with this default, and no face has a number of its own. A group under it is never
dropped: it keeps its counts, its estimates are not tested (no interval, no p-value) and its
`note` says "too small (n=12)", so a table still adds up and the reader sees why a number is
missing.
"""

from __future__ import annotations

from typing import Final

import polars as pl

MIN_N: Final[int] = 30
"""Below this many responses a group's figure is shown as too small (the default everywhere)."""


def check_min_n(min_n: int) -> int:
    """A usable `min_n`: a whole number, zero or more."""
    if isinstance(min_n, bool) or not isinstance(min_n, int):
        raise TypeError(f"min_n is a whole number of responses, not {min_n!r}")
    if min_n < 0:
        raise ValueError("min_n cannot be negative")
    return min_n


def too_small_text(n: int) -> str:
    """The words a face shows instead of a number: "too small (n=12)"."""
    return f"too small (n={n:,})"


def too_small_note(n: str = "n") -> pl.Expr:
    """`too_small_text` as a polars expression over the count column `n`."""
    return pl.format("too small (n={})", pl.col(n))
