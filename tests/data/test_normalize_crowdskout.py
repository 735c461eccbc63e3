"""Crowdskout normalizers on every profile and attribute the real client reads from the sandbox.

Profiles are read by id through `CrowdskoutClient` over HTTP (there is no listing: the sandbox's
control data names the ids), normalized from the models' JSON as the sync does, and checked
against the sandbox's ground truth (the API's own profile objects).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from tests.sources.test_crowdskout_client import ORG, crowdskout_client
from workbench.data.normalize.crowdskout import (
    crowdskout_end_users,
    crowdskout_responses,
    crowdskout_segments,
)
from workbench.sandbox import ServedSandbox
from workbench.sandbox.crowdskout.data import COLLECTIONS
from workbench.sources.crowdskout import CrowdskoutClient

ACCOUNT = "field-team"
EVERY_COLLECTION = list(COLLECTIONS)


@pytest.fixture
async def client(shared_sandbox: ServedSandbox) -> AsyncIterator[CrowdskoutClient]:
    made = crowdskout_client(shared_sandbox)
    yield made
    await made.aclose()


def truth(served: ServedSandbox, table: str) -> list[dict[str, Any]]:
    return served.sandbox.ground_truth()["crowdskout"][str(ORG.organization_id)][table]


READ: dict[int, list[dict[str, Any]]] = {}
"""Profiles read from the shared (read-only) sandbox, kept: 150 reads by id take a while."""


async def read_profiles(served: ServedSandbox, client: CrowdskoutClient) -> list[dict[str, Any]]:
    """Every profile with every collection, through the client, as the models' JSON."""
    if id(served) not in READ:
        ids = served.sandbox.crowdskout.ids(ORG.organization_id, "profiles")
        profiles = client.iter_profiles(ids, EVERY_COLLECTION)
        READ[id(served)] = [p.model_dump(mode="json") async for p in profiles]
    return copy.deepcopy(READ[id(served)])


def first(profile: dict[str, Any], collection: str) -> dict[str, Any]:
    items = profile[collection]
    return items[0] if items else {}


async def test_every_profile_becomes_an_end_user(shared_sandbox, client) -> None:
    result = crowdskout_end_users(await read_profiles(shared_sandbox, client), ACCOUNT)
    assert result.rejected == []
    profiles = {str(p["id"]): p for p in truth(shared_sandbox, "profiles")}
    frame = result.frame
    assert frame.height == len(profiles) >= 100
    assert sorted(frame["id"].to_list()) == sorted(profiles)
    names = set(frame.schema["properties"].to_schema())  # type: ignore[union-attr]
    assert {"FullName", "Gender", "Age", "AddressRegion", "AddressCity", "EmailType"} <= names
    assert not names & {"EmailAddress", "PhoneNumber", "Note", "SurveyScore"}
    for row in frame.iter_rows(named=True):
        profile = profiles[row["id"]]
        assert row["email"] == first(profile, "EmailAddresses").get("EmailAddress")
        assert row["phone_number"] == first(profile, "PhoneNumbers").get("PhoneNumber")
        props = row["properties"]
        assert props["FullName"] == profile["Names"][0]["FullName"]
        assert props["Gender"] == (first(profile, "Genders").get("Gender") or {}).get("value")
        assert props["Age"] == first(profile, "Ages").get("Age")
        address = first(profile, "PhysicalAddresses")
        assert props["AddressRegion"] == (address.get("AddressRegion") or {}).get("value")
        assert props["AddressPostalCode"] == address.get("AddressPostalCode")
        answered = [when(a["SurveyWhen"]) for a in profile["SurveyResponses"]]
        assert row["last_surveyed"] == (max(answered) if answered else None)


def when(iso: str) -> datetime:
    """`2025-04-01T20:00:11Z`: ISO 8601 in UTC, as the sandbox writes Crowdskout datetimes."""
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


async def test_survey_answers_become_nps_responses(shared_sandbox, client) -> None:
    result = crowdskout_responses(await read_profiles(shared_sandbox, client), ACCOUNT)
    assert result.rejected == []
    answers = {
        str(a["id"]): (str(p["id"]), p, a)
        for p in truth(shared_sandbox, "profiles")
        for a in p["SurveyResponses"]
    }
    frame = result.frame
    assert frame.height == len(answers) > 20
    assert sorted(frame["id"].to_list()) == sorted(answers)
    assert frame["metric"].unique().to_list() == ["nps"]
    assert frame["score"].min() >= 0
    assert frame["score"].max() == 10
    for row in frame.iter_rows(named=True):
        profile_id, profile, answer = answers[row["id"]]
        assert row["end_user_id"] == profile_id
        assert row["score"] == answer["SurveyScore"]
        assert row["text"] == answer["SurveyAnswer"]
        assert row["survey_id"] == answer["SurveyName"]
        assert row["created_at"] == when(answer["SurveyWhen"])
        assert row["user_ref"] == first(profile, "EmailAddresses").get("EmailAddress")
        assert row["properties"]["FullName"] == profile["Names"][0]["FullName"]


async def test_the_api_shape_reads_the_same_as_the_models(shared_sandbox, client) -> None:
    """Collections beside `id` (the API) or under `collections` (the model's JSON): one frame."""
    read = await read_profiles(shared_sandbox, client)
    raw = truth(shared_sandbox, "profiles")
    for normalize in (crowdskout_end_users, crowdskout_responses):
        assert (
            normalize(raw, ACCOUNT)
            .frame.sort("id")
            .equals(normalize(read, ACCOUNT).frame.sort("id"))
        )


async def test_an_unreadable_item_rejects_only_itself(shared_sandbox, client) -> None:
    profiles = await read_profiles(shared_sandbox, client)
    answered = [p for p in profiles if p["collections"]["SurveyResponses"]]
    bad_item = answered[0]["collections"]["SurveyResponses"][0]
    bad_item["SurveyScore"] = 11
    answered[1]["collections"]["Names"] = "Ada"  # the whole profile cannot be read
    lost = len(answered[1]["collections"]["SurveyResponses"])
    total = sum(len(p["collections"]["SurveyResponses"]) for p in profiles)
    result = crowdskout_responses(profiles, ACCOUNT)
    assert [(r.id, r.field) for r in result.rejected] == [
        (str(bad_item["id"]), "SurveyScore"),
        (str(answered[1]["id"]), "collections.Names"),
    ]
    assert result.frame.height == total - 1 - lost
    users = crowdskout_end_users(profiles, ACCOUNT)
    assert [(r.id, r.field) for r in users.rejected] == [
        (str(answered[1]["id"]), "collections.Names")
    ]


async def test_attributes_become_segments(shared_sandbox, client) -> None:
    result = crowdskout_segments([a async for a in client.iter_attribute_rows()], ACCOUNT)
    assert result.rejected == []
    attributes = truth(shared_sandbox, "attributes")
    assert result.frame.height == len(attributes) > 30
    got = dict(result.frame.select("name", "data_type").iter_rows())
    assert got == {a["name"]: a["type"].lower() for a in attributes}
    assert set(got.values()) == {"radio", "checkbox", "text", "number", "date", "datetime", "tag"}
    assert result.frame["platform"].unique().to_list() == ["crowdskout"]
    assert result.frame.schema["created_at"] == pl.Datetime("us", "UTC")
