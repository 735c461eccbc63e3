"""Crowdskout's rules for collection items: what makes an item valid, and how writes apply.

The documented quirk is enforced here: "If an item is provided with insufficient or invalid
information, that item will be removed from the collection silently, and the rest of the valid
data will be saved." Nothing in this module raises for a bad item; it answers None and the
caller leaves the item out (or, for an update, leaves the stored item as it was).

What counts as valid, where the docs are silent (plausible for a CRM):

- a field value of the wrong kind (an object where text belongs, an age of 200, an email
  without `@`, a phone with fewer than 10 digits, a postal code that is not `12345` or
  `12345-6789`, a date that is neither ISO 8601 nor Unix seconds, a survey score outside 0-10)
  makes the whole item invalid;
- option fields take `{"id": n}`, `{"value": "..."}`, a bare id or a bare value; an unknown
  option makes the item invalid, except for `AddressCity`, which accepts a new value (and
  creates the option under the item's region), as the docs say some fields do;
- dependent options must belong to the item's parent option (`AddressCity` and
  `AddressCounty` to its `AddressRegion`);
- each collection has its minimum: a name part; an email; a phone number; a region plus a
  street, city or postal code; a gender; an age; a note's text; a survey question with a score
  or an answer. `FullName` is composed from the parts when not given; `NoteWhen` and
  `SurveyWhen` default to now;
- unknown field names inside an item, unknown collection names and items that are not
  objects are ignored; an item id that the profile does not hold is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from workbench.sandbox.crowdskout.data import ATTRIBUTES, COLLECTIONS, FieldSpec, Option
from workbench.sandbox.web import iso_utc_time

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTAL = re.compile(r"^\d{5}(-\d{4})?$")
NAME_PARTS = ("NameTitle", "FirstName", "MiddleName", "LastName", "NameSuffix")


class Invalid(Exception):
    """An item that will be dropped silently; never reaches the client."""


class OptionBook:
    """Every option-valued field's options, with lookups by id and by value."""

    def __init__(self, options: dict[str, list[Option]]) -> None:
        self.options = options

    def get(self, field: str, option_id: int) -> Option | None:
        return next((o for o in self.options.get(field, []) if o.id == option_id), None)

    def find(self, field: str, value: str, parent: int | None) -> Option | None:
        wanted = value.strip().casefold()
        return next(
            (
                o
                for o in self.options.get(field, [])
                if o.value.casefold() == wanted and (parent is None or o.parent == parent)
            ),
            None,
        )

    def add(self, field: str, value: str, parent: int | None) -> Option:
        options = self.options.setdefault(field, [])
        option = Option(max((o.id for o in options), default=0) + 1, value.strip(), parent)
        options.append(option)
        return option

    def visible(self, field: str, parent: int | None) -> list[Option]:
        """The options of `field`, only those under `parent` when a parent is given."""
        return [o for o in self.options.get(field, []) if parent is None or o.parent == parent]


