"""The API's rows as they come (JSON objects), for readers that take them straight.

Why: the sync's normalizers read each row once, from the API's own JSON, and report a row they
cannot read as rejected (id, field, reason). The clients' `*_rows` reads therefore check only the
answer's envelope and paging, and hand every row on, even one without an id or that is no object
at all: dropping it here would lose it in silence, validating it here would fail the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
Row = Any
"""One row as the API sent it: a JSON object, or whatever else a broken answer holds."""


def row_id(row: object) -> str | None:
    """The id a row is known by, as the models spell it (text); None when it has none."""
    if isinstance(row, Mapping):
        value = row.get("id")
        if value is not None and not isinstance(value, bool):
            return str(value)
    return None


def unseen(items: Iterable[T], seen: set[str], key: Callable[[T], str | None]) -> Iterator[T]:
    """The items whose id is not in `seen` yet, each added as it passes: a row that a shifting
    list shows twice comes once. An item without an id always passes (its reader rejects it)."""
    for item in items:
        known = key(item)
        if known is None:
            yield item
        elif known not in seen:
            seen.add(known)
            yield item


__all__ = ["Row", "row_id", "unseen"]
