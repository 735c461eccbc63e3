"""The Crowdskout API v1 (https://api.crowdskout.com), as documented, mounted at /crowdskout.

- OAuth authorization code at `/oauth/authorize` and `/oauth/access_token` (`oauth`);
  every `/v1` call needs `Authorization: Bearer <token>` (header only: the docs show no other
  way), else 401.
- every `/v1` answer, errors included, is the documented envelope
  `{"success": bool, "messages": [str], "data": ...}`; errors carry `data: null` and say what is
  wrong in `messages`.
- profiles are read by id only (`GET /v1/profile/{id}?collections=...`); there is no listing,
  so `GET /v1/profile` answers 405. Ids are sequential from 1 in creation order: a client learns
  them from its own creates, or walks 1, 2, 3, ... (the control route
  `GET /_sandbox/crowdskout/{organization_id}/profiles/ids` and `ground_truth()` list them).
- invalid collection items are dropped silently on create and update (`profiles`).
- a profile's `Attributes` collection holds its custom attribute values, as the profile object's
  documentation shows them; an item naming an unknown or locked attribute (locked ones are kept
  by Crowdskout itself), or a value of the wrong kind for the attribute's type, is dropped.

Decisions where the docs are silent (Laravel-style, the stack Crowdskout runs on):

- status codes: 400 for a malformed request (no JSON body, a missing `collections`, a bad
  `limit`), 401 for a missing/invalid/expired token, 403 for changing a locked attribute,
  404 for an unknown profile, attribute, field or path, 405 for a wrong method, 422 when an
  attribute fails validation (messages as Laravel words them).
- `collections` is required, comma-separated, case-sensitive; an unknown name answers 400
  naming the known ones (a typo should not look like an empty collection).
- a create/update body may be the profile object itself or `{"profile": {...}}`; bulk bodies
  may be an array or `{"profiles": [...]}` / `{"profile": [...]}` (the doc names both). A bulk
  update entry without a known `id` is skipped with a message, the others are applied.
- answers to create and update hold the profile's id and the collections the request named.
- the attribute listing answers `{"total": n, "list": [...]}`; without `limit` it answers all.
  `limit` must be an integer >= 1 and `offset` >= 0. Attribute names are unique.
- field options: `?{parentField}={optionId}` filters a dependent field's options; any other
  parameter is ignored; an id that is not a number matches nothing. A field without options
  answers an empty list.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS
from workbench.sandbox.crowdskout import data
from workbench.sandbox.crowdskout.oauth import AuthorizationServer
from workbench.sandbox.crowdskout.profiles import OptionBook, apply_items
from workbench.sandbox.rails import params, python_int, unsigned_int
from workbench.sandbox.web import answer
from workbench.sandbox.world import World

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
Handler = Callable[[Request, "Organization"], Awaitable[Response]]


def envelope(content: Any, messages: list[str] | None = None) -> Response:
    return answer({"success": True, "messages": messages or [], "data": content})


def failure(status: int, *messages: str, headers: dict[str, str] | None = None) -> Response:
    return answer(
        {"success": False, "messages": list(messages), "data": None},
        status=status,
        headers=headers,
    )


class BadRequest(Exception):
    """A request the API refuses; carries the status and the message for the envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def json_body(request: Request) -> Any:
    if "application/json" not in request.headers.get("content-type", "").lower():
        raise BadRequest(400, "Send the body as JSON with Content-Type: application/json.")
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest(400, "The request body is not valid JSON.") from None


def unwrap(body: Any, *keys: str) -> Any:
    """The payload itself, or the value under one of the documented parameter names."""
    if isinstance(body, dict):
        for key in keys:
            if key in body and isinstance(body[key], dict | list):
                return body[key]
    return body


def non_negative(value: str | None, name: str, minimum: int) -> int | None:
    if value is None or value == "":
        return None
    number = python_int(value)
    if number is None or number < minimum:
        raise BadRequest(400, f"{name} must be an integer of at least {minimum}.")
    return number


