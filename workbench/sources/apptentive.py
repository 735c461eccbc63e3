"""The Apptentive REST API: records (feedback with user and device) and surveys, read and write.

Apptentive tags every answer with an ETag and answers `304 Not Modified` to a request that sends the
same ETag in `If-None-Match`. A sync reads the same lists again and again, and most of the time
nothing changed, so every GET here is conditional: the ETag and the body are kept per URL and
parameters (`ConditionalCache`, in memory and optionally in a small file), and a 304 hands back the
kept body. An unchanged list then costs one empty answer instead of the whole list.

`Cache-Control: max-age` is deliberately not used to skip requests: an analyst who syncs wants
what is on the server now, and a 304 costs next to nothing.

The lists come as models (`iter_records`, `list_surveys`, `get_survey`) and as the API's JSON
rows (`iter_record_rows`, `survey_rows`, `survey_row`) for the sync, whose normalizers read each
row once and report those they cannot read (`sources.rows`); the models are the rows validated.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode, urlsplit

import httpx
import orjson

from workbench.settings.files import write_atomic
from workbench.sources.errors import UnreadableAnswer
from workbench.sources.http import ApiClient, PlatformClient
from workbench.sources.models.apptentive import (
    NewAppVersion,
    NewClient,
    NewDevice,
    NewUser,
    Record,
    Survey,
)
from workbench.sources.rows import Row, row_id, unseen

log = logging.getLogger("workbench.sources")

CREATE_DATE_FORMAT = "%m/%d/%Y %I:%M%p%z"
"""How `POST /records` wants the client-side date, to make it usable in Apptentive's filters."""

WORKBENCH_CLIENT: NewClient = {"language": "python", "author": "feedback workbench"}


@dataclass(frozen=True)
class CachedAnswer:
    etag: str
    body: Any


@dataclass
class _Entry:
    etag: str
    size: int
    """Bytes of the body as JSON (what the bounds count)."""
    body: Any = None
    """In memory only; on disk the body lives in its own file."""
    file: str | None = None


