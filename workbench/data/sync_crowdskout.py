"""Crowdskout tables: profiles (with their survey answers) read by id, attributes read whole.

Crowdskout has no way to list profiles: a profile is read by its id, with the collections asked
for. Its ids are sequential, in creation order, so the sync walks them in blocks from the
highest id it holds and stops after `GAP` missing ids in a row (ids of deleted profiles leave
gaps, rarely that many in a row). The cursor is the highest id read. An
incremental sync therefore sees new profiles only; changes to older profiles and deleted ones
are seen by `--full`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from workbench.data import normalize_crowdskout as normalize
from workbench.data.normalize import Normalized
from workbench.data.sync_tables import TableRun, TableSync, dump, walk
from workbench.settings import CrowdskoutAccount
from workbench.sources.crowdskout import CrowdskoutClient
from workbench.sources.paging import Batch, Window

BLOCK = 25
"""Profile ids read per block (the client reads them `concurrency` at a time)."""
GAP = 25
"""Missing ids in a row after which the walk stops: the end of the ids, not a deleted profile."""


def _client(run: TableRun) -> CrowdskoutClient:
    assert isinstance(run.client, CrowdskoutClient)
    return run.client


async def profiles(run: TableRun) -> None:
    client = _client(run)
    collections = run.account.collections if isinstance(run.account, CrowdskoutAccount) else []

    async def blocks(since: int | None) -> AsyncIterator[Batch]:
        first = max(1, since or 1)
        last_found = first - 1
        while first - last_found <= GAP:
            ids = range(first, first + BLOCK)
            found = [
                p.model_dump(mode="json", by_alias=True)
                async for p in client.iter_profiles(ids, collections, missing="skip")
            ]
            if found:
                # Done up to the last id found: ids after it may be created later, and the
                # cursor must not pass them.
                last_found = max(int(p["id"]) for p in found if p.get("id") is not None)
                yield Batch(Window(first, last_found), found, done=True)
            first += BLOCK

    def normalized(rows: list[dict]) -> Normalized:
        # The survey answers come inside the profiles: they are stored before the profiles, so
        # the cursor (which moves after the profiles are written) never passes unstored answers.
        answers = normalize.crowdskout_responses(rows, run.name)
        run.summary.rejected.extend(answers.rejected)
        run.store.append("responses", answers.frame)
        return normalize.crowdskout_end_users(rows, run.name)

    await walk(run, blocks, normalized, overlap=0)
    run.store.compact("responses")


async def attributes(run: TableRun) -> None:
    rows = dump([a async for a in _client(run).iter_attributes()])
    run.replace(normalize.crowdskout_segments(rows, run.name))


TABLES: dict[str, TableSync] = {"end_users": profiles, "segments": attributes}
