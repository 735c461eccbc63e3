"""The CXI control routes (`/_sandbox/cxi/...`): test hooks and the ground truth."""

from __future__ import annotations

import json
from typing import Any, cast

import numpy as np
import polars as pl
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.cxi.answers import render_responses
from workbench.sandbox.cxi.catalog import METRIC_TYPES, PROPERTY_KEYS, CxiImport, Onboarding
from workbench.sandbox.cxi.core import SEED_OFFSET, CxiCore
from workbench.sandbox.cxi.data import CxiAccountData, TagStats
from workbench.sandbox.cxi.generate import GenerationPlan, generate_responses
from workbench.sandbox.cxi.params import ParamsError, read_params
from workbench.sandbox.rails import strict_int
from workbench.sandbox.web import answer

TABLES = ("responses", "imports", "tags", "projects", "exports")


class ControlRoutes(CxiCore):
    """The control routes and ground truth of `Cxi`."""

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
        count = strict_int(params.get("count"))
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
