"""Crowdskout profiles and attributes to canonical frames.

Each normalizer takes rows as plain JSON objects (the API's own profile objects, which put the
collections beside `id`, as `CrowdskoutClient.iter_profile_rows()` gives them, or a `Profile`
dumped with `model_dump(mode="json")`, which nests them under `collections`) and an account
name, and answers `Normalized(frame, rejected)`: a record that cannot be read is reported,
never dropped.

How a profile maps:

- **end_users**: the profile id; the first e-mail address and phone number (Crowdskout lists a
  person's primary one first) as columns; every other field of the first item of each
  descriptive collection (`Names`, `Genders`, `Ages`, `PhysicalAddresses`, the e-mail's
  `EmailType`, ...) as a property named by the field (`FirstName`, `Gender`, `Age`,
  `AddressRegion`). Option values (`{"id", "value"}`) read as their value. `Notes` and
  `SurveyResponses` are events, not traits of a person, so they are not properties. Crowdskout
  gives a profile no timestamps, so those columns stay null.
- **responses**: each `SurveyResponses` item is a scored answer (`SurveyScore` 0-10, hence
  metric `nps`), at `SurveyWhen`, by the profile, with the profile's properties.

Attributes are the organization's declared custom fields (a name and a type such as `Radio`,
`Number` or `Tag`). The canonical table that declares fields is `segments` ("the end-user
property names an account declared, with their data types"), so that is where they go. The
`tags` table does not fit: its rows are labels applied to responses, with counts and sentiment,
and an attribute is a field of a person, not a label on an answer. The type is kept as
Crowdskout names it, lowercased: mapping it onto Wootric's string/date/integer would hide that a
`Checkbox` holds several values and a `Tag` is only present or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

from workbench.data.normalize.collect import Normalized, collect, entries
from workbench.data.normalize.fields import (
    Bad,
    Row,
    read_count,
    read_id,
    read_list,
    read_text,
    read_time,
    scalar,
    shown,
    shown_id,
)
from workbench.data.normalize.ints import lazy_count

PLATFORM = "crowdskout"
SCORE = (0, 10)
"""The scale of a `SurveyScore` (hence metric `nps`)."""

EVENT_COLLECTIONS = frozenset({"Notes", "SurveyResponses"})
"""Collections whose items are things that happened, not traits: never end-user properties."""
COLUMN_FIELDS = {"EmailAddresses": "EmailAddress", "PhoneNumbers": "PhoneNumber"}
"""The collection and field each contact column comes from (first item)."""
ITEM_KEYS = frozenset({"id", "delete"})
"""Keys of a collection item that are not fields."""


# --- profiles -> end users -------------------------------------------------------------------


def crowdskout_end_users(rows: Iterable[Row], account: str) -> Normalized:
    """Profiles (`CrowdskoutClient.iter_profiles(ids, collections)`) -> `end_users`."""

    def read(row: Row) -> dict[str, Any]:
        collections = _collections(row)
        return {
            "account": account,
            "platform": PLATFORM,
            "id": read_id(row),
            "email": _contact(collections, "EmailAddresses"),
            "external_id": None,
            "phone_number": _contact(collections, "PhoneNumbers"),
            "created_at": None,
            "updated_at": None,
            "last_surveyed": _last_surveyed(collections),
            "last_seen_at": None,
            "page_views_count": None,
            "properties": _properties(collections),
        }

    return collect("end_users", entries(rows), read)


def _collections(row: Row) -> dict[str, list[Mapping[str, Any]]]:
    """A profile's collections by name, from either shape; each item must be an object."""
    nested = row.get("collections")
    if nested is not None and not isinstance(nested, Mapping):
        raise Bad("collections", f"not an object: {shown(nested)}")
    source = nested if nested is not None else {k: v for k, v in row.items() if k != "id"}
    found: dict[str, list[Mapping[str, Any]]] = {}
    for name, items in source.items():
        where = f"collections.{name}" if nested is not None else str(name)
        if not isinstance(items, list):
            if nested is not None:
                raise Bad(where, f"not a list of items: {shown(items)}")
            continue  # a top-level field of the profile, not a collection
        for item in items:
            if not isinstance(item, Mapping):
                raise Bad(where, f"an item that is not an object: {shown(item)}")
        found[str(name)] = [item for item in items if item.get("delete") is not True]
    return found


def _fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's fields with option objects read as their value (a list of them joined)."""
    return {str(k): _value(v) for k, v in item.items() if k not in ITEM_KEYS}