@dataclass
class Organization:
    """One organization's profiles, options and attributes. Guarded by the platform's lock."""

    organization_id: int
    columns: data.ProfileColumns
    book: OptionBook
    attributes: list[dict[str, Any]]
    edited: dict[int, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    item_counts: dict[str, int] = field(default_factory=dict)
    next_profile_id: int = 1
    next_attribute_id: int = 1
    last_option_id: dict[int, int] = field(default_factory=dict)
    """Per attribute, the highest option id ever given: ids are not reused after a delete."""
    batches: int = 0

    def holds(self, profile_id: int) -> bool:
        return profile_id in self.edited or self.columns.holds(profile_id)

    def profile(self, profile_id: int, collections: list[str]) -> dict[str, Any] | None:
        stored = self.edited.get(profile_id)
        if stored is not None:
            return {"id": profile_id} | {
                c: [dict(i) for i in stored.get(c, [])] for c in collections
            }
        if self.columns.holds(profile_id):
            return data.render_profile(self.columns, profile_id, collections, self.book.options, {})
        return None

    def editable(self, profile_id: int) -> dict[str, list[dict[str, Any]]]:
        """The stored profile as plain dicts, materialised from the columns on first write."""
        if profile_id not in self.edited:
            rendered = self.profile(profile_id, list(data.COLLECTIONS))
            assert rendered is not None
            rendered.pop("id")
            self.edited[profile_id] = rendered
        return self.edited[profile_id]

    def next_item_id(self, collection: str) -> int:
        self.item_counts[collection] = self.item_counts.get(collection, 0) + 1
        return self.item_counts[collection]

    def profile_ids(self) -> list[int]:
        generated = range(self.columns.first_id, self.columns.first_id + self.columns.count)
        return sorted(set(generated) | set(self.edited))

    def ids(self, table: str) -> list[int]:
        """The ids of the organization's `profiles` or `attributes` (KeyError for another)."""
        readers = {
            "profiles": self.profile_ids,
            "attributes": lambda: [a["id"] for a in self.attributes],
        }
        return readers[table]()

    def attribute(self, attribute_id: int) -> dict[str, Any] | None:
        return next((a for a in self.attributes if a["id"] == attribute_id), None)


class Crowdskout:
    """The Crowdskout platform of the sandbox."""

    name = "crowdskout"

    def __init__(self, world: World) -> None:
        self.world = world
        self.oauth = AuthorizationServer(world)
        self._lock = threading.Lock()
        self.organizations = {
            org.organization_id: self._generate(org.organization_id, index)
            for index, org in enumerate(CROWDSKOUT_ORGANIZATIONS)
        }

    def _generate(self, organization_id: int, index: int) -> Organization:
        config = self.world.config
        rng = np.random.default_rng(config.seed + 5_100 + index)
        count = max(100, config.responses // 20)
        start, end = data.two_year_window(config.end.timestamp())
        columns = data.generate_profiles(rng, count, 1, start, end)
        attributes = data.generate_attributes(rng)
        last_option_id = {a["id"]: len(a.get("options", [])) for a in attributes}
        return Organization(
            organization_id=organization_id,
            columns=columns,
            book=OptionBook(data.base_options()),
            attributes=attributes,
            item_counts={c: len(cols.profile) for c, cols in columns.collections.items()},
            next_profile_id=count + 1,
            next_attribute_id=len(attributes) + 1,
            last_option_id=last_option_id,
        )

    # --- Platform protocol -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/oauth/authorize", self.oauth.authorize, methods=["GET"]),
            Route("/oauth/access_token", self.oauth.access_token, methods=["POST"]),
            self._route("/v1/profile", {"POST": self._create_profile}),
            self._route(
                "/v1/profile/bulk", {"POST": self._create_profiles, "PUT": self._update_profiles}
            ),
            self._route(
                "/v1/profile/{profile_id}",
                {"GET": self._get_profile, "PUT": self._update_profile},
            ),
            self._route("/v1/fields/{field_name}/options", {"GET": self._field_options}),
            self._route(
                "/v1/attribute", {"GET": self._list_attributes, "POST": self._create_attribute}
            ),
            self._route(
                "/v1/attribute/{attribute_id}",
                {
                    "GET": self._get_attribute,
                    "PUT": self._update_attribute,
                    "DELETE": self._delete_attribute,
                },
            ),
            Route("/v1/{path:path}", self._not_found, methods=ALL_METHODS),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return [
            Route("/{organization_id}/{table}/ids", self._control_ids, methods=["GET"]),
            Route("/{organization_id}/profiles", self._control_add_profiles, methods=["POST"]),
        ]

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        every = list(data.COLLECTIONS)
        truth: dict[str, dict[str, list[dict[str, Any]]]] = {}
        with self._lock:
            for organization_id, org in self.organizations.items():
                profiles = [org.profile(pid, every) for pid in org.profile_ids()]
                truth[str(organization_id)] = {
                    "profiles": [p for p in profiles if p is not None],
                    "attributes": [json.loads(json.dumps(a)) for a in org.attributes],
                }
        return truth

    def ids(self, organization_id: int, table: str) -> list[int]:
        """Profile or attribute ids of one organization."""
        with self._lock:
            return self.organizations[organization_id].ids(table)

    # --- plumbing ----------------------------------------------------------------------------

    def _route(self, path: str, handlers: dict[str, Handler]) -> Route:
        """A /v1 path: method check (405), bearer check (401), then the handler, which may
        raise BadRequest for an envelope error."""
        if "GET" in handlers:
            handlers = {**handlers, "HEAD": handlers["GET"]}
        allowed = ", ".join(m for m in ALL_METHODS if m in handlers)

        async def endpoint(request: Request) -> Response:
            handler = handlers.get(request.method)
            if handler is None:
                return failure(
                    405, f"{request.method} is not allowed here.", headers={"Allow": allowed}
                )
            organization_id = self.oauth.organization_for(request)
            if organization_id not in self.organizations:
                return failure(
                    401,
                    "Unauthenticated: send a valid access token as Authorization: Bearer.",
                    headers={"WWW-Authenticate": 'Bearer realm="Crowdskout"'},
                )
            try:
                return await handler(request, self.organizations[organization_id])
            except BadRequest as exc:
                return failure(exc.status, str(exc))

        return Route(path, endpoint, methods=ALL_METHODS)

    async def _not_found(self, request: Request) -> Response:
        return failure(404, f"No endpoint {request.method} {request.url.path}.")

    def _now(self) -> float:
        return self.world.clock.now()

    # --- profiles ----------------------------------------------------------------------------

    @staticmethod
    def _profile_id(request: Request) -> int:
        return _path_id(request, "profile_id", "Profile")

    async def _get_profile(self, request: Request, org: Organization) -> Response:
        profile_id = self._profile_id(request)
        raw = request.query_params.get("collections", "")
        collections = list(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
        if not collections:
            raise BadRequest(400, "collections is required: a comma-delimited list.")
        unknown = [c for c in collections if c not in data.COLLECTIONS]
        if unknown:
            raise BadRequest(
                400,
                f"Unknown collection(s): {', '.join(unknown)}. "
                f"Known collections: {', '.join(data.COLLECTIONS)}.",
            )
        with self._lock:
            profile = org.profile(profile_id, collections)
        if profile is None:
            raise BadRequest(404, f"Profile {profile_id} was not found.")
        return envelope(profile)

    def _create(self, org: Organization, body: dict[str, Any]) -> dict[str, Any]:
        profile_id = org.next_profile_id
        org.next_profile_id += 1
        stored: dict[str, list[dict[str, Any]]] = {}
        answer = self._apply(org, profile_id, stored, body, creating=True)
        org.edited[profile_id] = {c: stored.get(c, []) for c in data.COLLECTIONS}
        return answer

    def _update(self, org: Organization, profile_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return self._apply(org, profile_id, org.editable(profile_id), body, creating=False)

    def _apply(
        self,
        org: Organization,
        profile_id: int,
        stored: dict[str, list[dict[str, Any]]],
        body: dict[str, Any],
        *,
        creating: bool,
    ) -> dict[str, Any]:
        """The body's items applied to the profile's `stored` collections; the answer holds
        the profile's id and a copy of each collection the body named."""
        named = apply_items(
            stored,
            body,
            org.book,
            self._now(),
            org.next_item_id,
            creating=creating,
            attributes=org.attributes,
        )
        return {"id": profile_id} | {c: [dict(i) for i in stored[c]] for c in named}

    async def _create_profile(self, request: Request, org: Organization) -> Response:
        body = unwrap(await json_body(request), "profile")
        if not isinstance(body, dict):
            raise BadRequest(400, "profile must be a profile object.")
        with self._lock:
            return envelope(self._create(org, body))

    async def _create_profiles(self, request: Request, org: Organization) -> Response:
        bodies = unwrap(await json_body(request), "profiles", "profile")
        if not isinstance(bodies, list) or not all(isinstance(b, dict) for b in bodies):
            raise BadRequest(400, "profiles must be an array of profile objects.")
        with self._lock:
            return envelope([self._create(org, body) for body in bodies])

    async def _update_profile(self, request: Request, org: Organization) -> Response:
        profile_id = self._profile_id(request)
        body = unwrap(await json_body(request), "profile")
        if not isinstance(body, dict):
            raise BadRequest(400, "profile must be a profile object.")
        with self._lock:
            if not org.holds(profile_id):
                raise BadRequest(404, f"Profile {profile_id} was not found.")
            return envelope(self._update(org, profile_id, body))

    async def _update_profiles(self, request: Request, org: Organization) -> Response:
        bodies = unwrap(await json_body(request), "profiles", "profile")
        if not isinstance(bodies, list) or not all(isinstance(b, dict) for b in bodies):
            raise BadRequest(400, "profile must be an array of profile objects with ids.")
        updated, messages = [], []
        with self._lock:
            for body in bodies:
                profile_id = body.get("id")
                if not isinstance(profile_id, int) or isinstance(profile_id, bool):
                    messages.append("A profile without an integer id was skipped.")
                elif not org.holds(profile_id):
                    messages.append(f"Profile {profile_id} was not found and was skipped.")
                else:
                    updated.append(self._update(org, profile_id, body))
        return envelope(updated, messages)

    # --- fields ------------------------------------------------------------------------------

    async def _field_options(self, request: Request, org: Organization) -> Response:
        name = request.path_params["field_name"]
        spec = data.FIELDS.get(name)
        if spec is None:
            raise BadRequest(404, f"Field {name} was not found.")
        parent: int | None = None
        if spec.parent and spec.parent in request.query_params:
            raw = request.query_params[spec.parent]
            parent = unsigned_int(raw)
            parent = -1 if parent is None else parent
        with self._lock:
            options = [o.json() for o in org.book.visible(name, parent)]
        return envelope({"collection": data.FIELD_COLLECTION[name], "options": options})

    # --- attributes --------------------------------------------------------------------------

    @staticmethod
    def _attribute_id(request: Request) -> int:
        return _path_id(request, "attribute_id", "Attribute")

    def _found_attribute(self, org: Organization, attribute_id: int) -> dict[str, Any]:
        attribute = org.attribute(attribute_id)
        if attribute is None:
            raise BadRequest(404, f"Attribute {attribute_id} was not found.")
        return attribute

    async def _list_attributes(self, request: Request, org: Organization) -> Response:
        values = request.query_params
        limit = non_negative(values.get("limit"), "limit", 1)
        offset = non_negative(values.get("offset"), "offset", 0) or 0
        with self._lock:
            total = len(org.attributes)
            page = org.attributes[offset : None if limit is None else offset + limit]
            content = {"total": total, "list": json.loads(json.dumps(page))}
        return envelope(content)

    async def _get_attribute(self, request: Request, org: Organization) -> Response:
        attribute_id = self._attribute_id(request)
        with self._lock:
            return envelope(self._found_attribute(org, attribute_id))

    async def _create_attribute(self, request: Request, org: Organization) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict):
            raise BadRequest(400, "The attribute must be a JSON object.")
        with self._lock:
            errors = self._attribute_errors(org, body, None)
            kind = body.get("type")
            options: list[dict[str, Any]] = []
            last_option_id = 0
            if not errors and kind in data.TYPES_WITH_OPTIONS:
                options, option_errors, last_option_id = apply_options([], body.get("options"), 0)
                errors += option_errors
            if errors:
                raise BadRequest(422, " ".join(errors))
            attribute: dict[str, Any] = {
                "id": org.next_attribute_id,
                "name": body["name"].strip(),
                "type": kind,
                "locked": False,
            }
            if kind in data.TYPES_WITH_OPTIONS:
                attribute["options"] = options
            org.last_option_id[attribute["id"]] = last_option_id
            org.next_attribute_id += 1
            org.attributes.append(attribute)
            return envelope(attribute)

    async def _update_attribute(self, request: Request, org: Organization) -> Response:
        attribute_id = self._attribute_id(request)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise BadRequest(400, "The attribute must be a JSON object.")
        with self._lock:
            attribute = self._found_attribute(org, attribute_id)
            if attribute["locked"]:
                raise BadRequest(403, f"Attribute {attribute_id} is locked and cannot change.")
            errors = self._attribute_errors(org, body, attribute)
            options = attribute.get("options")
            last_option_id = org.last_option_id.get(attribute_id, 0)
            if not errors and "options" in body and attribute["type"] in data.TYPES_WITH_OPTIONS:
                options, option_errors, last_option_id = apply_options(
                    attribute["options"], body["options"], last_option_id
                )
                errors += option_errors
            if errors:
                raise BadRequest(422, " ".join(errors))
            if "name" in body:
                attribute["name"] = body["name"].strip()
            if options is not None:
                attribute["options"] = options
            org.last_option_id[attribute_id] = last_option_id
            return envelope(attribute)

    async def _delete_attribute(self, request: Request, org: Organization) -> Response:
        attribute_id = self._attribute_id(request)
        with self._lock:
            attribute = self._found_attribute(org, attribute_id)
            if attribute["locked"]:
                raise BadRequest(403, f"Attribute {attribute_id} is locked and cannot change.")
            org.attributes.remove(attribute)
        return envelope({})

    @staticmethod
    def _attribute_errors(
        org: Organization, body: dict[str, Any], current: dict[str, Any] | None
    ) -> list[str]:
        errors = []
        name = body.get("name")
        if current is None or "name" in body:
            if not isinstance(name, str) or not name.strip():
                errors.append("The name field is required.")
            elif any(
                a["name"].casefold() == name.strip().casefold() and a is not current
                for a in org.attributes
            ):
                errors.append("The name has already been taken.")
        kind = body.get("type")
        if current is None:
            if kind is None:
                errors.append("The type field is required.")
            elif kind not in data.ATTRIBUTE_TYPES:
                errors.append(f"The type must be one of: {', '.join(data.ATTRIBUTE_TYPES)}.")
        elif kind is not None and kind != current["type"]:
            errors.append("The type of an attribute cannot be changed.")
        return errors

    # --- control routes ----------------------------------------------------------------------

    def _control_org(self, request: Request) -> Organization | None:
        raw = request.path_params["organization_id"]
        number = unsigned_int(raw)
        return None if number is None else self.organizations.get(number)

    async def _control_ids(self, request: Request) -> Response:
        org, table = self._control_org(request), request.path_params["table"]
        if org is None or table not in {"profiles", "attributes"}:
            return answer({"error": f"no table {table!r} for this organization"}, status=404)
        return answer(self.ids(org.organization_id, table))

    async def _control_add_profiles(self, request: Request) -> Response:
        """Add `count` generated profiles (with collections); answers their ids."""
        org = self._control_org(request)
        if org is None:
            return answer({"error": "unknown organization"}, status=404)
        try:
            count = int((await params(request)).get("count", "1"))
        except ValueError:
            return answer({"error": "count must be an integer"}, status=422)
        if not 1 <= count <= 100_000:
            return answer({"error": "count must be between 1 and 100000"}, status=422)
        now = self._now()
        with self._lock:
            rng = np.random.default_rng([self.world.config.seed + 5_150, org.batches])
            org.batches += 1
            first_id = org.next_profile_id
            columns = data.generate_profiles(rng, count, first_id, now - 86_400, now)
            offsets = dict(org.item_counts)
            for collection, cols in columns.collections.items():
                org.item_counts[collection] += len(cols.profile)
            every = list(data.COLLECTIONS)
            for profile_id in range(first_id, first_id + count):
                rendered = data.render_profile(
                    columns, profile_id, every, org.book.options, offsets
                )
                rendered.pop("id")
                org.edited[profile_id] = rendered
            org.next_profile_id += count
        return answer(list(range(first_id, first_id + count)), status=201)


def apply_options(
    current: list[dict[str, Any]], changes: Any, last_id: int
) -> tuple[list[dict[str, Any]], list[str], int]:
    """The documented option edits: id -> update (or `"delete": true`), id 0 or none -> add.

    New options get ids after `last_id` (the highest ever given), as an auto-increment column
    would: the doc's example deletes option 2 and adds one that gets id 3. Unlike profile
    collection items, attribute options are validated loudly (422): the docs promise silent
    dropping only for profiles. Answers (options, errors, new last_id).
    """
    if not isinstance(changes, list) or not all(isinstance(o, dict) for o in changes):
        return current, ["The options must be an array of objects."], last_id
    options = [dict(o) for o in current]
    next_id = last_id
    for change in changes:
        option_id = change.get("id") or 0
        value = change.get("value")
        if change.get("delete") is True:
            options = [o for o in options if o["id"] != option_id]
            continue
        if not isinstance(value, str) or not value.strip():
            return current, ["Each option needs a value."], last_id
        existing = next((o for o in options if o["id"] == option_id), None)
        if existing is not None:
            existing["value"] = value.strip()
        elif option_id == 0:
            next_id += 1
            options.append({"id": next_id, "value": value.strip()})
    if not options:
        return current, ["Radio and Checkbox attributes need at least one option."], last_id
    return options, [], next_id


def _path_id(request: Request, parameter: str, thing: str) -> int:
    """The id in the path, as the number it must be; 404 for anything else, as for an id that
    names nothing."""
    raw = request.path_params[parameter]
    number = unsigned_int(raw)
    if number is None:
        raise BadRequest(404, f"{thing} {raw} was not found.")
    return number
