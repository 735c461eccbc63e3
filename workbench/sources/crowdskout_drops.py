"""Which collection items Crowdskout dropped: what was sent, compared with what came back.

Crowdskout drops invalid or incomplete collection items *silently* when it creates or updates a
profile, and saves the rest; `crowdskout.CrowdskoutClient` reports each one from here. The API
normalises what it stores (case, whitespace, number and date formats), so agreement is lenient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.sources.timestamps import TimestampError, parse_timestamp


@dataclass(frozen=True)
class DroppedItem:
    """A collection item that was sent but not stored (or, for `"delete": true`, not deleted)."""

    collection: str
    position: int
    """Index of the item in the collection as it was sent."""
    reason: Literal["not stored", "not updated", "not deleted"]
    sent: Mapping[str, Any] = field(repr=False)
    """The item as sent; kept out of the repr because it holds personal data."""

    def __str__(self) -> str:
        return f"{self.collection}[{self.position}] {self.reason}"


def find_dropped(
    sent: Mapping[str, Any], stored: Mapping[str, Any], *, mode: Literal["create", "update"]
) -> list[DroppedItem]:
    """The items of `sent` that `stored` (the API's answer) shows were not stored.

    - A new item (create; on update: `"id": 0` or no id) is stored when an answer item of the same
      collection agrees with every field sent (see `_agrees`); each answer item accounts for one
      sent item, in order, so two identical items sent need two in the answer. On update, answer
      items whose id was named in the request are not candidates.
    - An updated item (update, with an id) is stored when the answer item with that id agrees.
    - A deleted item (update, with an id and `"delete": true`) is gone when no answer item has its
      id.

    Agreement is lenient (case, whitespace, number and date formats, `{"id", "value"}` objects
    matched by id), because the API normalises values. A new item identical to an item the
    profile already had cannot be told apart from it; such a drop goes unreported.
    """
    dropped: list[DroppedItem] = []
    for collection, items in sent.items():
        if collection == "id" or not isinstance(items, list):
            continue
        answer = [i for i in stored.get(collection) or [] if isinstance(i, dict)]
        by_id = {str(i.get("id")): i for i in answer if i.get("id") is not None}
        named = set()
        if mode == "update":
            named = {str(i.get("id")) for i in items if isinstance(i, dict) and _has_id(i)}
        candidates = [i for i in answer if str(i.get("id")) not in named]
        used: set[int] = set()
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if mode == "update" and _has_id(item):
                item_id = str(item["id"])
                if item.get("delete"):
                    if item_id in by_id:
                        dropped.append(DroppedItem(collection, position, "not deleted", item))
                elif item_id not in by_id or not _agrees(_fields(item), by_id[item_id]):
                    dropped.append(DroppedItem(collection, position, "not updated", item))
                continue
            wanted = _fields(item)
            match = next(
                (
                    n
                    for n, candidate in enumerate(candidates)
                    if n not in used and _agrees(wanted, candidate)
                ),
                None,
            )
            if match is None:
                dropped.append(DroppedItem(collection, position, "not stored", item))
            else:
                used.add(match)
    return dropped


def everything_dropped(
    sent: Mapping[str, Any], mode: Literal["create", "update"]
) -> list[DroppedItem]:
    """Every item of `sent`, as dropped: for an answer that left the whole profile out."""
    dropped = []
    for collection, items in sent.items():
        if collection == "id" or not isinstance(items, list):
            continue
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            reason: Literal["not stored", "not updated", "not deleted"] = "not stored"
            if mode == "update" and _has_id(item):
                reason = "not deleted" if item.get("delete") else "not updated"
            dropped.append(DroppedItem(collection, position, reason, item))
    return dropped


def _has_id(item: Mapping[str, Any]) -> bool:
    value = item.get("id")
    return value not in (None, 0, "0", "")


def _fields(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("id", "delete")}


def _agrees(sent: Any, stored: Any) -> bool:
    """Whether a stored value is what was sent, allowing for the API's normalisation."""
    if sent is None:
        return True  # a field sent empty says nothing about what was stored
    if isinstance(sent, Mapping):
        if not isinstance(stored, Mapping):
            # A static object sent as {"id": 1, ...} may come back as the plain id or value.
            return any(_agrees(sent.get(k), stored) for k in ("id", "value") if k in sent)
        if sent.get("id") not in (None, 0, "0", "") and stored.get("id") is not None:
            return str(sent["id"]) == str(stored["id"])
        return all(_agrees(v, stored.get(k)) for k, v in sent.items())
    if isinstance(sent, list):
        if not isinstance(stored, list):
            return False
        return all(any(_agrees(s, candidate) for candidate in stored) for s in sent)
    if stored is None:
        return False
    if isinstance(stored, Mapping):
        return any(_agrees(sent, stored.get(k)) for k in ("id", "value"))
    return _same_scalar(sent, stored)


def _same_scalar(sent: Any, stored: Any) -> bool:
    if str(sent).strip().casefold() == str(stored).strip().casefold():
        return True
    if isinstance(sent, bool) or isinstance(stored, bool):
        return False
    try:
        return float(sent) == float(stored)
    except (TypeError, ValueError):
        pass
    try:
        first, second = parse_timestamp(sent), parse_timestamp(stored)
    except TimestampError:
        return False
    return first is not None and first == second


def pair_created(
    sent: list[dict[str, Any]], stored: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Pairs each sent profile with its answer: by position when the counts agree (the docs say
    the same profiles come back, in order), otherwise with the answer that holds most of its
    items, so that a profile the API left out entirely shows as missing."""
    if len(sent) == len(stored):
        return list(zip(sent, stored, strict=True))
    left = list(range(len(stored)))
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for profile in sent:
        best, best_kept = None, -1
        for n in left:
            missing = len(find_dropped(profile, stored[n], mode="create"))
            kept = sum(len(v) for k, v in profile.items() if isinstance(v, list)) - missing
            if kept > best_kept:
                best, best_kept = n, kept
        if best is not None and best_kept > 0:
            left.remove(best)
            pairs.append((profile, stored[best]))
        else:
            pairs.append((profile, None))
    return pairs


__all__ = ["DroppedItem", "everything_dropped", "find_dropped", "pair_created"]
