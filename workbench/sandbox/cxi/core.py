"""The state of the CXI platform (its accounts, ids and clock) and the JSON shapes of its
objects, which the endpoints, the tag endpoints and the control routes share."""

from __future__ import annotations

import threading

import numpy as np
from starlette.responses import Response

from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS
from workbench.sandbox.cxi.answers import Json, object_with, raw_json, render_responses, tag_json
from workbench.sandbox.cxi.catalog import (
    PRODUCT_CATEGORIES,
    CxiExport,
    CxiImport,
    CxiProject,
    CxiTag,
    IdSequences,
)
from workbench.sandbox.cxi.data import CxiAccountData, TagStats, seed_demo_account
from workbench.sandbox.world import World

SEED_OFFSET = 0xC0C51
"""Added to the world's seed, so the CXI data does not echo the NPS data's draws."""


def _demo_size(responses: int) -> int:
    return max(2_000, responses // 4)


class CxiCore:
    """The CXI accounts and the JSON shapes of their objects."""

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
        return tag_json(tag, enabled=tag.enabled, scope_by_parent=tag.scope_by_parent)

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
        return raw_json(object_with(head, "responses", rows), status)

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


def _percent(part: int, whole: int) -> float | int:
    """Two decimals, as the docs show; a zero share is written 0, as the docs' `"null": 0`."""
    if not whole or not part:
        return 0
    return round(part / whole * 100, 2)
