"""Apptentive normalizers on everything the real client reads from the served sandbox.

Records and surveys are read through `ApptentiveClient` over HTTP, normalized from the models'
JSON as the sync does, and checked against the sandbox's ground truth (the API's own rows):
RFC 1123 record dates and offset survey dates as UTC, feedback type as the tag, the survey
metric from tags or questions, and the answer counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import polars as pl
import pytest

from tests.sources.test_apptentive_client import ANDROID, IOS, apptentive_client
from workbench.data.normalize.apptentive import (
    apptentive_end_users,
    apptentive_responses,
    apptentive_survey_answers,
    apptentive_surveys,
)
from workbench.sandbox import ServedSandbox
from workbench.sources.apptentive import ApptentiveClient

ACCOUNT = "acme-ios"


@pytest.fixture
async def client(shared_sandbox: ServedSandbox) -> AsyncIterator[ApptentiveClient]:
    made = apptentive_client(shared_sandbox)
    yield made
    await made.aclose()


def truth(served: ServedSandbox, table: str, app_id: str = IOS.app_id) -> list[dict[str, Any]]:
    return served.sandbox.ground_truth()["apptentive"][app_id][table]


def dumped(models: list[Any]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models]


async def test_every_record_becomes_a_response(shared_sandbox, client) -> None:
    result = apptentive_responses(dumped(await client.list_records()), ACCOUNT)
    assert result.rejected == []
    records = {r["id"]: r for r in truth(shared_sandbox, "records")}
    frame = result.frame
    assert frame.height == len(records) >= 200
    assert sorted(frame["id"].to_list()) == sorted(records)
    assert frame["metric"].unique().to_list() == ["other"]  # no score in an Apptentive record
    assert frame["score"].null_count() == frame.height
    assert frame["created_at"].dtype == pl.Datetime("us", "UTC")
    with_data = 0
    for row in frame.iter_rows(named=True):
        record = records[row["id"]]
        # "Wed, 23 Mar 2011 04:55:00 GMT": RFC 1123, in GMT
        assert row["created_at"] == parsedate_to_datetime(record["date"]).astimezone(UTC)
        assert row["text"] == record["feedback"]["feedback"]
        assert row["tags"] == [record["feedback"]["type"]]
        assert row["end_user_id"] == record["user"]["_id"]
        assert row["user_ref"] == record["user"]["email"]
        props = row["properties"]
        assert props["os_name"] == record["device"]["os_name"] == "iOS"
        assert props["model"] == record["device"]["model"]
        assert props["country"] == record["user"]["country"]
        if "data" in record:
            with_data += 1
            assert props["plan"] == record["data"]["plan"]
            assert props["persona"] == record["data"]["persona"]
        else:
            assert props["plan"] is None
    assert 0 < with_data < frame.height


async def test_the_raw_api_rows_read_the_same_as_the_models(shared_sandbox, client) -> None:
    """The API's own rows (`_id`, `zip`, RFC 1123 text) give the frame the models' JSON gives."""
    from_models = apptentive_responses(dumped(await client.list_records()), ACCOUNT).frame
    from_api = apptentive_responses(truth(shared_sandbox, "records"), ACCOUNT).frame
    assert from_api.sort("id").equals(from_models.sort("id"))
    users_api = apptentive_end_users(truth(shared_sandbox, "records"), ACCOUNT).frame
    users_models = apptentive_end_users(dumped(await client.list_records()), ACCOUNT).frame
    assert users_api.sort("id").equals(users_models.sort("id"))


async def test_record_users_become_end_users_once_each(shared_sandbox) -> None:
    records = truth(shared_sandbox, "records", ANDROID.app_id)
    async_client = apptentive_client(shared_sandbox, ANDROID.token, account="acme-android")
    try:
        read = dumped(await async_client.list_records())
    finally:
        await async_client.aclose()
    repeated = [*read, read[0]]  # the same user in a second record counts once
    later = dict(read[0], id="later", date="Fri, 01 Jan 2100 00:00:00 GMT")
    result = apptentive_end_users([*repeated, later], "acme-android")
    assert result.rejected == []
    users = {r["user"]["_id"]: r for r in records}
    frame = result.frame
    assert frame.height == len(users) == len(records)
    first = frame.filter(pl.col("id") == records_user(read[0]))
    assert first["last_seen_at"][0] == datetime(2100, 1, 1, tzinfo=UTC)
    assert first["created_at"][0] == parsedate_to_datetime(records[0]["date"])
    for row in frame.iter_rows(named=True):
        user = users[row["id"]]["user"]
        assert row["email"] == user["email"]
        assert row["properties"]["name"] == user["name"]
        assert row["properties"]["country"] == user["country"]


def records_user(record: dict[str, Any]) -> str:
    return str(record["user"]["id"])


async def test_surveys_with_their_metric_and_counts(shared_sandbox, client) -> None:
    listed = await client.list_surveys()
    details = [await client.get_survey(s.id) for s in listed]
    result = apptentive_surveys(dumped(details), ACCOUNT)
    assert result.rejected == []
    want = {s["id"]: s for s in truth(shared_sandbox, "surveys")}
    frame = result.frame
    assert sorted(frame["id"].to_list()) == sorted(want)
    for row in frame.iter_rows(named=True):
        survey = want[row["id"]]
        satisfaction = "csat" in survey["tags"] or any(
            q["value"].startswith("How satisfied") for q in survey["questions"]
        )
        assert row["metric"] == ("csat" if satisfaction else "other")
        assert row["name"] == survey["name"]
        assert row["active"] == survey["active"]
        assert row["response_count"] == survey["response_count"]
        # "2012-03-16T08:54:26-07:00": the offset is Pacific time; stored as UTC
        assert row["created_at"] == datetime.fromisoformat(survey["date"]).astimezone(UTC)
    # one survey tagged csat, one untagged with a satisfaction question, one about marketing
    assert sorted(frame["metric"].to_list()) == ["csat", "csat", "other"]
    listing = apptentive_surveys(dumped(listed), ACCOUNT).frame
    assert listing["response_count"].null_count() == listing.height  # only details count


async def test_survey_answer_counts_per_question_and_choice(shared_sandbox, client) -> None:
    details = [await client.get_survey(s.id) for s in await client.list_surveys()]
    result = apptentive_survey_answers(dumped(details), ACCOUNT)
    assert result.rejected == []
    frame = result.frame
    expected_rows = 0
    for survey in truth(shared_sandbox, "surveys"):
        for question, answered in zip(survey["questions"], survey["responses"], strict=True):
            rows = frame.filter(
                (pl.col("survey_id") == survey["id"]) & (pl.col("question_id") == question["id"])
            )
            counts = {c["choice"]: c["count"] for c in answered["responses"]}
            assert rows["question"].unique().to_list() == [question["value"]]
            assert rows["question_type"].unique().to_list() == [question["type"]]
            if question["type"] == "singleline":
                assert rows["choice"].to_list() == ([None] if counts else [])
                assert rows["count"].sum() == sum(counts.values())
                expected_rows += 1 if counts else 0
            else:
                assert dict(rows.select("choice", "count").iter_rows()) == counts
                expected_rows += len(counts)
    assert frame.height == expected_rows


async def test_a_survey_with_an_unreadable_count_is_rejected_whole(client) -> None:
    details = dumped([await client.get_survey(s.id) for s in await client.list_surveys()])
    details[0]["responses"][0]["responses"][0]["count"] = "many"
    result = apptentive_survey_answers(details, ACCOUNT)
    assert [(r.table, r.id, r.field) for r in result.rejected] == [
        ("survey_answers", details[0]["id"], "responses")
    ]
    assert details[0]["id"] not in result.frame["survey_id"].to_list()
    assert result.frame["survey_id"].n_unique() == len(details) - 1
