"""The Apptentive REST API (https://api.apptentive.com), as documented, mounted at /apptentive.

What the documentation shows and the sandbox enforces:

- auth with `Authorization: OAuth <token>` or the `oauth_token` parameter; each token is one
  app's and sees that app's data only; otherwise 401. A resource of another app answers 401, as
  the doc's "does not have permission to access/update the requested resource" says; an id
  nobody holds answers 404. A wrong method on a known path answers 405.
- every 200/201 answer has an `ETag` (the quoted MD5 of its body, as Rack::ETag makes it); a GET
  whose `If-None-Match` names it answers 304 without a body.
- `Cache-Control`: `max-age=0, private, must-revalidate` on records and on one survey,
  `max-age=86400, private` on the survey listing, `no-cache` on the 204 answers.
- records: `date` in RFC 1123; surveys: `date` in ISO 8601 with an offset, as shown.
- surveys listing: `tags` (array or comma-separated; all must match), `active=1`, `inactive=1`
  (any other value is ignored, as documented: `active=true` filters nothing), `limit`.

Where the documentation is silent (each decision is Rails/Mongoid-plausible):

- The records listing documents no parameters, so it has none: it answers every record of the
  app, in insertion order (MongoDB natural order: generated history first, then records created
  later). Unknown parameters are ignored as Rails ignores them; a client must not expect paging.
  The body is cached per app and rebuilt only after a change, so an unchanged list is cheap.
- `GET /surveys/active` (the auth examples' URL) answers like `GET /surveys?active=1`.
- Deactivation is reachable at both documented URIs: `PUT /surveys/{id}` (the URI line) and
  `PUT /surveys/{id}/deactivate` (the example). Deactivating twice is not an error.
- Surveys carry a `tags` array (the listing filters by tags, so the model has them) beside the
  documented fields; clients should treat it as optional.
- Free-text (`singleline`) questions are aggregated like choices, one entry per distinct text:
  `{"choice": <text>, "count": n}`.
- `limit` that is not a positive integer is ignored (MongoDB reads `limit(0)` as no limit).
- Creating a record: the body must be a JSON object (422 otherwise, the doc's code for input
  that cannot be stored, with `{"errors": [...]}`), carrying at least one of data, feedback,
  file, user or device; each of data/feedback/user/device/client/app_version/file must be an
  object and each file base64. `date` in the documented `%m/%d/%Y %I:%M%p%z` format becomes the
  record's `date`; any other value falls back to the time the server stored the record (the doc
  only says other formats are not available for filters). User and device values are stored as
  strings, as documented; unknown keys are dropped. Every record answers `device`, `user` and
  `feedback` sub-documents (all keys, null when unknown), `data` only when it has some;
  `client`, `app_version` and `file` are checked but not answered (the documented answer shows
  none of them).
- Apptentive app tokens are long-lived and do not expire with the sandbox clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.accounts import APPTENTIVE_APPS, ApptentiveApp
from workbench.sandbox.apptentive import data
from workbench.sandbox.rails import params, python_int
from workbench.sandbox.web import answer, rfc1123_time
from workbench.sandbox.world import World

JSON_TYPE = "application/json; charset=utf-8"
REVALIDATE = "max-age=0, private, must-revalidate"
SURVEY_LIST_CACHE = "max-age=86400, private"
NO_CACHE = "no-cache"
CLIENT_DATE_FORMAT = "%m/%d/%Y %I:%M%p%z"
RECORD_OBJECTS = ("data", "feedback", "user", "device", "client", "app_version", "file")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

Handler = Callable[[Request], Awaitable[Response]]


def dump(content: Any) -> bytes:
    """Compact JSON with non-ASCII escaped as `\\uXXXX`, as Rails 3's to_json wrote it (and
    twice as fast to encode for a 100,000-record listing). Deterministic, so ETags are stable."""
    return json.dumps(content, separators=(",", ":")).encode()


def etag_of(body: bytes) -> str:
    return f'"{hashlib.md5(body).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 7232 weak comparison over a list of entity tags, `*` included."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dump({"errors": [message]}),
        status_code=status,
        media_type=JSON_TYPE,
        headers={"Cache-Control": NO_CACHE, **(headers or {})},
    )


def json_answer(
    request: Request,
    body: bytes,
    *,
    status: int = 200,
    cache_control: str = REVALIDATE,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON answer with its ETag, or 304 when the client already holds this body."""
    tag = etag_of(body)
    head = {"ETag": tag, "Cache-Control": cache_control, **(headers or {})}
    if request.method in {"GET", "HEAD"} and etag_matches(
        request.headers.get("if-none-match"), tag
    ):
        return Response(status_code=304, headers=head)
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=head)


