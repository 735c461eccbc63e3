"""Reading Wootric CXI: every documented list and read, and a complete response read past the caps.

`list_*` reads one page exactly as asked; `iter_*` reads everything it can reach exactly once
(30 pages of 50 at most per query; see each docstring for what lies beyond), and what it cannot
reach is recorded as a `CxiShortfall` rather than hidden. `CxiReader` is the read half of
`cxi.CxiClient`, which adds the writes; the sync needs only this half.

Each read comes twice: as models (`iter_tags`, for the actions, the notebook and the CLI) and as
the API's JSON rows (`iter_tag_rows`, for the sync, whose normalizers read each row once and
report the rows they cannot read; see `sources.rows`). The model reads are the row reads with
each row validated, so both walk the same pages and meet the same rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypedDict, TypeVar, Unpack
from urllib.parse import quote

from workbench.sources.errors import NotFound, UnreadableAnswer
from workbench.sources.forms import FormValue, check_keywords, rails_form
from workbench.sources.http import ShortfallClient
from workbench.sources.models.cxi import Import, ImportDetail, Project, Response, ResponsePage, Tag
from workbench.sources.rows import Row, row_id, unseen

MAX_PAGE = 30
"""`page` may not exceed 30 on any CXI list (tags, imports, responses)."""
PER_PAGE = 50
"""`per_page` may not exceed 50."""
CAP = MAX_PAGE * PER_PAGE
"""The most rows one query (one sort order) reaches: 1,500."""


TagSort = Literal["name_asc", "name_desc", "responses_asc"]
Order = Literal["asc", "desc"]


class _TagFilters(TypedDict, total=False):
    sort: TagSort | None
    search: str | None
    no_stats: bool | None
    exclude_disabled: bool | None


class TagQuery(_TagFilters, total=False):
    """What `iter_tag_rows` (and so `iter_tags`) takes; see there for the defaults."""

    flat: bool


class TagPageQuery(_TagFilters, total=False):
    """What `list_tags` takes: one page, each documented parameter (absent: the API's default)."""

    page: int | None
    per_page: int | None
    flat: bool | None


TAG_PAGE_PARAMS = ("page", "per_page", "flat", "sort", "search", "no_stats", "exclude_disabled")
"""`list_tags`' parameters in the documented order, the order they are sent in."""


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
class ResponseBatch(Generic[T]):
    """Responses not seen before in this read: one import's, or those only the list reached;
    `Response` models (`response_batches`) or the API's rows (`response_row_batches`)."""

    import_id: str | None
    """The import they were read from; None for responses read from `/v1/responses`."""
    responses: list[T]


def path_segment(identifier: str | int) -> str:
    """An id as one path segment (never a way to reach another path)."""
    return quote(str(identifier), safe="")


_OPPOSITE_SORT: dict[str | None, str | None] = {
    "name_asc": "name_desc",
    "name_desc": "name_asc",
    "responses_asc": None,  # None: the API's default, response count descending
    None: "responses_asc",
}


def _model_id(item: Response) -> str:
    return item.id


@dataclass(frozen=True)
class _ResponseSource(Generic[T]):
    """How one read of the responses gets them: as models or as rows (see `_walk_responses`)."""

    detail: Callable[[str], Awaitable[tuple[str, list[T]] | None]]
    """An import's id and responses; None when it was deleted since it was listed."""
    page: Callable[[int, Order], Awaitable[tuple[int, list[T]]]]
    """One page of `/v1/responses` in one order: (`total_count`, the page's responses)."""
    key: Callable[[T], str | None]


class CxiReader(ShortfallClient[CxiShortfall]):
    """One Wootric CXI account, read only (`cxi.CxiClient` adds the writes)."""

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

    # --- projects ----------------------------------------------------------------------------

    async def list_projects(self) -> list[Project]:
        """Every project (the endpoint is not paged)."""
        return [Project.model_validate(row) for row in await self.project_rows()]

    async def project_rows(self) -> list[Row]:
        """Every project as the API's JSON row."""
        return list(self._expect(await self.http.get("v1/projects"), list, "v1/projects"))

    # --- tags ----------------------------------------------------------------------------------

    async def list_tags(self, **query: Unpack[TagPageQuery]) -> list[Tag]:
        """One page of tags, every documented parameter passed as given (None: API default)."""
        check_keywords("list_tags", query, TAG_PAGE_PARAMS)
        params = rails_form({name: query.get(name) for name in TAG_PAGE_PARAMS})
        body = self._expect(await self.http.get("v1/tags", params=params), list, "v1/tags")
        return [Tag.model_validate(row) for row in body]

    async def iter_tags(self, **query: Unpack[TagQuery]) -> AsyncIterator[Tag]:
        """Every tag, each once, across all pages (`iter_tag_rows`, as models)."""
        async for row in self.iter_tag_rows(**query):
            yield Tag.model_validate(row)

    async def iter_tag_rows(
        self,
        *,
        flat: bool = True,
        sort: TagSort | None = "name_asc",
        search: str | None = None,
        no_stats: bool | None = None,
        exclude_disabled: bool | None = None,
    ) -> AsyncIterator[Row]:
        """Every tag, each once, across all pages, as the API's JSON rows.

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
            for row in unseen(rows, seen, row_id):
                yield row
            complete = last
        if complete:
            return
        met = False
        opposite = rails_form({"sort": _OPPOSITE_SORT[sort]})
        async for rows, _ in self._pages("v1/tags", {**base, **opposite}):
            for row in rows:
                known = row_id(row)
                if known in seen:
                    met = True
                else:
                    if known is not None:
                        seen.add(known)
                    yield row
            if met:
                break
        if not met:
            self._short(CxiShortfall("tags", len(seen), None))

    # --- imports -------------------------------------------------------------------------------

    async def list_imports(
        self, *, page: int | None = None, per_page: int | None = None
    ) -> list[Import]:
        """One page of imports (without their responses)."""
        params = rails_form({"page": page, "per_page": per_page})
        body = self._expect(await self.http.get("v1/imports", params=params), list, "v1/imports")
        return [Import.model_validate(row) for row in body]

    async def iter_imports(self) -> AsyncIterator[Import]:
        """Every import, each once (`iter_import_rows`, as models)."""
        async for row in self.iter_import_rows():
            yield Import.model_validate(row)

    async def iter_import_rows(self) -> AsyncIterator[Row]:
        """Every import, each once, as the API's JSON rows. The list has no sort or filter, so
        only the first 1,500 can be reached; beyond that a `CxiShortfall` is recorded."""
        seen: set[str] = set()
        complete = False
        async for rows, last in self._pages("v1/imports", {}):
            for row in unseen(rows, seen, row_id):
                yield row
            complete = last
        if not complete:
            self._short(CxiShortfall("imports", len(seen), None))

    async def get_import(self, import_id: str | int) -> ImportDetail:
        """One import with all its responses."""
        return ImportDetail.model_validate(await self.import_row(import_id))

    async def import_row(self, import_id: str | int) -> dict[str, Any]:
        """One import with all its responses, as the API's JSON object; an object without its
        id, or whose `responses` is there but no list, is the server's failure."""
        path = f"v1/imports/{path_segment(import_id)}"
        body = await self.http.get(path)
        keys: dict[str, type | tuple[type, ...]] = {"id": (str, int)}
        if isinstance(body, dict) and "responses" in body:
            keys["responses"] = list
        return dict(self._expect(body, dict, path, keys=keys))

    # --- responses -----------------------------------------------------------------------------

    async def list_responses(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        sort_order: Order | None = None,
    ) -> ResponsePage:
        """One page of `/v1/responses` (by feedback_date) with the account's `total_count`."""
        body = await self.response_page_row(page=page, per_page=per_page, sort_order=sort_order)
        return ResponsePage.model_validate(body)

    async def response_page_row(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        sort_order: Order | None = None,
    ) -> dict[str, Any]:
        """One page of `/v1/responses` as the API's JSON: `{"total_count", "items"}`."""
        params = rails_form({"page": page, "per_page": per_page, "sort_order": sort_order})
        body = await self.http.get("v1/responses", params=params)
        keys = {"items": list, "total_count": int}
        return dict(self._expect(body, dict, "v1/responses", keys=keys))

    async def response_batches(
        self,
        skip: Collection[str] = (),
        skipped: int = 0,
        *,
        listed: Sequence[Import] | None = None,
    ) -> AsyncIterator[ResponseBatch[Response]]:
        """Every response the API lets us reach, each exactly once, in batches, as models.

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
        if listed is None:
            listed = [item async for item in self.iter_imports()]

        async def detail(import_id: str) -> tuple[str, list[Response]] | None:
            found = await self._import_or_none(import_id)
            return None if found is None else (found.id, found.responses)

        async def page(number: int, order: Order) -> tuple[int, list[Response]]:
            found = await self.list_responses(page=number, per_page=PER_PAGE, sort_order=order)
            return found.total_count, found.items

        imports = [item.id for item in listed if item.id not in skip]
        source = _ResponseSource(detail, page, _model_id)
        async for batch in self._walk_responses(imports, skipped, source):
            yield batch

    async def response_row_batches(
        self,
        skip: Collection[str] = (),
        skipped: int = 0,
        *,
        listed: Sequence[Row] | None = None,
    ) -> AsyncIterator[ResponseBatch[Row]]:
        """`response_batches` as the API's JSON rows, for the sync; `listed` is the import rows
        (`iter_import_rows`). An import row without an id names nothing to fetch."""
        if listed is None:
            listed = [row async for row in self.iter_import_rows()]

        async def detail(import_id: str) -> tuple[str, list[Row]] | None:
            try:
                found = await self.import_row(import_id)
            except NotFound:
                return None  # deleted since it was listed, its responses with it
            return str(found["id"]), list(found.get("responses") or [])

        async def page(number: int, order: Order) -> tuple[int, list[Row]]:
            found = await self.response_page_row(page=number, per_page=PER_PAGE, sort_order=order)
            return found["total_count"], found["items"]

        ids = (row_id(row) for row in listed)
        imports = [known for known in ids if known is not None and known not in skip]
        async for batch in self._walk_responses(
            imports, skipped, _ResponseSource(detail, page, row_id)
        ):
            yield batch

    async def _walk_responses(
        self, imports: list[str], skipped: int, source: _ResponseSource[T]
    ) -> AsyncIterator[ResponseBatch[T]]:
        """The one walk of `response_batches`, for models and rows alike (see there)."""
        seen: set[str] = set()

        def fresh(responses: list[T]) -> list[T]:
            return list(unseen(responses, seen, source.key))

        async for found in self._bounded(imports, source.detail):
            if found is not None:
                yield ResponseBatch(found[0], fresh(found[1]))

        total, newest = await source.page(1, "desc")
        if len(seen) + skipped >= total:
            # Every response is in an import read or skipped: none is only in the list.
            yield ResponseBatch(None, fresh(newest))
            return
        yield ResponseBatch(None, fresh(newest + await self._response_pages(source, total, "desc")))
        if total > CAP and len(seen) < total:
            oldest = await self._response_pages(source, total, "asc", first=1)
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
        self, source: _ResponseSource[T], total: int, order: Order, first: int = 2
    ) -> list[T]:
        """Pages `first`..last of the list in one order, fetched concurrently (the total is
        known from page 1, so every page number can be asked for at once)."""
        last = min(MAX_PAGE, -(-total // PER_PAGE))
        pages = list(range(first, last + 1))

        async def page(number: int) -> list[T]:
            return (await source.page(number, order))[1]

        rows: list[T] = []
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


__all__ = ["CAP", "MAX_PAGE", "PER_PAGE", "CxiReader", "CxiShortfall", "ResponseBatch"]