PENDING = "pending"
"""Marks an option value that does not exist yet; it is created only if the item is saved."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid
    text = str(value).strip()
    return text or None


def _integer(value: Any, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise Invalid
    return value


def _datetime(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return iso_utc_time(float(value))
    if not isinstance(value, str):
        raise Invalid
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso_utc_time(moment.timestamp())


def _option(
    spec: FieldSpec, value: Any, book: OptionBook, parent: int | None
) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        raw_id, raw_value = value.get("id"), value.get("value")
    elif isinstance(value, int) and not isinstance(value, bool):
        raw_id, raw_value = value, None
    elif isinstance(value, str):
        raw_id, raw_value = None, value
    else:
        raise Invalid
    if spec.parent is not None and parent is None:
        raise Invalid  # a city or county means nothing without its region
    if isinstance(raw_id, int) and not isinstance(raw_id, bool) and raw_id > 0:
        option = book.get(spec.name, raw_id)
        if option is None or (spec.parent is not None and option.parent != parent):
            raise Invalid
        return option.json()
    if not isinstance(raw_value, str) or not raw_value.strip():
        raise Invalid
    option = book.find(spec.name, raw_value, parent if spec.parent else None)
    if option is not None:
        return option.json()
    if not spec.open:
        raise Invalid
    return {"id": PENDING, "value": raw_value.strip(), "parent": parent}


def _value(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "text":
        return _text(value)
    if spec.kind == "integer":
        return _integer(value, 0, 130)
    if spec.kind == "score":
        return _integer(value, 0, 10)
    if spec.kind == "datetime":
        return _datetime(value)
    text = _text(value)
    if text is None:
        return None
    if spec.kind == "email" and not EMAIL.match(text):
        raise Invalid
    if spec.kind == "phone" and not 10 <= len(re.sub(r"\D", "", text)) <= 15:
        raise Invalid
    if spec.kind == "postal" and not POSTAL.match(text):
        raise Invalid
    return text


def _complete(collection: str, item: dict[str, Any], now: float) -> bool:
    """Fill derived fields; False when the item lacks what its collection needs."""
    if collection == "Names":
        if not (item["FirstName"] or item["LastName"] or item["FullName"]):
            return False
        if not item["FullName"]:
            item["FullName"] = " ".join(item[p] for p in NAME_PARTS if item[p])
        return True
    if collection == "PhysicalAddresses":
        return bool(item["AddressRegion"]) and bool(
            item["AddressLine1"] or item["AddressCity"] or item["AddressPostalCode"]
        )
    if collection == "Notes":
        item["NoteWhen"] = item["NoteWhen"] or iso_utc_time(now)
        return bool(item["Note"])
    if collection == "SurveyResponses":
        item["SurveyWhen"] = item["SurveyWhen"] or iso_utc_time(now)
        return bool(item["SurveyQuestion"]) and (
            item["SurveyScore"] is not None or bool(item["SurveyAnswer"])
        )
    required = {
        "Genders": "Gender",
        "Ages": "Age",
        "EmailAddresses": "EmailAddress",
        "PhoneNumbers": "PhoneNumber",
    }[collection]
    return item[required] is not None


def clean_item(collection: str, raw: Any, book: OptionBook, now: float) -> dict[str, Any] | None:
    """The item's fields in the API's shape (without `id`), or None if it must be dropped.

    Options named by a value that does not exist yet stay pending; `commit()` creates them.
    """
    if not isinstance(raw, dict):
        return None
    specs = COLLECTIONS[collection]
    item: dict[str, Any] = {}
    try:
        parents: dict[str, int | None] = {}
        # parents first, so that dependent options can be checked against them
        for spec in sorted(specs, key=lambda s: s.parent is not None):
            if spec.kind == "option":
                parent = parents.get(spec.parent) if spec.parent else None
                item[spec.name] = _option(spec, raw.get(spec.name), book, parent)
                option = item[spec.name]
                parents[spec.name] = option["id"] if option and option["id"] != PENDING else None
            else:
                item[spec.name] = _value(spec, raw.get(spec.name))
    except Invalid:
        return None
    ordered = {spec.name: item[spec.name] for spec in specs}
    return ordered if _complete(collection, ordered, now) else None


def _attribute_option(attribute: dict[str, Any], value: Any) -> dict[str, Any]:
    options = attribute.get("options") or []
    if isinstance(value, dict):
        raw_id, raw_value = value.get("id"), value.get("value")
    else:
        raw_id, raw_value = (value, None) if isinstance(value, int) else (None, value)
    for option in options:
        if isinstance(raw_id, int) and not isinstance(raw_id, bool) and option["id"] == raw_id:
            return {"id": option["id"], "value": option["value"]}
        if (
            isinstance(raw_value, str)
            and option["value"].casefold() == raw_value.strip().casefold()
        ):
            return {"id": option["id"], "value": option["value"]}
    raise Invalid


def _attribute_value(attribute: dict[str, Any], value: Any) -> Any:
    kind = attribute["type"]
    if value is None or value == "":
        raise Invalid
    if kind == "Text":
        return _text(value)
    if kind == "Number":
        if isinstance(value, bool):
            raise Invalid
        if isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                raise Invalid from None
        if not isinstance(value, int | float):
            raise Invalid
        return value
    if kind == "Tag":
        raw = value.get("id") if isinstance(value, dict) else value
        if raw is True or (isinstance(raw, str) and raw.strip().lower() in ("true", "yes", "1")):
            return {"id": "true", "value": "Yes"}
        raise Invalid
    if kind == "Date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise Invalid
        try:
            datetime.strptime(value.strip(), "%Y-%m-%d")
        except ValueError:
            raise Invalid from None
        return value.strip()
    if kind == "Datetime":
        return _datetime(value)
    if kind == "Radio":
        return _attribute_option(attribute, value)
    if kind == "Checkbox":
        values = value if isinstance(value, list) else [value]
        if not values:
            raise Invalid
        return [_attribute_option(attribute, v) for v in values]
    raise Invalid


def clean_attribute(raw: Any, attributes: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """An `Attributes` item in the API's shape, or None if it must be dropped: the attribute
    is named by `AttributeId` (or `AttributeName`), must exist and not be locked, and the value
    must suit its type."""
    if not isinstance(raw, dict):
        return None
    wanted_id, wanted_name = raw.get("AttributeId"), raw.get("AttributeName")
    if isinstance(wanted_id, str) and wanted_id.strip().isdigit():
        wanted_id = int(wanted_id)
    attribute = next(
        (
            a
            for a in attributes
            if (isinstance(wanted_id, int) and a["id"] == wanted_id)
            or (
                wanted_id in (None, 0) and isinstance(wanted_name, str) and a["name"] == wanted_name
            )
        ),
        None,
    )
    if attribute is None or attribute.get("locked"):
        return None
    try:
        value = _attribute_value(attribute, raw.get("AttributeValue"))
    except Invalid:
        return None
    return {
        "AttributeId": attribute["id"],
        "AttributeName": attribute["name"],
        "AttributeType": attribute["type"],
        "AttributeValue": value,
    }


def commit(item: dict[str, Any], book: OptionBook) -> dict[str, Any]:
    """Create the pending options of an item that is being saved."""
    for name, value in item.items():
        if isinstance(value, dict) and value.get("id") == PENDING:
            item[name] = book.add(name, value["value"], value["parent"]).json()
    return item


def apply_items(
    profile: dict[str, list[dict[str, Any]]],
    body: dict[str, Any],
    book: OptionBook,
    now: float,
    next_item_id: Callable[[str], int],
    *,
    creating: bool,
    attributes: Sequence[dict[str, Any]] = (),
) -> list[str]:
    """Apply a profile object's collections to a stored profile; answers the collections named.

    Creating ignores every id (all items are new). Updating follows the docs: an item with an
    id is updated (or removed with `"delete": true`), one with `"id": 0` or no id is added.
    """
    named = []
    for collection, items in body.items():
        if collection not in COLLECTIONS or not isinstance(items, list):
            continue
        named.append(collection)
        stored = profile.setdefault(collection, [])
        for raw in items:
            if not isinstance(raw, dict):
                continue
            item_id = 0 if creating else raw.get("id") or 0
            if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id < 0:
                continue
            if item_id == 0:
                if raw.get("delete") is True:
                    continue
                cleaned = (
                    clean_attribute(raw, attributes)
                    if collection == ATTRIBUTES
                    else clean_item(collection, raw, book, now)
                )
                if cleaned is not None:
                    stored.append({"id": next_item_id(collection), **commit(cleaned, book)})
                continue
            position = next((k for k, it in enumerate(stored) if it["id"] == item_id), None)
            if position is None:
                continue
            if raw.get("delete") is True:
                del stored[position]
                continue
            current = {k: v for k, v in stored[position].items() if k != "id"}
            changes = {k: v for k, v in raw.items() if k not in {"id", "delete"}}
            renamed = any(part in changes for part in NAME_PARTS)
            if collection == "Names" and "FullName" not in changes and renamed:
                current["FullName"] = None  # composed again from the new parts
            if collection == ATTRIBUTES:
                cleaned = clean_attribute(current | changes, attributes)
            else:
                cleaned = clean_item(collection, current | changes, book, now)
            if cleaned is not None:
                stored[position] = {"id": item_id, **commit(cleaned, book)}
    return named