def route(path: str, handlers: dict[str, Handler]) -> Route:
    """One path, its methods, and a JSON 405 naming the allowed ones for any other method.

    Every answer gets the headers the documented examples show (X-UA-Compatible, X-Request-Id,
    X-Runtime), so that a client meets the same header set as in production.
    """
    if "GET" in handlers:
        handlers = {**handlers, "HEAD": handlers["GET"]}
    allowed = ", ".join(m for m in ALL_METHODS if m in handlers)

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        handler = handlers.get(request.method)
        if handler is None:
            response = error(405, "Method Not Allowed", {"Allow": allowed})
        else:
            response = await handler(request)
        response.headers["X-UA-Compatible"] = "IE=Edge"
        response.headers["X-Request-Id"] = uuid.uuid4().hex
        response.headers["X-Runtime"] = f"{time.perf_counter() - started:.6f}"
        return response

    return Route(path, endpoint, methods=ALL_METHODS)


async def not_found(request: Request) -> Response:
    return error(404, "Not Found")


def as_stored_string(value: Any) -> str | None:
    """How the API stores user and device values: as strings (Ruby's to_s for scalars)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Refused(Exception):
    """A handler's request refused with this answer (a 401 or 404 found mid-handler)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class InvalidRecord(ValueError):
    """A create body that cannot be stored (422), with the reason for the client."""


@dataclass
class AppData:
    """One app's records and surveys. Guarded by the platform's lock."""

    app: ApptentiveApp
    index: int
    android: bool
    machine: bytes
    columns: data.RecordColumns
    surveys: list[data.Survey]
    next_counter: int
    created: list[dict[str, Any]] = field(default_factory=list)
    created_index: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    version: int = 0
    list_cache: tuple[int, bytes] | None = None

    def find_row(self, record_id: str) -> int | None:
        """Position in the generated columns, or None."""
        key = record_id.encode("ascii", "ignore")
        row = int(np.searchsorted(self.columns.ids, key))
        if row < len(self.columns) and self.columns.ids[row] == key:
            return row
        return None

    def holds_record(self, record_id: str) -> bool:
        return record_id in self.created_index or self.find_row(record_id) is not None

    def render(self, rows: np.ndarray) -> list[dict[str, Any]]:
        return data.render_records(self.columns, rows, self.machine, android=self.android)

    def record(self, record_id: str) -> dict[str, Any] | None:
        position = self.created_index.get(record_id)
        if position is not None:
            return self.created[position]
        row = self.find_row(record_id)
        return None if row is None else self.render(np.array([row]))[0]

    def all_records(self) -> list[dict[str, Any]]:
        return self.render(np.arange(len(self.columns))) + self.created

    def record_ids(self) -> list[str]:
        generated = [raw.decode() for raw in self.columns.ids.tolist()]
        return generated + [record["id"] for record in self.created]

    def ids(self, table: str) -> list[str]:
        """The ids of the app's `records` or `surveys` (KeyError for another), in API order."""
        readers = {"records": self.record_ids, "surveys": lambda: [s.id for s in self.surveys]}
        return readers[table]()

    def list_body(self) -> bytes:
        if self.list_cache is None or self.list_cache[0] != self.version:
            self.list_cache = (self.version, dump(self.all_records()))
        return self.list_cache[1]

    def survey(self, survey_id: str) -> data.Survey | None:
        return next((s for s in self.surveys if s.id == survey_id), None)

    def changed(self) -> None:
        self.version += 1


AppHandler = Callable[[Request, AppData], Awaitable[Response]]
"""An API handler, called with the app the request's token opens."""


