"""API rows to canonical frames, per platform: timestamps to UTC, ids to strings, scores with
their metric, tags as lists, properties as a struct.

A row that cannot be normalized is not dropped in silence: it becomes a `Rejected` (id, field,
reason) that the sync summary reports, and the rest of the batch goes on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

import polars as pl

from workbench.data.schema import TABLES, conform, empty
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
    notes: list[str] = field(default_factory=list)
    """What was kept in another form than it came (integers past 64 bits stored as text, ...),
    for the sync summary's notes."""


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        self.field = field_name
        self.reason = reason


def _time(row: Row, name: str, *, required: bool = False) -> datetime | None:
    try:
        value = parse_timestamp(row.get(name))
    except (TimestampError, ValueError, OverflowError, OSError) as exc:
        # Unix seconds past year 9999 (or NaN) fail in `datetime` itself, not as TimestampError.
        raise _Bad(name, str(exc) or f"unreadable timestamp: {row.get(name)!r}") from None
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
    for item in rows:
        row = _record(item)
        try:
            if row is None:
                raise _Bad("row", f"not an object: {_shown(item)}")
            records.append(_fit(table, read(row)))
        except _Bad as bad:
            shown = "?" if row is None else str(row.get("id", "?"))
            rejected.append(Rejected(table, shown, bad.field, bad.reason))
    frame, notes = _frame_and_notes(table, records)
    return Normalized(frame, rejected, notes)


# --- Wootric NPS ------------------------------------------------------------------------------


def wootric_responses(rows: Iterable[Row], account: str) -> Normalized:
    def read(row: Row) -> dict[str, Any]:
        end_user = cast(
            "dict[str, Any]",
            row.get("end_user") if isinstance(row.get("end_user"), dict) else {},
        )
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
        end_user = cast(
            "dict[str, Any]",
            row.get("end_user") if isinstance(row.get("end_user"), dict) else {},
        )
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


# --- readers shared by every platform's normalizers ------------------------------------------
#
# The Wootric normalizers above trust the API's types; the other platforms' (and the Wootric
# tables below) read each field through a checker, so that a value of the wrong kind rejects its
# own row, naming the field, instead of failing the batch or turning into garbage.

_INTEGER_TEXT = re.compile(r"\s*[+-]?\d{1,19}\s*")
_BOUNDS: dict[str, tuple[int, int]] = {
    "Int16": (-(2**15), 2**15 - 1),
    "Int64": (-(2**63), 2**63 - 1),
}


