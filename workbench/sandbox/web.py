"""Small helpers every platform module of the sandbox uses: answers, parameters, timestamps.

The four APIs write timestamps in five ways; the helpers here produce each of them exactly as the
documentation shows, so that the clients meet every format they will meet in the wild.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.requests import Request
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


async def params(request: Request) -> dict[str, str]:
    """Query and form parameters together.

    The Wootric docs send filters with `curl -X GET ... -d "created[lt]=..."`, i.e. in a
    form-encoded body of a GET, so the sandbox reads both; a JSON body is flattened too.
    """
    merged: dict[str, str] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if request.method in {"GET", "DELETE"} and not content_type:
        body = await request.body()
        if body:
            content_type = "application/x-www-form-urlencoded"
    if "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, str):
                merged[key] = value
    elif "application/json" in content_type:
        body = await request.body()
        if body:
            try:
                data = json.loads(body)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                merged.update(_flatten(data))
    return merged


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """`{"properties": {"plan": "x"}}` -> `{"properties[plan]": "x"}`, as form parameters read."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        elif value is None:
            flat[name] = ""
        else:
            flat[name] = str(value)
    return flat


def bracketed(values: dict[str, str], name: str) -> dict[str, str]:
    """`created[gt]=1&created[lt]=2` -> `{"gt": "1", "lt": "2"}` for name `created`."""
    found: dict[str, str] = {}
    for key, value in values.items():
        if key.startswith(f"{name}[") and key.endswith("]"):
            found[key[len(name) + 1 : -1]] = value
    return found


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


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
