"""The Wootric NPS API v1 (https://api.wootric.com), as documented, mounted at /wootric.

The platform is this package: this module holds the /v1 endpoints; `routing` names the endpoint
a path asks for; `control` holds the control routes; `oauth` is the token endpoint and the bearer
check; `params` reads list queries as Grape does (the parameters themselves as
`rails.WOOTRIC`); `data` generates the dataset, `tables` names its schemas; `store` keeps and
renders it, `writes` changes it.

What the documentation shows and the sandbox enforces:

- `/v1/*` wants `Authorization: Bearer <token>`, or the legacy `access_token` parameter; 401
  when it is missing, unknown, expired, or not an NPS account's. After auth every answer, errors
  included, carries `X-Rate-Limit-Limit/-Remaining/-Reset`, and 429 comes past the limit.
- Lists: `page` 1..30 and `per_page` 1..50 (default 25), else 400 "page does not have a valid
  value"; `created[eq|lt|lte|gt|gte]` in Unix seconds; `sort_order` asc/desc (responses,
  declines: newest first by default; end users and page views: oldest first). Rows of one second
  are ordered by id in the same direction, so `asc` and `desc` of a second mirror each other.
  End users also take `updated[...]`, `email`, and `sort_key` (email by default, updated_at,
  created_at). promoters/passives/detractors exist under an end user's responses only.
- Shapes and formats as documented: responses and declines in "2016-12-16 09:05:00 -0800" in the
  account's zone; end users created before 2025 in offset-less UTC ("2014-12-01 18:36:59"),
  later ones with an offset; create/update answers in ISO 8601 with milliseconds and
  `properties` as a string ("{'company':'TestCompany', 'city':'San Francisco'}"); settings
  as "2015-04-20 04:46:51-08:00". End users carry `last_response`, `settings` and the legacy
  `page_views_count`; responses carry `end_user.properties` as they were when answering.
- `PUT /v1/responses/{id}` answers 204; with `end_user[properties]` it answers 423 (not enabled);
  response and decline deletes answer 204; an end user delete marks it for deletion, performed
  the following day at 7 AM UTC; the export answers 202.
- Legacy request forms: `.json` after a path, `?access_token=`, `;` between form fields, the
  legacy `respones` path of the response delete, page views.

Where the documentation is silent (each decision Rails/Grape-plausible):

- Routing comes first, as in Rails: an unknown path answers 404 `{"error": "Not Found"}` before
  any auth. A missing resource is 404 `{"error": "<Thing> not found"}`. POST answers 201 (Grape's
  default), other writes 200 unless the docs show 204/202. HEAD is GET, PATCH is PUT.
- The curl examples of the lookups by email and by external id pass `-d lookup_by_...=true`
  without `-X GET`, so curl sends a POST: a POST to an end user's path with a lookup flag answers
  the lookup, so that the documented commands work as printed.
- Creating an end user: `email` is required and unique (400 "email has already been taken"),
  `external_id` unique too; `phone_number` is accepted although only lookups document it.
  `properties` are merged into the current ones on update (a "hash of additional properties").
- Creating a response: `score` required, 0..10; `ip_address` defaults to the caller's address,
  `origin_url` to null, `completed` false; tags come from Wootric-style text matching of the
  comment (`vocabulary.TAGS` terms). `end_user[properties][...]` updates the end user and is the
  snapshot the response carries. The answer is the new response (ISO times). Declines alike.
- `PUT /v1/declines/{id}` (the decline example's path) behaves as the response update. Historical
  edits can be enabled per account with the control route `PUT /_sandbox/wootric/{account}/
  features`; then they change the properties the response or decline carries, not the end
  user's. Deletes of responses and declines answer 204 (the newer pages win over the legacy JSON
  bodies); a page view delete answers its JSON (only the legacy page documents it).
- A marked end user stays readable until its deletion time by the sandbox clock; then it and all
  its responses, declines, page views and settings are gone. Deleting it again changes nothing.
- `GET /v1/end_users/{id}/export` answers 202 with `{}`; `POST /v1/email_survey` checks its
  parameters (1..100 emails, commas splitting values as the examples do; `delay` 1..31),
  creates missing end users with `end_user[properties]` and answers 201
  `{"message", "end_user_ids"}` (the docs show no answer).
- `GET /v1/nps_summary`: see `Wootric._nps_summary` for the exact counting rules.
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime
from functools import partialmethod
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.rails import bracketed, unsigned_int
from workbench.sandbox.web import answer, empty
from workbench.sandbox.wootric.control import ControlRoutes
from workbench.sandbox.wootric.oauth import OAuth
from workbench.sandbox.wootric.params import (
    TRUE_WORDS,
    ApiError,
    Keep,
    boolean,
    calendar_day,
    check,
    integer,
    listing,
    local_midnight,
    month_before,
    page_of,
    properties_in,
    read_params,
)
from workbench.sandbox.wootric.routing import Call, Reply, route
from workbench.sandbox.wootric.store import Table, open_accounts
from workbench.sandbox.wootric.writes import AccountWrites, Answering
from workbench.sandbox.world import World

MAX_SURVEY_EMAILS = 100
END_USER_SORT_KEYS = ("email", "updated_at", "created_at")
SCORE_BANDS: dict[str, tuple[int, int]] = {
    "promoters": (9, 10),
    "passives": (7, 8),
    "detractors": (0, 6),
}
CONTROL_SEED = 0x5700_C0DE
"""Added to the world's seed for the rows the control routes generate."""


