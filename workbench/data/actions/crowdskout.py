"""Crowdskout's action: push the end users a filter selected to a Crowdskout attribute.

The filter selects responses (of any platform); their people are matched to the Crowdskout
account's profiles in its `end_users` table: a Crowdskout response by its profile id, any other
by its `user_ref` (e-mail, case-insensitive). A response whose person has no profile is skipped.

The plan: `POST /v1/attribute` when the attribute does not exist yet (a `Tag` attribute unless
told otherwise), then `PUT /v1/profile/bulk` with at most 100 profiles a call, each adding an
item to the profile's `Attributes` collection (or updating the one it has). Every bulk call reads
its profiles first and sends only those that do not hold the value yet, so a call sent again
after a kill never adds an item twice; its read-back is the same read. The attribute is created
by whichever call runs first (each makes sure it exists, under one lock), never twice.

Crowdskout drops an invalid item without an error (a locked attribute, a value that does not
suit the type, a profile deleted meanwhile). Each bulk answer is compared with what was sent
(`CrowdskoutClient.update_profiles`); every profile whose item is missing from the answer is
reported in `PushReport.dropped` with the reason, and its call fails (the others of the call are
in `PushReport.pushed`). The store's end users hold no Crowdskout attributes (the sync reads the
collections the account names), so the store does not change; the audit log records the push.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.data.actions.plan import Call, Plan, Skipped
from workbench.data.actions.planning import PlanRefused, check_account, live
from workbench.settings import Settings
from workbench.sources.crowdskout import PROFILE_BATCH, CrowdskoutClient
from workbench.sources.errors import InvalidRequest
from workbench.sources.models.crowdskout import Attribute, Profile, wire_id

PLATFORM = "crowdskout"
ATTRIBUTES = "Attributes"
TAG_VALUE = {"id": "true", "value": "Yes"}
SHOWN = 3
TYPES = ("Tag", "Text", "Number", "Date", "Datetime")
"""The types a push creates a missing attribute with."""
"""Dropped profiles named in a call's one-line message (all are in `PushReport.dropped`)."""


def _client(client: Any) -> CrowdskoutClient:
    if not isinstance(client, CrowdskoutClient):
        raise TypeError(
            f"a Crowdskout action needs a Crowdskout client, not {type(client).__name__}"
        )
    return client


@dataclass
class PushReport:
    """What a push's calls found, profile by profile (filled while the plan runs)."""

    pushed: set[str] = field(default_factory=set)
    already: set[str] = field(default_factory=set)
    dropped: dict[str, str] = field(default_factory=dict)
    """Profile id -> why Crowdskout did not store it."""


async def find_attribute(client: Any, name: str) -> Attribute | None:
    async for attribute in _client(client).iter_attributes():
        if (attribute.name or "").casefold() == name.casefold():
            return attribute
    return None


