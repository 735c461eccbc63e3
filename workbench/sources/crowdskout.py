"""The Crowdskout API v1: profiles by id, field options and attributes, read and write.

Every answer comes wrapped as `{success, messages, data}`; `data` is returned, and `success: false`
becomes an exception carrying the server's messages (an HTTP error status is mapped by `ApiClient`,
which reads the same `messages`).

Crowdskout has no profile listing: profiles are read by id, so `get_profiles` reads many ids
concurrently, in batches, each id once.

Crowdskout drops invalid or incomplete collection items *silently* when it creates or updates a
profile, and saves the rest. Losing an analyst's data without a word is not acceptable, so every
write compares what was sent with what came back and reports the items that were not stored:
they are returned in `ProfileWrite.dropped` and logged as a warning naming the collection and the
position of each item (never its values, which are personal data). See
`crowdskout_drops.find_dropped` for how items are matched.

Profiles and attributes are read as models (`iter_profiles`, `iter_attributes`) and as the API's
JSON rows (`iter_profile_rows`, `iter_attribute_rows`) for the sync, whose normalizers read each
row once and report those they cannot read (`sources.rows`); the models are the rows validated.
A profile row keeps the API's shape: its collections beside `id`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from workbench.sources.crowdskout_drops import (
    DroppedItem,
    everything_dropped,
    find_dropped,
    pair_created,
)
from workbench.sources.errors import InvalidRequest, NotFound, TruncatedRead, UnreadableAnswer
from workbench.sources.http import ApiClient, PlatformClient
from workbench.sources.models.crowdskout import (
    Attribute,
    AttributePage,
    AttributeType,
    FieldOptions,
    Profile,
    wire_id,
)
from workbench.sources.rows import Row, row_id, unseen

log = logging.getLogger("workbench.sources")

ATTRIBUTE_PAGE = 50
"""Attributes per `limit`/`offset` page (the docs' example limit)."""
PROFILE_BATCH = 100
"""Ids read per batch in `get_profiles`, and profiles per request in the bulk writes."""
OPTION_TYPES = frozenset({"Radio", "Checkbox"})

ProfileInput = Profile | Mapping[str, Any]
Missing = Literal["raise", "skip"]


@dataclass(frozen=True)
class ProfileWrite:
    """The profile as Crowdskout stored it, and the items it dropped without saying so."""

    profile: Profile | None
    """None when a bulk answer left the whole profile out."""
    dropped: tuple[DroppedItem, ...] = ()

    @property
    def complete(self) -> bool:
        return self.profile is not None and not self.dropped


class CrowdskoutClient(PlatformClient):
    """One Crowdskout organization.

    Wire it with `ApiClient(base_url="https://api.crowdskout.com",
    auth=StaticToken(token, "Bearer", ...))`, the token coming from `oauth_code.py`.
    """

    def __init__(
        self, http: ApiClient, *, concurrency: int = 8, batch_size: int = PROFILE_BATCH
    ) -> None:
        super().__init__(http)
        self.concurrency = concurrency
        self.batch_size = batch_size

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        response, body = await self.http.request(method, path, params=params, json=json)
        data = unwrap(body, response, account=self.http.account, method=method, path=path)
        messages = body.get("messages") if isinstance(body, dict) else None
        if messages:
            # A success with messages: e.g. a bulk update that skipped a profile it did not know.
            log.warning(
                "%s: %s /%s succeeded with messages: %s",
                self.http.account,
                method,
                path.lstrip("/"),
                "; ".join(str(m) for m in messages) if isinstance(messages, list) else messages,
            )
        return data

    # --- profiles: reading ---------------------------------------------------------------------

    async def get_profile(self, profile_id: str | int, collections: Iterable[str]) -> Profile:
        """One profile with the named collections (the API requires at least one)."""
        body = await self._call(
            "GET", f"v1/profile/{profile_id}", params={"collections": _collections(collections)}
        )
        return Profile.model_validate(body)

    async def iter_profiles(
        self,
        ids: Iterable[str | int],
        collections: Iterable[str],
        concurrency: int | None = None,
        *,
        missing: Missing = "raise",
    ) -> AsyncIterator[Profile]:
        """Profiles in the order of `ids` (`iter_profile_rows`, as models)."""
        rows = self.iter_profile_rows(ids, collections, concurrency, missing=missing)
        async for row in rows:
            yield Profile.model_validate(row)

    async def iter_profile_rows(
        self,
        ids: Iterable[str | int],
        collections: Iterable[str],
        concurrency: int | None = None,
        *,
        missing: Missing = "raise",
    ) -> AsyncIterator[Row]:
        """Profiles in the order of `ids` as the API's `data` objects, each id read once,
        `concurrency` requests at a time.

        Ids go in batches of `batch_size`, so that a long list never holds more than one batch of
        answers in memory. `missing="skip"` passes over ids the API does not know (404) instead
        of stopping.
        """
        wanted = _collections(collections)
        order = list(dict.fromkeys(str(i) for i in ids))
        slots = asyncio.Semaphore(concurrency or self.concurrency)
        absent = object()

        async def read(profile_id: str) -> Row:
            async with slots:
                try:
                    return await self._call(
                        "GET", f"v1/profile/{profile_id}", params={"collections": wanted}
                    )
                except NotFound:
                    if missing == "skip":
                        return absent
                    raise

        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(read(profile_id)) for profile_id in batch]
            except BaseExceptionGroup as failed:
                # The first failure stops the batch; callers catch NotFound, not a group.
                raise _first(failed) from None
            for task in tasks:
                profile = task.result()
                if profile is not absent:
                    yield profile

    async def get_profiles(
        self,
        ids: Iterable[str | int],
        collections: Iterable[str],
        concurrency: int | None = None,
        *,
        missing: Missing = "raise",
    ) -> dict[str, Profile]:
        """Profiles by id (in the order asked); see `iter_profiles`.

        With `missing="skip"` an unknown id is simply absent from the answer.
        """
        found: dict[str, Profile] = {}
        async for profile in self.iter_profiles(ids, collections, concurrency, missing=missing):
            if profile.id is not None:
                found[profile.id] = profile
        return found

    # --- profiles: writing ---------------------------------------------------------------------

    async def create_profile(self, profile: ProfileInput) -> ProfileWrite:
        """Creates a profile; ids in it are ignored and every item is created anew."""
        sent = _profile_body(profile)
        body = await self._call("POST", "v1/profile", json=sent)
        return self._checked(sent, body, mode="create")

    async def create_profiles(self, profiles: Sequence[ProfileInput]) -> list[ProfileWrite]:
        """Creates many profiles, `batch_size` per request; results in the order sent."""
        results: list[ProfileWrite] = []
        for batch in _batches([_profile_body(p) for p in profiles], self.batch_size):
            answer = await self._call("POST", "v1/profile/bulk", json=batch)
            stored = _profile_list(answer, "POST /v1/profile/bulk")
            for sent, body in pair_created(batch, stored):
                results.append(self._checked(sent, body, mode="create"))
        return results

    async def update_profile(self, profile_id: str | int, profile: ProfileInput) -> ProfileWrite:
        """Updates one profile.

        Items with an id are updated; items with `"id": 0` or no id are added; an item with its id
        and `"delete": true` is deleted (its other fields are ignored by the API).
        """
        sent = _profile_body(profile)
        sent["id"] = wire_id(str(profile_id))
        body = await self._call("PUT", f"v1/profile/{profile_id}", json=sent)
        return self._checked(sent, body, mode="update")

    async def update_profiles(self, profiles: Sequence[ProfileInput]) -> list[ProfileWrite]:
        """Updates many profiles (each needs its `id`), `batch_size` per request, in order."""
        bodies = [_profile_body(p) for p in profiles]
        for position, sent in enumerate(bodies):
            if not sent.get("id"):
                raise ValueError(f"profile {position} has no id; a bulk update needs one on each")
        results: list[ProfileWrite] = []
        for batch in _batches(bodies, self.batch_size):
            answer = await self._call("PUT", "v1/profile/bulk", json=batch)
            stored = {str(p.get("id")): p for p in _profile_list(answer, "PUT /v1/profile/bulk")}
            for sent in batch:
                results.append(self._checked(sent, stored.get(str(sent["id"])), mode="update"))
        return results

    def _checked(
        self, sent: dict[str, Any], body: Any, *, mode: Literal["create", "update"]
    ) -> ProfileWrite:
        stored = body if isinstance(body, dict) else None
        if stored is None:  # the answer left the whole profile out: nothing of it was stored
            dropped = everything_dropped(sent, mode)
        else:
            dropped = find_dropped(sent, stored, mode=mode)
        profile = Profile.model_validate(stored) if stored is not None else None
        if dropped:
            known = profile.id if profile and profile.id else sent.get("id")
            who = f"profile {known}" if known else "a new profile"
            if stored is None:
                who += " (missing from the answer)"
            log.warning(
                "%s: Crowdskout did not store %d item(s) of %s, which it drops without an error "
                "when they are invalid or incomplete: %s",
                self.http.account,
                len(dropped),
                who,
                ", ".join(str(d) for d in dropped),
            )
        return ProfileWrite(profile=profile, dropped=tuple(dropped))

    # --- fields --------------------------------------------------------------------------------

    async def field_options(
        self,
        field_name: str,
        *,
        depends_on: str | None = None,
        depends_on_id: str | int | None = None,
    ) -> FieldOptions:
        """The options of a field, optionally only those under one value of its parent field.

        E.g. `field_options("AddressCity", depends_on="AddressRegion", depends_on_id=14)`.
        """
        if (depends_on is None) != (depends_on_id is None):
            raise ValueError("depends_on and depends_on_id go together: parent field and its id")
        params = {depends_on: str(depends_on_id)} if depends_on is not None else None
        body = await self._call("GET", f"v1/fields/{field_name}/options", params=params)
        return FieldOptions.model_validate(body)

    # --- attributes ----------------------------------------------------------------------------

    async def list_attributes(
        self, limit: int | None = None, offset: int | None = None
    ) -> AttributePage:
        """One page of attributes (all of them when neither limit nor offset is given)."""
        rows, total = await self.attribute_rows(limit, offset)
        return AttributePage(total=total, attributes=[Attribute.model_validate(a) for a in rows])

    async def attribute_rows(
        self, limit: int | None = None, offset: int | None = None
    ) -> tuple[list[Row], int | None]:
        """`list_attributes` as the API's JSON rows, with the total when the API says it."""
        params = {k: str(v) for k, v in {"limit": limit, "offset": offset}.items() if v is not None}
        body = await self._call("GET", "v1/attribute", params=params or None)
        return _attribute_page(body)

    async def iter_attributes(self, page_size: int = ATTRIBUTE_PAGE) -> AsyncIterator[Attribute]:
        """Every attribute once (`iter_attribute_rows`, as models)."""
        async for row in self.iter_attribute_rows(page_size):
            yield Attribute.model_validate(row)

    async def iter_attribute_rows(self, page_size: int = ATTRIBUTE_PAGE) -> AsyncIterator[Row]:
        """Every attribute once as the API's JSON rows, by `limit`/`offset` pages until a short
        or empty page.

        When an attribute is created or deleted during the walk the offsets shift; an attribute
        seen on two pages is yielded once.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        seen: set[str] = set()
        offset = 0
        while True:
            rows, total = await self.attribute_rows(limit=page_size, offset=offset)
            fresh = list(unseen(rows, seen, row_id))
            if offset and rows and not fresh:
                # A full page of attributes already read: the server is not honouring `offset`,
                # and walking on would only repeat it. Say so rather than stop short in silence.
                raise TruncatedRead(
                    f"GET /v1/attribute answered the same attributes at offset {offset} as "
                    f"before; only {len(seen)} of {total or 'an unknown number of'} "
                    "attributes could be read",
                    account=self.http.account,
                )
            for attribute in fresh:
                yield attribute
            offset += len(rows)
            if len(rows) < page_size:
                return
            if total is not None and offset >= total:
                return

    async def get_attribute(self, attribute_id: str | int) -> Attribute:
        return Attribute.model_validate(await self._call("GET", f"v1/attribute/{attribute_id}"))

    async def create_attribute(
        self,
        name: str,
        type: AttributeType,
        options: Iterable[str] | None = None,
    ) -> Attribute:
        """Creates an attribute; `Radio` and `Checkbox` need their options' values."""
        values = list(options or ())
        if type in OPTION_TYPES and not values:
            raise ValueError(f"a {type} attribute needs options")
        body: dict[str, Any] = {"name": name, "type": type}
        if values:
            body["options"] = [{"value": value} for value in values]
        return Attribute.model_validate(await self._call("POST", "v1/attribute", json=body))

    async def update_attribute(
        self,
        attribute_id: str | int,
        *,
        name: str | None = None,
        options: Sequence[Mapping[str, Any]] | None = None,
    ) -> Attribute:
        """Renames an attribute and changes its options (its type cannot change).

        Each option is `{"id": 1, "value": "new text"}` (update), `{"value": "added"}` (add) or
        `{"id": 2, "delete": True}` (delete).
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if options is not None:
            changes = []
            for option in options:
                change = dict(option)
                if change.get("delete") and not change.get("id"):
                    raise ValueError("an option to delete needs its id")
                if "id" in change:
                    change["id"] = wire_id(str(change["id"]))
                changes.append(change)
            body["options"] = changes
        answer = await self._call("PUT", f"v1/attribute/{attribute_id}", json=body)
        return Attribute.model_validate(answer)

    async def delete_attribute(self, attribute_id: str | int) -> None:
        await self._call("DELETE", f"v1/attribute/{attribute_id}")


# --- the envelope ------------------------------------------------------------------------------


def unwrap(body: Any, response: httpx.Response, *, account: str, method: str, path: str) -> Any:
    """`data` of a `{success, messages, data}` answer; `success: false` raises with the messages.

    An HTTP error status never gets here (`ApiClient` raises for it, with the same messages); a
    2xx with `success: false` is the API refusing the request, hence `InvalidRequest`.
    """
    where = f"{method} /{path.lstrip('/')}"
    if not isinstance(body, dict) or "success" not in body:
        raise UnreadableAnswer(
            f"{where} answered {response.status_code} without Crowdskout's "
            "{success, messages, data} envelope; try again later",
            account=account,
            status=response.status_code,
        )
    if body.get("success") is not True:
        messages = body.get("messages") or []
        text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        raise InvalidRequest(
            f"{where} was refused: {text or 'no reason given'}",
            account=account,
            status=response.status_code,
        )
    return body.get("data")


# --- small helpers ------------------------------------------------------------------------------


def _collections(collections: Iterable[str]) -> str:
    if isinstance(collections, str):
        names = [c.strip() for c in collections.split(",")]
    else:
        names = [c.strip() for c in collections]
    names = [c for c in names if c]
    if not names:
        raise ValueError("name at least one collection to read (e.g. Names, EmailAddresses)")
    return ",".join(dict.fromkeys(names))


def _profile_body(profile: ProfileInput) -> dict[str, Any]:
    """The profile as sent: ids read as strings go back as the numbers Crowdskout wants."""
    if isinstance(profile, Profile):
        return profile.to_api()
    body: dict[str, Any] = {}
    for key, value in profile.items():
        if key == "id":
            body[key] = wire_id(value)
        elif isinstance(value, list):
            body[key] = [_wire_item(item) for item in value]
        else:
            body[key] = value
    return body


def _wire_item(item: Any) -> Any:
    if isinstance(item, Mapping):
        return {k: wire_id(v) if k == "id" else v for k, v in item.items()}
    return item


def _profile_list(answer: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(answer, dict):  # tolerate {"profiles": [...]}
        answer = answer.get("profiles", [])
    if not isinstance(answer, list):
        raise UnreadableAnswer(f"{where} answered {type(answer).__name__} instead of a list")
    return [p for p in answer if isinstance(p, dict)]


def _attribute_page(body: Any) -> tuple[list[Row], int | None]:
    """A bare list of attributes, or an object with the list and maybe the total."""
    if isinstance(body, list):
        return list(body), None
    if isinstance(body, dict):
        rows: list[Any] = next(
            (body[k] for k in ("attributes", "list", "items") if isinstance(body.get(k), list)), []
        )
        total = body.get("total", body.get("total_count"))
        return list(rows), (
            int(total) if isinstance(total, int | str) and str(total).isdigit() else None
        )
    raise UnreadableAnswer(f"GET /v1/attribute answered {type(body).__name__} instead of a list")


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return _first(error)
        if not isinstance(error, asyncio.CancelledError):
            return error
    return group.exceptions[0]


def _batches(items: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["CrowdskoutClient", "ProfileWrite", "unwrap"]
