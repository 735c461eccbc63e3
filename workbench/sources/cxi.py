"""The Wootric CXI API: every documented endpoint, read and write, plus a complete response read.

CXI shares Wootric's OAuth endpoint (a `WootricOAuth` with the CXI account's token) and answers
424 to everything but `/v1/onboarding` until the account is onboarded; `errors.py` turns that
into `OnboardingRequired`, whose message says to complete the flow (here: `complete_onboarding`).

Lists come two ways, as in the Wootric client: `list_*` reads one page exactly as asked, and
`iter_*` reads everything it can reach exactly once (30 pages of 50 at most per query; see each
docstring for what lies beyond). Writes send Rails form fields as the docs' curl examples do
(`tag[text_match_terms][]=...`, `import[tag_names][0]=...`); the CSV upload is multipart.

CSV imports are checked before anything is uploaded (`validate_import_csv`, in `cxi_csv.py`),
because the API refuses a whole file for one bad cell and a local check can name every problem
at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from workbench.sources.cxi_csv import (
    MAX_CSV_BYTES,
    RESERVED_COLUMNS,
    CsvProblem,
    CsvSource,
    content_problems,
    feedback_date_problem,
    problems_message,
    read_source,
    validate_import_csv,
)
from workbench.sources.errors import InvalidRequest, NotFound, UnreadableAnswer
from workbench.sources.forms import FormValue, rails_form
from workbench.sources.http import ApiClient
from workbench.sources.models.cxi import (
    Import,
    ImportDetail,
    Onboarding,
    Project,
    Response,
    ResponsePage,
    Tag,
)

MAX_PAGE = 30
"""`page` may not exceed 30 on any CXI list (tags, imports, responses)."""
PER_PAGE = 50
"""`per_page` may not exceed 50."""
CAP = MAX_PAGE * PER_PAGE
"""The most rows one query (one sort order) reaches: 1,500."""


MetricName = Literal["nps", "csat", "ces", "other"]
TagSort = Literal["name_asc", "name_desc", "responses_asc"]

T = TypeVar("T")


# --- what could not be reached --------------------------------------------------------------


@dataclass(frozen=True)
class CxiShortfall:
    """Rows the API holds but does not let us read (past the 30-page cap of every query)."""

    what: str
    """`responses`, `imports` or `tags`."""
    reached: int
    total: int | None
    """What the API says it holds (`total_count`), or None when it does not say."""

    def __str__(self) -> str:
        if self.total is None:
            return (
                f"more {self.what} exist than the API lists ({self.reached:,} reached); the rest "
                f"cannot be read through the CXI API"
            )
        return (
            f"{self.total - self.reached:,} of {self.total:,} {self.what} cannot be read through "
            f"the CXI API (they are in no import the API lists, and past the 1,500 that "
            f"/v1/responses lists each way)"
        )


@dataclass(frozen=True)
class ResponseBatch:
    """Responses not seen before in this read: one import's, or those only the list reached."""

    import_id: str | None
    """The import they were read from; None for responses read from `/v1/responses`."""
    responses: list[Response]


def _segment(identifier: str | int) -> str:
    """An id as one path segment (never a way to reach another path)."""
    return quote(str(identifier), safe="")


