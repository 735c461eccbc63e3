"""Wootric CXI tables: responses, tags, imports (as surveys) and projects.

CXI lists nothing by date, so every table is read as a whole and replaces the stored one, which
also applies deletions at every sync. Responses are the costly part (each import is fetched with
all its responses), so an incremental sync does not fetch again an import it already holds with
the same number of responses: its stored responses are kept as they are. `--full` fetches them all.
An account whose onboarding is not complete answers 424 to everything; the sync says so once.

Every table reads the API's JSON rows (`CxiReader.*_rows`) straight into the normalizers, which
reject, naming the field, whatever they cannot read.
"""

from __future__ import annotations

import polars as pl

from workbench.data.normalize import Normalized
from workbench.data.normalize import cxi as normalize
from workbench.data.normalize.fields import integer
from workbench.data.schema import empty
from workbench.data.sync_tables import Plan, TableRun, TableSync
from workbench.settings import CxiAccount
from workbench.sources.cxi import CxiClient
from workbench.sources.rows import row_id

Run = TableRun[CxiClient, CxiAccount]


async def responses(run: Run) -> None:
    client = run.client
    imports = [row async for row in client.iter_import_rows()]
    # An import's metric and count as text and an integer; one of another kind is the surveys
    # table's to reject, and here only means the import is fetched again.
    metrics: dict[str, str] = {}
    counts: dict[str, int] = {}
    for row in imports:
        known = row_id(row)
        if known is not None:
            metric, count = row.get("metric_type"), integer(row.get("response_count"))
            if isinstance(metric, str):
                metrics[known] = metric
            if count is not None:
                counts[known] = count
    stored = run.store.read("responses")
    skip: set[str] = set()
    if not run.full and not stored.is_empty():
        held = dict(stored.group_by("survey_id").len().drop_nulls("survey_id").iter_rows())
        skip = {known for known, count in counts.items() if held.get(known) == count}
    parts: list[Normalized] = []
    skipped = sum(counts[known] for known in skip)
    async for batch in client.response_row_batches(skip, skipped, listed=imports):
        parts.append(
            normalize.cxi_responses(
                batch.responses,
                run.name,
                import_id=batch.import_id,
                metric_type=metrics.get(batch.import_id) if batch.import_id else None,
            )
        )
        run.summary.rows += parts[-1].frame.height
        run.event("progress")
    frames = [p.frame for p in parts]
    if skip:
        fresh_ids = pl.concat([f.select("id") for f in frames]) if frames else None
        kept = stored.filter(pl.col("survey_id").is_in(list(skip)))
        if fresh_ids is not None:
            kept = kept.filter(~pl.col("id").is_in(fresh_ids.get_column("id").implode()))
        frames.insert(0, kept)
    whole = pl.concat(frames, how="diagonal_relaxed") if frames else empty("responses")
    run.replace(Normalized(whole, [r for p in parts for r in p.rejected]))


async def tags(run: Run) -> None:
    found = [t async for t in run.client.iter_tag_rows(flat=False)]
    run.replace(normalize.cxi_tags(found, run.name))


async def imports(run: Run) -> None:
    found = [i async for i in run.client.iter_import_rows()]
    run.replace(normalize.cxi_imports(found, run.name))


async def projects(run: Run) -> None:
    run.replace(normalize.cxi_projects(await run.client.project_rows(), run.name))


TABLES: dict[str, TableSync[CxiClient, CxiAccount]] = {
    "responses": responses,
    "tags": tags,
    "surveys": imports,
    "projects": projects,
}
PLAN = Plan(CxiClient, CxiAccount, TABLES)
