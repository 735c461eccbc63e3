"""Every timestamp format the four APIs send, read into one aware UTC datetime.

The APIs mix `2014-12-01 18:36:59` (no offset: UTC), `2016-12-16 09:05:00 -0800`,
`2015-04-20 04:46:51-08:00`, ISO 8601 with offsets or `Z` and milliseconds, Unix seconds (as a
number or a string of digits) and RFC 1123 (`Tue, 13 Mar 2012 16:55:34 GMT`). One parser for all
of them, so that a format met in one API is understood in all four.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_SPACE_OFFSET = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) ?([+-]\d{2}):?(\d{2})$"
)
_DIGITS = re.compile(r"^-?\d+(\.\d+)?$")
_FIRST = datetime(1, 1, 1, tzinfo=UTC).timestamp()
_LAST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class TimestampError(ValueError):
    """A value no known format reads; the message quotes it."""


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime, or None for null/empty; raises TimestampError when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TimestampError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return _from_unix(value, value)
    if not isinstance(value, str):
        raise TimestampError(f"not a timestamp: {_shown(value)}")
    text = value.strip().strip("'\"")
    if _DIGITS.match(text):
        return _from_unix(float(text) if "." in text else int(text), value)
    match = _SPACE_OFFSET.match(text)
    if match:
        text = f"{match.group(1)}{match.group(2)}:{match.group(3)}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise TimestampError(f"unreadable timestamp: {_shown(value)}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _from_unix(seconds: float, value: object) -> datetime:
    """Unix seconds as a datetime; past year 9999 (or NaN) a TimestampError, not the
    OverflowError/ValueError/OSError `datetime` itself raises, which vary by platform."""
    try:
        if not math.isfinite(seconds) or not _FIRST <= seconds <= _LAST:
            raise OverflowError
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        hint = (
            "; it looks like milliseconds (divide by 1000)" if 1e11 <= abs(seconds) < 1e14 else ""
        )
        raise TimestampError(
            f"Unix seconds {_shown(value)} are outside years 1-9999{hint}"
        ) from None


def unix_seconds(value: object) -> int:
    """Whole Unix seconds of a timestamp in any format (what Wootric's `created[...]` compares)."""
    parsed = parse_timestamp(value)
    if parsed is None:
        raise TimestampError("missing timestamp")
    return int(parsed.timestamp() // 1)
