"""Which responses a metric counts, and the one way every face says how many were left out.

The rule (DESIGN.md, "Rules that every face shares"): a response flagged
`excluded_from_calculations` is listed in every table (the Responses pane, an export, a
notebook's rows) but never counted in a metric. A filter never drops such responses unless it
says `excluded:exclude`; a metric leaves them out itself. So every count of a selection says how
many of its rows were excluded: "5,850 responses, 130 excluded".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from workbench.analysis.fields import schema_of

EXCLUDED_COLUMN = "excluded_from_calculations"


def is_excluded(schema: pl.Schema | pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """True for a response excluded from calculations (a frame without the flag has none)."""
    if EXCLUDED_COLUMN not in schema_of(schema):
        return pl.lit(False)
    return pl.col(EXCLUDED_COLUMN).fill_null(False)


def is_counted(schema: pl.Schema | pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """True for a response a metric may count: every one not excluded from calculations (the
    metric then also keeps only its own scored rows)."""
    return ~is_excluded(schema)


@dataclass(frozen=True)
class Counts:
    """How many responses a selection lists, and how many of them metrics leave out."""

    responses: int
    excluded: int

    @property
    def counted(self) -> int:
        """Responses that metrics may count (before each keeps its own scored rows)."""
        return self.responses - self.excluded


def counts(responses: pl.DataFrame | pl.LazyFrame) -> Counts:
    """The number of rows and of rows excluded from calculations."""
    lazy = responses.lazy()
    row = lazy.select(
        pl.len().alias("responses"), is_excluded(lazy).sum().cast(pl.Int64).alias("excluded")
    ).collect()
    return Counts(int(row["responses"][0]), int(row["excluded"][0] or 0))


def count_line(
    responses: pl.DataFrame | pl.LazyFrame | Counts,
    *,
    of: int | None = None,
    noun: str = "response",
) -> str:
    """`5,850 responses, 130 excluded` (or `500 of 8,479 responses, none excluded` with `of`).

    Every face says a selection's size this way, so the TUI, the CLI and a notebook agree on
    the words as well as the numbers.
    """
    c = responses if isinstance(responses, Counts) else counts(responses)
    total = f"{c.responses:,} of {of:,}" if of is not None else f"{c.responses:,}"
    noun = noun if (of if of is not None else c.responses) == 1 else f"{noun}s"
    excluded_part = f"{c.excluded:,} excluded" if c.excluded else "none excluded"
    return f"{total} {noun}, {excluded_part}"
