"""API rows to canonical frames, per platform: timestamps to UTC, ids to strings, scores with
their metric, tags as lists, properties as a struct.

A row that cannot be normalized is not dropped in silence: it becomes a `Rejected` (id, field,
reason) that the sync summary reports, and the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from workbench.data.schema import conform, empty
from workbench.sources.fields import read_properties
from workbench.sources.timestamps import TimestampError, parse_timestamp

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Rejected:
    """One record the normalizer could not read, with the field at fault."""

    table: str
    id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.table} {self.id}: {self.field}: {self.reason}"


@dataclass
class Normalized:
    frame: pl.DataFrame
    rejected: list[Rejected] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        self.field = field_name
        self.reason = reason


def _time(row: Row, name: str, *, required: bool = False) -> datetime | None:
    try:
        value = parse_timestamp(row.get(name))
    except TimestampError as exc:
        raise _Bad(name, str(exc)) from None
    if value is None and required:
        raise _Bad(name, "missing")
    return value


def _id(row: Row, name: str = "id", *, required: bool = True) -> str | None:
    value = row.get(name)
    if value is None or value == "" or isinstance(value, bool | dict | list):
        if required:
            raise _Bad(name, "missing" if value in (None, "") else f"not an id: {value!r}")
        return None
    return str(value)


def _score(row: Row, low: int, high: int) -> int | None:
    value = row.get("score")
    if value is None or value == "":
        return None
    try:
        score = int(value)
    except (TypeError, ValueError, OverflowError):
        raise _Bad("score", f"not an integer: {value!r}") from None
    if score != value and str(score) != str(value).strip():
        raise _Bad("score", f"not an integer: {value!r}")
    if not low <= score <= high:
        raise _Bad("score", f"{score} is outside {low}-{high}")
    return score


def _props(value: object) -> dict[str, Any]:
    try:
        props = read_properties(value)
    except ValueError as exc:
        raise _Bad("properties", str(exc)) from None
    # Nested values do not fit a flat struct; keep them readable as text.
    return {
        k: (v if isinstance(v, str | int | float | bool) or v is None else str(v))
        for k, v in props.items()
    }


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad("tags", f"not a list: {value!r}")
    return [str(t["name"] if isinstance(t, dict) and "name" in t else t) for t in value]


def _collect(
    table: str,
    rows: Iterable[Row],
    read: Callable[[Row], dict[str, Any]],
) -> Normalized:
    records: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for row in rows:
        try:
            records.append(read(row))
        except _Bad as bad:
            rejected.append(Rejected(table, str(row.get("id", "?")), bad.field, bad.reason))
    if not records:
        return Normalized(empty(table), rejected)
    properties = (
        [r.pop("properties", None) for r in records] if "properties" in records[0] else None
    )
    frame = pl.DataFrame(records, infer_schema_length=None, strict=False)
    if properties is not None:
        if any(properties):
            frame = frame.with_columns(pl.Series("properties", properties, strict=False))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Struct([])).alias("properties"))
    return Normalized(conform(frame, table), rejected)


# --- Wootric NPS ------------------------------------------------------------------------------


def wootric_responses(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row) -> dict[str, Any]:
        end_user = row.get("end_user") if isinstance(row.get("end_user"), dict) else {}
        return {
            "account": account,
            "platform": "wootric",
            "id": _id(row),
            "end_user_id": _id(row, "end_user_id", required=False),
            "survey_id": _id(row, "survey_id", required=False),
            "metric": "nps",
            "score": _score(row, 0, 10),
            "text": row.get("text") or None,
            "created_at": _time(row, "created_at", required=True),
            "updated_at": _time(row, "updated_at"),
            "tags": _tags(row.get("tags")),
            "excluded_from_calculations": bool(row.get("excluded_from_calculations")),
            "origin_url": row.get("origin_url"),
            "properties": _props(end_user.get("properties")),
        }

    return _collect("responses", rows, read)


def wootric_declines(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row) -> dict[str, Any]:
        end_user = row.get("end_user") if isinstance(row.get("end_user"), dict) else {}
        return {
            "account": account,
            "platform": "wootric",
            "id": _id(row),
            "end_user_id": _id(row, "end_user_id", required=False),
            "survey_id": _id(row, "survey_id", required=False),
            "origin_url": row.get("origin_url"),
            "created_at": _time(row, "created_at", required=True),
            "updated_at": _time(row, "updated_at"),
            "properties": _props(end_user.get("properties")),
        }

    return _collect("declines", rows, read)


def wootric_end_users(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row) -> dict[str, Any]:
        return {
            "account": account,
            "platform": "wootric",
            "id": _id(row),
            "email": row.get("email"),
            "external_id": _id(row, "external_id", required=False),
            "phone_number": row.get("phone_number"),
            "created_at": _time(row, "created_at", required=True),
            "updated_at": _time(row, "updated_at"),
            "last_surveyed": _time(row, "last_surveyed"),
            "last_seen_at": _time(row, "last_seen_at"),
            "page_views_count": row.get("page_views_count"),
            "properties": _props(row.get("properties")),
        }

    return _collect("end_users", rows, read)