def _value(value: object) -> object:
    if isinstance(value, Mapping) and "value" in value:
        return scalar(value["value"])
    if isinstance(value, list) and all(isinstance(v, Mapping) and "value" in v for v in value):
        return ", ".join(str(v["value"]) for v in value)
    return scalar(value)


def _contact(collections: Mapping[str, list[Mapping[str, Any]]], name: str) -> str | None:
    items = collections.get(name) or []
    if not items:
        return None
    try:
        return read_text(_fields(items[0]), COLUMN_FIELDS[name])
    except Bad as bad:
        raise Bad(f"{name}.{bad.field}", bad.reason) from None


def _properties(collections: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, items in collections.items():
        if name in EVENT_COLLECTIONS or not items:
            continue
        fields = _fields(items[0])
        fields.pop(COLUMN_FIELDS.get(name, ""), None)
        properties.update(fields)
    return properties


def _last_surveyed(collections: Mapping[str, list[Mapping[str, Any]]]) -> Any:
    """The latest `SurveyWhen` of the profile's survey answers (unreadable ones are the
    responses' to reject; here they are passed over)."""
    latest = None
    for item in collections.get("SurveyResponses") or []:
        try:
            when = read_time(item, "SurveyWhen")
        except Bad:
            continue
        if when is not None and (latest is None or when > latest):
            latest = when
    return latest


# --- profiles' survey answers -> responses -----------------------------------------------------


def crowdskout_responses(rows: Iterable[Row], account: str) -> Normalized:
    """The `SurveyResponses` items of profiles (read with that collection) -> `responses`.

    One row per item, with the item's id; a profile that cannot be read rejects its survey
    answers as one (the profile's id, table `responses`), an unreadable item only itself.
    Profiles without survey answers give no rows.
    """
    quick = partial(_answer, count=lazy_count)
    return collect(
        "responses", _answers(rows, account), _answer, quick=quick, ints={"score": SCORE}
    )


def _answers(
    rows: Iterable[Row], account: str
) -> Iterator[tuple[str, tuple[dict[str, Any], Mapping[str, Any]] | Bad]]:
    """(shown id, (profile, item)) per survey answer; a profile that cannot be read is one
    entry carrying why, for the collector to reject."""
    for shown_as, row in entries(rows):
        if isinstance(row, Bad):
            yield shown_as, row
            continue
        try:
            collections = _collections(row)
            profile = {
                "account": account,
                "id": read_id(row),
                "email": _contact(collections, "EmailAddresses"),
                "properties": _properties(collections),
            }
        except Bad as bad:
            yield shown_as, bad
            continue
        for item in collections.get("SurveyResponses") or []:
            yield shown_id(item), (profile, item)


def _answer(
    entry: tuple[dict[str, Any], Mapping[str, Any]], count: Callable[..., Any] = read_count
) -> dict[str, Any]:
    profile, item = entry
    return {
        "account": profile["account"],
        "platform": PLATFORM,
        "id": read_id(item),
        "end_user_id": profile["id"],
        "user_ref": profile["email"],
        "survey_id": read_text(item, "SurveyName"),
        "metric": "nps",
        "score": count(item, "SurveyScore", low=SCORE[0], high=SCORE[1]),
        "text": read_text(item, "SurveyAnswer"),
        "created_at": read_time(item, "SurveyWhen", required=True),
        "updated_at": None,
        "tags": [],
        "sentiment": None,
        "excluded_from_calculations": False,
        "origin_url": None,
        "properties": dict(profile["properties"]),
    }


# --- attributes -> segments --------------------------------------------------------------------


def crowdskout_segments(rows: Iterable[Row], account: str) -> Normalized:
    """Attributes (`CrowdskoutClient.iter_attributes()`) -> `segments` (see the module doc)."""

    def read(row: Row) -> dict[str, Any]:
        read_id(row)  # an attribute without an id is not one Crowdskout holds
        kind = read_text(row, "type")
        read_list(row, "options")
        return {
            "account": account,
            "platform": PLATFORM,
            "name": read_text(row, "name", required=True),
            "data_type": kind.lower() if kind else None,
            "created_at": None,
        }

    return collect("segments", entries(rows), read)


__all__ = [
    "EVENT_COLLECTIONS",
    "crowdskout_end_users",
    "crowdskout_responses",
    "crowdskout_segments",
]
