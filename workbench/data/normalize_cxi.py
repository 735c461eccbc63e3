"""Wootric CXI records to canonical frames: responses, tags, imports (as surveys) and projects.

Each normalizer takes the client's models (`CxiClient` yields pydantic models) or their JSON
(`model_dump(mode="json")`, or the API's own rows) and an account name, and answers
`Normalized(frame, rejected)`: a record that cannot be read is reported, never dropped.

What CXI leaves to us:

- A response's metric is its import's `metric_type` (the API repeats it on each response; the
  import's own value wins when the caller passes it). An import whose metric was never set
  holds scores on no known scale: they are kept with metric `other`.
- Scores are checked against the scale of their metric (NPS 0-10, CSAT 1-5, CES 1-7, as in
  DESIGN.md). `other` has no documented scale, so any integer the `score` column holds is kept.
- The tag list names a tag's parent only by nesting it in `children` (`flat=false`); a flat
  listing may carry `parent_id`. Both are read, and the parent is stored by name.
- `sentiment_breakdown` gives percentages (two decimals); the table keeps counts, so they are
  turned back into counts of the tag's `response_count` (exact below 10,000 responses a tag).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from workbench.data.normalize import (
    Normalized,
    Row,
    _Bad,
    _count,
    _entries,
    _gather,
    _id,
    _list,
    _number,
    _record,
    _scalar,
    _score,
    _shown,
    _shown_id,
    _tags,
    _text,
    _time,
)

PLATFORM = "cxi"
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "other": (-(2**15), 2**15 - 1),  # no documented scale: whatever the Int16 column holds
}
"""The score range of each metric; a score outside its metric's range is rejected."""
SENTIMENTS = ("positive", "neutral", "negative")


# --- responses ---------------------------------------------------------------------------------


def cxi_responses(
    rows: Iterable[Row],
    account: str,
    *,
    import_id: str | int | None = None,
    metric_type: str | None = None,
) -> Normalized:
    """CXI responses -> `responses`.

    Feed it one `ResponseBatch` of `CxiClient.response_batches()` at a time, with the batch's
    `import_id` (it becomes `survey_id`; None for the responses only `/v1/responses` reached).
    `metric_type` is the import's, when the caller has it from `iter_imports()`; otherwise each
    response's own `metric_type` (the import's, as the API renders it) is used.
    """

    def read(row: Row) -> dict[str, Any]:
        metric = _metric(metric_type) if metric_type else _metric(_text(row, "metric_type"))
        low, high = SCALES[metric]
        survey = import_id if import_id is not None else row.get("import_id")
        return {
            "account": account,
            "platform": PLATFORM,
            "id": _id(row),
            "end_user_id": None,  # CXI has no end users, only the CSV's user_id
            "user_ref": _text(row, "user_id"),
            "survey_id": _id({"import_id": survey}, "import_id", required=False),
            "metric": metric,
            "score": _score(row, low, high),
            "text": _text(row, "feedback"),
            "created_at": _time(row, "feedback_date", required=True),
            "updated_at": None,
            "tags": _response_tags(row),
            "sentiment": _sentiment(row),
            "excluded_from_calculations": False,
            "origin_url": None,
            "properties": _custom_properties(row),
        }

    return _gather("responses", _entries(rows), read)


def _metric(value: str | None) -> str:
    """nps, csat, ces or other; unset is other. An unknown name is rejected, not guessed."""
    if value is None or not value.strip():
        return "other"
    metric = value.strip().lower()
    if metric not in SCALES:
        raise _Bad("metric_type", f"not one of nps, csat, ces, other: {value!r}")
    return metric


def _response_tags(row: Row) -> list[str]:
    tags = _list(row, "tags")
    for tag in tags:
        if not isinstance(tag, Mapping | str) or (isinstance(tag, Mapping) and not tag.get("name")):
            raise _Bad("tags", f"a tag without a name: {_shown(tag)}")
    return _tags(tags)


def _sentiment(row: Row) -> str | None:
    sentiment = (_text(row, "sentiment") or "").strip().lower()
    return sentiment or None


def _custom_properties(row: Row) -> dict[str, Any]:
    """`[{key, data_type, value}]` (the CSV's extra columns) as one mapping, key to value."""
    properties: dict[str, Any] = {}
    for item in _list(row, "custom_properties"):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise _Bad("custom_properties", f"not a {{key, value}} pair: {_shown(item)}")
        properties[item["key"]] = _scalar(item.get("value"))
    return properties


# --- tags ------------------------------------------------------------------------------------


def cxi_tags(rows: Iterable[Row], account: str) -> Normalized:
    """CXI tags (`CxiClient.iter_tags(flat=False)`, so that parents are known) -> `tags`.

    Children nested in `children` become rows of their own with `parent` set to the parent's
    name; a tag listed twice (nested and on its own) is kept once, with its parent.
    """
    return _gather("tags", _tag_tree(rows), lambda entry: _tag(entry, account))


