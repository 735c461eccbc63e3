"""The Wootric CXI API (https://cxi-api.wootric.com), as the sandbox serves it at `/cxi`.

It follows `api-docs/wootric-cxi.txt` to the letter, quirks included: every call but the
onboarding ones answers 424 until the account is onboarded; `/v1/responses` caps at page 30 of 50
with no date filter, so a full copy reads each import; a fresh upload answers `response_count: 0`
and `sample_analyzed: false` while its rows are already listed; deletes answer 200 (tags) and
202 (imports) with empty bodies; exports answer 201 with an empty body.

Where the docs are silent the sandbox behaves as a Rails API with Grape parameter validation and
Doorkeeper tokens would, and says so here:

- Auth: a Doorkeeper token from Wootric's `/oauth/token` whose subject is a CXI account, as
  `Authorization: Bearer` or the legacy `access_token` parameter; otherwise 401
  `{"error": "invalid_token", "error_description": ...}` with a `WWW-Authenticate` header.
  There is no rate limit: the docs document no `X-Rate-Limit-*` headers for CXI.
- Order of checks: 401, then 424, then parameters (400), then the record (404), then
  validation (422).
- Parameters (Grape): `page` 1-30 and `per_page` 1-50, else 400 `{"error": "page does not have a
  valid value"}` (the Wootric wording); a non-integer is `"page is invalid"`; an unknown `sort`,
  `sort_order` or `export_type` is 400 the same way; a missing `tag`/`project`/`import` hash or
  `file` is 400 `"<name> is missing"`.
- Records: an id of another account or of nothing answers 404
  `{"message": "Couldn't find Import with 'id'=7"}`; an unknown path answers 404 JSON and a known
  path with another method 405 JSON, since "all HTTP responses (including errors) are in JSON".
- Validation (Rails): 422 `{"message": ..., "errors": [...]}`. For CSV uploads each error names
  its row (the header is row 1, as a spreadsheet counts) and column; files of 10 MB or more are
  422 too. Creates answer 201 (`render status: :created`).
- Onboarding: once `onboarded` is true, PUT answers 422; `onboarded=true` needs a product category
  first. Completing creates the drafted project, and the drafted import (empty, analyzed). A
  category brings its smart tags (`cxi_data.CATEGORY_TAGS`).
- Uploads: `feedback_date` without an offset is UTC; the import's name is the file's name; other
  columns become string custom properties (blank cells are left out). The background analysis
  (smart tags, text-match tags, sentiment, counter cache) finishes `ANALYSIS_SECONDS` of sandbox
  time after the upload; until then rows show `tags: []` and `sentiment: null`.
- Tags: names are upper-cased and unique per account; a parent's stats count responses tagged
  with it or a child; `search` is a case-insensitive substring of the name; in the hierarchy a
  parent is listed when it or a child matches; pagination applies to top-level tags (or to all
  tags when `flat=true`, each with `children: []`). Changing a text-match tag's terms or rules
  recomputes its responses from the terms.
- Tags: `tag[enabled]` (the tag object's documented `enabled`, which no parameter table lists)
  is accepted on create and update, as Rails strong parameters permitting it would.
- Exports: one in progress per account; it is ready `EXPORT_SECONDS` of sandbox time later;
  another request meanwhile answers 422.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl

import numpy as np
import polars as pl
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, wootric_account
from workbench.sandbox.cxi_data import (
    METRIC_TYPES,
    PRODUCT_CATEGORIES,
    PROPERTY_KEYS,
    CsvRejected,
    CxiAccountData,
    CxiExport,
    CxiImport,
    CxiProject,
    CxiTag,
    GenerationPlan,
    IdSequences,
    Onboarding,
    TagStats,
    add_smart_tags,
    category_tags,
    generate_responses,
    mention_sentiment,
    mention_sentiment_expr,
    parse_feedback_csv,
    responses_from_csv,
    seed_demo_account,
)
from workbench.sandbox.web import answer, empty, truthy
from workbench.sandbox.world import World

SEED_OFFSET = 0xC0C51
"""Added to the world's seed, so the CXI data does not echo the NPS data's draws."""
ONBOARDING_MESSAGE = "Please complete the onboarding flow first."
ANALYSIS_SECONDS = 30.0
EXPORT_SECONDS = 300.0
MAX_PAGE = 30
MAX_PER_PAGE = 50
DEFAULT_PER_PAGE = 25
MAX_TEXT_MATCH_TERMS = 100
TAG_SORTS = ("name_asc", "name_desc", "responses_asc")
EXPORT_TYPES = ("responses", "users")
TABLES = ("responses", "imports", "tags", "projects", "exports")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

Json = dict[str, Any]
Handler = Callable[[CxiAccountData, "RequestParams", dict[str, Any]], Response]


def _demo_size(responses: int) -> int:
    return max(2_000, responses // 4)


# --- parameters ---------------------------------------------------------------------------------


class ParamsError(ValueError):
    """The request body could not be read (e.g. a multipart part over Starlette's limits)."""


@dataclass
class RequestParams:
    """Query, form, multipart and JSON parameters, keeping repeated and bracketed names.

    `web.params()` keeps one value per name, but CXI sends arrays as `tag[text_match_terms][]`
    and `import[tag_names][0]`, and CSVs as multipart files, so the CXI layer reads its own.
    """

    pairs: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        found = [v for k, v in self.pairs if k == name]
        return found[-1] if found else None

    def has_group(self, name: str) -> bool:
        return any(k == name or k.startswith(f"{name}[") for k, _ in self.pairs) or (
            name in self.files
        )

    def array(self, name: str) -> list[str] | None:
        """`name[]=a&name[]=b` or `name[0]=a&name[1]=b` (or one plain `name=a`); None if absent."""
        indexed: list[tuple[int, int, str]] = []
        for position, (key, value) in enumerate(self.pairs):
            if key == f"{name}[]" or key == name:
                indexed.append((-1, position, value))
            elif (
                key.startswith(f"{name}[")
                and key.endswith("]")
                and key[len(name) + 1 : -1].isdigit()
            ):
                indexed.append((int(key[len(name) + 1 : -1]), position, value))
        if not indexed:
            return None
        return [value for _, _, value in sorted(indexed)]

    def nested(self, name: str) -> dict[str, Any]:
        """`name[a][b]=1&name[c][]=2` -> `{"a": {"b": "1"}, "c": ["2"]}`."""
        tree: dict[str, Any] = {}
        for key, value in self.pairs:
            if not key.startswith(f"{name}["):
                continue
            parts = key[len(name) + 1 : -1].split("][") if key.endswith("]") else []
            if not parts or not parts[0]:
                continue
            node = tree
            for part, following in zip(parts, [*parts[1:], None], strict=True):
                if following is None:
                    node[part] = value
                elif following == "":
                    node.setdefault(part, [])
                    if isinstance(node[part], list):
                        node[part].append(value)
                    break
                else:
                    child = node.setdefault(part, {})
                    if not isinstance(child, dict):
                        break
                    node = child
        return tree


async def read_params(request: Request) -> RequestParams:
    params = RequestParams(pairs=list(request.query_params.multi_items()))
    content_type = request.headers.get("content-type", "")
    if not content_type:
        body = await request.body()
        if body:  # curl -X GET ... -d "a=b" without a content type still means a form
            params.pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return params
    if "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type:
        try:
            form = await request.form()
        except HTTPException as exc:
            raise ParamsError(str(exc.detail)) from None
        for key, value in form.multi_items():
            if isinstance(value, str):
                params.pairs.append((key, value))
            else:
                params.files[key] = (value.filename or "", await value.read())
                await value.close()
    elif "application/json" in content_type:
        body = await request.body()
        try:
            data = json.loads(body) if body else {}
        except json.JSONDecodeError:
            raise ParamsError("the JSON body could not be parsed") from None
        if isinstance(data, dict):
            params.pairs += _flatten(data)
    return params


def _flatten(value: Any, name: str = "") -> list[tuple[str, str]]:
    """A JSON body as the form pairs Rails would see: `{"t": {"terms": ["a"]}}` -> `t[terms][]`."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += _flatten(item, f"{name}[{key}]" if name else str(key))
        return pairs
    if isinstance(value, list):
        pairs = []
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                pairs += _flatten(item, f"{name}[{index}]")
            else:
                pairs += _flatten(item, f"{name}[]")
        return pairs
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    return [(name, "" if value is None else str(value))]


# --- answers ------------------------------------------------------------------------------------


class Refusal(Exception):
    """An error answer raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        self.response = response


def bad_request(*messages: str) -> Refusal:
    return Refusal(answer({"error": ", ".join(messages)}, status=400))


def not_found(model: str, record_id: object) -> Refusal:
    return Refusal(answer({"message": f"Couldn't find {model} with 'id'={record_id}"}, status=404))


def invalid(*errors: tuple[str | None, str]) -> Refusal:
    """422 as Rails reports a failed validation: each (attribute, full message)."""
    listed = [{"attribute": attribute, "message": message} for attribute, message in errors]
    text = ", ".join(message for _, message in errors)
    return Refusal(answer({"message": text, "errors": listed}, status=422))


def unauthorized(description: str) -> Response:
    header = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{description}"'
    return answer(
        {"error": "invalid_token", "error_description": description},
        status=401,
        headers={"WWW-Authenticate": header},
    )


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    return int(value) if re.fullmatch(r"[+-]?[0-9]+", value) else None


def _paging(params: RequestParams) -> tuple[int, int]:
    """(offset, per_page) after Grape's checks: page 1-30, per_page 1-50."""
    problems: list[str] = []
    chosen: dict[str, int] = {}
    for name, default, maximum in (
        ("page", 1, MAX_PAGE),
        ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    ):
        raw = params.get(name)
        if raw is None or not raw.strip():
            chosen[name] = default
            continue
        number = _integer(raw)
        if number is None:
            problems.append(f"{name} is invalid")
        elif not 1 <= number <= maximum:
            problems.append(f"{name} does not have a valid value")
        else:
            chosen[name] = number
    if problems:
        raise bad_request(*problems)
    return (chosen["page"] - 1) * chosen["per_page"], chosen["per_page"]


def _choice(params: RequestParams, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    if raw.strip() not in allowed:
        raise bad_request(f"{name} does not have a valid value")
    return raw.strip()


# --- rendering responses -------------------------------------------------------------------------


def tag_hash(tag: CxiTag, response_sentiment: str | None) -> Json:
    """A tag as it appears inside a response, with the sentiment of that mention."""
    return {
        "id": tag.id,
        "name": tag.name,
        "display_name": tag.name,
        "description": tag.description,
        "mode": tag.mode,
        "sentiment": mention_sentiment(tag.sentiment, response_sentiment),
        "text_match_terms": list(tag.text_match_terms),
        "filter_rules": tag.filter_rules,
    }


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_responses(data: CxiAccountData, rows: pl.DataFrame) -> str:
    """The JSON array of `rows` as the API shows responses, rendered by polars.

    An import can hold tens of thousands of rows; building a dict per row and per tag costs
    seconds, so each row's JSON is assembled from polars' own struct encoding (same escaping
    and key order as `json.dumps(..., ensure_ascii=False)`) and the tag hashes, whose JSON is
    rendered once per (tag, mention sentiment).
    """
    if rows.is_empty():
        return "[]"
    sentiments = ("positive", "neutral", "negative", None)
    tag_texts = pl.DataFrame(
        [
            (tag.id, sentiment, _compact(tag_hash(tag, sentiment)))
            for tag in data.tags.values()
            for sentiment in sentiments
        ],
        schema={"tag": pl.Int64, "mention": pl.String, "text": pl.String},
        orient="row",
    )
    leanings = pl.DataFrame(
        {"tag": list(data.tags), "leaning": [t.sentiment for t in data.tags.values()]},
        schema={"tag": pl.Int64, "leaning": pl.String},
    )
    mentions = (
        rows.select(row=pl.int_range(pl.len()), tag="tag_ids", sentiment="sentiment")
        .explode("tag")
        .join(leanings, on="tag", how="inner", maintain_order="left")  # deleted tags drop out
        .with_columns(mention=mention_sentiment_expr(pl.col("leaning"), pl.col("sentiment")))
        .join(tag_texts, on=["tag", "mention"], how="left", nulls_equal=True, maintain_order="left")
        .group_by("row", maintain_order=True)
        .agg(tags=pl.col("text").str.join(","))
    )
    metric = data.metric_of_import()
    head = pl.struct(
        "id",
        "project_ids",
        "feedback",
        "translated_feedback",
        "user_id",
        "feedback_date",
        "score",
        pl.col("import_id")
        .replace_strict(list(metric), list(metric.values()), default=None, return_dtype=pl.String)
        .alias("metric_type"),
        "custom_properties",
    ).struct.json_encode()
    tail = pl.struct(
        "sentiment",
        wootric_response_id=pl.lit(None, dtype=pl.Int64),
        wootric_account_id=pl.lit(data.wootric_account_id, dtype=pl.Int64),
    ).struct.json_encode()
    rendered = (
        rows.with_row_index("row")
        .with_columns(pl.col("row").cast(pl.Int64))
        .join(
            mentions.with_columns(pl.col("row").cast(pl.Int64)),
            on="row",
            how="left",
            maintain_order="left",
        )
        .select(
            pl.concat_str(
                head.str.head(-1),
                pl.lit(',"tags":['),
                pl.col("tags").fill_null(""),
                pl.lit("],"),
                tail.str.tail(-1),
            )
        )
        .to_series()
    )
    return "[" + ",".join(rendered.to_list()) + "]"


def raw_json(text: str, status: int = 200) -> Response:
    """An answer whose JSON is already rendered (see `render_responses`)."""
    return Response(text.encode(), status_code=status, media_type="application/json")


def _object_with(head: Json, key: str, rendered: str) -> str:
    """`head` as a JSON object with one more member whose value is already rendered."""
    return _compact(head)[:-1] + f',"{key}":{rendered}' + "}"


# --- the API ------------------------------------------------------------------------------------


class Cxi:
    """The CXI API's routes, its control routes and the rows of every CXI account."""

    name = "cxi"

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.RLock()
        self._ids = IdSequences()
        self.accounts: dict[str, CxiAccountData] = {}
        cxi_accounts = [a for a in WOOTRIC_ACCOUNTS if a.product == "cxi"]
        end = int(world.config.end.timestamp())
        for index, account in enumerate(cxi_accounts):
            data = CxiAccountData(account, wootric_account_id=38 + 14 * index)
            if account.onboarded:
                rng = np.random.default_rng(world.config.seed + SEED_OFFSET + index)
                seed_demo_account(data, rng, _demo_size(world.config.responses), end, self._ids)
            self.accounts[account.account_token] = data

    # -- plumbing ------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        route = self._route
        return [
            route(
                "/v1/onboarding",
                {"GET": self._get_onboarding, "PUT": self._put_onboarding},
                onboarding=True,
            ),
            route("/v1/projects", {"GET": self._list_projects, "POST": self._create_project}),
            route("/v1/projects/{project_id:int}", {"PUT": self._update_project}),
            route("/v1/tags", {"GET": self._list_tags, "POST": self._create_tag}),
            route("/v1/tags/{tag_id:int}", {"PUT": self._update_tag, "DELETE": self._delete_tag}),
            route("/v1/imports", {"GET": self._list_imports, "POST": self._create_import}),
            route(
                "/v1/imports/{import_id:int}",
                {
                    "GET": self._get_import,
                    "PUT": self._update_import,
                    "DELETE": self._delete_import,
                },
            ),
            route("/v1/responses", {"GET": self._list_responses}),
            route("/v1/exports", {"POST": self._create_export}),
            Route("/{path:path}", self._unknown_path, methods=ALL_METHODS),
        ]

    def _route(self, path: str, handlers: dict[str, Handler], *, onboarding: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            handler = handlers.get(request.method)
            if handler is None:
                return answer(
                    {"error": "405 Not Allowed"}, status=405, headers={"Allow": ", ".join(handlers)}
                )
            try:
                params = await read_params(request)
            except ParamsError as exc:
                return answer({"error": str(exc)}, status=400)
            with self._lock:
                data = self._authenticate(request, params)
                if isinstance(data, Response):
                    return data
                self._settle(data)
                if not onboarding and not data.onboarding.onboarded:
                    return answer({"message": ONBOARDING_MESSAGE}, status=424)
                try:
                    return handler(data, params, dict(request.path_params))
                except Refusal as refusal:
                    return refusal.response

        return Route(path, endpoint, methods=ALL_METHODS)

    async def _unknown_path(self, request: Request) -> Response:
        return answer({"error": "Not Found"}, status=404)

    def _authenticate(self, request: Request, params: RequestParams) -> CxiAccountData | Response:
        kind, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if kind.lower() == "bearer" and value.strip() else None
        token = token or params.get("access_token")
        if not token:
            return unauthorized("The access token is missing")
        issued = self.world.tokens.check(token)
        if issued is None:
            return unauthorized("The access token is invalid or has expired")
        account = wootric_account(issued.subject)
        data = self.accounts.get(issued.subject)
        if account is None or account.product != "cxi" or data is None:
            return unauthorized("The access token does not belong to a CXI account")
        return data

    def _settle(self, data: CxiAccountData) -> None:
        """Finish the background analyses that are due by the sandbox clock."""
        now = self.world.clock.now()
        for imported in list(data.imports.values()):
            if not imported.analyzed and imported.analyzed_at <= now:
                data.analyze_import(imported)
                imported.analyzed = True

    def _now(self) -> int:
        return int(self.world.clock.now())

    # -- JSON shapes ---------------------------------------------------------------------------

    @staticmethod
    def _tag_json(tag: CxiTag) -> Json:
        """A tag as create and update answer it: no stats, no children."""
        return {
            "id": tag.id,
            "name": tag.name,
            "display_name": tag.name,
            "description": tag.description,
            "mode": tag.mode,
            "enabled": tag.enabled,
            "scope_by_parent": tag.scope_by_parent,
            "text_match_terms": list(tag.text_match_terms),
            "filter_rules": tag.filter_rules,
        }

    def _listed_tag(
        self, tag: CxiTag, stats: TagStats | None, total: int, children: list[Json] | None
    ) -> Json:
        body = self._tag_json(tag)
        if stats is not None:
            count = stats.response_count
            body["response_count"] = count
            body["usage"] = count / total * 100 if total else 0
            body["sentiment_breakdown"] = {
                key: _percent(part, count)
                for key, part in (
                    ("positive", stats.positive),
                    ("neutral", stats.neutral),
                    ("negative", stats.negative),
                    ("null", stats.unknown),
                )
            }
        body["children"] = children or []
        return body

    def _import_json(self, data: CxiAccountData, imported: CxiImport) -> Json:
        """An import as the list shows it (no `sample_analyzed`, no rows).

        `response_count` is a counter cache the analysis refreshes, so an upload reads 0 until
        then, exactly as the docs' create and update examples show.
        """
        count = data.count_by_import().get(imported.id, 0) if imported.analyzed else 0
        return {
            "id": imported.id,
            "name": imported.name,
            "source": imported.source,
            "metric_type": imported.metric_type,
            "language": imported.language,
            "secondary_product_category_id": imported.secondary_product_category_id,
            "response_count": count,
            "created_at": imported.created_at,
        }

    def _import_detail(
        self, data: CxiAccountData, imported: CxiImport, status: int = 200
    ) -> Response:
        """Detail, create and update answer the import with `sample_analyzed` and every row."""
        head = {**self._import_json(data, imported), "sample_analyzed": imported.analyzed}
        rows = render_responses(data, data.import_responses(imported.id))
        return raw_json(_object_with(head, "responses", rows), status)

    def _project_json(self, data: CxiAccountData, project: CxiProject) -> Json:
        return {
            "id": project.id,
            "name": project.name,
            "response_count": data.count_by_project().get(project.id, 0),
            "created_at": project.created_at,
        }

    def _export_json(self, export: CxiExport) -> Json:
        ready = export.ready_at <= self._now()
        return {
            "id": export.id,
            "export_type": export.export_type,
            "status": "completed" if ready else "in_progress",
            "created_at": export.created_at,
            "completed_at": export.ready_at if ready else None,
        }

    # -- onboarding ----------------------------------------------------------------------------

    def _onboarding_json(self, data: CxiAccountData) -> Json:
        state = data.onboarding
        if state.onboarded:
            return {"onboarded": True, "mode": "full"}
        body: Json = {
            "onboarded": False,
            "mode": "full",
            "product_category_id": state.product_category_id,
            "product_categories": [{"id": i, "name": n} for i, n in PRODUCT_CATEGORIES],
            "tags": [
                {
                    "id": tag.id,
                    "mode": tag.mode,
                    "name": tag.name,
                    "response_ids": data.response_ids_with_tag(tag.id),
                }
                for tag in (data.tags.get(i) for i in state.category_tag_ids)
                if tag is not None
            ],
        }
        if state.product_category_id is not None or state.project_name is not None:
            body["project"] = {"name": state.project_name, "responses": []}
        if state.import_draft is not None:
            draft = state.import_draft
            body["import"] = {
                "name": draft.get("name"),
                "source": draft.get("source"),
                "metric_type": draft.get("metric_type"),
                "sample_analyzed": True,
            }
        return body

    def _get_onboarding(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        return answer(self._onboarding_json(data))

    def _put_onboarding(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        state = data.onboarding
        if state.onboarded:
            raise invalid((None, "The onboarding flow has already been completed"))
        category = params.get("product_category_id")
        category_id = None
        if category is not None:
            category_id = _integer(category)
            if category_id is None:
                raise bad_request("product_category_id is invalid")
            if category_id not in dict(PRODUCT_CATEGORIES):
                raise invalid(("product_category", "Product category must exist"))
        finish = None
        flag = (params.get("onboarded") or "").strip().lower()
        if params.get("onboarded") is not None:
            if flag not in {"true", "false", "1", "0"}:
                raise bad_request("onboarded is invalid")
            finish = flag in {"true", "1"}
        draft = dict(state.import_draft or {})
        if params.has_group("import"):
            for key in ("name", "source", "metric_type", "language"):
                value = params.get(f"import[{key}]")
                if value is not None:
                    draft[key] = value.strip() or None
            if draft.get("metric_type"):
                draft["metric_type"] = draft["metric_type"].lower()
                if draft["metric_type"] not in METRIC_TYPES:
                    raise invalid(("metric_type", "Metric type is not included in the list"))
        if finish and category_id is None and state.product_category_id is None:
            raise invalid(("product_category", "Please choose a product category first"))

        if category_id is not None and category_id != state.product_category_id:
            self._choose_category(data, category_id)
        if params.get("project[name]") is not None:
            state.project_name = (params.get("project[name]") or "").strip() or None
        if params.has_group("import"):
            state.import_draft = draft
        if finish:
            self._complete_onboarding(data)
        return answer(self._onboarding_json(data))

    def _choose_category(self, data: CxiAccountData, category_id: int) -> None:
        """Bring the category's smart tags; unused ones of a category chosen before go away."""
        state = data.onboarding
        wanted = {spec.name for spec in category_tags(category_id)}
        for tag_id in state.category_tag_ids:
            tag = data.tags.get(tag_id)
            if tag and tag.name not in wanted and not data.response_ids_with_tag(tag_id):
                del data.tags[tag_id]
        state.category_tag_ids = add_smart_tags(data, category_tags(category_id), self._ids)
        state.product_category_id = category_id
        data.changed()

    def _complete_onboarding(self, data: CxiAccountData) -> None:
        state = data.onboarding
        now = self._now()
        if state.project_name:
            project = CxiProject(self._ids.take("projects"), state.project_name, now)
            data.projects[project.id] = project
        if state.import_draft is not None:
            draft = state.import_draft
            imported = CxiImport(
                id=self._ids.take("imports"),
                name=draft.get("name") or "onboarding.csv",
                source=draft.get("source"),
                metric_type=draft.get("metric_type"),
                language=draft.get("language") or "en",
                created_at=now,
                analyzed_at=now,
            )
            data.imports[imported.id] = imported
        state.onboarded = True
        data.changed()

    # -- projects ------------------------------------------------------------------------------

    def _list_projects(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        return answer(
            [
                self._project_json(data, p)
                for p in sorted(data.projects.values(), key=lambda p: p.id)
            ]
        )

    def _project_name(self, params: RequestParams) -> str:
        if not params.has_group("project"):
            raise bad_request("project is missing")
        name = (params.get("project[name]") or "").strip()
        if not name:
            raise invalid(("name", "Name can't be blank"))
        return name

    def _create_project(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        project = CxiProject(self._ids.take("projects"), self._project_name(params), self._now())
        data.projects[project.id] = project
        return answer(self._project_json(data, project), status=201)

    def _update_project(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        project = data.projects.get(path["project_id"])
        if project is None:
            raise not_found("Project", path["project_id"])
        project.name = self._project_name(params)
        return answer(self._project_json(data, project))

    # -- tags ----------------------------------------------------------------------------------

    def _list_tags(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        offset, per_page = _paging(params)
        sort = _choice(params, "sort", TAG_SORTS)
        search = (params.get("search") or "").strip().lower()
        with_stats = not truthy(params.get("no_stats"))
        stats = data.tag_stats()
        total = data.responses.height
        tags = [
            t for t in data.tags.values() if t.enabled or not truthy(params.get("exclude_disabled"))
        ]

        def count(tag: CxiTag) -> int:
            found = stats.get(tag.id)
            return found.response_count if found else 0

        def ordered(chosen: list[CxiTag]) -> list[CxiTag]:
            if sort == "name_asc":
                return sorted(chosen, key=lambda t: (t.name, t.id))
            if sort == "name_desc":
                return sorted(chosen, key=lambda t: (t.name, t.id), reverse=True)
            if sort == "responses_asc":
                return sorted(chosen, key=lambda t: (count(t), t.id))
            return sorted(chosen, key=lambda t: (-count(t), t.id))

        def matches(tag: CxiTag) -> bool:
            return not search or search in tag.name.lower()

        def listed(tag: CxiTag, children: list[Json] | None = None) -> Json:
            empty_stats = TagStats(0, 0, 0, 0, 0)
            tag_stats = stats.get(tag.id, empty_stats) if with_stats else None
            return self._listed_tag(tag, tag_stats, total, children)

        if truthy(params.get("flat")):
            page = ordered([t for t in tags if matches(t)])[offset : offset + per_page]
            return answer([listed(t) for t in page])
        present = {t.id for t in tags}
        children_of: dict[int, list[CxiTag]] = {}
        for tag in tags:
            if tag.parent_id is not None and tag.parent_id in present:
                children_of.setdefault(tag.parent_id, []).append(tag)
        top = [t for t in tags if t.parent_id is None or t.parent_id not in present]
        shown: list[tuple[CxiTag, list[CxiTag]]] = []
        for tag in ordered(top):
            kids = children_of.get(tag.id, [])
            visible = kids if matches(tag) else [k for k in kids if matches(k)]
            if matches(tag) or visible:
                shown.append((tag, ordered(visible)))
        page_of_tags = shown[offset : offset + per_page]
        return answer([listed(t, [listed(k) for k in kids]) for t, kids in page_of_tags])

    def _tag_fields(self, data: CxiAccountData, params: RequestParams, tag: CxiTag | None) -> Json:
        """The validated changes a create (tag is None) or an update asks for."""
        if not params.has_group("tag"):
            raise bad_request("tag is missing")
        errors: list[tuple[str | None, str]] = []
        changes: Json = {}
        name = params.get("tag[name]")
        if name is not None or tag is None:
            upper = (name or "").strip().upper()
            if not upper:
                errors.append(("name", "Name can't be blank"))
            elif any(t.name == upper and t is not tag for t in data.tags.values()):
                errors.append(("name", "Name has already been taken"))
            changes["name"] = upper
        mode = params.get("tag[mode]")
        if mode is not None or tag is None:
            chosen = (mode or "manual").strip().lower()
            if tag is not None and tag.mode == "smart" and chosen != "smart":
                errors.append(("mode", "Mode of a smart tag cannot be changed"))
            elif chosen not in ("manual", "text_match") and not (tag and tag.mode == chosen):
                errors.append(("mode", "Mode must be manual or text_match"))
            changes["mode"] = chosen
        description = params.get("tag[description]")
        if description is not None:
            changes["description"] = description.strip() or None
        terms = params.array("tag[text_match_terms]")
        if terms is not None:
            terms = [t.strip() for t in terms if t.strip()]
            if len(terms) > MAX_TEXT_MATCH_TERMS:
                errors.append(
                    ("text_match_terms", "Text match terms is too long (maximum is 100 terms)")
                )
            changes["text_match_terms"] = terms
        if params.has_group("tag[filter_rules]"):
            changes["filter_rules"] = params.nested("tag[filter_rules]")
        parent = params.get("tag[parent_id]")
        if parent is not None:
            changes["parent_id"] = self._parent_id(data, parent, tag, errors)
        enabled = params.get("tag[enabled]")
        if enabled is not None:  # the tag object's `enabled`, permitted as Rails would
            changes["enabled"] = truthy(enabled)
        final_mode = changes.get("mode", tag.mode if tag else "manual")
        final_terms = changes.get("text_match_terms", tag.text_match_terms if tag else [])
        if final_mode == "text_match" and not final_terms:
            errors.append(
                ("text_match_terms", "Text match terms can't be blank for a text_match tag")
            )
        if final_mode != "text_match":
            changes["text_match_terms"] = []  # "only applies to text-match tags"
        if errors:
            raise invalid(*errors)
        return changes

    @staticmethod
    def _parent_id(
        data: CxiAccountData, raw: str, tag: CxiTag | None, errors: list[tuple[str | None, str]]
    ) -> int | None:
        if not raw.strip():
            return None
        parent_id = _integer(raw)
        parent = data.tags.get(parent_id) if parent_id is not None else None
        if parent is None:
            errors.append(("parent", "Parent must exist"))
        elif tag is not None and parent.id == tag.id:
            errors.append(("parent", "Parent can't be the tag itself"))
        elif parent.parent_id is not None:
            errors.append(("parent", "Parent must be a top-level tag"))
        elif tag is not None and any(t.parent_id == tag.id for t in data.tags.values()):
            errors.append(("parent", "A tag with children cannot have a parent"))
        return parent_id

    def _create_tag(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        changes = self._tag_fields(data, params, None)
        tag = CxiTag(
            id=self._ids.take("tags"),
            name=changes.pop("name"),
            mode=changes.pop("mode"),
            scope_by_parent=False,
        )
        for key, value in changes.items():
            setattr(tag, key, value)
        data.tags[tag.id] = tag
        data.apply_text_match(tag)
        data.changed()
        return answer(self._tag_json(tag), status=201)

    def _update_tag(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        tag = data.tags.get(path["tag_id"])
        if tag is None:
            raise not_found("Tag", path["tag_id"])
        changes = self._tag_fields(data, params, tag)
        matching = ("mode", "text_match_terms", "filter_rules")
        rematch = any(key in changes and changes[key] != getattr(tag, key) for key in matching)
        for key, value in changes.items():
            setattr(tag, key, value)
        if rematch and tag.mode == "text_match":
            data.untag_everywhere(tag.id)
            data.apply_text_match(tag)
        data.changed()
        return answer(self._tag_json(tag))

    def _delete_tag(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        tag = data.tags.pop(path["tag_id"], None)
        if tag is None:
            raise not_found("Tag", path["tag_id"])
        for child in data.tags.values():
            if child.parent_id == tag.id:
                child.parent_id = None
        data.onboarding.category_tag_ids = [
            i for i in data.onboarding.category_tag_ids if i != tag.id
        ]
        data.untag_everywhere(tag.id)
        return empty(200)

    # -- imports -------------------------------------------------------------------------------

    def _list_imports(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        offset, per_page = _paging(params)
        newest_first = sorted(
            data.imports.values(), key=lambda i: (i.created_at, i.id), reverse=True
        )
        page = newest_first[offset : offset + per_page]
        return answer([self._import_json(data, i) for i in page])

    def _find_import(self, data: CxiAccountData, path: Json) -> CxiImport:
        imported = data.imports.get(path["import_id"])
        if imported is None:
            raise not_found("Import", path["import_id"])
        return imported

    def _get_import(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        return self._import_detail(data, self._find_import(data, path))

    def _create_import(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        upload = params.files.get("file")
        if upload is None:
            raise bad_request(
                "file is invalid" if params.get("file") is not None else "file is missing"
            )
        filename, raw = upload
        try:
            parsed = parse_feedback_csv(raw)
        except CsvRejected as rejected:
            return answer(
                {"message": str(rejected), "errors": [p.as_json() for p in rejected.problems]},
                status=422,
            )
        now = self.world.clock.now()
        imported = CxiImport(
            id=self._ids.take("imports"),
            name=filename.replace("\\", "/").rsplit("/", 1)[-1] or "import.csv",
            source=None,
            metric_type=None,
            language="en",
            created_at=int(now),
            analyzed_at=now + ANALYSIS_SECONDS,
            analyzed=False,
        )
        data.imports[imported.id] = imported
        first_id = self._ids.take("responses", len(parsed))
        data.add_responses(responses_from_csv(parsed, first_id, imported.id))
        return self._import_detail(data, imported, status=201)

    def _update_import(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        imported = self._find_import(data, path)
        if not params.has_group("import"):
            raise bad_request("import is missing")
        errors: list[tuple[str | None, str]] = []
        changes: Json = {}
        for key in ("name", "source", "language"):
            value = params.get(f"import[{key}]")
            if value is not None:
                changes[key] = value.strip() or None
        if changes.get("language", "x") is None:
            changes["language"] = "en"
        if changes.get("name", "x") is None:
            errors.append(("name", "Name can't be blank"))
        metric = params.get("import[metric_type]")
        if metric is not None:
            changes["metric_type"] = metric.strip().lower() or None
            if changes["metric_type"] not in (*METRIC_TYPES, None):
                errors.append(("metric_type", "Metric type is not included in the list"))
        secondary = params.get("import[secondary_product_category_id]")
        if secondary is not None:
            secondary_id = _integer(secondary) if secondary.strip() else None
            if secondary.strip() and secondary_id not in dict(PRODUCT_CATEGORIES):
                errors.append(
                    ("secondary_product_category", "Secondary product category must exist")
                )
            changes["secondary_product_category_id"] = secondary_id
        tag_ids = self._named_tags(data, params.array("import[tag_names]") or [], errors)
        project_ids = self._known_projects(data, params.array("import[project_ids]") or [], errors)
        if errors:
            raise invalid(*errors)
        for key, value in changes.items():
            setattr(imported, key, value)
        data.label_import(imported.id, tag_ids, project_ids)
        return self._import_detail(data, imported)

    @staticmethod
    def _named_tags(
        data: CxiAccountData, names: list[str], errors: list[tuple[str | None, str]]
    ) -> list[int]:
        found, unknown = [], []
        for name in (n for n in names if n.strip()):
            tag = data.tag_by_name(name)
            if tag is None:
                unknown.append(name.strip())
            else:
                found.append(tag.id)
        if unknown:
            errors.append(
                ("tag_names", f"Tag names contain tags that do not exist: {', '.join(unknown)}")
            )
        return found

    @staticmethod
    def _known_projects(
        data: CxiAccountData, raw_ids: list[str], errors: list[tuple[str | None, str]]
    ) -> list[int]:
        found, unknown = [], []
        for raw in (r for r in raw_ids if r.strip()):
            project_id = _integer(raw)
            if project_id is None or project_id not in data.projects:
                unknown.append(raw.strip())
            else:
                found.append(project_id)
        if unknown:
            errors.append(
                (
                    "project_ids",
                    f"Project ids contain projects that do not exist: {', '.join(unknown)}",
                )
            )
        return found

    def _delete_import(self, data: CxiAccountData, params: RequestParams, path: Json) -> Response:
        imported = self._find_import(data, path)
        data.delete_import(imported.id)
        return empty(202)

    # -- responses and exports -----------------------------------------------------------------

    def _list_responses(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        offset, per_page = _paging(params)
        descending = (_choice(params, "sort_order", ("asc", "desc")) or "desc") == "desc"
        rows = data.responses
        total = rows.height
        if descending:
            stop = max(total - offset, 0)
            start = max(stop - per_page, 0)
            page = rows.slice(start, stop - start).reverse()
        else:
            page = rows.slice(offset, per_page)
        return raw_json(_object_with({"total_count": total}, "items", render_responses(data, page)))

    def _create_export(self, data: CxiAccountData, params: RequestParams, _: Json) -> Response:
        export_type = _choice(params, "export_type", EXPORT_TYPES) or "responses"
        now = self._now()
        if any(e.ready_at > now for e in data.exports):
            raise invalid(
                (
                    None,
                    "An export is already in progress; wait for its email before requesting "
                    "another one",
                )
            )
        export = CxiExport(self._ids.take("exports"), export_type, now, now + int(EXPORT_SECONDS))
        data.exports.append(export)
        return empty(201)

    # -- control routes (tests) ----------------------------------------------------------------

    def control_routes(self) -> list[BaseRoute]:
        return [
            Route("/{account_token}/{table}/ids", self._control_ids, methods=["GET"]),
            Route("/{account_token}/imports", self._control_add_import, methods=["POST"]),
            Route("/{account_token}/onboarding/reset", self._control_reset, methods=["POST"]),
        ]

    def _control_account(self, request: Request) -> CxiAccountData | Response:
        data = self.accounts.get(request.path_params["account_token"])
        if data is None:
            return answer({"error": "no such CXI account"}, status=404)
        return data

    async def _control_ids(self, request: Request) -> Response:
        table = request.path_params["table"]
        with self._lock:
            data = self._control_account(request)
            if isinstance(data, Response):
                return data
            if table not in TABLES:
                return answer({"error": f"unknown table; known: {', '.join(TABLES)}"}, status=404)
            self._settle(data)
            ids = {
                "responses": lambda: sorted(data.responses["id"].to_list()),
                "imports": lambda: sorted(data.imports),
                "tags": lambda: sorted(data.tags),
                "projects": lambda: sorted(data.projects),
                "exports": lambda: [e.id for e in data.exports],
            }[table]()
        return answer({"ids": ids, "count": len(ids)})

    async def _control_add_import(self, request: Request) -> Response:
        """A generated import of `count` responses (`metric_type` optional), for incremental sync.

        Its feedback dates are newer than every row the account holds and its created_at is
        after every other import's, as a fresh upload's would be.
        """
        try:
            params = await read_params(request)
        except ParamsError as exc:
            return answer({"error": str(exc)}, status=400)
        count = _integer(params.get("count"))
        if count is None or not 1 <= count <= 1_000_000:
            return answer({"error": "count must be an integer from 1 to 1000000"}, status=422)
        metric = (params.get("metric_type") or "").strip().lower() or None
        if metric is not None and metric not in METRIC_TYPES:
            return answer(
                {"error": f"metric_type must be one of {', '.join(METRIC_TYPES)}"}, status=422
            )
        with self._lock:
            data = self._control_account(request)
            if isinstance(data, Response):
                return data
            self._settle(data)
            imported = self._generated_import(data, count, metric)
            body = self._import_json(data, imported)
        return answer({**body, "sample_analyzed": True}, status=201)

    def _generated_import(self, data: CxiAccountData, count: int, metric: str | None) -> CxiImport:
        now = self._now()
        import_id = self._ids.take("imports")
        metric = metric or METRIC_TYPES[import_id % len(METRIC_TYPES)]
        newest = (
            int(cast("int | None", data.responses["feedback_date"].max()) or 0)
            if data.responses.height
            else 0
        )
        start = max(newest + 1, now - 7 * 86_400)
        created_at = max([now, *(i.created_at + 1 for i in data.imports.values())])
        imported = CxiImport(
            id=import_id,
            name=f"generated-{import_id}.csv",
            source="Sandbox",
            metric_type=metric,
            language="en",
            created_at=created_at,
            analyzed_at=created_at,
        )
        data.imports[imported.id] = imported
        plan = GenerationPlan(
            import_id=import_id,
            first_response_id=self._ids.take("responses", count),
            count=count,
            metric_type=metric,
            properties=PROPERTY_KEYS,
            window=(start, max(start + 1, now + 1)),
            day_dates=False,
            project_ids=(),
        )
        rng = np.random.default_rng(self.world.config.seed + SEED_OFFSET + import_id)
        smart = {t.name: t.id for t in data.tags.values() if t.mode == "smart" and t.enabled}
        data.add_responses(generate_responses(rng, plan, smart))
        for tag in list(data.tags.values()):
            data.apply_text_match(tag, within=pl.col("import_id") == import_id)
        return imported

    async def _control_reset(self, request: Request) -> Response:
        """Back to the start of the onboarding flow; the account's rows stay where they are."""
        with self._lock:
            data = self._control_account(request)
            if isinstance(data, Response):
                return data
            data.onboarding = Onboarding(onboarded=False)
            data.changed()
            return answer(self._onboarding_json(data))

    # -- ground truth --------------------------------------------------------------------------

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Every row of every CXI account as the API would answer it now.

        Responses are in import-detail shape, sorted by id; imports in list shape plus
        `sample_analyzed`; tags in list shape with stats, each on its own (children too), a
        parent also listing its children; exports as `{id, export_type, status, created_at,
        completed_at}` (the API never shows them; a person sees them as emails).
        """
        truth: dict[str, dict[str, list[dict[str, Any]]]] = {}
        with self._lock:
            for token, data in self.accounts.items():
                self._settle(data)
                stats = data.tag_stats()
                total = data.responses.height
                empty_stats = TagStats(0, 0, 0, 0, 0)
                tags = sorted(data.tags.values(), key=lambda t: t.id)
                truth[token] = {
                    "responses": json.loads(render_responses(data, data.responses.sort("id"))),
                    "imports": [
                        {**self._import_json(data, i), "sample_analyzed": i.analyzed}
                        for i in sorted(data.imports.values(), key=lambda i: i.id)
                    ],
                    "tags": [
                        self._listed_tag(
                            tag,
                            stats.get(tag.id, empty_stats),
                            total,
                            [
                                self._listed_tag(c, stats.get(c.id, empty_stats), total, None)
                                for c in tags
                                if c.parent_id == tag.id
                            ],
                        )
                        for tag in tags
                    ],
                    "projects": [
                        self._project_json(data, p)
                        for p in sorted(data.projects.values(), key=lambda p: p.id)
                    ],
                    "exports": [self._export_json(e) for e in data.exports],
                }
        return truth


def _percent(part: int, whole: int) -> float | int:
    """Two decimals, as the docs show; a zero share is written 0, as the docs' `"null": 0`."""
    if not whole or not part:
        return 0
    return round(part / whole * 100, 2)
