"""The Responses table's backend: the stored responses once, as Arrow, seen through a row index.

Why an index: a filter then only computes which rows to show (an integer array, newest first),
and nothing is copied, sorted or formatted for the million rows nobody looks at. Cells are
formatted when they are drawn, which is a screenful at a time: the score coloured by its
category (colours from the theme), the comment on one line, tags joined, the date in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from rich.markup import escape

from workbench.tui.views import DATE_FORMAT, RESPONSE_COLUMNS, ScoreColours, score_categories
from workbench.tui.widgets.table import MEASURED_ROWS, SampledBackend

SOURCE_COLUMNS = ("score", "metric", "text", "tags", "created_at", "account")
"""The stored columns behind RESPONSE_COLUMNS, in the same order."""


def category_colours(colours: ScoreColours) -> dict[tuple[str, int], str]:
    """(metric, score) -> colour, from the analysis bands of each metric's scale."""
    return {
        (metric, int(score)): colours.of(category)
        for metric, score, category in score_categories().iter_rows()
    }


class ResponsesBackend(SampledBackend):
    """Shows `source` rows `rows[0]`, `rows[1]`, ... formatted for reading."""

    def __init__(
        self,
        source: pa.Table,
        rows: Sequence[int],
        colours: ScoreColours,
        labels: Sequence[str] = RESPONSE_COLUMNS,
        sources: Sequence[str] = SOURCE_COLUMNS,
    ) -> None:
        self.source = source
        self.labels = tuple(labels)
        self.sources = tuple(sources)
        """The stored column of each shown column (the view may hide or reorder them)."""
        self.rows = pa.array(rows, pa.int64()) if not isinstance(rows, pa.Array) else rows
        self.colours = category_colours(colours)
        self.other = colours.other
        super().__init__(self._head())

    def _head(self) -> pa.Table:
        """The first rows formatted, to size the columns by (taken in one go, not per cell)."""
        taken = self.source.take(self.rows.slice(0, min(MEASURED_ROWS, len(self.rows))))
        records = taken.to_pylist()
        columns = {
            name: [self._format(record[source], source, record["metric"]) for record in records]
            for name, source in zip(self.labels, self.sources, strict=True)
        }
        return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})

    def _cell(self, position: int, column: int) -> str:
        source = self.sources[column]
        value = self.source.column(source)[position].as_py()
        metric = self.source.column("metric")[position].as_py() if source == "score" else None
        return self._format(value, source, metric)

    def _format(self, value: Any, source: str, metric: str | None) -> str:
        if value is None:
            return ""
        if source == "score":
            colour = self.colours.get((metric or "", value), self.other)
            return f"[{colour}]{value}[/]"
        if source == "text":
            return escape(" ".join(str(value).split()))
        if source == "tags":
            return escape(", ".join(value))
        if source == "created_at":
            return value.strftime(DATE_FORMAT)
        return escape(str(value))

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def column_count(self) -> int:
        return len(self.sources)

    @property
    def source_row_count(self) -> int:
        return len(self.rows)

    def get_cell_at(self, row_index: int, column_index: int) -> Any:
        return self._cell(self.rows[row_index].as_py(), column_index)

    def get_row_at(self, index: int) -> Sequence[Any]:
        position = self.rows[index].as_py()
        return [self._cell(position, c) for c in range(len(self.sources))]

    def get_column_at(self, column_index: int) -> list[Any]:
        return [self._cell(p, column_index) for p in self.rows.to_pylist()]

    def sort(self, by: Any) -> None:
        """The rows come sorted (newest first, or by the view's keys: `ResponsesView`)."""


def response_source(responses: Any) -> pa.Table:
    """The columns the Responses table reads, as Arrow (no copy of anything else)."""
    return responses.select(SOURCE_COLUMNS).to_arrow()
