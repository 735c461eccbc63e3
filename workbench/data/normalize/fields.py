"""The field readers every platform's normalizer reads a row with, each defined once.

A reader takes the row (a plain mapping: the API's JSON) and a field name and answers the value
in the form its column holds (text, an int, an aware UTC datetime, a list of names, ...), or
raises `Bad` naming the field and why, so that a value of the wrong kind rejects its own row
instead of failing the batch or turning into garbage.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from workbench.sources.fields import read_properties
from workbench.sources.timestamps import TimestampError, parse_timestamp

Row = Mapping[str, Any]
INT64 = (-(2**63), 2**63 - 1)
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d{1,19}\s*")


class Bad(Exception):
    """A field the normalizer cannot read: the collector turns it into a rejection."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def shown(value: object, limit: int = 60) -> str:
    """A value as a rejection quotes it: its repr, cut at `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown_id(row: Row | None, key: str = "id") -> str:
    """The id a rejection names (`_id` stands in for `id`); `?` when the row has none."""
    if row is None:
        return "?"
    value = row.get(key)
    if value is None and key == "id":
        value = row.get("_id")
    return "?" if value is None or value == "" else str(value)


def integer(value: object) -> int | None:
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


def read_time(row: Row, name: str, *, required: bool = False) -> datetime | None:
    """An aware UTC datetime from any format the four APIs send (`sources.timestamps`)."""
    try:
        value = parse_timestamp(row.get(name))
    except (TimestampError, ValueError, OverflowError, OSError) as exc:
        # Unix seconds past year 9999 (or NaN) fail in `datetime` itself, not as TimestampError.
        raise Bad(name, str(exc) or f"unreadable timestamp: {row.get(name)!r}") from None
    if value is None and required:
        raise Bad(name, "missing")
    return value


def read_id(row: Row, name: str = "id", *, required: bool = True) -> str | None:
    """An id as text (the APIs send integers, hex strings or both)."""
    value = row.get(name)
    if value is None or value == "" or isinstance(value, bool | dict | list):
        if required:
            raise Bad(name, "missing" if value in (None, "") else f"not an id: {value!r}")
        return None
    return str(value)


def read_score(row: Row, low: int, high: int) -> int | None:
    """`score` as an integer in [low, high] (a whole float or digits count); None when absent."""
    value = row.get("score")
    if value is None or value == "":
        return None
    try:
        score = int(value)
    except (TypeError, ValueError, OverflowError):
        raise Bad("score", f"not an integer: {value!r}") from None
    if score != value and str(score) != str(value).strip():
        raise Bad("score", f"not an integer: {value!r}")
    if not low <= score <= high:
        raise Bad("score", f"{score} is outside {low}-{high}")
    return score


def read_text(row: Row, name: str, *, required: bool = False) -> str | None:
    """Text, or a number as its text; anything else (an object, a list, true) is rejected."""
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise Bad(name, "missing")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Bad(name, f"not text: {shown(value)}")


def named_head(row: Row, account: str, platform: str) -> dict[str, Any]:
    """The columns a catalogue record (a survey, an import, a project) starts with, read alike
    on every platform: whose it is, its id and its name."""
    return {
        "account": account,
        "platform": platform,
        "id": read_id(row),
        "name": read_text(row, "name"),
    }


def read_count(row: Row, name: str, *, low: int = 0, high: int = INT64[1]) -> int | None:
    """An integer in [low, high] (from a number or digits), None when absent."""
    value = row.get(name)
    if value is None or value == "":
        return None
    number = integer(value)
    if number is None:
        raise Bad(name, f"not an integer: {shown(value)}")
    if not low <= number <= high:
        raise Bad(name, f"{number} is outside {low}-{high}")
    return number


def read_number(row: Row, name: str, *, low: float, high: float) -> float | None:
    """A number in [low, high] as a float; NaN and text are rejected."""
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Bad(name, f"not a number: {shown(value)}")
    if not low <= value <= high:  # NaN fails this too
        raise Bad(name, f"{value} is outside {low}-{high}")
    return float(value)


def read_flag(row: Row, name: str) -> bool | None:
    value = row.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise Bad(name, f"not true or false: {shown(value)}")


def read_object(row: Row, name: str) -> Row:
    """A nested object (`end_user`, `user`, `feedback`), empty when absent."""
    value = row.get(name)
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise Bad(name, f"not an object: {shown(value)}")


def read_list(row: Row, name: str) -> list[Any]:
    value = row.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Bad(name, f"not a list: {shown(value)}")


def read_day(row: Row, name: str) -> date:
    """A calendar date: a date, or `YYYY-MM-DD` (Wootric's own examples quote it: 'YYYY-MM-DD')."""
    value = row.get(name)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or value == "":
        raise Bad(name, "missing")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip().strip("'\""))
        except ValueError:
            pass
    raise Bad(name, f"not a date (YYYY-MM-DD): {shown(value)}")


def tag_names(value: object) -> list[str]:
    """Tags as a list of names (a tag object is named by its `name`)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Bad("tags", f"not a list: {value!r}")
    return [str(t["name"] if isinstance(t, dict) and "name" in t else t) for t in value]


def scalar(value: object) -> str | int | float | bool | None:
    """A property value a flat struct can hold: nested values as JSON text, and integers past
    Int64 as text too (polars would make them Int128, which Parquet readers do not share)."""
    if value is None or isinstance(value, str | bool | float):
        return value
    if isinstance(value, int):
        return value if INT64[0] <= value <= INT64[1] else str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def wootric_properties(value: object) -> dict[str, Any]:
    """Wootric's `properties` (an object, or its string forms) with nested values as their
    `str` (the form the Wootric tables have always stored); wide integers are the collector's
    to turn into text, with a note."""
    try:
        props = read_properties(value)
    except ValueError as exc:
        raise Bad("properties", str(exc)) from None
    return {
        k: (v if isinstance(v, str | int | float | bool) or v is None else str(v))
        for k, v in props.items()
    }
