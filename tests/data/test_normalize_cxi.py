"""CXI normalizers on everything the real client reads from the served sandbox.

Each test reads through `CxiClient` over HTTP, normalizes the models' JSON as the sync does
(`model_dump(mode="json")`), and checks the frame against the sandbox's ground truth: every row
there, none rejected, and the values the docs imply (Unix seconds as UTC, the import's metric,
scores on their scale, tag names, counts from the sentiment percentages).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from tests.sources.test_cxi_client import CXI, cxi_client
from workbench.data.normalize import Normalized
from workbench.data.normalize.cxi import (
    SCALES,
    cxi_imports,
    cxi_projects,
    cxi_responses,
    cxi_tags,
)
from workbench.sandbox import ServedSandbox
from workbench.sources.cxi import CxiClient

ACCOUNT = "acme-cxi"


@pytest.fixture
async def client(shared_sandbox: ServedSandbox) -> AsyncIterator[CxiClient]:
    made = cxi_client(shared_sandbox)
    yield made
    await made.aclose()


def truth(served: ServedSandbox, table: str) -> list[dict[str, Any]]:
    return served.sandbox.ground_truth()["cxi"][CXI.account_token][table]


def dumped(models: list[Any]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models]


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def read_responses(client: CxiClient) -> Normalized:
    """Every response, batch by batch, as the sync reads them (each import's metric passed)."""
    metrics = {i.id: i.metric_type async for i in client.iter_imports()}
    frames, rejected = [], []
    async for batch in client.response_batches():
        result = cxi_responses(
            dumped(batch.responses),
            ACCOUNT,
            import_id=batch.import_id,
            metric_type=metrics.get(batch.import_id) if batch.import_id else None,
        )
        frames.append(result.frame)
        rejected += result.rejected
    return Normalized(pl.concat(frames, how="diagonal_relaxed"), rejected)


async def test_every_response_normalizes_with_its_import_metric(shared_sandbox, client) -> None:
    result = await read_responses(client)
    assert result.rejected == []
    expected = {str(r["id"]): r for r in truth(shared_sandbox, "responses")}
    frame = result.frame
    assert frame.height == len(expected) == 2_000
    assert sorted(frame["id"].to_list()) == sorted(expected)
    assert frame["created_at"].dtype == pl.Datetime("us", "UTC")

    stored = shared_sandbox.sandbox.cxi.accounts[CXI.account_token].responses
    import_of = {str(i): str(m) for i, m in zip(stored["id"], stored["import_id"], strict=True)}
    for row in frame.iter_rows(named=True):
        want = expected[row["id"]]
        assert row["survey_id"] == import_of[row["id"]]
        assert row["metric"] == (want["metric_type"] or "other")
        assert row["score"] == want["score"]
        assert row["created_at"] == utc(want["feedback_date"])  # Unix seconds are UTC
        assert row["text"] == want["feedback"]
        assert row["user_ref"] == want["user_id"]
        assert row["tags"] == [t["name"] for t in want["tags"]]
        assert row["sentiment"] == want["sentiment"]
        props = {p["key"]: p["value"] for p in want["custom_properties"]}
        assert {k: v for k, v in row["properties"].items() if v is not None} == props


async def test_scores_stay_on_their_metric_scale(client) -> None:
    frame = (await read_responses(client)).frame
    ranges = frame.group_by("metric").agg(
        low=pl.col("score").min(), high=pl.col("score").max(), n=pl.len()
    )
    seen = {r["metric"]: r for r in ranges.iter_rows(named=True)}
    assert set(seen) == {"nps", "csat", "ces", "other"}
    for metric in ("nps", "csat", "ces"):
        low, high = SCALES[metric]
        assert low <= seen[metric]["low"] < seen[metric]["high"] <= high
        assert seen[metric]["high"] == high  # happy customers reach the top of each scale
    assert 1 <= seen["other"]["low"] < seen["other"]["high"] <= 5  # star ratings in the demo


async def test_a_score_off_its_metric_scale_is_rejected_with_its_field(client) -> None:
    page = await client.list_responses(per_page=5)
    rows = dumped(page.items)
    rows[0]["score"] = 11
    rows[1]["feedback_date"] = "not a date"
    result = cxi_responses(rows, ACCOUNT, metric_type="nps")
    assert result.frame.height == 3
    assert [(r.id, r.field) for r in result.rejected] == [
        (str(rows[0]["id"]), "score"),
        (str(rows[1]["id"]), "feedback_date"),
    ]
    assert "outside 0-10" in result.rejected[0].reason


async def test_tags_keep_their_hierarchy_usage_and_sentiment_counts(shared_sandbox, client):
    result = cxi_tags(dumped([t async for t in client.iter_tags(flat=False)]), ACCOUNT)
    assert result.rejected == []
    listed = truth(shared_sandbox, "tags")
    frame = result.frame.sort("id")
    assert frame["id"].to_list() == sorted(str(t["id"]) for t in listed)

    parent_of = {str(c["id"]): t["name"] for t in listed for c in t["children"]}
    assert parent_of, "the demo account has child tags"
    stats = shared_sandbox.sandbox.cxi.accounts[CXI.account_token].tag_stats()
    by_id = {str(t["id"]): t for t in listed}
    for row in frame.iter_rows(named=True):
        want = by_id[row["id"]]
        assert row["parent"] == parent_of.get(row["id"])
        assert (row["name"], row["mode"]) == (want["name"], want["mode"])
        assert row["response_count"] == want["response_count"]
        assert row["usage"] == pytest.approx(want["usage"])
        counted = stats.get(int(row["id"]))
        exact = (counted.positive, counted.neutral, counted.negative) if counted else (0, 0, 0)
        assert (row["positive"], row["neutral"], row["negative"]) == exact
        if sum(exact) == 0:
            assert row["sentiment"] is None
        else:
            assert exact[("positive", "neutral", "negative").index(row["sentiment"])] == max(exact)


async def test_a_flat_and_a_nested_listing_together_give_each_tag_once(client) -> None:
    flat = dumped([t async for t in client.iter_tags(flat=True)])
    nested = dumped([t async for t in client.iter_tags(flat=False)])
    alone = cxi_tags(nested, ACCOUNT).frame.sort("id")
    both = cxi_tags(flat + nested, ACCOUNT).frame.sort("id")
    assert both.height == alone.height == len(flat)
    assert both["parent"].to_list() == alone["parent"].to_list()
    assert cxi_tags(flat, ACCOUNT).frame["parent"].null_count() == len(flat)  # no parent_id


async def test_imports_become_surveys_and_projects_projects(shared_sandbox, client) -> None:
    imports = cxi_imports(dumped([i async for i in client.iter_imports()]), ACCOUNT)
    assert imports.rejected == []
    want = {str(i["id"]): i for i in truth(shared_sandbox, "imports")}
    assert sorted(imports.frame["id"].to_list()) == sorted(want)
    assert len(want) == 8
    for row in imports.frame.iter_rows(named=True):
        source = want[row["id"]]
        assert row["metric"] == source["metric_type"]
        assert row["name"] == source["name"]
        assert row["source"] == source["source"]
        assert row["response_count"] == source["response_count"]
        assert row["created_at"] == utc(source["created_at"])
    assert imports.frame["response_count"].sum() == 2_000

    projects = cxi_projects(dumped(await client.list_projects()), ACCOUNT)
    assert projects.rejected == []
    expected = sorted(
        (str(p["id"]), p["name"], p["response_count"], utc(p["created_at"]))
        for p in truth(shared_sandbox, "projects")
    )
    got = sorted(projects.frame.select("id", "name", "response_count", "created_at").rows())
    assert got == expected
    assert len(got) == 3
