"""Wootric CXI records to canonical frames: responses, tags, imports (as surveys) and projects.

Each normalizer takes rows as plain JSON objects (the API's own rows, as the client's
`*_rows` reads give them, or a model dumped with `model_dump(mode="json")`) and an account
name, and answers
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

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

from workbench.data.normalize.collect import Normalized, collect, entries
from workbench.data.normalize.fields import (
    Bad,
    Row,
    named_head,
    read_count,
    read_id,
    read_list,
    read_number,
    read_score,
    read_text,
    read_time,
    scalar,
    shown,
    shown_id,
    tag_names,
)
from workbench.data.normalize.ints import lazy_score

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

    def read(row: Row, score: Callable[..., Any] = read_score) -> dict[str, Any]:
        metric = _metric(metric_type) if metric_type else _metric(read_text(row, "metric_type"))
        low, high = SCALES[metric]
        survey = import_id if import_id is not None else row.get("import_id")
        return {
            "account": account,
            "platform": PLATFORM,
            "id": read_id(row),
            "end_user_id": None,  # CXI has no end users, only the CSV's user_id
            "user_ref": read_text(row, "user_id"),
            "survey_id": read_id({"import_id": survey}, "import_id", required=False),
            "metric": metric,
            "score": score(row, low, high),
            "text": read_text(row, "feedback"),
            "created_at": read_time(row, "feedback_date", required=True),
            "updated_at": None,
            "tags": _response_tags(row),
            "sentiment": _sentiment(row),
            "excluded_from_calculations": False,
            "origin_url": None,
            "properties": _custom_properties(row),
        }

    try:
        scale = SCALES[_metric(metric_type)] if metric_type else None
    except Bad:
        scale = None  # every row is rejected for it, one by one
    if scale is None:  # each response's own metric: its scale is known row by row only
        return collect("responses", entries(rows), read)
    quick = partial(read, score=lazy_score)
    return collect("responses", entries(rows), read, quick=quick, ints={"score": scale})


def _metric(value: str | None) -> str:
    """nps, csat, ces or other; unset is other. An unknown name is rejected, not guessed."""
    if value is None or not value.strip():
        return "other"
    metric = value.strip().lower()
    if metric not in SCALES:
        raise Bad("metric_type", f"not one of nps, csat, ces, other: {value!r}")
    return metric


def _response_tags(row: Row) -> list[str]:
    tags = read_list(row, "tags")
    for tag in tags:
        if not isinstance(tag, Mapping | str) or (isinstance(tag, Mapping) and not tag.get("name")):
            raise Bad("tags", f"a tag without a name: {shown(tag)}")
    return tag_names(tags)


def _sentiment(row: Row) -> str | None:
    sentiment = (read_text(row, "sentiment") or "").strip().lower()
    return sentiment or None


def _custom_properties(row: Row) -> dict[str, Any]:
    """`[{key, data_type, value}]` (the CSV's extra columns) as one mapping, key to value."""
    properties: dict[str, Any] = {}
    for item in read_list(row, "custom_properties"):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise Bad("custom_properties", f"not a {{key, value}} pair: {shown(item)}")
        properties[item["key"]] = scalar(item.get("value"))
    return properties


# --- tags ------------------------------------------------------------------------------------


def cxi_tags(rows: Iterable[Row], account: str) -> Normalized:
    """CXI tags (`CxiClient.iter_tags(flat=False)`, so that parents are known) -> `tags`.

    Children nested in `children` become rows of their own with `parent` set to the parent's
    name; a tag listed twice (nested and on its own) is kept once, with its parent.
    """
    return collect("tags", _tag_tree(rows), lambda entry: _tag(entry, account))


def _tag_tree(rows: Iterable[Row]) -> Iterator[tuple[str, tuple[Row, str | None] | Bad]]:
    """Every tag as (shown id, (row, parent name)), children right after their parent.

    A tag met twice keeps its first place and whichever parent was named; a flat row's
    `parent_id` is resolved to the parent's name when the parent is among the rows.
    """
    walked = list(_walk(rows, None))
    names = {
        named: row["name"] for named, row, _ in walked if row and isinstance(row.get("name"), str)
    }
    kept: dict[str, tuple[Row, str | None]] = {}
    unplaced: list[tuple[str, tuple[Row, str | None] | Bad]] = []
    for named, row, parent in walked:
        if row is None or named == "?":
            unplaced.append(
                (named, (row, parent) if row is not None else Bad("row", "not an object"))
            )
        elif named not in kept or (parent is not None and kept[named][1] is None):
            kept[named] = (kept[named][0] if named in kept else row, parent)
    for named, (row, parent) in kept.items():
        parent_id = row.get("parent_id")
        if parent is None and parent_id is not None:
            parent = names.get(str(parent_id))
        yield named, (row, parent)
    yield from unplaced


def _walk(
    items: Iterable[object], parent: str | None
) -> Iterator[tuple[str, Row | None, str | None]]:
    for item in items:
        row = item if isinstance(item, Mapping) else None
        yield shown_id(row), row, parent
        children = row.get("children") if row is not None else None
        if isinstance(children, list):
            name = row.get("name") if row is not None else None
            yield from _walk(children, name if isinstance(name, str) else None)


def _tag(entry: tuple[Row, str | None], account: str) -> dict[str, Any]:
    row, parent = entry
    read_list(row, "children")  # a children value that is not a list is a tag we cannot place
    count = read_count(row, "response_count")
    positive, neutral, negative = _breakdown(row, count)
    return {
        "account": account,
        "platform": PLATFORM,
        "id": read_id(row),
        "name": read_text(row, "name", required=True),
        "parent": parent if isinstance(parent, str) else None,
        "mode": read_text(row, "mode"),
        "sentiment": _dominant(positive, neutral, negative),
        "response_count": count,
        "usage": read_number(row, "usage", low=0, high=100.0001),
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
        raise Bad("sentiment_breakdown", f"not an object: {shown(shares)}")
    counts = []
    for name in SENTIMENTS:
        try:
            share = read_number(shares, name, low=0, high=100.0001)
        except Bad as bad:
            raise Bad(f"sentiment_breakdown.{bad.field}", bad.reason) from None
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
        metric = read_text(row, "metric_type")
        return {
            **named_head(row, account, PLATFORM),
            "description": None,
            "metric": _metric(metric) if metric else None,
            "language": read_text(row, "language"),
            "source": read_text(row, "source"),
            "active": None,
            "response_count": read_count(row, "response_count"),
            "created_at": read_time(row, "created_at"),
            "updated_at": None,
        }

    return collect("surveys", entries(rows), read)


def cxi_projects(rows: Iterable[Row], account: str) -> Normalized:
    """CXI projects (`CxiClient.list_projects()`) -> `projects`."""

    def read(row: Row) -> dict[str, Any]:
        return {
            **named_head(row, account, PLATFORM),
            "response_count": read_count(row, "response_count"),
            "created_at": read_time(row, "created_at"),
        }

    return collect("projects", entries(rows), read)


__all__ = ["SCALES", "cxi_imports", "cxi_projects", "cxi_responses", "cxi_tags"]
