"""Wootric's decline update: `PUT /v1/declines/{id}` changes the properties a decline carries
(the end user's properties when they declined), the one change the docs list for it. It fixes
a segment value in the past, so that response rates by segment come out right; the end user's
current properties stay as they are (`set-property` changes those).

Wootric keeps this historical edit off until its support enables it for the account: until
then every call answers 423, which each face shows as one line saying so. Read back with
`GET /v1/end_users/{end_user}/declines/{id}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from workbench.data.actions.plan import Call, Plan, row_call
from workbench.data.actions.planning import PlanRefused
from workbench.data.actions.wootric import _client
from workbench.data.actions.wootric_people import Properties, set_properties_plans

PLATFORM = "wootric"
DECLINE_PROPERTIES = Properties(
    "decline-property",
    "declines",
    "decline",
    "the properties they were declined with; the end users' current ones stay",
)


def declines_of(responses: pl.DataFrame, declines: pl.DataFrame) -> pl.DataFrame:
    """The stored declines of the end users who gave the selected responses."""
    people = responses.filter(pl.col("platform") == PLATFORM).select(["account", "end_user_id"])
    return declines.join(people.unique(), on=["account", "end_user_id"], how="semi").sort(
        ["account", "id"]
    )


def declines_by_id(declines: pl.DataFrame, ids: Sequence[str]) -> pl.DataFrame:
    """The stored Wootric declines with these ids, or PlanRefused naming the first missing."""
    stored = declines.filter(pl.col("platform") == PLATFORM)
    rows = stored.filter(pl.col("id").is_in([d.strip() for d in ids]))
    missing = sorted(set(ids) - set(rows["id"].to_list()))
    if missing:
        raise PlanRefused(
            f"no Wootric decline {missing[0]} in the store; `workbench export declines -o "
            "declines.csv` lists them"
        )
    return rows


def decline_property_plans(declines: pl.DataFrame, values: Mapping[str, str]) -> list[Plan]:
    """One plan per account: a PUT for each decline whose properties differ from `values`."""
    return set_properties_plans(
        declines,
        values,
        DECLINE_PROPERTIES,
        lambda row: _call(str(row["id"]), str(row["end_user_id"]), values),
    )


def _call(decline: str, end_user: str, values: Mapping[str, str]) -> Call:
    async def send(client: Any) -> None:
        await _client(client).update_decline(decline, end_user_properties=dict(values))

    async def check(client: Any) -> bool | None:
        found = await _client(client).get_decline(end_user, decline)
        properties = found.end_user.properties if found.end_user else {}
        return all(str(properties.get(k)) == v for k, v in values.items())

    change = ", ".join(f"end_user[properties][{k}] → {v}" for k, v in values.items())
    return row_call("decline", decline, "PUT", f"/v1/declines/{decline}", change, send, check)