def _metric(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("nps", "csat", "ces", "other"):
        raise ValueError(f"metric_type is nps, csat, ces or other, not {value!r}")
    return lowered


_OPPOSITE_SORT: dict[str | None, str | None] = {
    "name_asc": "name_desc",
    "name_desc": "name_asc",
    "responses_asc": None,  # None: the API's default, response count descending
    None: "responses_asc",
}


# --- the client --------------------------------------------------------------------------------


class CxiClient:
    """One Wootric CXI account."""

    def __init__(
        self,
        http: ApiClient,
        *,
        concurrency: int = 8,
        on_shortfall: Callable[[CxiShortfall], None] | None = None,
    ) -> None:
        self.http = http
        self.concurrency = max(1, concurrency)
        self.on_shortfall = on_shortfall
        self.shortfalls: list[CxiShortfall] = []
        """What the last reads could not reach; the sync reports these to the analyst."""

    def __repr__(self) -> str:
        return f"CxiClient(account={self.http.account!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self.http.request(method, path, **kwargs))[1]

    def _expect(
        self,
        body: Any,
        kind: type,
        path: str,
        *,
        keys: Mapping[str, type | tuple[type, ...]] | None = None,
    ) -> Any:
        """A body of the wrong shape is the server's fault, said as such (not a KeyError, and
        never an empty page): `kind` is list or dict, `keys` what a dict must hold, and as what
        (`{"items": list}` for a page of responses)."""
        missing = [
            name
            for name, wanted in (keys or {}).items()
            if isinstance(body, dict) and not isinstance(body.get(name), wanted)
        ]
        if not isinstance(body, kind) or missing:
            if isinstance(body, dict):
                names = ", ".join(sorted(str(k) for k in body)[:5]) or "no keys"
                found = f"an object ({names})"
                said = body.get("error") or body.get("message")
                if isinstance(said, str) and said.strip():
                    found += f" saying {said.strip()[:120]!r}"
            else:
                found = "an empty body" if body is None else f"a {type(body).__name__}"
            promised = "a list" if kind is list else "a JSON object"
            if missing:
                promised += " with " + ", ".join(missing)
            raise UnreadableAnswer(
                f"{path} answered in an unexpected shape: {found} where the docs promise "
                f"{promised}; the platform may be failing; try again later",
                account=self.http.account,
            )
        return body

    def _short(self, shortfall: CxiShortfall) -> None:
        self.shortfalls.append(shortfall)
        if self.on_shortfall:
            self.on_shortfall(shortfall)

    # --- onboarding ------------------------------------------------------------------------

    async def get_onboarding(self) -> Onboarding:
        """The account's onboarding status; for an account not onboarded yet, the product
        categories to choose from. (The one endpoint that never answers 424.)"""
        body = await self.http.get("v1/onboarding")
        return Onboarding.model_validate(self._expect(body, dict, "v1/onboarding"))

    async def update_onboarding(
        self,
        *,
        product_category_id: int | str | None = None,
        onboarded: bool | None = None,
        project_name: str | None = None,
        import_name: str | None = None,
        import_source: str | None = None,
        import_metric_type: str | None = None,
        import_language: str | None = None,
    ) -> Onboarding:
        """One step of the onboarding flow (`PUT /v1/onboarding`); only while not onboarded."""
        fields = rails_form(
            {
                "product_category_id": product_category_id,
                "onboarded": onboarded,
                "project": {"name": project_name},
                "import": {
                    "name": import_name,
                    "source": import_source,
                    "metric_type": import_metric_type,
                    "language": import_language,
                },
            }
        )
        if not fields:
            raise ValueError("update_onboarding needs at least one field to change")
        body = await self._send("PUT", "v1/onboarding", data=fields)
        return Onboarding.model_validate(self._expect(body, dict, "v1/onboarding"))

    async def complete_onboarding(
        self,
        product_category_id: int | str | None = None,
        *,
        project_name: str | None = None,
        import_name: str | None = None,
        import_source: str | None = None,
        import_metric_type: str | None = None,
        import_language: str | None = None,
    ) -> Onboarding:
        """The whole flow, as the docs walk it: choose a product category (with the optional
        project and import details), then set `onboarded=true`. An account that is already
        onboarded is left alone, since the endpoint refuses changes once it is."""
        status = await self.get_onboarding()
        if status.onboarded:
            return status
        chosen = product_category_id
        if chosen is None and status.product_category_id is None:
            choices = ", ".join(f"{c.id} {c.name}" for c in status.product_categories)
            raise ValueError(
                "onboarding needs a product category; choose one of: " + (choices or "(none)")
            )
        details: dict[str, Any] = {
            "project_name": project_name,
            "import_name": import_name,
            "import_source": import_source,
            "import_metric_type": import_metric_type,
            "import_language": import_language,
        }
        if chosen is not None or any(v is not None for v in details.values()):
            await self.update_onboarding(product_category_id=chosen, **details)
        finished = await self.update_onboarding(onboarded=True)
        if not finished.onboarded:
            finished = await self.get_onboarding()
        if not finished.onboarded:
            raise InvalidRequest(
                "PUT /v1/onboarding accepted onboarded=true but the account is still not "
                "onboarded; finish the flow in the Wootric app",
                account=self.http.account,
            )
        return finished

    # --- projects ----------------------------------------------------------------------------

    async def list_projects(self) -> list[Project]:
        """Every project (the endpoint is not paged)."""
        body = self._expect(await self.http.get("v1/projects"), list, "v1/projects")
        return [Project.model_validate(row) for row in body]

    async def create_project(self, name: str) -> Project:
        body = await self._send("POST", "v1/projects", data=rails_form({"name": name}, "project"))
        return Project.model_validate(self._expect(body, dict, "v1/projects"))

    async def update_project(self, project_id: str | int, name: str) -> Project:
        path = f"v1/projects/{_segment(project_id)}"
        body = await self._send("PUT", path, data=rails_form({"name": name}, "project"))
        return Project.model_validate(self._expect(body, dict, path))

    # --- tags ----------------------------------------------------------------------------------

    async def list_tags(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        flat: bool | None = None,
        sort: TagSort | None = None,
        search: str | None = None,
        no_stats: bool | None = None,
        exclude_disabled: bool | None = None,
    ) -> list[Tag]:
        """One page of tags, every documented parameter passed as given (None: API default)."""
        params = rails_form(
            {
                "page": page,
                "per_page": per_page,
                "flat": flat,
                "sort": sort,
                "search": search,
                "no_stats": no_stats,
                "exclude_disabled": exclude_disabled,
            }
        )
        body = self._expect(await self.http.get("v1/tags", params=params), list, "v1/tags")
        return [Tag.model_validate(row) for row in body]

    async def iter_tags(
        self,
        *,
        flat: bool = True,
        sort: TagSort | None = "name_asc",
        search: str | None = None,
        no_stats: bool | None = None,
        exclude_disabled: bool | None = None,
    ) -> AsyncIterator[Tag]:
        """Every tag, each once, across all pages.

        Flat by default, so children come as tags of their own; `flat=False` gives the top-level
        tags with their children nested. Sorted by name by default because the API's own order
        (response count) shifts between pages as responses are tagged. Past the 30-page cap the
        tags are read again in the opposite order until the two reads meet; if they do not meet
        (more than 3,000 tags), a `CxiShortfall` is recorded.
        """
        base = rails_form(
            {
                "flat": flat,
                "search": search,
                "no_stats": no_stats,
                "exclude_disabled": exclude_disabled,
            }
        )
        seen: set[str] = set()
        complete = False
        async for rows, last in self._pages("v1/tags", {**base, **rails_form({"sort": sort})}):
            for row in rows:
                tag = Tag.model_validate(row)
                if tag.id not in seen:
                    seen.add(tag.id)
                    yield tag
            complete = last
        if complete:
            return
        met = False
        opposite = rails_form({"sort": _OPPOSITE_SORT[sort]})
        async for rows, _ in self._pages("v1/tags", {**base, **opposite}):
            for row in rows:
                tag = Tag.model_validate(row)
                if tag.id in seen:
                    met = True
                else:
                    seen.add(tag.id)
                    yield tag
            if met:
                break
        if not met:
            self._short(CxiShortfall("tags", len(seen), None))

    async def create_tag(
        self,
        name: str,
        *,
        mode: Literal["manual", "text_match"] = "manual",
        description: str | None = None,
        parent_id: str | int | None = None,
        text_match_terms: Sequence[str] | None = None,
        filter_rules: Mapping[str, Any] | None = None,
    ) -> Tag:
        """A manual or text-match tag (smart tags come only from the product category)."""
        if not name.strip():
            raise ValueError("a tag needs a name")
        if mode not in ("manual", "text_match"):
            raise ValueError(f"only manual and text_match tags can be created, not {mode!r}")
        fields = self._tag_fields(
            name, mode, description, parent_id, text_match_terms, filter_rules
        )
        body = await self._send("POST", "v1/tags", data=fields)
        return Tag.model_validate(self._expect(body, dict, "v1/tags"))

    async def update_tag(
        self,
        tag_id: str | int,
        *,
        name: str | None = None,
        description: str | None = None,
        mode: Literal["manual", "text_match"] | None = None,
        parent_id: str | int | None = None,
        text_match_terms: Sequence[str] | None = None,
        filter_rules: Mapping[str, Any] | None = None,
    ) -> Tag:
        """Changes the fields given; `text_match_terms` replaces the whole list."""
        if mode is not None and mode not in ("manual", "text_match"):
            raise ValueError(f"a tag's mode can be set to manual or text_match, not {mode!r}")
        fields = self._tag_fields(
            name, mode, description, parent_id, text_match_terms, filter_rules
        )
        if not fields:
            raise ValueError("update_tag needs at least one field to change")
        path = f"v1/tags/{_segment(tag_id)}"
        body = await self._send("PUT", path, data=fields)
        return Tag.model_validate(self._expect(body, dict, path))

    @staticmethod
    def _tag_fields(
        name: str | None,
        mode: str | None,
        description: str | None,
        parent_id: str | int | None,
        terms: Sequence[str] | None,
        rules: Mapping[str, Any] | None,
    ) -> dict[str, FormValue]:
        if terms is not None:
            if isinstance(terms, str):
                raise ValueError("text_match_terms is a list of terms, not one string")
            if len(terms) > 100:
                raise ValueError(f"a tag takes at most 100 text_match_terms, not {len(terms)}")
        if mode == "manual" and (terms or rules):
            raise ValueError("text_match_terms and filter_rules only apply to text_match tags")
        return rails_form(
            {
                "name": name,
                "description": description,
                "mode": mode,
                "parent_id": parent_id,
                "text_match_terms": list(terms) if terms is not None else None,
                "filter_rules": rules,
            },
            "tag",
        )

    async def delete_tag(self, tag_id: str | int) -> None:
        await self._send("DELETE", f"v1/tags/{_segment(tag_id)}")

    # --- imports -------------------------------------------------------------------------------

    async def list_imports(
        self, *, page: int | None = None, per_page: int | None = None
    ) -> list[Import]:
        """One page of imports (without their responses)."""
        params = rails_form({"page": page, "per_page": per_page})
        body = self._expect(await self.http.get("v1/imports", params=params), list, "v1/imports")
        return [Import.model_validate(row) for row in body]

    async def iter_imports(self) -> AsyncIterator[Import]:
        """Every import, each once. The list has no sort or filter, so only the first 1,500 can
        be reached; beyond that a `CxiShortfall` is recorded."""
        seen: set[str] = set()
        complete = False
        async for rows, last in self._pages("v1/imports", {}):
            for row in rows:
                item = Import.model_validate(row)
                if item.id not in seen:
                    seen.add(item.id)
                    yield item
            complete = last
        if not complete:
            self._short(CxiShortfall("imports", len(seen), None))

    async def get_import(self, import_id: str | int) -> ImportDetail:
        """One import with all its responses."""
        path = f"v1/imports/{_segment(import_id)}"
        body = await self.http.get(path)
        return ImportDetail.model_validate(self._expect(body, dict, path, keys={"id": (str, int)}))

    async def create_import(
        self, csv_file: CsvSource, *, filename: str | None = None
    ) -> ImportDetail:
        """Uploads a CSV file as a new import, after checking it locally.

        If `validate_import_csv` finds anything, InvalidRequest lists the problems (the first
        20 and a count) and nothing is sent. The import is named after the file (`filename`
        overrides it; bytes are named import.csv); set its name, metric type and source with
        `update_import`. A UTF-8 byte order mark is removed before the upload.
        """
        name, content, problems = read_source(csv_file)
        if content is not None:
            problems += content_problems(content)
        if problems or content is None:
            raise InvalidRequest(
                problems_message(filename or name, problems), account=self.http.account
            )
        files = {"file": (filename or name, content, "text/csv")}
        body = await self._send("POST", "v1/imports", files=files)
        return ImportDetail.model_validate(self._expect(body, dict, "v1/imports"))

    async def update_import(
        self,
        import_id: str | int,
        *,
        name: str | None = None,
        source: str | None = None,
        metric_type: MetricName | str | None = None,
        language: str | None = None,
        secondary_product_category_id: str | int | None = None,
        tag_names: Sequence[str] | None = None,
        project_ids: Sequence[str | int] | None = None,
    ) -> ImportDetail:
        """Sets an import's metadata; `tag_names` and `project_ids` (which must exist) are
        applied to every response of the import."""
        fields = rails_form(
            {
                "name": name,
                "source": source,
                "metric_type": _metric(metric_type),
                "language": language,
                "secondary_product_category_id": secondary_product_category_id,
                "tag_names": list(tag_names) if tag_names is not None else None,
                "project_ids": list(project_ids) if project_ids is not None else None,
            },
            "import",
            indexed=True,
        )
        if not fields:
            raise ValueError("update_import needs at least one field to change")
        path = f"v1/imports/{_segment(import_id)}"
        body = await self._send("PUT", path, data=fields)
        return ImportDetail.model_validate(self._expect(body, dict, path))

    async def delete_import(self, import_id: str | int) -> None:
        """Deletes the import and every response in it (202: the API finishes it later)."""
        await self._send("DELETE", f"v1/imports/{_segment(import_id)}")

    # --- responses -----------------------------------------------------------------------------

    async def list_responses(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        sort_order: Literal["asc", "desc"] | None = None,
    ) -> ResponsePage:
        """One page of `/v1/responses` (by feedback_date) with the account's `total_count`."""
        params = rails_form({"page": page, "per_page": per_page, "sort_order": sort_order})
        body = await self.http.get("v1/responses", params=params)
        page = self._expect(body, dict, "v1/responses", keys={"items": list, "total_count": int})
        return ResponsePage.model_validate(page)

    async def response_batches(
        self,
        skip: Collection[str] = (),
        skipped: int = 0,
        *,
        listed: Sequence[Import] | None = None,
    ) -> AsyncIterator[ResponseBatch]:
        """Every response the API lets us reach, each exactly once, in batches.

        `/v1/responses` alone reaches 1,500 rows (30 pages of 50, no date filter), so every
        import is read whole with `GET /v1/imports/{id}`, `concurrency` at a time, each batch
        yielded as soon as its import arrives. Then `/v1/responses` is read (newest first and, if
        it holds more than 1,500, oldest first too) for the responses that belong to no import.

        What cannot be reached: responses in no import beyond the newest and oldest 1,500 of the
        list, and the responses of imports past the first 1,500 that `/v1/imports` lists (save
        those the response list happens to reach). When `total_count` says more exist than were
        read, a `CxiShortfall` is recorded (`self.shortfalls`, `on_shortfall`).

        `skip` names imports not to fetch (an incremental sync passes those it already holds
        unchanged, and in `skipped` how many responses they hold); the list may still reach
        some of their responses, which come as usual. When the imports account for every
        response the account has (`total_count`), the list is not read past its first page.
        `listed` is the import list when the caller has just read it (not read again then).
        """
        seen: set[str] = set()

        def fresh(responses: list[Response]) -> list[Response]:
            new: list[Response] = []
            for response in responses:
                if response.id not in seen:
                    seen.add(response.id)
                    new.append(response)
            return new

        if listed is None:
            listed = [item async for item in self.iter_imports()]
        imports = [item.id for item in listed if item.id not in skip]
        async for detail in self._bounded(imports, self._import_or_none):
            if detail is not None:
                yield ResponseBatch(detail.id, fresh(detail.responses))

        newest = await self.list_responses(page=1, per_page=PER_PAGE, sort_order="desc")
        total = newest.total_count
        if len(seen) + skipped >= total:
            # Every response is in an import read or skipped: none is only in the list.
            yield ResponseBatch(None, fresh(newest.items))
            return
        yield ResponseBatch(None, fresh(newest.items + await self._response_pages(total, "desc")))
        if total > CAP and len(seen) < total:
            oldest = await self._response_pages(total, "asc", first=1)
            yield ResponseBatch(None, fresh(oldest))
        if len(seen) < total:
            self._short(CxiShortfall("responses", len(seen), total))

    async def iter_responses(self) -> AsyncIterator[Response]:
        """Every reachable response exactly once (see `response_batches` for what is not)."""
        async for batch in self.response_batches():
            for response in batch.responses:
                yield response

    async def _import_or_none(self, import_id: str) -> ImportDetail | None:
        try:
            return await self.get_import(import_id)
        except NotFound:
            return None  # deleted since it was listed, its responses with it

    async def _response_pages(
        self, total: int, order: Literal["asc", "desc"], first: int = 2
    ) -> list[Response]:
        """Pages `first`..last of the list in one order, fetched concurrently (the total is
        known from page 1, so every page number can be asked for at once)."""
        last = min(MAX_PAGE, -(-total // PER_PAGE))
        pages = list(range(first, last + 1))

        async def page(number: int) -> list[Response]:
            found = await self.list_responses(page=number, per_page=PER_PAGE, sort_order=order)
            return found.items

        rows: list[Response] = []
        async for items in self._bounded(pages, page):
            rows += items
        return rows

    async def _bounded(
        self, items: Sequence[T], fetch: Callable[[T], Awaitable[Any]]
    ) -> AsyncIterator[Any]:
        """`fetch(item)` for every item, at most `concurrency` at a time, yielded as they
        finish; if one fails or the reader stops, the others are cancelled."""
        slots = asyncio.Semaphore(self.concurrency)

        async def run(item: T) -> Any:
            async with slots:
                return await fetch(item)

        tasks = [asyncio.ensure_future(run(item)) for item in items]
        try:
            for finished in asyncio.as_completed(tasks):
                yield await finished
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _pages(
        self, path: str, params: Mapping[str, FormValue]
    ) -> AsyncIterator[tuple[list[dict[str, Any]], bool]]:
        """Pages 1..30 of a list in order, as (rows, this was the last page); the walk stops
        at the first short page. A full page 30 is yielded with `False`: more may exist."""
        for number in range(1, MAX_PAGE + 1):
            query = {**params, "page": str(number), "per_page": str(PER_PAGE)}
            rows = self._expect(await self.http.get(path, params=query), list, path)
            yield rows, len(rows) < PER_PAGE
            if len(rows) < PER_PAGE:
                return

    # --- exports -------------------------------------------------------------------------------

    async def create_export(self, export_type: Literal["responses", "users"] = "responses") -> None:
        """Asks CXI to e-mail a CSV export to the requesting user (only one may run at a time;
        asking while one runs is refused with the server's message)."""
        if export_type not in ("responses", "users"):
            raise ValueError(f"export_type is responses or users, not {export_type!r}")
        await self._send("POST", "v1/exports", data={"export_type": export_type})


__all__ = [
    "CAP",
    "MAX_CSV_BYTES",
    "RESERVED_COLUMNS",
    "CsvProblem",
    "CsvSource",
    "CxiClient",
    "CxiShortfall",
    "ResponseBatch",
    "feedback_date_problem",
    "problems_message",
    "rails_form",
    "validate_import_csv",
]
