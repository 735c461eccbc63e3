"""The Wootric NPS API v1: every documented endpoint, read and write.

Lists come two ways: `list_*` reads one page exactly as asked (30 pages of 50 at most), and
`iter_*` / `*_batches` read everything in a range exactly once by walking `created` windows (see
`paging.py`). Writes send form fields, nested hashes as `properties[plan]=...`, as the docs do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from typing import Any, Literal, TypedDict, TypeVar, Unpack

from pydantic import BaseModel

from workbench.sources.errors import ServerError, UnreadableAnswer
from workbench.sources.forms import FormValue, check_keywords, rails_form
from workbench.sources.http import ShortfallClient
from workbench.sources.models.wootric import (
    Decline,
    EndUser,
    EndUserSettings,
    NpsSummary,
    PageView,
    Response,
    Segment,
)
from workbench.sources.paging import Batch, CreatedWalker, Shortfall
from workbench.sources.timestamps import unix_seconds

MAX_SURVEY_EMAILS = 100
"""The documented maximum of emails in one `POST /v1/email_survey`."""

Scope = Literal["promoters", "passives", "detractors"]
M = TypeVar("M", bound=BaseModel)


def unexpected_shape(body: Any, wanted: str, *, account: str | None, what: str) -> ServerError:
    """A 2xx answer whose body is not what the docs promise: the server's failure, never an
    empty page (an empty page would make a full sync believe every row was deleted)."""
    if isinstance(body, Mapping):
        keys = ", ".join(sorted(str(k) for k in body)[:5]) or "no keys"
        found = f"an object ({keys})"
        said = body.get("error") or body.get("message") or body.get("errors")
        if isinstance(said, str) and said.strip():
            found += f" saying {said.strip()[:120]!r}"
    elif body is None:
        found = "an empty body"
    else:
        found = f"a {type(body).__name__}"
    return UnreadableAnswer(
        f"{what} answered in an unexpected shape: {found} where the docs promise {wanted}; "
        "the platform may be failing or the base URL may not be its API; try again later",
        account=account,
    )


def rows_of(body: Any, *, account: str | None, what: str) -> list[Any]:
    """A Wootric list answer: a JSON array, or ServerError."""
    if not isinstance(body, list):
        raise unexpected_shape(body, "a list", account=account, what=what)
    return body


class EmailSurvey(TypedDict, total=False):
    """What `email_survey` takes beside the addresses (None or absent: Wootric's default)."""

    subject: str | None
    intro: str | None
    senders_name: str | None
    reply_to_email: str | None
    delay: int | None
    survey_immediately: bool | None
    end_user_properties: Mapping[str, Any] | None


EMAIL_SURVEY_FIELDS = (
    "subject",
    "intro",
    "senders_name",
    "reply_to_email",
    "delay",
    "survey_immediately",
)
"""`EmailSurvey`'s form fields in the documented order, the order they are sent in."""


def _answer_form(
    fields: Mapping[str, Any], end_user_properties: Mapping[str, Any] | None
) -> dict[str, FormValue]:
    """`fields` as a Rails form, with the end user's properties as the `end_user` hash that
    responses, declines and e-mail surveys carry (left out when there are none)."""
    end_user = {"properties": end_user_properties} if end_user_properties else None
    return rails_form({**fields, "end_user": end_user})


def created_second(row: Mapping[str, Any]) -> int:
    return unix_seconds(row["created_at"])


def updated_second(row: Mapping[str, Any]) -> int:
    return unix_seconds(row["updated_at"])


class WootricClient(ShortfallClient[Shortfall]):
    """One Wootric NPS account."""

    # --- reading everything, exactly once ---------------------------------------------------

    def walker(
        self,
        path: str,
        *,
        field: str = "created",
        base_params: dict[str, str] | None = None,
    ) -> CreatedWalker:
        async def fetch(params: dict[str, str]) -> list[dict[str, Any]]:
            body = await self._get(path, params=params)
            return rows_of(body, account=self.http.account, what=f"GET {path}")

        return CreatedWalker(
            fetch,
            updated_second if field == "updated" else created_second,
            field=field,
            base_params=base_params,
            concurrency=self.concurrency,
            on_shortfall=self._short,
            lanes=self.http.budget.lanes,
        )

    def response_batches(
        self, since: int | None = None, until: int | None = None
    ) -> AsyncIterator[Batch]:
        """Raw response rows by window, for the sync (which checkpoints after each window)."""
        return self.walker("v1/responses").batches(since, until)

    def decline_batches(
        self, since: int | None = None, until: int | None = None
    ) -> AsyncIterator[Batch]:
        return self.walker("v1/declines").batches(since, until)

    def end_user_batches(
        self,
        since: int | None = None,
        until: int | None = None,
        *,
        by: Literal["created", "updated"] = "created",
    ) -> AsyncIterator[Batch]:
        """End users created (or, for an incremental read, updated) in [since, until]."""
        sort_key = "updated_at" if by == "updated" else "created_at"
        return self.walker("v1/end_users", field=by, base_params={"sort_key": sort_key}).batches(
            since, until
        )

    async def iter_responses(
        self, since: int | None = None, until: int | None = None
    ) -> AsyncIterator[Response]:
        async for batch in self.response_batches(since, until):
            for row in batch.rows:
                yield Response.model_validate(row)

    async def iter_declines(
        self, since: int | None = None, until: int | None = None
    ) -> AsyncIterator[Decline]:
        async for batch in self.decline_batches(since, until):
            for row in batch.rows:
                yield Decline.model_validate(row)

    async def iter_end_users(
        self,
        since: int | None = None,
        until: int | None = None,
        *,
        by: Literal["created", "updated"] = "created",
    ) -> AsyncIterator[EndUser]:
        async for batch in self.end_user_batches(since, until, by=by):
            for row in batch.rows:
                yield EndUser.model_validate(row)

    async def end_user_responses(
        self, end_user_id: str | int, scope: Scope | None = None
    ) -> list[Response]:
        """Every response of one end user (optionally only promoters, passives or detractors)."""
        path = f"v1/end_users/{end_user_id}/responses" + (f"/{scope}" if scope else "")
        return await self._collect(path, Response)

    async def end_user_declines(self, end_user_id: str | int) -> list[Decline]:
        return await self._collect(f"v1/end_users/{end_user_id}/declines", Decline)

    async def end_user_page_views(self, end_user_id: str | int) -> list[PageView]:
        return await self._collect(f"v1/end_users/{end_user_id}/page_views", PageView)

    async def page_view_page(
        self, end_user_id: str | int, page: int = 1, per_page: int = 50
    ) -> list[dict[str, Any]]:
        """One page of an end user's page views as raw rows, oldest first: one request, so a
        caller that knows `page_views_count` knows what reading them all costs."""
        params = {"page": str(page), "per_page": str(per_page)}
        return await self._list(f"v1/end_users/{end_user_id}/page_views", params)

    async def _collect(self, path: str, model: type[M]) -> list[M]:
        found: dict[str, M] = {}
        async for batch in self.walker(path).batches():
            for row in batch.rows:
                item = model.model_validate(row)
                found[item.id] = item  # type: ignore[attr-defined]
        return list(found.values())

    # --- one page, as asked -----------------------------------------------------------------

    async def list_responses(self, **params: Any) -> list[Response]:
        rows = await self._list("v1/responses", rails_form(params))
        return [Response.model_validate(r) for r in rows]

    async def list_declines(self, **params: Any) -> list[Decline]:
        rows = await self._list("v1/declines", rails_form(params))
        return [Decline.model_validate(r) for r in rows]

    async def list_end_users(self, **params: Any) -> list[EndUser]:
        rows = await self._list("v1/end_users", rails_form(params))
        return [EndUser.model_validate(r) for r in rows]

    async def _get(self, path: str, params: Mapping[str, FormValue] | None = None) -> Any:
        return await self.http.get(path, params=params)

    async def _list(self, path: str, params: Mapping[str, FormValue] | None = None) -> list[Any]:
        body = await self._get(path, params=params)
        return rows_of(body, account=self.http.account, what=f"GET {path}")

    def _object(self, body: Any, path: str, *, fields: tuple[str, ...] = ()) -> Any:
        """A JSON object holding at least one of `fields` (when named), or ServerError."""
        if not isinstance(body, Mapping) or (fields and not any(f in body for f in fields)):
            raise unexpected_shape(
                body, "a JSON object", account=self.http.account, what=f"GET {path}"
            )
        return body

    # --- end users ----------------------------------------------------------------------------

    async def get_end_user(self, end_user_id: str | int) -> EndUser:
        return EndUser.model_validate(await self._get(f"v1/end_users/{end_user_id}"))

    async def end_user_by_email(self, email: str) -> EndUser:
        body = await self._get(f"v1/end_users/{email}", params={"lookup_by_email": "true"})
        return EndUser.model_validate(body)

    async def end_user_by_external_id(self, external_id: str) -> EndUser:
        body = await self._get(
            f"v1/end_users/{external_id}", params={"lookup_by_external_id": "true"}
        )
        return EndUser.model_validate(body)

    async def end_user_by_phone(self, phone_number: str) -> EndUser:
        if not phone_number.startswith("+"):
            raise ValueError("a phone number must start with '+' (digits alone look up an id)")
        return EndUser.model_validate(await self._get(f"v1/end_users/phone_number/{phone_number}"))

    async def create_end_user(
        self,
        email: str,
        *,
        last_surveyed: int | None = None,
        external_created_at: int | None = None,
        external_id: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> EndUser:
        fields = rails_form(
            {
                "email": email,
                "last_surveyed": last_surveyed,
                "external_created_at": external_created_at,
                "external_id": external_id,
                "properties": properties,
            }
        )
        _, body = await self.http.request("POST", "v1/end_users", data=fields)
        return EndUser.model_validate(body)

    async def update_end_user(self, end_user_id: str | int, **fields: Any) -> EndUser:
        _, body = await self.http.request(
            "PUT", f"v1/end_users/{end_user_id}", data=rails_form(fields)
        )
        return EndUser.model_validate(body)

    async def delete_end_user(self, end_user_id_or_email: str | int) -> EndUser:
        """Marks the end user for deletion (Wootric deletes it the next day at 7 AM UTC)."""
        _, body = await self.http.request("DELETE", f"v1/end_users/{end_user_id_or_email}")
        return EndUser.model_validate(body)

    async def export_end_user(self, end_user_id: str | int) -> None:
        """Schedules Wootric's export of one end user's data (202; the file is e-mailed)."""
        await self.http.request("GET", f"v1/end_users/{end_user_id}/export")

    async def get_settings(self, end_user_id: str | int) -> EndUserSettings:
        body = await self._get(f"v1/end_users/{end_user_id}/settings")
        return EndUserSettings.model_validate(body)

    async def update_settings(self, end_user_id: str | int, **settings: bool) -> EndUserSettings:
        _, body = await self.http.request(
            "PUT", f"v1/end_users/{end_user_id}/settings", data=rails_form(settings)
        )
        return EndUserSettings.model_validate(body)

    # --- responses, declines, page views -----------------------------------------------------

    async def get_response(self, end_user_id: str | int, response_id: str | int) -> Response:
        body = await self._get(f"v1/end_users/{end_user_id}/responses/{response_id}")
        return Response.model_validate(body)

    async def create_response(
        self,
        end_user_id: str | int,
        score: int,
        *,
        text: str | None = None,
        ip_address: str | None = None,
        origin_url: str | None = None,
        created_at: int | None = None,
        end_user_properties: Mapping[str, Any] | None = None,
    ) -> Response | None:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS score is 0 to 10, not {score}")
        form = _answer_form(
            {
                "score": score,
                "text": text,
                "ip_address": ip_address,
                "origin_url": origin_url,
                "created_at": created_at,
            },
            end_user_properties,
        )
        return await self._create_answer(Response, end_user_id, "responses", form)

    async def update_response(
        self,
        response_id: str | int,
        *,
        completed: bool | None = None,
        excluded_from_calculations: bool | None = None,
        end_user_properties: Mapping[str, Any] | None = None,
    ) -> None:
        form = _answer_form(
            {"completed": completed, "excluded_from_calculations": excluded_from_calculations},
            end_user_properties,
        )
        await self.http.request("PUT", f"v1/responses/{response_id}", data=form)

    async def delete_response(self, end_user_id: str | int, response_id: str | int) -> None:
        await self.http.request("DELETE", f"v1/end_users/{end_user_id}/responses/{response_id}")

    async def get_decline(self, end_user_id: str | int, decline_id: str | int) -> Decline:
        body = await self._get(f"v1/end_users/{end_user_id}/declines/{decline_id}")
        return Decline.model_validate(body)

    async def create_decline(
        self,
        end_user_id: str | int,
        *,
        origin_url: str | None = None,
        created_at: int | None = None,
        end_user_properties: Mapping[str, Any] | None = None,
    ) -> Decline | None:
        form = _answer_form(
            {"origin_url": origin_url, "created_at": created_at}, end_user_properties
        )
        return await self._create_answer(Decline, end_user_id, "declines", form)

    async def _create_answer(
        self, model: type[M], end_user_id: str | int, table: str, form: dict[str, FormValue]
    ) -> M | None:
        """POSTs a response or decline; the model of the answer, None if it has no body."""
        _, body = await self.http.request("POST", f"v1/end_users/{end_user_id}/{table}", data=form)
        return model.model_validate(body) if isinstance(body, dict) else None

    async def update_decline(
        self, decline_id: str | int, *, end_user_properties: Mapping[str, Any]
    ) -> None:
        """Changes the properties a decline carries (the end user's at the time it declined),
        not the end user's current ones. The only documented change, and off by default: the
        API answers 423 until Wootric enables historical edits for the account."""
        if not end_user_properties:
            raise ValueError("a decline update changes end_user properties; none were given")
        form = _answer_form({}, end_user_properties)
        await self.http.request("PUT", f"v1/declines/{decline_id}", data=form)

    async def delete_decline(self, end_user_id: str | int, decline_id: str | int) -> None:
        await self.http.request("DELETE", f"v1/end_users/{end_user_id}/declines/{decline_id}")

    async def get_page_view(self, end_user_id: str | int, page_view_id: str | int) -> PageView:
        body = await self._get(f"v1/end_users/{end_user_id}/page_views/{page_view_id}")
        return PageView.model_validate(body)

    async def create_page_view(
        self, end_user_id: str | int, *, url: str | None = None, at: int | None = None
    ) -> PageView:
        _, body = await self.http.request(
            "POST",
            f"v1/end_users/{end_user_id}/page_views",
            data=rails_form({"url": url, "at": at}),
        )
        return PageView.model_validate(body)

    async def delete_page_view(self, end_user_id: str | int, page_view_id: str | int) -> None:
        await self.http.request("DELETE", f"v1/end_users/{end_user_id}/page_views/{page_view_id}")

    # --- surveys ------------------------------------------------------------------------------

    async def email_survey(self, emails: Sequence[str], **options: Unpack[EmailSurvey]) -> Any:
        """Surveys these addresses by e-mail (end users that do not exist are created). At most
        100 a call; `delay` is 1 to 31 days. A POST: never sent twice by the HTTP layer once it
        may have reached the server, and nothing reads its effect back."""
        check_keywords("email_survey", options, EmailSurvey.__optional_keys__)
        if not 1 <= len(emails) <= MAX_SURVEY_EMAILS:
            raise ValueError(f"an email survey takes 1 to {MAX_SURVEY_EMAILS} emails a call")
        bad = [e for e in emails if "," in e or "@" not in e or not e.strip()]
        if bad:
            raise ValueError(f"not an email address: {bad[0]!r}")
        delay = options.get("delay")
        if delay is not None and not 1 <= delay <= 31:
            raise ValueError(f"the delay is 1 to 31 days, not {delay}")
        fields = {name: options.get(name) for name in EMAIL_SURVEY_FIELDS}
        form: dict[str, Any] = _answer_form(fields, options.get("end_user_properties"))
        form["emails[]"] = list(emails)
        _, body = await self.http.request("POST", "v1/email_survey", data=form)
        return body

    # --- account-wide -------------------------------------------------------------------------

    async def segments(self) -> list[Segment]:
        return [Segment.model_validate(s) for s in await self._list("v1/segments")]

    async def nps_summary(self, start: date | None = None, end: date | None = None) -> NpsSummary:
        """NPS for a date range in the account's time zone (Wootric's default: the last month)."""
        params = rails_form({"date": {"start": start, "end": end}})
        body = await self._get("v1/nps_summary", params=params)
        return NpsSummary.model_validate(
            self._object(body, "v1/nps_summary", fields=("nps", "responses"))
        )
