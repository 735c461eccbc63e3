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
  category brings its smart tags (`catalog.CATEGORY_TAGS`).
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

The platform is this package: this module routes and holds the onboarding, project, import,
response and export endpoints; `tags` the tag endpoints; `control` the control routes; `core`
the accounts and JSON shapes they share; `params` and `answers` read requests (as `rails.CXI`)
and write answers; `catalog`, `generate`, `uploads` and `data` are the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.accounts import wootric_account
from workbench.sandbox.cxi.answers import (
    Json,
    Refusal,
    bad_request,
    invalid,
    not_found,
    object_with,
    raw_json,
    render_responses,
    unauthorized,
)
from workbench.sandbox.cxi.catalog import (
    METRIC_TYPES,
    PRODUCT_CATEGORIES,
    CxiExport,
    CxiImport,
    CxiProject,
    category_tags,
)
from workbench.sandbox.cxi.control import ControlRoutes
from workbench.sandbox.cxi.data import CxiAccountData, add_smart_tags
from workbench.sandbox.cxi.params import ParamsError, choice, paging, read_params
from workbench.sandbox.cxi.tags import TagEndpoints
from workbench.sandbox.cxi.uploads import CsvRejected, parse_feedback_csv, responses_from_csv
from workbench.sandbox.rails import Params, strict_int
from workbench.sandbox.web import answer, empty

ONBOARDING_MESSAGE = "Please complete the onboarding flow first."
ANALYSIS_SECONDS = 30.0
EXPORT_SECONDS = 300.0
EXPORT_TYPES = ("responses", "users")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

Handler = Callable[[CxiAccountData, Params, dict[str, Any]], Response]


# --- the API ------------------------------------------------------------------------------------


class Cxi(TagEndpoints, ControlRoutes):
    """The CXI API's routes, its control routes and the rows of every CXI account."""

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

    def _authenticate(self, request: Request, params: Params) -> CxiAccountData | Response:
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

    def _get_onboarding(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        return answer(self._onboarding_json(data))

    def _put_onboarding(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        state = data.onboarding
        if state.onboarded:
            raise invalid((None, "The onboarding flow has already been completed"))
        category = params.get("product_category_id")
        category_id = None
        if category is not None:
            category_id = strict_int(category)
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

    def _list_projects(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        return answer(
            [
                self._project_json(data, p)
                for p in sorted(data.projects.values(), key=lambda p: p.id)
            ]
        )

    def _project_name(self, params: Params) -> str:
        if not params.has_group("project"):
            raise bad_request("project is missing")
        name = (params.get("project[name]") or "").strip()
        if not name:
            raise invalid(("name", "Name can't be blank"))
        return name

    def _create_project(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        project = CxiProject(self._ids.take("projects"), self._project_name(params), self._now())
        data.projects[project.id] = project
        return answer(self._project_json(data, project), status=201)

    def _update_project(self, data: CxiAccountData, params: Params, path: Json) -> Response:
        project = data.projects.get(path["project_id"])
        if project is None:
            raise not_found("Project", path["project_id"])
        project.name = self._project_name(params)
        return answer(self._project_json(data, project))

    # -- imports -------------------------------------------------------------------------------

    def _list_imports(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        offset, per_page = paging(params)
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

    def _get_import(self, data: CxiAccountData, params: Params, path: Json) -> Response:
        return self._import_detail(data, self._find_import(data, path))

    def _create_import(self, data: CxiAccountData, params: Params, _: Json) -> Response:
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

    def _update_import(self, data: CxiAccountData, params: Params, path: Json) -> Response:
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
            secondary_id = strict_int(secondary) if secondary.strip() else None
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
        def tag_id(name: str) -> int | None:
            tag = data.tag_by_name(name)
            return None if tag is None else tag.id

        return _existing(names, tag_id, "tag_names", "Tag names contain tags", errors)

    @staticmethod
    def _known_projects(
        data: CxiAccountData, raw_ids: list[str], errors: list[tuple[str | None, str]]
    ) -> list[int]:
        def project_id(raw: str) -> int | None:
            number = strict_int(raw)
            return number if number is not None and number in data.projects else None

        return _existing(raw_ids, project_id, "project_ids", "Project ids contain projects", errors)

    def _delete_import(self, data: CxiAccountData, params: Params, path: Json) -> Response:
        imported = self._find_import(data, path)
        data.delete_import(imported.id)
        return empty(202)

    # -- responses and exports -----------------------------------------------------------------

    def _list_responses(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        offset, per_page = paging(params)
        descending = (choice(params, "sort_order", ("asc", "desc")) or "desc") == "desc"
        rows = data.responses
        total = rows.height
        if descending:
            stop = max(total - offset, 0)
            start = max(stop - per_page, 0)
            page = rows.slice(start, stop - start).reverse()
        else:
            page = rows.slice(offset, per_page)
        return raw_json(object_with({"total_count": total}, "items", render_responses(data, page)))

    def _create_export(self, data: CxiAccountData, params: Params, _: Json) -> Response:
        export_type = choice(params, "export_type", EXPORT_TYPES) or "responses"
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


def _existing(
    given: list[str],
    find: Callable[[str], int | None],
    field: str,
    what: str,
    errors: list[tuple[str | None, str]],
) -> list[int]:
    """The ids of the named things that exist (blank names skipped); those that do not are
    listed in one error for `field`: "<what> that do not exist: a, b"."""
    found, unknown = [], []
    for name in (n for n in given if n.strip()):
        identifier = find(name)
        if identifier is None:
            unknown.append(name.strip())
        else:
            found.append(identifier)
    if unknown:
        errors.append((field, f"{what} that do not exist: {', '.join(unknown)}"))
    return found