def _tag_tree(rows: Iterable[Row]) -> Iterator[tuple[str, tuple[Row, str | None] | None]]:
    """Every tag as (shown id, (row, parent name)), children right after their parent.

    A tag met twice keeps its first place and whichever parent was named; a flat row's
    `parent_id` is resolved to the parent's name when the parent is among the rows.
    """
    walked = list(_walk(rows, None))
    names = {
        shown: row["name"] for shown, row, _ in walked if row and isinstance(row.get("name"), str)
    }
    kept: dict[str, tuple[Row, str | None]] = {}
    unplaced: list[tuple[str, tuple[Row, str | None] | None]] = []
    for shown, row, parent in walked:
        if row is None or shown == "?":
            unplaced.append((shown, (row, parent) if row is not None else None))
        elif shown not in kept or (parent is not None and kept[shown][1] is None):
            kept[shown] = (kept[shown][0] if shown in kept else row, parent)
    for shown, (row, parent) in kept.items():
        parent_id = row.get("parent_id")
        if parent is None and parent_id is not None:
            parent = names.get(str(parent_id))
        yield shown, (row, parent)
    yield from unplaced


def _walk(
    items: Iterable[object], parent: str | None
) -> Iterator[tuple[str, Row | None, str | None]]:
    for item in items:
        row = _record(item)
        yield _shown_id(row), row, parent
        children = row.get("children") if row is not None else None
        if isinstance(children, list):
            name = row.get("name") if row is not None else None
            yield from _walk(children, name if isinstance(name, str) else None)


def _tag(entry: tuple[Row, str | None], account: str) -> dict[str, Any]:
    row, parent = entry
    _list(row, "children")  # a children value that is not a list is a tag we cannot place
    count = _count(row, "response_count")
    positive, neutral, negative = _breakdown(row, count)
    return {
        "account": account,
        "platform": PLATFORM,
        "id": _id(row),
        "name": _text(row, "name", required=True),
        "parent": parent if isinstance(parent, str) else None,
        "mode": _text(row, "mode"),
        "sentiment": _dominant(positive, neutral, negative),
        "response_count": count,
        "usage": _number(row, "usage", low=0, high=100.0001),
        "positive": positive,
        "neutral": neutral,
        "negative": negative,
    }


def _breakdown(row: Row, count: int | None) -> tuple[int | None, int | None, int | None]:
    """Counts from `sentiment_breakdown` percentages; None without stats (`no_stats=true`)."""
    shares = row.get("sentiment_breakdown")
    if shares is None or shares == {} or count is None:
        return None, None, None
    if not isinstance(shares, Mapping):
        raise _Bad("sentiment_breakdown", f"not an object: {_shown(shares)}")
    counts = []
    for name in SENTIMENTS:
        try:
            share = _number(shares, name, low=0, high=100.0001)
        except _Bad as bad:
            raise _Bad(f"sentiment_breakdown.{bad.field}", bad.reason) from None
        counts.append(round((share or 0) * count / 100))
    return counts[0], counts[1], counts[2]


def _dominant(positive: int | None, neutral: int | None, negative: int | None) -> str | None:
    """The sentiment most mentions have; a tie between sentiments reads as mixed: neutral.
    None when nothing is known (no stats, or no mention with a sentiment)."""
    counts = {"positive": positive or 0, "neutral": neutral or 0, "negative": negative or 0}
    top = max(counts.values())
    if top == 0:
        return None
    leaders = [name for name, n in counts.items() if n == top]
    return leaders[0] if len(leaders) == 1 else "neutral"


# --- imports and projects ----------------------------------------------------------------------


def cxi_imports(rows: Iterable[Row], account: str) -> Normalized:
    """CXI imports (`CxiClient.iter_imports()`, or `get_import` details) -> `surveys`.

    Each import is an uploaded survey: its metric is the import's `metric_type` (null while the
    analyst has not set it), `active` is unknown to CXI (null), and the responses a detail
    carries are ignored here (`cxi_responses` reads them).
    """

    def read(row: Row) -> dict[str, Any]:
        metric = _text(row, "metric_type")
        return {
            "account": account,
            "platform": PLATFORM,
            "id": _id(row),
            "name": _text(row, "name"),
            "description": None,
            "metric": _metric(metric) if metric else None,
            "language": _text(row, "language"),
            "source": _text(row, "source"),
            "active": None,
            "response_count": _count(row, "response_count"),
            "created_at": _time(row, "created_at"),
            "updated_at": None,
        }

    return _gather("surveys", _entries(rows), read)


def cxi_projects(rows: Iterable[Row], account: str) -> Normalized:
    """CXI projects (`CxiClient.list_projects()`) -> `projects`."""

    def read(row: Row) -> dict[str, Any]:
        return {
            "account": account,
            "platform": PLATFORM,
            "id": _id(row),
            "name": _text(row, "name"),
            "response_count": _count(row, "response_count"),
            "created_at": _time(row, "created_at"),
        }

    return _gather("projects", _entries(rows), read)


__all__ = ["SCALES", "cxi_imports", "cxi_projects", "cxi_responses", "cxi_tags"]