class Apptentive:
    """The Apptentive platform of the sandbox: two apps' records and surveys."""

    name = "apptentive"

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self.apps: dict[str, AppData] = {
            app.app_id: self._generate(app, index) for index, app in enumerate(APPTENTIVE_APPS)
        }
        self._by_token = {app.token: app.app_id for app in APPTENTIVE_APPS}

    def _generate(self, app: ApptentiveApp, index: int) -> AppData:
        config = self.world.config
        rng = np.random.default_rng(config.seed + 4_100 + index)
        machine = rng.integers(0, 256, 5, dtype=np.uint8).tobytes()
        first_counter = int(rng.integers(0x1000, 0x100000))
        count = max(200, config.responses // 10)
        start, end = data.two_year_window(config.end)
        android = "android" in app.name.lower()
        columns = data.generate_records(
            rng, count, start, end, machine, first_counter, android=android
        )
        survey_counter = first_counter + data.IDS_PER_RECORD * count
        surveys = data.generate_surveys(rng, count, start, end, machine, survey_counter)
        return AppData(
            app=app,
            index=index,
            android=android,
            machine=machine,
            columns=columns,
            surveys=surveys,
            next_counter=survey_counter + 64,
        )

    # --- Platform protocol -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        records = {"GET": self._list_records, "POST": self._create_record}
        surveys = {"GET": self._list_surveys}
        api = {
            "/records": records,
            "/records/": records,
            "/records/{record_id}": {"GET": self._get_record},
            "/records/{record_id}/toggle_archive": {"PUT": self._toggle_archive},
            "/surveys": surveys,
            "/surveys/": surveys,
            "/surveys/active": {"GET": self._active_surveys},
            "/surveys/{survey_id}": {"GET": self._get_survey, "PUT": self._deactivate},
            "/surveys/{survey_id}/deactivate": {"PUT": self._deactivate},
        }
        routes: list[BaseRoute] = [
            route(path, {method: self._authorized(h) for method, h in handlers.items()})
            for path, handlers in api.items()
        ]
        return [*routes, route("/{path:path}", dict.fromkeys(ALL_METHODS, not_found))]

    def control_routes(self) -> list[BaseRoute]:
        return [
            Route("/{app_id}/{table}/ids", self._control_ids, methods=["GET"]),
            Route("/{app_id}/records", self._control_add_records, methods=["POST"]),
        ]

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        with self._lock:
            return {
                app_id: {
                    "records": app.all_records(),
                    "surveys": [survey.detail() for survey in app.surveys],
                }
                for app_id, app in self.apps.items()
            }

    def ids(self, app_id: str, table: str) -> list[str]:
        """The ids of one app's `records` or `surveys`, in the API's order."""
        with self._lock:
            return self.apps[app_id].ids(table)

    # --- auth --------------------------------------------------------------------------------

    async def _authorized_app(self, request: Request) -> AppData | None:
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            token = token.strip() if scheme.lower() == "oauth" else ""
        else:
            token = (await params(request)).get("oauth_token", "")
        app_id = self._by_token.get(token)
        return self.apps[app_id] if app_id else None

    def _authorized(self, handler: AppHandler) -> Handler:
        """The handler, given the app whose token the request carries; 401 without one."""

        async def checked(request: Request) -> Response:
            app = await self._authorized_app(request)
            if app is None:
                return self._unauthorized()
            try:
                return await handler(request, app)
            except _Refused as refused:
                return refused.response

        return checked

    @staticmethod
    def _unauthorized() -> Response:
        return error(
            401,
            "The access token is missing, invalid, or not allowed to access this resource.",
            {"WWW-Authenticate": 'OAuth realm="Apptentive", error="invalid_token"'},
        )

    def _owner_elsewhere(self, app: AppData, holds: Callable[[AppData], bool]) -> Response:
        """401 when another app holds the resource (no permission), 404 when nobody does."""
        if any(holds(other) for other in self.apps.values() if other is not app):
            return self._unauthorized()
        return error(404, "Not Found")

    # --- records -----------------------------------------------------------------------------

    async def _list_records(self, request: Request, app: AppData) -> Response:
        with self._lock:
            body = app.list_body()
        return json_answer(request, body)

    async def _get_record(self, request: Request, app: AppData) -> Response:
        record_id = request.path_params["record_id"]
        with self._lock:
            record = app.record(record_id)
            if record is None:
                return self._owner_elsewhere(app, lambda other: other.holds_record(record_id))
            body = dump(record)
        return json_answer(request, body)

    async def _create_record(self, request: Request, app: AppData) -> Response:
        try:
            fields = parse_record_body(
                await request.body(), request.headers.get("content-type", "")
            )
        except InvalidRecord as exc:
            return error(422, str(exc))
        now = int(self.world.clock.now())
        with self._lock:
            record = build_record(fields, app.machine, app.next_counter, now)
            app.next_counter += data.IDS_PER_RECORD
            app.created_index[record["id"]] = len(app.created)
            app.created.append(record)
            app.changed()
            body = dump(record)
        location = f"{str(request.url).split('?')[0].rstrip('/')}/{record['id']}"
        return json_answer(request, body, status=201, headers={"Location": location})

    async def _toggle_archive(self, request: Request, app: AppData) -> Response:
        record_id = request.path_params["record_id"]
        with self._lock:
            position = app.created_index.get(record_id)
            row = None if position is not None else app.find_row(record_id)
            if position is not None:
                created = app.created[position]
                created["archived"] = not created["archived"]
            elif row is not None:
                app.columns.archived[row] = not app.columns.archived[row]
            else:
                return self._owner_elsewhere(app, lambda other: other.holds_record(record_id))
            app.changed()
        return Response(status_code=204, headers={"Cache-Control": NO_CACHE})

    # --- surveys -----------------------------------------------------------------------------

    async def _list_surveys(self, request: Request, app: AppData) -> Response:
        values = await params(request)
        tags = await survey_tags(request)
        limit = positive_int(values.get("limit"))
        with self._lock:
            surveys = [
                s.json()
                for s in app.surveys
                if set(tags) <= set(s.body["tags"])
                and not (values.get("active") == "1" and not s.body["active"])
                and not (values.get("inactive") == "1" and s.body["active"])
            ]
        if limit is not None:
            surveys = surveys[:limit]
        return json_answer(request, dump({"surveys": surveys}), cache_control=SURVEY_LIST_CACHE)

    async def _active_surveys(self, request: Request, app: AppData) -> Response:
        with self._lock:
            surveys = [s.json() for s in app.surveys if s.body["active"]]
        return json_answer(request, dump({"surveys": surveys}), cache_control=SURVEY_LIST_CACHE)

    async def _get_survey(self, request: Request, app: AppData) -> Response:
        with self._lock:
            body = dump(self._survey(request, app).detail())
        return json_answer(request, body)

    async def _deactivate(self, request: Request, app: AppData) -> Response:
        with self._lock:
            self._survey(request, app).body["active"] = False
        return Response(status_code=204, headers={"Cache-Control": NO_CACHE})

    def _survey(self, request: Request, app: AppData) -> data.Survey:
        """The survey the path names (under the lock); `_Refused` with 401 or 404 otherwise."""
        survey_id = request.path_params["survey_id"]
        survey = app.survey(survey_id)
        if survey is None:
            missing = self._owner_elsewhere(app, lambda other: other.survey(survey_id) is not None)
            raise _Refused(missing)
        return survey

    # --- control routes ----------------------------------------------------------------------

    async def _control_ids(self, request: Request) -> Response:
        app_id, table = request.path_params["app_id"], request.path_params["table"]
        if app_id not in self.apps or table not in {"records", "surveys"}:
            return answer({"error": f"no table {table!r} for app {app_id!r}"}, status=404)
        return answer(self.ids(app_id, table))

    async def _control_add_records(self, request: Request) -> Response:
        """Add `count` generated records stored at `created_at` (default: now); answers ids."""
        app = self.apps.get(request.path_params["app_id"])
        if app is None:
            return answer({"error": "unknown app"}, status=404)
        values = await params(request)
        try:
            count = int(values.get("count", "1"))
            created_at = float(values.get("created_at") or self.world.clock.now())
        except ValueError:
            return answer({"error": "count and created_at must be numbers"}, status=422)
        if not 1 <= count <= 100_000:
            return answer({"error": "count must be between 1 and 100000"}, status=422)
        with self._lock:
            rng = np.random.default_rng([self.world.config.seed + 4_150, app.index, app.batches])
            app.batches += 1
            start, end = data.two_year_window(self.world.config.end)
            columns = data.generate_records(
                rng, count, start, end, app.machine, app.next_counter,
                android=app.android, now=created_at,
            )  # fmt: skip
            app.next_counter += data.IDS_PER_RECORD * count
            records = data.render_records(
                columns, np.arange(count), app.machine, android=app.android
            )
            for record in records:
                app.created_index[record["id"]] = len(app.created)
                app.created.append(record)
            app.changed()
        return answer([record["id"] for record in records], status=201)


# --- request parsing -------------------------------------------------------------------------


def positive_int(value: str | None) -> int | None:
    number = python_int(value or "")
    return number if number is not None and number > 0 else None


async def survey_tags(request: Request) -> list[str]:
    """`tags` as an array (`tags[]=a&tags[]=b`, a JSON array) or a comma-separated string."""
    raw: list[Any] = [v for k, v in request.query_params.multi_items() if k in {"tags", "tags[]"}]
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        try:
            decoded = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            decoded = None
        if isinstance(decoded, dict) and "tags" in decoded:
            found = decoded["tags"]
            raw.extend(found if isinstance(found, list) else [found])
    elif "form" in content_type:  # the parsed form is cached; the raw stream may be consumed
        form = await request.form()
        raw.extend(v for k, v in form.multi_items() if k in {"tags", "tags[]"})
    tags: list[str] = []
    for value in raw:
        tags.extend(part.strip() for part in str(value).split(",") if part.strip())
    return tags


def parse_record_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The create body as a dict, or InvalidRecord with what is wrong (answered as 422)."""
    if "json" not in content_type.lower():
        raise InvalidRecord("Send the record as JSON with Content-Type: application/json.")
    try:
        fields = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidRecord("The request body is not valid JSON.") from None
    if not isinstance(fields, dict):
        raise InvalidRecord("The request body must be a JSON object.")
    for key in RECORD_OBJECTS:
        if fields.get(key) is not None and not isinstance(fields[key], dict):
            raise InvalidRecord(f"{key} must be a JSON object.")
    if not any(fields.get(key) for key in ("data", "feedback", "file", "user", "device")):
        raise InvalidRecord("A record needs at least one of data, feedback, file, user or device.")
    for name, content in (fields.get("file") or {}).items():
        try:
            if not isinstance(content, str):
                raise ValueError
            base64.b64decode(content, validate=True)
        except (ValueError, binascii.Error):
            raise InvalidRecord(f"file {name} must be base64-encoded.") from None
    feedback = fields.get("feedback") or {}
    for key in ("feedback", "type"):
        if feedback.get(key) is not None and not isinstance(feedback[key], str):
            raise InvalidRecord(f"feedback.{key} must be a string.")
    return fields


def client_date(value: Any, fallback: int) -> int:
    """The documented `%m/%d/%Y %I:%M%p%z` client date, or the server's time if not in it."""
    if isinstance(value, str):
        try:
            return int(datetime.strptime(value.strip(), CLIENT_DATE_FORMAT).timestamp())
        except ValueError:
            pass
    return fallback


def build_record(fields: dict[str, Any], machine: bytes, counter: int, now: int) -> dict[str, Any]:
    """A created record in the documented answer shape (see the create example)."""
    user_in = fields.get("user") or {}
    user: dict[str, Any] = dict.fromkeys(data.USER_FIELDS)
    for key, value in user_in.items():
        target = "zip" if key == "zip_code" else key
        if target in user:
            user[target] = as_stored_string(value)
    device_in = fields.get("device") or {}
    device: dict[str, Any] = dict.fromkeys(data.DEVICE_FIELDS)
    for key, value in device_in.items():
        if key in device and key != "device":
            device[key] = as_stored_string(value)
    feedback_in = fields.get("feedback") or {}
    text = feedback_in.get("feedback")
    record: dict[str, Any] = {
        "id": data.object_id(now, machine, counter),
        "summary": data.summary(text, user["name"], user["email"]),
        "device": {"_id": data.object_id(now, machine, counter + 1), **device},
        "user": {"_id": data.object_id(now, machine, counter + 2), **user},
        "feedback": {
            "_id": data.object_id(now, machine, counter + 3),
            "feedback": text,
            "source": None,
            "type": feedback_in.get("type"),
        },
        "date": rfc1123_time(client_date(fields.get("date"), now)),
    }
    if fields.get("data"):
        record["data"] = fields["data"]
    record["archived"] = False
    return record