# --- the platform ----------------------------------------------------------------------------


class Wootric(ControlRoutes):
    """The Wootric NPS API: OAuth, /v1, and the rows of every NPS account."""

    name = "wootric"

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._accounts, self._ids = open_accounts(world.config)
        self._writes = {t: AccountWrites(d, self._ids) for t, d in self._accounts.items()}
        self._rng = np.random.default_rng(world.config.seed + CONTROL_SEED)
        self._oauth = OAuth(world)

    # --- Platform -----------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return [
            Route("/oauth/token", self._oauth.token, methods=["POST"]),
            Route("/v1/{path:path}", self._v1, methods=methods),
        ]

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        with self._lock:
            self._purge()
            return {token: data.everything() for token, data in self._accounts.items()}

    def ids(self, account_token: str, table: str) -> list[int]:
        """Ids of every row of a table, in stored order (oldest first)."""
        with self._lock:
            self._purge()
            ids: list[int] = self._accounts[account_token].table(table).frame["id"].to_list()
            return ids

    def frame(self, account_token: str, table: str) -> pl.DataFrame:
        """The polars frame kept for a table (internal columns included: `snapshot` indexes
        the account's property hashes, `channel` indexes `data.CHANNELS`)."""
        with self._lock:
            self._purge()
            return self._accounts[account_token].table(table).frame

    def _purge(self) -> None:
        now = int(self.world.clock.now())
        for writes in self._writes.values():
            writes.purge(now)

    # --- /v1 ----------------------------------------------------------------------------------

    async def _v1(self, request: Request) -> Response:
        found = route(request.method, request.path_params["path"])
        if found is None:
            return answer({"error": "Not Found"}, 404)
        handler_name, groups = found
        try:
            params = await read_params(request)
        except ApiError as exc:
            return answer(exc.body, exc.status)
        account_token = self._oauth.authenticate(request, params, self._accounts)
        if isinstance(account_token, Response):
            return account_token
        decision = self.world.rate.hit(account_token)
        headers = decision.headers() if decision else {}
        if decision and not decision.allowed:
            self.world.count("status_429")
            return answer({"error": "Too Many Requests"}, 429, headers)
        call = Call(
            data=self._accounts[account_token],
            writes=self._writes[account_token],
            params=params,
            now=int(self.world.clock.now()),
            client_ip=request.client.host if request.client else "127.0.0.1",
        )
        try:
            with self._lock:
                self._purge()
                status, body = getattr(self, "_" + handler_name)(call, **groups)
        except ApiError as exc:
            return answer(exc.body, exc.status, {**headers, **exc.headers})
        if body is None:
            return empty(status, headers)
        return answer(body, status, headers)

    # --- end users ----------------------------------------------------------------------------

    def _end_user(self, call: Call, key: str) -> int:
        """Position of the end user a path names by id (digits)."""
        end_user_id = unsigned_int(key)
        position = (
            None if end_user_id is None else call.writes.end_user_position(end_user_id=end_user_id)
        )
        if position is None:
            raise ApiError(404, "EndUser not found")
        return position

    def _list_end_users(self, call: Call) -> Reply:
        query = listing(call.values, descending=False, sort_keys=END_USER_SORT_KEYS, updated=True)
        users = call.data.end_users
        keep = None
        email = call.values.get("email")
        if email is not None:
            wanted = email.strip().lower()

            def keep(start: int, stop: int) -> np.ndarray:
                return np.asarray(users.array("email")[start:stop] == wanted, bool)

        return 200, call.data.render_end_users(users.rows(page_of(users, query, keep)))

    def _get_end_user(self, call: Call, key: str) -> Reply:
        if (call.values.get("lookup_by_email") or "").lower() in TRUE_WORDS:
            position = call.writes.end_user_position(email=key)
        elif (call.values.get("lookup_by_external_id") or "").lower() in TRUE_WORDS:
            position = call.writes.end_user_position(external_id=key)
        else:
            position = self._end_user(call, key)
        if position is None:
            raise ApiError(404, "EndUser not found")
        return 200, self._shown_end_user(call, position)

    def _lookup_end_user_posted(self, call: Call, key: str) -> Reply:
        flags = ("lookup_by_email", "lookup_by_external_id")
        if not any((call.values.get(f) or "").lower() in TRUE_WORDS for f in flags):
            raise ApiError(404, "Not Found")
        return self._get_end_user(call, key)

    def _end_user_by_phone(self, call: Call, phone: str) -> Reply:
        """A number must start with '+'; digits alone look up an id, as documented."""
        if phone.isdigit():
            return 200, self._shown_end_user(call, self._end_user(call, phone))
        position = call.writes.end_user_position(phone_number=phone.strip())
        if position is None:
            raise ApiError(404, "EndUser not found")
        return 200, self._shown_end_user(call, position)

    def _shown_end_user(self, call: Call, position: int) -> dict[str, Any]:
        return call.data.render_end_users(call.data.end_users.rows([position]))[0]

    def _end_user_fields(self, call: Call, errors: list[str]) -> dict[str, Any]:
        values = call.values
        fields: dict[str, Any] = {}
        for name in ("last_surveyed", "external_created_at"):
            value = integer(values, name, errors)
            if value is not None:
                fields[name] = value
        for name in ("external_id", "phone_number"):
            if name in values:
                fields[name] = values[name].strip() or None
        if "email" in values:
            email = values["email"].strip().lower()
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
                errors.append("email does not have a valid value")
            fields["email"] = email
        return fields

    def _check_unique(self, call: Call, fields: dict[str, Any], itself: int | None) -> None:
        for name in ("email", "external_id"):
            if fields.get(name) is None:
                continue
            found = call.writes.end_user_position(**{name: fields[name]})
            if found is not None and found != itself:
                raise ApiError(400, f"{name} has already been taken")

    def _create_end_user(self, call: Call) -> Reply:
        errors: list[str] = []
        if not call.values.get("email", "").strip():
            errors.append("email is missing")
        fields = self._end_user_fields(call, errors)
        check(errors)
        self._check_unique(call, fields, None)
        email = fields.pop("email")
        properties = properties_in(call.values, "properties")
        row = call.writes.create_end_user(call.now, email, fields, properties)
        return 201, call.writes.written_end_user(row)

    def _update_end_user(self, call: Call, key: str) -> Reply:
        position = self._end_user(call, key)
        errors: list[str] = []
        fields = self._end_user_fields(call, errors)
        check(errors)
        self._check_unique(call, fields, position)
        row = call.writes.update_end_user(
            position, call.now, fields, properties_in(call.values, "properties")
        )
        return 200, call.writes.written_end_user(row)

    def _delete_end_user(self, call: Call, key: str) -> Reply:
        """Marks for deletion, by id or email; performed the following day at 07:00 UTC."""
        position: int | None
        if key.isdigit():
            position = self._end_user(call, key)
        else:
            position = call.writes.end_user_position(email=key)
            if position is None:
                raise ApiError(404, "EndUser not found")
        row = call.data.end_users.row(position)
        call.writes.mark_for_deletion(row["id"], call.now)
        return 200, call.writes.written_end_user(row)

    def _export_end_user(self, call: Call, key: str) -> Reply:
        self._end_user(call, key)
        return 202, {}

    # --- settings -----------------------------------------------------------------------------

    def _settings_row(self, call: Call, key: str) -> pl.DataFrame:
        end_user_id = call.data.end_users.row(self._end_user(call, key))["id"]
        settings = call.data.settings
        hits = np.flatnonzero(settings.array("end_user_id") == end_user_id)
        if not len(hits):
            raise ApiError(404, "EndUserSetting not found")
        return settings.rows(hits[:1])

    def _get_settings(self, call: Call, key: str) -> Reply:
        return 200, call.data.render_settings(self._settings_row(call, key))[0]

    def _update_settings(self, call: Call, key: str) -> Reply:
        row = self._settings_row(call, key)
        errors: list[str] = []
        flags = ("email_nps", "mobile_nps", "web_nps", "force_web_survey", "force_mobile_survey")
        changes = {f: boolean(call.values, f, errors) for f in flags if f in call.values}
        check(errors)
        position = call.writes.update_settings(row["end_user_id"][0], call.now, changes)
        return 200, call.data.render_settings(call.data.settings.rows([position]), "iso")[0]

    # --- responses, declines and page views ----------------------------------------------------

    def _answers_of(
        self, table: Table, end_user_id: int | None, band: tuple[int, int] | None
    ) -> Keep | None:
        if end_user_id is None and band is None:
            return None

        def keep(start: int, stop: int) -> np.ndarray:
            inside = np.ones(stop - start, bool)
            if end_user_id is not None:
                inside &= table.array("end_user_id")[start:stop] == end_user_id
            if band is not None:
                scores = table.array("score")[start:stop]
                inside &= (scores >= band[0]) & (scores <= band[1])
            return inside

        return keep

    def _owned(self, call: Call, table: Table, key: str, row_id: str, thing: str) -> int:
        """Position of a row that belongs to the end user the path names, or 404."""
        end_user_id = call.data.end_users.row(self._end_user(call, key))["id"]
        position = table.find(int(row_id))
        if position is None or table.array("end_user_id")[position] != end_user_id:
            raise ApiError(404, f"{thing} not found")
        return position

    def _listed(self, call: Call, *, table: str) -> Reply:
        """Every end user's rows of a table, newest first unless asked otherwise."""
        rows = call.data.table(table)
        positions = page_of(rows, listing(call.values, descending=True))
        return 200, call.data.render(table, rows.rows(positions))

    def _of_user(
        self, call: Call, key: str, scope: str | None = None, *, table: str, descending: bool
    ) -> Reply:
        """One end user's rows of a table; `scope` names a score band (responses only)."""
        end_user_id = call.data.end_users.row(self._end_user(call, key))["id"]
        rows = call.data.table(table)
        keep = self._answers_of(rows, end_user_id, SCORE_BANDS[scope] if scope else None)
        positions = page_of(rows, listing(call.values, descending=descending), keep)
        return 200, call.data.render(table, rows.rows(positions))

    def _got(self, call: Call, key: str, id: str, *, table: str, thing: str) -> Reply:
        rows = call.data.table(table)
        position = self._owned(call, rows, key, id, thing)
        return 200, call.data.render(table, rows.rows([position]))[0]

    def _deleted(self, call: Call, key: str, id: str, *, table: str, thing: str) -> Reply:
        """Response and decline deletes answer 204 with no body."""
        rows = call.data.table(table)
        self._owned(call, rows, key, id, thing)
        rows.remove("id", [int(id)])
        return 204, None

    _list_responses = partialmethod(_listed, table="responses")
    _user_responses = partialmethod(_of_user, table="responses", descending=True)
    _get_response = partialmethod(_got, table="responses", thing="Response")
    _delete_response = partialmethod(_deleted, table="responses", thing="Response")
    _list_declines = partialmethod(_listed, table="declines")
    _user_declines = partialmethod(_of_user, table="declines", descending=True)
    _get_decline = partialmethod(_got, table="declines", thing="Decline")
    _delete_decline = partialmethod(_deleted, table="declines", thing="Decline")
    _user_page_views = partialmethod(_of_user, table="page_views", descending=False)
    _get_page_view = partialmethod(_got, table="page_views", thing="PageView")

    def _answering(self, call: Call, errors: list[str]) -> Answering:
        """What a new response or decline takes from its request; a bad `created_at` is
        added to `errors`."""
        return Answering(
            ip_address=call.values.get("ip_address") or call.client_ip,
            origin_url=call.values.get("origin_url") or None,
            created_at=integer(call.values, "created_at", errors),
            properties=properties_in(call.values, "end_user[properties]"),
        )

    def _create_response(self, call: Call, key: str) -> Reply:
        position = self._end_user(call, key)
        errors: list[str] = []
        if not call.values.get("score", "").strip():
            errors.append("score is missing")
        score = integer(call.values, "score", errors)
        if score is not None and not 0 <= score <= 10:
            errors.append("score does not have a valid value")
        asked = self._answering(call, errors)
        check(errors)
        assert score is not None
        frame = call.writes.create_response(
            position, call.now, asked, score=score, text=call.values.get("text")
        )
        return 201, call.data.render_responses(frame, "iso")[0]

    def _create_decline(self, call: Call, key: str) -> Reply:
        position = self._end_user(call, key)
        errors: list[str] = []
        asked = self._answering(call, errors)
        check(errors)
        frame = call.writes.create_decline(position, call.now, asked)
        return 201, call.data.render_declines(frame, "iso")[0]

    def _historical_edit(self, call: Call) -> dict[str, Any]:
        properties = properties_in(call.values, "end_user[properties]")
        if properties and not call.data.historical_properties:
            raise ApiError(
                423,
                "Editing end_user.properties is not enabled for this account; "
                "contact Wootric to enable it",
            )
        return properties

    def _found(self, call: Call, table: str, id: str, thing: str) -> int:
        """Position of a row by its id alone (the update paths name no end user), or 404."""
        position = call.data.table(table).find(int(id))
        if position is None:
            raise ApiError(404, f"{thing} not found")
        return position

    def _update_response(self, call: Call, id: str) -> Reply:
        position = self._found(call, "responses", id, "Response")
        errors: list[str] = []
        flags = ("completed", "excluded_from_calculations")
        changes = {f: boolean(call.values, f, errors) for f in flags if f in call.values}
        check(errors)
        properties = self._historical_edit(call)
        call.writes.update_answer("responses", position, call.now, changes, properties)
        return 204, None

    def _update_decline(self, call: Call, id: str) -> Reply:
        position = self._found(call, "declines", id, "Decline")
        properties = self._historical_edit(call)
        if properties:
            call.writes.update_answer("declines", position, call.now, {}, properties)
        return 204, None

    def _create_page_view(self, call: Call, key: str) -> Reply:
        position = self._end_user(call, key)
        errors: list[str] = []
        at = integer(call.values, "at", errors)
        check(errors)
        frame = call.writes.create_page_view(
            position, call.now, url=call.values.get("url") or None, at=at
        )
        return 201, call.data.render_page_views(frame, "iso")[0]

    def _delete_page_view(self, call: Call, key: str, id: str) -> Reply:
        """Unlike the others, a page view delete answers the row it removed."""
        rows = call.data.page_views
        position = self._owned(call, rows, key, id, "PageView")
        shown = call.data.render_page_views(rows.rows([position]), "iso")[0]
        rows.remove("id", [int(id)])
        return 200, shown

    # --- account-wide -------------------------------------------------------------------------

    def _segments(self, call: Call) -> Reply:
        return 200, call.data.render_segments()

    def _nps_summary(self, call: Call) -> Reply:
        """NPS and counts for a range of calendar days in the ACCOUNT's time zone.

        The rules (the analysis core reproduces them; a test compares):

        - `date[start]` and `date[end]` are 'YYYY-MM-DD', bare or in single or double quotes
          (the doc's example quotes them). Both days are included: responses created from the
          start day's local midnight up to (not including) the local midnight after the end day.
        - Only one of them given: the other side is open. Neither given: "the last month",
          i.e. from the same day one calendar month before today (the day clamped to the
          month's length, e.g. 03-31 -> 02-28) through today, in the account's zone.
        - A response flagged `excluded_from_calculations` is not counted anywhere.
          promoters score 9-10, passives 7-8, detractors 0-6; responses = their sum.
        - nps = 100 x (promoters - detractors) / responses, rounded half away from zero
          (exactly, in integers); null when there are no responses.
        - response_rate = responses / (responses + declines created in the same days), in
          percent, rounded the same way; email_response_rate the same for e-mail surveys only.
          A rate with nothing to divide by is 0.
        """
        errors: list[str] = []
        days = bracketed(call.values, "date")
        start, end = (calendar_day(days, part, errors) for part in ("start", "end"))
        check(errors)
        zone = ZoneInfo(call.data.tz)
        if start is None and end is None:
            end = datetime.fromtimestamp(call.now, zone).date()
            start = month_before(end)
        first = None if start is None else local_midnight(start, zone)
        stop = None if end is None else local_midnight(date.fromordinal(end.toordinal() + 1), zone)
        return 200, call.writes.nps_summary(first, stop)

    def _email_survey(self, call: Call) -> Reply:
        """Surveys by e-mail: checks what the docs list, creates missing end users."""
        errors: list[str] = []
        emails = [e.lower() for e in call.params.many("emails[]", "emails")]
        if not emails:
            errors.append("emails is missing")
        elif len(emails) > MAX_SURVEY_EMAILS or not all(
            re.fullmatch(r"[^@\s]+@[^@\s]+", e) for e in emails
        ):
            errors.append("emails does not have a valid value")
        delay = integer(call.values, "delay", errors)
        if delay is not None and not 1 <= delay <= 31:
            errors.append("delay does not have a valid value")
        boolean(call.values, "survey_immediately", errors)
        check(errors)
        external_ids = call.params.many("external_ids[]", "external_ids")
        properties = properties_in(call.values, "end_user[properties]")
        surveyed = []
        for index, email in enumerate(emails):
            position = call.writes.end_user_position(email=email)
            if position is None:
                external_id = external_ids[index] if index < len(external_ids) else None
                if external_id and call.writes.end_user_position(external_id=external_id):
                    external_id = None
                row = call.writes.create_end_user(
                    call.now, email, {"external_id": external_id}, properties
                )
            else:
                row = call.writes.update_end_user(position, call.now, {}, properties)
            surveyed.append(row["id"])
        message = f"{len(surveyed)} email survey(s) scheduled"
        return 201, {"message": message, "end_user_ids": surveyed}