class ConditionalCache:
    """ETags and bodies of GET answers, by account, path and parameters; bounded.

    In memory by default. With `path`, the entries are kept on disk, so that a new session
    revalidates instead of downloading again: `path` is a small index (key, ETag, size and file
    name per entry) and each body has a file of its own in the directory `<path>.d`, so an update
    rewrites that entry and the index, never the other bodies; a body on disk is not held in
    memory, it is read back when a 304 needs it. The files hold feedback and personal data of
    the app's users, never a token; they are mode 0600 and replaced atomically. A file that
    cannot be read is ignored (that answer is downloaded again), because a cache is an
    optimisation and must not stop a sync.

    At most `max_entries` answers and `max_bytes` of bodies (as JSON) are kept, the least
    recently used leaving first; a body larger than `max_bytes` alone is not kept at all.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_entries: int = 512,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.path = path
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        if path is not None:
            self._entries.update(self._read(path))
            self._sweep()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        return f"ConditionalCache({where!r}, entries={len(self._entries)})"

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept (as JSON)."""
        return sum(entry.size for entry in self._entries.values())

    @property
    def bodies(self) -> Path | None:
        """The directory holding one file per body (with `path`)."""
        return self.path.with_name(self.path.name + ".d") if self.path is not None else None

    @staticmethod
    def key(account: str, path: str, params: Mapping[str, Any] | None) -> str:
        """One key per account and URL; parameters sorted, so their order does not matter."""
        query = urlencode(sorted((str(k), str(v)) for k, v in (params or {}).items()))
        return f"{account} /{path.lstrip('/')}?{query}"

    def get(self, key: str) -> CachedAnswer | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        if found.file is None:
            return CachedAnswer(found.etag, found.body)
        body = self._load(found.file)
        if body is _MISSING:  # removed or damaged: download again
            self.forget(key)
            return None
        return CachedAnswer(found.etag, body)

    def put(self, key: str, etag: str, body: Any) -> None:
        try:
            encoded = orjson.dumps(body)
        except TypeError:  # not JSON (cannot come from an answer); nothing to keep
            self.forget(key)
            return
        if len(encoded) > self.max_bytes:
            self.forget(key)
            return
        previous = self._entries.pop(key, None)
        entry = _Entry(etag, len(encoded))
        if self.bodies is None:
            entry.body = body
        else:
            entry.file = hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"
            if not self._store(entry.file, encoded):
                self._discard(previous)
                self._write_index()
                return
        self._entries[key] = entry
        evicted = self._evict()
        if previous is not None and previous.file != entry.file:
            self._discard(previous)
        for old in evicted:
            self._discard(old)
        self._write_index()

    def forget(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._discard(entry)
            self._write_index()

    def _evict(self) -> list[_Entry]:
        evicted: list[_Entry] = []
        total = self.size
        while self._entries and (len(self._entries) > self.max_entries or total > self.max_bytes):
            _, old = self._entries.popitem(last=False)
            total -= old.size
            evicted.append(old)
        return evicted

    # --- on disk ---------------------------------------------------------------------------

    def _read(self, path: Path) -> dict[str, _Entry]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        found: dict[str, _Entry] = {}
        for key, item in raw.items():
            if (
                isinstance(item, dict)
                and isinstance(item.get("etag"), str)
                and isinstance(item.get("file"), str)
                and _BODY_FILE.fullmatch(item["file"])
                and isinstance(item.get("size"), int)
            ):
                found[str(key)] = _Entry(item["etag"], item["size"], file=item["file"])
        return found  # entries of the older one-file format (bodies inline) are dropped

    def _sweep(self) -> None:
        """Remove body files no entry names (left by an older index or a killed write)."""
        if self.bodies is None or not self.bodies.is_dir():
            return
        named = {entry.file for entry in self._entries.values()}
        with contextlib.suppress(OSError):
            for item in self.bodies.iterdir():
                if item.name not in named and (
                    _BODY_FILE.fullmatch(item.name) or item.name.startswith(".etags-")
                ):
                    with contextlib.suppress(OSError):
                        item.unlink()

    def _load(self, name: str) -> Any:
        assert self.bodies is not None
        try:
            return orjson.loads((self.bodies / name).read_bytes())
        except (OSError, ValueError):
            return _MISSING

    def _store(self, name: str, encoded: bytes) -> bool:
        assert self.bodies is not None
        try:
            self.bodies.mkdir(mode=0o700, parents=True, exist_ok=True)
            _atomic_write(self.bodies / name, encoded)
        except OSError:  # a cache we cannot write only costs a download
            return False
        return True

    def _discard(self, entry: _Entry | None) -> None:
        if entry is not None and entry.file is not None and self.bodies is not None:
            if any(other.file == entry.file for other in self._entries.values()):
                return
            with contextlib.suppress(OSError):
                (self.bodies / entry.file).unlink()

    def _write_index(self) -> None:
        if self.path is None:
            return
        index = {
            k: {"etag": v.etag, "size": v.size, "file": v.file} for k, v in self._entries.items()
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.path, json.dumps(index, separators=(",", ":")).encode())


_MISSING = object()
_BODY_FILE = re.compile(r"[0-9a-f]{32}\.json")


def _atomic_write(target: Path, data: bytes) -> None:
    """`data` in `target`, mode 0600, replaced atomically (a reader sees old or new, whole)."""
    write_atomic(target, lambda temp: temp.write_bytes(data), mode=0o600)


class SurveyQuery(TypedDict, total=False):
    """The filters `list_surveys` and `survey_rows` take (see `list_surveys`)."""

    tags: Iterable[str] | None
    active: bool | None
    limit: int | None


class ApptentiveClient(PlatformClient):
    """One Apptentive app (its token opens exactly one app's data).

    Wire it with `ApiClient(auth=StaticToken(token, "OAuth", ...))`: the token goes in the
    `Authorization: OAuth <token>` header, never in the `oauth_token` query parameter the docs also
    allow, because URLs end up in logs.
    """

    def __init__(self, http: ApiClient, *, cache: ConditionalCache | None = None) -> None:
        super().__init__(http)
        self.cache = cache if cache is not None else ConditionalCache()
        self.not_modified = 0
        """How many GETs were answered 304 and served from the cache (sync progress shows it)."""

    # --- conditional GET ---------------------------------------------------------------------

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET with `If-None-Match` when we hold the answer; a 304 returns the held body."""
        return (await self._conditional(path, params))[1]

    async def _conditional(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> tuple[httpx.Response, Any]:
        key = self.cache.key(self.http.account, path, params)
        cached = self.cache.get(key)
        headers = {"If-None-Match": cached.etag} if cached else None
        response, body = await self.http.request("GET", path, params=params, headers=headers)
        if response.status_code == 304:
            if cached is None:
                raise UnreadableAnswer(
                    f"GET /{path.lstrip('/')} answered 304 Not Modified to a request that "
                    "named no ETag; try again later",
                    account=self.http.account,
                    status=304,
                )
            self.not_modified += 1
            return response, cached.body
        etag = response.headers.get("ETag")
        if etag and body is not None:
            self.cache.put(key, etag, body)
        elif cached is not None:
            self.cache.forget(key)
        return response, body

    # --- records -----------------------------------------------------------------------------

    async def list_records(self) -> list[Record]:
        """Every record of the app (all pages, each record once)."""
        return [record async for record in self.iter_records()]

    async def iter_records(self) -> AsyncIterator[Record]:
        """Records page by page, each once (`iter_record_rows`, as models; a list item that is
        not an object is passed over)."""
        async for row in self.iter_record_rows():
            if isinstance(row, dict):
                yield Record.model_validate(row)

    async def iter_record_rows(self) -> AsyncIterator[Row]:
        """Records page by page as the API's JSON rows, each record once even if a page boundary
        moved meanwhile.

        The docs show `GET /records` answering the whole list at once. Should the server split it,
        the standard `Link: <...>; rel="next"` header is followed; a page that repeats a record
        already read (a record added at the top shifts the pages) does not yield it twice.
        """
        seen: set[str] = set()
        path, params = "records", None
        visited: set[str] = set()
        while True:
            response, rows = await self._conditional(path, params)
            for row in unseen(_rows(rows, "records", self.http.account), seen, row_id):
                yield row
            following = _next_link(response, self.http.base_url)
            if following is None or following in visited:
                return
            visited.add(following)
            path, params = following, None

    async def get_record(self, record_id: str) -> Record:
        return Record.model_validate(await self._get(f"records/{record_id}"))

    async def create_record(
        self,
        *,
        feedback: str | None = None,
        feedback_type: str | None = None,
        user: NewUser | None = None,
        device: NewDevice | None = None,
        app_version: NewAppVersion | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, bytes] | None = None,
        date: datetime | None = None,
        client: NewClient | None = None,
    ) -> Record:
        """Creates a record (feedback in the app's inbox) and returns it as stored.

        `files` maps a reference ("screenshot", "crash_log") to the file's bytes, sent base64 as the
        docs ask; `date` is when the record was made on the device (naive means UTC).
        """
        body: dict[str, Any] = {"client": dict(client or WORKBENCH_CLIENT)}
        if feedback is not None or feedback_type is not None:
            body["feedback"] = {
                k: v for k, v in {"feedback": feedback, "type": feedback_type}.items() if v
            }
        for name, value in (("user", user), ("device", device), ("app_version", app_version)):
            if value:
                body[name] = dict(value)
        if data:
            body["data"] = dict(data)
        if files:
            body["file"] = {
                ref: base64.b64encode(raw).decode("ascii") for ref, raw in files.items()
            }
        if date is not None:
            moment = date if date.tzinfo else date.replace(tzinfo=UTC)
            body["date"] = moment.strftime(CREATE_DATE_FORMAT)
        response, answer = await self.http.request("POST", "records", json=body)
        if isinstance(answer, dict) and len(answer) > 1:
            return Record.model_validate(answer)
        # The docs' prose says the answer is "the id of the created record": read it back then.
        record_id = _created_id(answer, response)
        return await self.get_record(record_id)

    async def toggle_archive(self, record_id: str) -> None:
        """Archives the record if it is not archived, un-archives it otherwise (204)."""
        await self.http.request("PUT", f"records/{record_id}/toggle_archive")

    async def set_archived(self, record_id: str, archived: bool) -> Record:
        """Brings the record to the wanted archived state; the API only offers a toggle."""
        record = await self.get_record(record_id)
        if record.archived != archived:
            await self.toggle_archive(record_id)
            record = await self.get_record(record_id)
        return record

    # --- surveys -----------------------------------------------------------------------------

    async def list_surveys(self, **query: Unpack[SurveyQuery]) -> list[Survey]:
        """Surveys tagged with all of `tags`; only active (True) or inactive (False) ones."""
        rows = await self.survey_rows(**query)
        return [Survey.model_validate(row) for row in rows if isinstance(row, dict)]

    async def survey_rows(
        self,
        *,
        tags: Iterable[str] | None = None,
        active: bool | None = None,
        limit: int | None = None,
    ) -> list[Row]:
        """`list_surveys` as the API's JSON rows."""
        params: dict[str, str] = {}
        tag_list = [t for t in (tags or ()) if t]
        if tag_list:
            params["tags"] = ",".join(tag_list)
        if active is True:
            params["active"] = "1"
        elif active is False:
            params["inactive"] = "1"
        if limit is not None:
            if limit < 1:
                raise ValueError(f"limit must be at least 1, not {limit}")
            params["limit"] = str(limit)
        body = await self._get("surveys", params or None)
        return _rows(body, "surveys", self.http.account)

    async def get_survey(self, survey_id: str) -> Survey:
        """One survey with its questions and the answer counts per question and choice."""
        return Survey.model_validate(await self.survey_row(survey_id))

    async def survey_row(self, survey_id: str) -> dict[str, Any]:
        """`get_survey` as the API's JSON object; any other answer is the server's failure."""
        body = await self._get(f"surveys/{survey_id}")
        if not isinstance(body, dict):
            found = "an empty body" if body is None else f"a {type(body).__name__}"
            raise UnreadableAnswer(
                f"GET /surveys/{survey_id} answered in an unexpected shape: {found} where the "
                "docs promise a survey object; the platform may be failing; try again later",
                account=self.http.account,
            )
        return body

    async def deactivate_survey(self, survey_id: str) -> None:
        """Stops the survey from taking submissions (204).

        The docs' heading says `PUT /surveys/{id}`, their example `PUT /surveys/{id}/deactivate`;
        the example names the action, so it is what we send.
        """
        await self.http.request("PUT", f"surveys/{survey_id}/deactivate")


def _rows(body: Any, key: str, account: str | None = None) -> list[Row]:
    """A list answer: a bare array (records) or an object holding it under `key` (surveys),
    every item as it came (one that is not an object is the reader's to pass over or reject).

    Anything else (an object without `key`, `{"error": ...}`, an empty body) is the server's
    failure, never an empty list: an empty list would make a full sync remove every row."""
    rows = body.get(key) if isinstance(body, dict) else body
    if not isinstance(rows, list):
        if isinstance(body, dict):
            keys = ", ".join(sorted(str(k) for k in body)[:5]) or "no keys"
            found = f"an object ({keys})"
        else:
            found = "an empty body" if body is None else f"a {type(body).__name__}"
        raise UnreadableAnswer(
            f"GET /{key} answered in an unexpected shape: {found} where the docs promise a "
            f"list of {key}; the platform may be failing; try again later",
            account=account,
        )
    return list(rows)


def _next_link(response: httpx.Response, base_url: str) -> str | None:
    """The `rel="next"` link as a path relative to the API's base URL, or None."""
    following = response.links.get("next", {}).get("url")
    if not following:
        return None
    base = urlsplit(base_url)
    target = urlsplit(str(response.url.join(following)))
    if (target.scheme, target.netloc) != (base.scheme, base.netloc):
        return None  # never send the token to another host
    relative = target.path[len(base.path) :] if target.path.startswith(base.path) else target.path
    return relative.lstrip("/") + (f"?{target.query}" if target.query else "")


def _created_id(answer: Any, response: httpx.Response) -> str:
    if isinstance(answer, dict) and answer.get("id") is not None:
        return str(answer["id"])
    if isinstance(answer, str | int) and str(answer):
        return str(answer)
    location = response.headers.get("Location")
    if location:
        return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    raise UnreadableAnswer("POST /records answered without the id of the created record")


__all__ = ["ApptentiveClient", "CachedAnswer", "ConditionalCache"]
