"""The Wootric tables beyond responses, declines and end users: page views, segments and NPS
summaries, read through the real client from the served sandbox and checked against its data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from tests.clients import ACME, wootric_client
from workbench.data.normalize import wootric_nps_summary, wootric_page_views, wootric_segments
from workbench.sandbox import ServedSandbox
from workbench.sources.wootric import WootricClient


@pytest.fixture
async def client(shared_sandbox: ServedSandbox) -> AsyncIterator[WootricClient]:
    made = wootric_client(shared_sandbox)
    yield made
    await made.aclose()


def truth(served: ServedSandbox, table: str) -> list[dict[str, Any]]:
    return served.sandbox.ground_truth()["wootric"][ACME.account_token][table]


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def sample_users(rows: list[dict[str, Any]], per_format: int = 8) -> list[int]:
    """End users whose page views come in each timestamp format the API mixes."""
    chosen: dict[int, list[int]] = {}
    for row in rows:
        users = chosen.setdefault(len(row["created_at"]), [])
        if row["end_user_id"] not in users and len(users) < per_format:
            users.append(row["end_user_id"])
    assert len(chosen) >= 2, "the sandbox mixes offset-less UTC and -0800 style stamps"
    return [user for users in chosen.values() for user in users]


async def test_page_views_of_end_users_in_every_timestamp_format(shared_sandbox, client) -> None:
    users = sample_users(truth(shared_sandbox, "page_views"))
    rows = [
        view.model_dump(mode="json")
        for user in users
        for view in await client.end_user_page_views(user)
    ]
    result = wootric_page_views(rows, "acme")
    assert result.rejected == []
    stored = shared_sandbox.sandbox.wootric.frame(ACME.account_token, "page_views")
    expected = stored.filter(pl.col("end_user_id").is_in(users)).sort("id")
    frame = result.frame.sort(pl.col("id").cast(pl.Int64))
    assert frame.height == expected.height > len(users)
    assert frame["id"].to_list() == [str(i) for i in expected["id"]]
    assert frame["end_user_id"].to_list() == [str(i) for i in expected["end_user_id"]]
    assert frame["url"].to_list() == expected["url"].to_list()
    for column in ("at", "created_at", "updated_at"):
        assert frame[column].dtype == pl.Datetime("us", "UTC")
        assert frame[column].to_list() == [utc(s) for s in expected[column]]


async def test_segments(shared_sandbox, client) -> None:
    rows = [s.model_dump(mode="json") for s in await client.segments()]  # as the sync does
    result = wootric_segments(rows, "acme")
    assert result.rejected == []
    listed = truth(shared_sandbox, "segments")
    assert result.frame.height == len(listed) == 5
    for row, segment in zip(result.frame.iter_rows(named=True), listed, strict=True):
        assert (row["name"], row["data_type"]) == (segment["name"], segment["data_type"])
        # "2017-02-01 12:12:50 -0800": the offset is the account's zone; stored as UTC
        created = datetime.strptime(segment["created_at"], "%Y-%m-%d %H:%M:%S %z")
        assert row["created_at"] == created.astimezone(UTC)
    assert set(result.frame["data_type"]) <= {"string", "date", "integer"}


async def test_nps_summaries_keep_the_range_they_were_asked_for(client) -> None:
    ranges = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 3, 1), date(2026, 3, 31))]
    fetched = datetime(2026, 4, 1, 12, tzinfo=UTC)
    rows, answers = [], []
    for start, end in ranges:
        answer = await client.nps_summary(start, end)
        answers.append(answer)
        rows.append({**answer.model_dump(mode="json"), "date_start": start, "date_end": end})
    rows[1]["date_start"], rows[1]["date_end"] = "'2026-03-01'", "2026-03-31"  # as text too
    result = wootric_nps_summary(rows, "acme", fetched_at=fetched)
    assert result.rejected == []
    frame = result.frame
    assert frame.select("date_start", "date_end").rows() == ranges
    for row, answer in zip(frame.iter_rows(named=True), answers, strict=True):
        assert row["responses"] == answer.responses > 0
        assert (row["promoters"], row["passives"], row["detractors"]) == (
            answer.promoters,
            answer.passives,
            answer.detractors,
        )
        assert row["nps"] == answer.nps
        assert row["fetched_at"] == fetched


def test_a_summary_without_its_range_is_rejected_naming_the_range() -> None:
    rows: list[dict[str, Any]] = [
        {"nps": 10, "responses": 3, "date_start": "2026-03-01"},
        {"nps": 400, "responses": 3, "date_start": "2026-03-01", "date_end": "2026-03-31"},
        {"nps": 0, "responses": 1, "date_start": "2026-03-31", "date_end": "2026-03-01"},
    ]
    result = wootric_nps_summary(rows, "acme")
    assert result.frame.is_empty()
    assert [(r.id, r.field) for r in result.rejected] == [
        ("2026-03-01..?", "date_end"),
        ("2026-03-01..2026-03-31", "nps"),
        ("2026-03-31..2026-03-01", "date_end"),
    ]
