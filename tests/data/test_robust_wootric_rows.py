"""Bad Wootric rows become rejected-row reports, and the sync of every other row goes on.

A stand-in Wootric on 127.0.0.1 (tests/sources/test_robust_shapes.py) holds more responses than
one query reaches, so the walker splits windows, with bad rows at the oldest and newest second,
at the page-cap boundary and in between: created_at 1e20, in milliseconds, missing, null,
"yesterday"; no id; an id that is a list of ints; a row that is not an object at all. The real
sync writes the real store on disk; the stored table must also be readable by pyarrow and pandas.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from starlette.requests import Request

from tests.sources.test_robust_shapes import ERROR, StandIn
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.settings import settings_from
from workbench.sources.paging import CAP, MAX_PAGE, PER_PAGE

BASE = 1_600_000_000
GOOD = 1_700
"""Two responses a second: more than one query's 1,500, so the walk needs windows."""
BIG = 2**63
HUGE = 2**64 + 1


def stamp(second: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S")


def good_response(index: int) -> tuple[int, Any]:
    second = BASE + index // 2
    row: dict[str, Any] = {
        "id": 10_000 + index,
        "end_user_id": 1,
        "score": index % 11,
        "created_at": stamp(second),
        "updated_at": stamp(second),
        "tags": [],
    }
    if index == 5:
        row["end_user"] = {"properties": {"big": BIG, "huge": HUGE, "plan": "pro"}}
    else:
        row["end_user"] = {"properties": {"big": index, "plan": "free"}}
    return second, row


def bad_responses() -> list[tuple[int, Any]]:
    """(the second the server files the row under, the row as it is served)."""
    last = BASE + (GOOD - 1) // 2
    return [
        (BASE, {"id": 90_001, "created_at": 1e20, "score": 3}),
        (BASE + 100, {"id": 90_002, "created_at": (BASE + 100) * 1000.0, "score": 3}),
        (BASE + 300, {"id": 90_003, "score": 3}),
        (BASE + CAP // 2 - 1, {"id": 90_004, "created_at": None, "score": 3}),
        (BASE + CAP // 2, {"id": 90_005, "created_at": "yesterday", "score": 3}),
        (BASE + 800, {"created_at": stamp(BASE + 800), "score": 3}),
        (BASE + 810, {"id": [1, 2], "created_at": stamp(BASE + 810), "score": 3}),
        (BASE + 820, 7),
        (last, {"id": 90_009, "created_at": "yesterday", "score": 3}),
    ]


class Wootric:
    """The list endpoints as the docs describe them: `created[gte|lte|gt|lt|eq]`, sort_order,
    page <= 30, per_page <= 50; rows are filed by the second the server knows, whatever their
    served created_at says."""

    def __init__(self) -> None:
        self.rows = sorted([good_response(i) for i in range(GOOD)] + bad_responses(), key=_first)
        self.broken = False

    def responses(self, request: Request) -> Any:
        if self.broken:
            return ERROR
        query = request.query_params
        page, per_page = int(query.get("page", 1)), int(query.get("per_page", 25))
        if page > MAX_PAGE or per_page > PER_PAGE:
            from starlette.responses import JSONResponse

            return JSONResponse({"error": "page does not have a valid value"}, status_code=400)
        tests = {
            "gte": lambda s, v: s >= v,
            "lte": lambda s, v: s <= v,
            "gt": lambda s, v: s > v,
            "lt": lambda s, v: s < v,
            "eq": lambda s, v: s == v,
        }
        kept = [
            (second, row)
            for second, row in self.rows
            if all(
                test(second, int(query[f"created[{op}]"]))
                for op, test in tests.items()
                if f"created[{op}]" in query
            )
        ]
        if query.get("sort_order") == "desc":
            kept.reverse()
        return [row for _, row in kept[(page - 1) * per_page : page * per_page]]


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def routes(wootric: Wootric) -> dict[str, Any]:
    summary = {"nps": 0, "responses": 0, "detractors": 0, "passives": 0, "promoters": 0}
    return {
        "/v1/responses": wootric.responses,
        "/v1/declines": lambda _request: [],
        "/v1/end_users": lambda _request: [],
        "/v1/segments": lambda _request: [],
        "/v1/nps_summary": lambda _request: summary,
    }


def settings_for(server: StandIn, store_dir: Path):  # type: ignore[no-untyped-def]
    account = {
        "platform": "wootric",
        "base_url": server.url,
        "email": "analyst@example.com",
        "password": "not-a-real-password",
        "account_token": "NPS-standin",
    }
    return settings_from(
        {
            "store_dir": str(store_dir),
            "accounts": {"standin": account},
            "http": {"concurrency": 4, "max_retries": 1},
        }
    )


def good_ids() -> set[str]:
    return {str(10_000 + i) for i in range(GOOD)}


async def test_bad_rows_are_reported_and_every_good_row_is_stored(tmp_path: Path) -> None:
    wootric = Wootric()
    with StandIn(routes(wootric)) as server:
        async with asyncio.timeout(120):
            summary = await sync(settings_for(server, tmp_path))
    account = summary.accounts[0]
    assert account.error is None, account
    responses = next(t for t in account.tables if t.table == "responses")
    assert responses.error is None, responses.error
    assert all(t.error is None for t in account.tables), account.tables

    stored = Store(tmp_path).account("standin").read("responses")
    assert set(stored["id"].to_list()) == good_ids()
    assert stored.height == GOOD

    rejected = {(r.id, r.field) for r in responses.rejected}
    assert rejected == {
        ("90001", "created_at"),
        ("90002", "created_at"),
        ("90003", "created_at"),
        ("90004", "created_at"),
        ("90005", "created_at"),
        ("?", "id"),
        ("[1, 2]", "id"),
        ("?", "row"),
        ("90009", "created_at"),
    }
    assert len(responses.rejected) == len(rejected), "a bad row was reported twice"
    reasons = {r.id: r.reason for r in responses.rejected}
    assert "outside years 1-9999" in reasons["90001"]
    assert "milliseconds" in reasons["90002"]
    assert reasons["90003"] == "missing"
    assert "yesterday" in reasons["90005"]


async def test_integers_past_int64_are_stored_as_text_any_engine_reads(tmp_path: Path) -> None:
    with StandIn(routes(Wootric())) as server:
        async with asyncio.timeout(120):
            summary = await sync(settings_for(server, tmp_path))
    assert summary.accounts[0].error is None
    parquet = tmp_path / "standin" / "responses.parquet"
    table = pq.read_table(parquet)
    assert table.num_rows == GOOD
    frame = pd.read_parquet(parquet)
    assert len(frame) == GOOD
    stored = Store(tmp_path).account("standin").read("responses")
    props = {row["id"]: row["properties"] for row in stored.select("id", "properties").to_dicts()}
    assert props["10005"]["big"] == str(BIG)
    assert props["10005"]["huge"] == str(HUGE)  # every digit, not a float
    assert props["10006"]["big"] == "6"
    assert props["10006"]["plan"] == "free"


async def test_a_list_answering_an_error_object_stops_the_table_and_keeps_the_rows(
    tmp_path: Path,
) -> None:
    wootric = Wootric()
    with StandIn(routes(wootric)) as server:
        settings = settings_for(server, tmp_path)
        async with asyncio.timeout(120):
            await sync(settings)
            wootric.broken = True
            summary = await sync(settings, full=True)
    responses = next(t for t in summary.accounts[0].tables if t.table == "responses")
    assert responses.error is not None
    assert "unexpected shape" in responses.error
    assert "maintenance window" in responses.error
    assert responses.deleted == 0
    stored = Store(tmp_path).account("standin").read("responses")
    assert set(stored["id"].to_list()) == good_ids()


def test_the_normalizer_notes_which_properties_it_stored_as_text() -> None:
    from workbench.data.normalize import wootric_end_users, wootric_responses

    rows = [good_response(5)[1], good_response(6)[1]]
    result = wootric_responses(rows, "standin")
    assert result.rejected == []
    assert len(result.notes) == 2
    assert any("'big'" in note and str(BIG) in note for note in result.notes)
    assert all("stored as text" in note for note in result.notes)
    users = wootric_end_users(
        [{"id": 1, "created_at": stamp(BASE), "properties": {"n": -(2**63) - 1}}], "standin"
    )
    assert users.frame["properties"].to_list() == [{"n": str(-(2**63) - 1)}]
    assert users.notes


async def test_a_full_page_without_one_readable_second_is_split_not_lost() -> None:
    """1,600 rows whose created_at no format reads, between two good rows: the walker halves
    windows (the server's filter still places the rows) and hands each row on exactly once."""
    from tests.sources.test_robust_shapes import http_for
    from workbench.sources.wootric import WootricClient

    wootric = Wootric()
    unreadable = [
        (BASE + 1 + i // 2, {"id": 50_000 + i, "created_at": "yesterday"}) for i in range(1_600)
    ]
    first = (BASE, {"id": 1, "created_at": stamp(BASE)})
    last = (BASE + 900, {"id": 2, "created_at": stamp(BASE + 900)})
    wootric.rows = sorted([first, *unreadable, last], key=_first)
    with StandIn(routes(wootric)) as server:
        client = WootricClient(http_for(server), concurrency=4)
        try:
            async with asyncio.timeout(120):
                ids = [
                    row["id"]
                    async for batch in client.response_batches(since=BASE, until=BASE + 900)
                    for row in batch.rows
                ]
        finally:
            await client.aclose()
    assert sorted(ids) == sorted(row["id"] for _, row in wootric.rows)