def wire_value(kind: str, value: str | None, attribute: Attribute | None) -> Any:
    """The `AttributeValue` to send for `value` on an attribute of type `kind`."""
    if kind == "Tag":
        return TAG_VALUE
    if value is None:
        raise ValueError(f"a {kind} attribute needs --value")
    if kind == "Number":
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            raise ValueError(f"a Number attribute takes a number, not --value {value!r}") from None
    if kind in ("Radio", "Checkbox") and attribute is not None:
        values = [v.strip() for v in value.split(",")] if kind == "Checkbox" else [value.strip()]
        options = {o.value.casefold(): o for o in attribute.options if o.value}
        unknown = [v for v in values if v.casefold() not in options]
        if unknown:
            listed = ", ".join(o.value or "" for o in attribute.options)
            raise ValueError(
                f"{attribute.name} has no option {', '.join(unknown)}; its options: {listed}"
            )
        chosen = [
            {"id": wire_id(options[v.casefold()].id), "value": options[v.casefold()].value}
            for v in values
        ]
        return chosen if kind == "Checkbox" else chosen[0]
    return value


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value"))
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _same(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        return (
            isinstance(stored, dict)
            and str(stored.get("value", "")).casefold() == str(wanted.get("value", "")).casefold()
        )
    if isinstance(wanted, list):
        return isinstance(stored, list) and sorted(_shown(s).casefold() for s in stored) == sorted(
            _shown(w).casefold() for w in wanted
        )
    if isinstance(wanted, int | float) and not isinstance(wanted, bool):
        try:
            return float(stored) == float(wanted)
        except (TypeError, ValueError):
            return False
    return str(stored).strip() == str(wanted).strip()


def _held(profile: Profile | None, attribute_id: str) -> tuple[str | None, Any]:
    """The profile's item for the attribute: (item id, value), or (None, None)."""
    for item in profile.collections.get(ATTRIBUTES, []) if profile else []:
        fields = item.fields
        if str(fields.get("AttributeId")) == attribute_id:
            return item.id, fields.get("AttributeValue")
    return None, None


def profiles_for(
    rows: pl.DataFrame, end_users: pl.DataFrame, account: str
) -> tuple[dict[str, str], list[Skipped]]:
    """The profiles of `account` the selected responses' people are: profile id -> e-mail."""
    profiles = end_users.filter(pl.col("account") == account)
    by_email = {
        str(e).casefold(): str(i)
        for i, e in profiles.select("id", "email").iter_rows()
        if e is not None
    }
    emails = {str(i): (str(e) if e else "") for i, e in profiles.select("id", "email").iter_rows()}
    chosen: dict[str, str] = {}
    skipped: list[Skipped] = []
    for response, acct, user, ref in rows.select(
        "id", "account", "end_user_id", "user_ref"
    ).iter_rows():
        if acct == account and user is not None and str(user) in emails:
            chosen.setdefault(str(user), emails[str(user)])
        elif ref is not None and str(ref).casefold() in by_email:
            profile = by_email[str(ref).casefold()]
            chosen.setdefault(profile, emails[profile])
        else:
            skipped.append(Skipped(str(response), f"no {account} profile with its e-mail"))
    return chosen, skipped


def push_plan(
    account: str,
    rows: pl.DataFrame,
    end_users: pl.DataFrame,
    *,
    attribute_name: str,
    attribute: Attribute | None,
    kind: str = "Tag",
    value: str | None = None,
    report: PushReport | None = None,
) -> Plan:
    """The push of the selected responses' people to `attribute_name` in `account`.

    `attribute` is the attribute as it stands (None: it is created with type `kind`)."""
    if attribute is not None and attribute.locked:
        raise ValueError(
            f"the attribute {attribute.name} is locked: Crowdskout keeps it itself and drops any "
            "value pushed to it; choose another attribute"
        )
    kind = (attribute.type if attribute is not None else kind) or "Tag"
    wanted = wire_value(kind, value, attribute)
    if attribute is None and kind in ("Radio", "Checkbox"):
        raise ValueError(
            f"create the {kind} attribute with its options in Crowdskout first; a push creates "
            "Tag, Text, Number, Date or Datetime attributes"
        )
    profiles, skipped = profiles_for(rows, end_users, account)
    report = report if report is not None else PushReport()
    gate = asyncio.Lock()
    known: dict[str, Attribute] = {}
    if attribute is not None:
        known["it"] = attribute

    async def ensure(client: Any) -> Attribute:
        async with gate:
            if "it" not in known:
                found = await find_attribute(client, attribute_name)
                if found is None:
                    found = await _client(client).create_attribute(attribute_name, kind)  # type: ignore[arg-type]
                known["it"] = found
            return known["it"]

    async def create_send(client: Any) -> None:
        await ensure(client)

    async def create_check(client: Any) -> bool | None:
        return await find_attribute(client, attribute_name) is not None

    calls: list[Call] = []
    if attribute is None:
        calls.append(
            Call(
                key=f"attribute:{attribute_name}",
                method="POST",
                path="/v1/attribute",
                rows=(),
                change=f"create {attribute_name!r} ({kind})",
                send=create_send,
                check=create_check,
            )
        )
    ids = sorted(profiles, key=lambda p: (len(p), p))
    for start in range(0, len(ids), PROFILE_BATCH):
        batch = tuple(ids[start : start + PROFILE_BATCH])
        calls.append(_batch(batch, profiles, ensure, wanted, report, attribute_name))
    shown = _shown(wanted)
    return Plan(
        action="push",
        account=account,
        platform=PLATFORM,
        table="end_users",
        summary=f"Set {attribute_name} = {shown} on {len(profiles):,} profiles"
        + ("" if attribute is not None else f" (creating the {kind} attribute first)")
        + "; the store does not change (its end users hold no attributes)",
        calls=tuple(calls),
        skipped=tuple(skipped),
        params={"attribute": attribute_name, "type": kind, "value": shown},
    )


def attribute_type(kind: str) -> str | None:
    """The type `kind` names (any case), or None."""
    return next((t for t in TYPES if t.casefold() == kind.casefold()), None)


async def push_plan_for(
    settings: Settings,
    account: str,
    attribute_name: str,
    rows: pl.DataFrame,
    end_users: pl.DataFrame,
    *,
    kind: str = "Tag",
    value: str | None = None,
    report: PushReport | None = None,
) -> Plan:
    """The push as it stands now: the attribute looked up in Crowdskout (created by the plan
    when missing), the selected responses' people matched to `account`'s stored profiles
    (`end_users`). PlanRefused for an unknown type, a locked attribute, a value that does not
    suit it, or when none of the people has a profile."""
    check_account(settings, account, PLATFORM)
    chosen = attribute_type(kind)
    if chosen is None:
        raise PlanRefused(f"the attribute type is one of {', '.join(TYPES)}, not {kind!r}")
    found = await live(settings, account, lambda c: find_attribute(c, attribute_name))
    try:
        plan = push_plan(
            account,
            rows,
            end_users,
            attribute_name=attribute_name,
            attribute=found,
            kind=chosen,
            value=value,
            report=report,
        )
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None
    if not plan.calls or (found is None and len(plan.calls) == 1):
        raise PlanRefused(
            f"none of the {rows.height:,} filtered responses is from a person with a profile in "
            f"{account} (matched by e-mail); `workbench sync --account {account}` reads its "
            "profiles"
        )
    return plan


def _batch(
    batch: tuple[str, ...],
    emails: dict[str, str],
    ensure: Any,
    wanted: Any,
    report: PushReport,
    name: str,
) -> Call:
    async def read(client: Any) -> tuple[Attribute, dict[str, Profile]]:
        attribute = await ensure(client)
        found = await _client(client).get_profiles(batch, [ATTRIBUTES], missing="skip")
        return attribute, found

    async def send(client: Any) -> None:
        attribute, found = await read(client)
        updates: list[dict[str, Any]] = []
        for profile_id in batch:
            if profile_id not in found:
                report.dropped[profile_id] = "the profile is no longer in Crowdskout"
                continue
            item_id, held = _held(found[profile_id], attribute.id)
            if item_id is not None and _same(held, wanted):
                report.already.add(profile_id)
                continue
            item: dict[str, Any] = {
                "AttributeId": wire_id(attribute.id),
                "AttributeName": attribute.name,
                "AttributeType": attribute.type,
                "AttributeValue": wanted,
            }
            if item_id is not None:
                item["id"] = wire_id(item_id)
            updates.append({"id": wire_id(profile_id), ATTRIBUTES: [item]})
        results = await _client(client).update_profiles(updates) if updates else []
        for sent, result in zip(updates, results, strict=True):
            profile_id = str(sent["id"])
            if result.profile is None:
                report.dropped[profile_id] = "left out of the bulk answer (deleted meanwhile?)"
            elif result.dropped:
                report.dropped[profile_id] = (
                    f"{name} = {_shown(wanted)} not stored: Crowdskout dropped it without an "
                    f"error; check that the value suits a {attribute.type} attribute"
                )
            else:
                report.pushed.add(profile_id)
        failed = [p for p in batch if p in report.dropped]
        if failed:
            named = ", ".join(f"{p} ({emails.get(p) or 'no e-mail'})" for p in failed[:SHOWN])
            more = f" and {len(failed) - SHOWN:,} more" if len(failed) > SHOWN else ""
            raise InvalidRequest(
                f"{len(failed):,} of {len(batch):,} profiles not updated ({named}{more}), "
                f"the other {len(batch) - len(failed):,} are done; the list follows",
                account=_client(client).http.account,
            )

    async def check(client: Any) -> bool | None:
        attribute = await find_attribute(client, name)  # read only: never creates it
        if attribute is None:
            return False
        found = await _client(client).get_profiles(batch, [ATTRIBUTES], missing="skip")
        return all(p in found and _same(_held(found[p], attribute.id)[1], wanted) for p in batch)

    return Call(
        key=f"profiles:{batch[0]}-{batch[-1]}",
        method="PUT",
        path="/v1/profile/bulk",
        rows=batch,
        change=f"{len(batch):,} profiles: {name} = {_shown(wanted)}",
        send=send,
        check=check,
    )
