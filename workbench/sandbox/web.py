"""Small helpers every platform module of the sandbox uses: answers and timestamps (parameters are
read by `rails`).

The four APIs write timestamps in five ways; the helpers here produce each of them exactly as the
documentation shows, so that the clients meet every format they will meet in the wild.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.responses import Response


class JSONAnswer(Response):
    """A JSON answer, compact and UTF-8, like the real APIs send."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def answer(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONAnswer:
    return JSONAnswer(content, status_code=status, headers=headers)


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, headers=headers)


# --- timestamps, in each format the documentation shows -------------------------------------


def wootric_time(ts: float, tz: str) -> str:
    """`2016-12-16 09:05:00 -0800`: Wootric's usual format, in the account's time zone."""
    return datetime.fromtimestamp(int(ts), ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %z")


def naive_utc_time(ts: float) -> str:
    """`2014-12-01 18:36:59`: older Wootric rows, no offset (UTC)."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S")


def compact_offset_time(ts: float, tz: str) -> str:
    """`2015-04-20 04:46:51-08:00`: Wootric's end-user settings."""
    return datetime.fromtimestamp(int(ts), ZoneInfo(tz)).isoformat(sep=" ")


def iso_millis_time(ts: float, tz: str) -> str:
    """`2015-02-12T06:29:27.000-08:00`: Wootric's answers to create and update."""
    moment = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return moment.isoformat(timespec="milliseconds")


def iso_utc_time(ts: float) -> str:
    """`2012-03-13T16:55:34Z`: ISO 8601 in UTC (Apptentive records, Crowdskout)."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc1123_time(ts: float) -> str:
    """`Tue, 13 Mar 2012 16:55:34 GMT`: Apptentive's dates and HTTP headers."""
    return formatdate(int(ts), usegmt=True)
