"""Which responses the current filter selects, in the two shapes the TUI needs them.

Why every row when the filter is empty: `workbench export responses` without `--filter` writes
every stored row, and an export from the TUI must equal the CLI's file for the same filter
text. A non-empty filter is applied exactly as the CLI applies it: names checked against the
data, `score:` checked against the metrics the rows hold (the same ScoreScaleError), dates in
UTC. Either way responses excluded from calculations are listed (unless the filter says
`excluded:exclude`); the metrics leave them out themselves (`analysis.counting`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from workbench.analysis import Filter, KnownNames
from workbench.analysis.counting import is_excluded
from workbench.analysis.filter_names import validate_filter
from workbench.analysis.filters import compile_filter

TIME_ZONE = "UTC"
"""The zone of dates when none is passed; the app passes `choose_time_zone`'s, the rule the
CLI's `--filter` and the notebooks use, so exports match."""


@dataclass(frozen=True)
class Selection:
    """The filtered responses as the Responses pane shows them (newest first)."""

    filter: Filter
    mask: pl.Series
    """One boolean per stored response (load order): selected or not."""
    rows: pl.Series
    """For each displayed row (newest first), the index of its response in the snapshot."""
    excluded: int = 0
    """Selected responses excluded from calculations: listed here, never counted in a metric."""

    @property
    def count(self) -> int:
        return self.rows.len()


def mask_for(
    responses: pl.DataFrame, chosen: Filter, known: KnownNames, time_zone: str = TIME_ZONE
) -> pl.Series:
    """The filter's selection as a mask; raises FilterError for names `known` lacks, and
    ScoreScaleError (a FilterError) for a `score:` that would mix scales on these rows."""
    if chosen.is_empty():
        return pl.repeat(True, responses.height, dtype=pl.Boolean, eager=True).alias("mask")
    validate_filter(chosen, known)
    return responses.select(
        compile_filter(chosen, responses, time_zone=time_zone).alias("mask")
    ).to_series()


def select(
    responses: pl.DataFrame,
    newest_first: pl.Series,
    chosen: Filter,
    known: KnownNames,
    time_zone: str = TIME_ZONE,
) -> Selection:
    """Apply `chosen`: the mask, and the selected rows' indices newest first; dates are
    calendar days in `time_zone` (the app passes `choose_time_zone`'s)."""
    mask = mask_for(responses, chosen, known, time_zone)
    flagged = responses.select(is_excluded(responses).alias("excluded")).to_series()
    excluded = int((flagged & mask).sum()) if responses.height else 0
    if chosen.is_empty():
        return Selection(chosen, mask, newest_first, excluded)
    return Selection(chosen, mask, newest_first.filter(mask.gather(newest_first)), excluded)


def selected_responses(responses: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The selected responses in load order: the rows an export writes and the metrics read
    (the metrics leave out those excluded from calculations)."""
    if selection.filter.is_empty():
        return responses
    return responses.filter(selection.mask)
