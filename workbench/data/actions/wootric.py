"""Wootric's actions: exclude responses from calculations and include them again.

Each is one `PUT /v1/responses/{id}` per response (the API has no bulk form), read back with
`GET /v1/end_users/{end_user}/responses/{id}`. Exclude and include undo each other.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.data.actions.follow import set_columns
from workbench.data.actions.plan import Call, Plan, Skipped, account_plan, row_call
from workbench.sources.wootric import WootricClient

EXCLUSION_PLATFORMS = ("wootric",)
"""Where a response can be excluded from calculations through the API."""


def _client(client: Any) -> WootricClient:
    if not isinstance(client, WootricClient):
        raise TypeError(f"a Wootric action needs a Wootric client, not {type(client).__name__}")
    return client


def exclusion_plans(rows: pl.DataFrame, *, exclude: bool) -> list[Plan]:
    """One plan per Wootric account among `rows` (a responses frame, as a filter selected it):
    a call for each response not already in the wanted state."""
    action = "exclude" if exclude else "include"
    needed = {"id", "account", "platform", "end_user_id", "excluded_from_calculations"}
    missing = needed - set(rows.columns)
    if missing:
        raise ValueError(f"{action} needs responses rows; missing {', '.join(sorted(missing))}")
    plans: list[Plan] = []
    for (account, platform), group in rows.group_by(["account", "platform"], maintain_order=True):
        account, platform = str(account), str(platform)
        if platform not in EXCLUSION_PLATFORMS:
            continue
        calls: list[Call] = []
        skipped: list[Skipped] = []
        for row in group.select(["id", "end_user_id", "excluded_from_calculations"]).iter_rows():
            response, end_user, excluded = str(row[0]), str(row[1]), bool(row[2])
            if excluded == exclude:
                skipped.append(Skipped(response, f"already {action}d"))
                continue
            calls.append(_call(response, end_user, exclude))
        noun = "response" if len(calls) == 1 else "responses"
        where = "from" if exclude else "in"
        summary = f"{action.capitalize()} {len(calls):,} {noun} {where} calculations"
        undo = "include" if exclude else "exclude"
        follow = set_columns("responses", {"excluded_from_calculations": exclude})
        plans.append(
            account_plan(
                action,
                account,
                platform,
                "responses",
                summary,
                calls,
                skipped,
                undo=undo,
                follow=follow,
            )
        )
    return plans


def not_excludable(rows: pl.DataFrame) -> dict[str, int]:
    """Rows of platforms whose API has no exclusion, counted by platform (the faces say so)."""
    others = rows.filter(~pl.col("platform").is_in(EXCLUSION_PLATFORMS))
    return {str(p): n for p, n in others.group_by("platform").len().iter_rows()}


def _call(response: str, end_user: str, exclude: bool) -> Call:
    async def send(client: Any) -> None:
        await _client(client).update_response(response, excluded_from_calculations=exclude)

    async def check(client: Any) -> bool | None:
        found = await _client(client).get_response(end_user, response)
        return found.excluded_from_calculations == exclude

    change = f"excluded_from_calculations → {'true' if exclude else 'false'}"
    return row_call("response", response, "PUT", f"/v1/responses/{response}", change, send, check)