def _fit(table: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record with every value checked against its column's type (numbers read from text).

    Why: one value of the wrong kind (a list where text belongs, "x" or 2**70 where a count
    belongs) would otherwise make the whole batch fail to conform, or be cast into nonsense such
    as a struct printed as text. Here it rejects its own row only, naming the field. Values that
    conform casts cleanly (numbers in a text column, digits in a count) are left to it.
    """
    schema = TABLES[table].schema
    for name, value in record.items():
        dtype = schema.get(name)
        if value is not None and dtype is not None and name != "properties":
            record[name] = _fit_value(name, value, dtype)
    return record


def _fit_value(name: str, value: object, dtype: pl.DataType) -> object:
    if dtype == pl.String:
        if isinstance(value, str | int | float):
            return value
        raise _Bad(name, f"not text: {_shown(value)}")
    bounds = _BOUNDS.get(str(dtype))
    if bounds is not None:
        number = _integer(value)
        low, high = bounds
        if number is None or not low <= number <= high:
            raise _Bad(name, f"not an integer of {dtype}: {_shown(value)}")
        return number
    if dtype == pl.Float64:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _Bad(name, f"not a number: {_shown(value)}")
    if dtype == pl.Boolean:
        if isinstance(value, bool):
            return value
        raise _Bad(name, f"not true or false: {_shown(value)}")
    if isinstance(dtype, pl.Datetime):
        if isinstance(value, datetime):
            return value
        raise _Bad(name, f"not a timestamp: {_shown(value)}")
    if dtype == pl.Date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        raise _Bad(name, f"not a date: {_shown(value)}")
    if isinstance(dtype, pl.List):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise _Bad(name, f"not a list of names: {_shown(value)}")
    return value


def _shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _integer(value: object) -> int | None:
    """An integer from an int, an integral float or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        return int(value)
    return None


def _record(item: object) -> Row | None:
    """A row as the normalizers read it: a mapping as is, a pydantic model as the JSON it came
    from (`model_dump(mode="json")`), anything else None (rejected by the caller)."""
    if isinstance(item, Mapping):
        return item
    dump = getattr(item, "model_dump", None)
    if callable(dump):
        try:
            dumped = dump(mode="json")
        except Exception:  # a model that cannot be dumped is a row we cannot read
            return None
        return dumped if isinstance(dumped, Mapping) else None
    return None


def _shown_id(row: Row | None, key: str = "id") -> str:
    if row is None:
        return "?"
    value = row.get(key)
    if value is None and key == "id":
        value = row.get("_id")
    return "?" if value is None or value == "" else str(value)


def _entries(rows: Iterable[object], key: str = "id") -> Iterator[tuple[str, Row | None]]:
    """Each row with the id a rejection would show (`?` when it has none)."""
    for item in rows:
        row = _record(item)
        yield _shown_id(row, key), row


def _gather(
    table: str,
    entries: Iterable[tuple[str, Any]],
    read: Callable[[Any], dict[str, Any] | list[dict[str, Any]]],
) -> Normalized:
    """Like `_collect`, for entries `(shown id, payload)` whose `read` gives one or many records.

    Why another collector: an Apptentive survey gives one row per answer choice and a CXI tag
    brings its children, so a payload is not always one row; and models are accepted beside
    dicts, so a payload that is neither is rejected (field `row`) rather than crashing.
    """
    records: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for shown_id, payload in entries:
        try:
            if payload is None:
                raise _Bad("row", "not an object")
            found = read(payload)
            for record in found if isinstance(found, list) else [found]:
                records.append(_fit(table, record))
        except _Bad as bad:
            rejected.append(Rejected(table, shown_id, bad.field, bad.reason))
    frame, notes = _frame_and_notes(table, records)
    return Normalized(frame, rejected, notes)


def _frame(table: str, records: list[dict[str, Any]]) -> pl.DataFrame:
    """Checked records as a conformed frame; properties become a struct of their own."""
    return _frame_and_notes(table, records)[0]


INT64 = (-(2**63), 2**63 - 1)


def _wide_integers(properties: list[Any]) -> tuple[list[Any], list[str]]:
    """Property integers past Int64 turned to text, with a note naming each property.

    Why: polars would store them as Int128 (or, past 128 bits, as floats that lose digits), and
    pyarrow, pandas and most Parquet readers cannot read an Int128 column. Text keeps every
    digit; the property's other values become text too (a column has one type)."""
    wide: dict[str, int] = {}
    for props in properties:
        if not isinstance(props, dict):
            continue
        for key, value in props.items():
            wide_int = isinstance(value, int) and not isinstance(value, bool)
            if wide_int and not INT64[0] <= value <= INT64[1]:
                wide.setdefault(key, value)
    if not wide:
        return properties, []
    changed = [
        {k: (str(v) if k in wide and v is not None else v) for k, v in props.items()}
        if isinstance(props, dict)
        else props
        for props in properties
    ]
    notes = [
        f"property {key!r} holds integers outside the 64-bit range (such as {value}); it "
        "is stored as text, every digit kept, so that every Parquet reader can read it"
        for key, value in wide.items()
    ]
    return changed, notes


def _frame_and_notes(table: str, records: list[dict[str, Any]]) -> tuple[pl.DataFrame, list[str]]:
    if not records:
        return empty(table), []
    notes: list[str] = []
    properties = (
        [r.pop("properties", None) for r in records] if "properties" in records[0] else None
    )
    frame = pl.DataFrame(records, infer_schema_length=None, strict=False)
    if properties is not None:
        if any(properties):
            properties, notes = _wide_integers(properties)
            frame = frame.with_columns(pl.Series("properties", properties, strict=False))
        else:
            frame = frame.with_columns(pl.lit(None, pl.Struct([])).alias("properties"))
    return conform(frame, table), notes


def _text(row: Row, name: str, *, required: bool = False) -> str | None:
    """Text, or a number as its text; anything else (an object, a list, true) is rejected."""
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise _Bad(name, "missing")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Bad(name, f"not text: {_shown(value)}")


def _count(row: Row, name: str, *, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """An integer in [low, high] (from a number or digits), None when absent."""
    value = row.get(name)
    if value is None or value == "":
        return None
    number = _integer(value)
    if number is None:
        raise _Bad(name, f"not an integer: {_shown(value)}")
    if not low <= number <= high:
        raise _Bad(name, f"{number} is outside {low}-{high}")
    return number


def _number(row: Row, name: str, *, low: float, high: float) -> float | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(name, f"not a number: {_shown(value)}")
    if not low <= value <= high:  # NaN fails this too
        raise _Bad(name, f"{value} is outside {low}-{high}")
    return float(value)


def _flag(row: Row, name: str) -> bool | None:
    value = row.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise _Bad(name, f"not true or false: {_shown(value)}")


def _object(row: Row, name: str) -> Row:
    """A nested object (`end_user`, `user`, `feedback`), empty when absent."""
    value = row.get(name)
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise _Bad(name, f"not an object: {_shown(value)}")


def _list(row: Row, name: str) -> list[Any]:
    value = row.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _Bad(name, f"not a list: {_shown(value)}")


def _scalar(value: object) -> str | int | float | bool | None:
    """A property value a flat struct can hold: nested values as JSON text, and integers past
    Int64 as text too (polars would make them Int128, which Parquet readers do not share)."""
    if value is None or isinstance(value, str | bool | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _flat_properties(value: object, field_name: str = "properties") -> dict[str, Any]:
    """Properties as a flat mapping of scalars (an object, or Wootric's string forms of one)."""
    try:
        props = read_properties(value)
    except ValueError as exc:
        raise _Bad(field_name, str(exc)) from None
    return {str(k): _scalar(v) for k, v in props.items()}


# --- Wootric NPS: page views, segments, NPS summaries ----------------------------------------


def wootric_page_views(rows: Iterable[Row], account: str) -> Normalized:
    """`PageView` rows (`WootricClient.end_user_page_views`, or the raw JSON) -> `page_views`."""

    def read(row: Row) -> dict[str, Any]:
        return {
            "account": account,
            "platform": "wootric",
            "id": _id(row),
            "end_user_id": _id(row, "end_user_id", required=False),
            "url": _text(row, "url"),
            "at": _time(row, "at"),
            "created_at": _time(row, "created_at", required=True),
            "updated_at": _time(row, "updated_at"),
        }

    return _gather("page_views", _entries(rows), read)


SETTING_FLAGS = (
    "email_nps",
    "mobile_nps",
    "web_nps",
    "force_web_survey",
    "force_mobile_survey",
    "surveys_disabled_by_end_user",
)
"""The flags of an end user's `settings` hash (end_user_settings.md, end_users.md)."""


def wootric_end_user_settings(rows: Iterable[Row], account: str) -> Normalized:
    """End-user rows as listed (each with its `settings` hash) -> `end_user_settings`, keyed by
    the end user's id. An end user listed without a `settings` hash gives no row."""

    def read(row: Row) -> list[dict[str, Any]]:
        if row.get("settings") is None:
            return []
        settings = _object(row, "settings")
        return [
            {
                "account": account,
                "platform": "wootric",
                "id": _id(row),
                **{flag: _flag(settings, flag) for flag in SETTING_FLAGS},
                "updated_at": _time(row, "updated_at") or _time(row, "created_at"),
            }
        ]

    return _gather("end_user_settings", _entries(rows), read)


def wootric_segments(rows: Iterable[Row], account: str) -> Normalized:
    """`Segment` rows (`WootricClient.segments`) -> `segments`; a segment is known by its name."""

    def read(row: Row) -> dict[str, Any]:
        data_type = _text(row, "data_type")
        return {
            "account": account,
            "platform": "wootric",
            "name": _text(row, "name", required=True),
            "data_type": data_type.lower() if data_type else None,
            "created_at": _time(row, "created_at"),
        }

    return _gather("segments", _entries(rows, "name"), read)


def wootric_nps_summary(
    rows: Iterable[Row], account: str, *, fetched_at: datetime | None = None
) -> Normalized:
    """`/v1/nps_summary` answers -> `nps_summaries`, one row per answer and date range.

    The answer does not say which range it counts (that is the query's), so each row carries
    `date_start` and `date_end` beside the answer's fields, as the caller asked for them:
    `{**summary.model_dump(mode="json"), "date_start": start, "date_end": end}`. Both are
    required: the table is keyed by the range, and Wootric's default ("the last month", in the
    account's time zone) is not a range we could name. `fetched_at` (default now) may also come
    per row.
    """
    fetched = fetched_at or datetime.now(UTC)

    def read(row: Row) -> dict[str, Any]:
        start, end = _day(row, "date_start"), _day(row, "date_end")
        if end < start:
            raise _Bad("date_end", f"{end} is before date_start {start}")
        return {
            "account": account,
            "platform": "wootric",
            "date_start": start,
            "date_end": end,
            "nps": _count(row, "nps", low=-100, high=100),
            **{n: _count(row, n) for n in ("responses", "detractors", "passives", "promoters")},
            "response_rate": _count(row, "response_rate"),
            "email_response_rate": _count(row, "email_response_rate"),
            "fetched_at": _time(row, "fetched_at") or fetched,
        }

    def shown(row: Row | None) -> str:
        if row is None:
            return "?"
        return f"{row.get('date_start', '?')}..{row.get('date_end', '?')}"

    entries = ((shown(r), r) for r in map(_record, rows))
    return _gather("nps_summaries", entries, read)


def _day(row: Row, name: str) -> date:
    """A calendar date: a date, or `YYYY-MM-DD` (Wootric's own examples quote it: 'YYYY-MM-DD')."""
    value = row.get(name)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or value == "":
        raise _Bad(name, "missing")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip().strip("'\""))
        except ValueError:
            pass
    raise _Bad(name, f"not a date (YYYY-MM-DD): {_shown(value)}")
