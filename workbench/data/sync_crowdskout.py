"""Crowdskout tables: profiles read by id, attributes read whole.

Crowdskout has no way to list profiles: a profile is read by its id, with the collections asked
for. Its ids are sequential, in creation order, so the sync walks them in blocks from the
highest id it holds and stops after `EMPTY_BLOCKS` blocks in a row without a profile (ids of
deleted profiles leave gaps, never two whole blocks). The cursor is the highest id read. An
incremental sync therefore sees new profiles only; changes to older profiles and deleted ones
are seen by `--full`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from workbench.data import normalize_crowdskout as normalize
from workbench.data.sync_tables import TableRun, TableSync, walk
from workbench.settings import CrowdskoutAccount
from workbench.sources.crowdskout import CrowdskoutClient
from workbench.sources.paging import Batch, Window

BLOCK = 200
"""Profile ids read per block (the client reads them `concurrency` at a time)."""
EMPTY_BLOCKS = 2


def _client(run: TableRun) -> CrowdskoutClient:
    assert isinstance(run.client, CrowdskoutClient)
    return run.client


async def profiles(run: TableRun) -> None:
    client = _client(run)
    collections = run.account.collections if isinstance(run.account, CrowdskoutAccount) else []

    async def blocks(since: int | None) -> AsyncIterator[Batch]:
        first = max(1, since or 1)
        empty = 0
        while empty < EMPTY_BLOCKS:
            ids = range(first, first + BLOCK)
            found = [
                p.model_dump(mode="json", by_alias=True)
                async for p in client.iter_profiles(ids, collections, missing="skip")
            ]
            if found:
                # Done up to the last id found: ids after it may be created later, and the
                # cursor must not pass them.
                last = max(int(p["id"]) for p in found if p.get("id") is not None)
                yield Batch(Window(first, last), found, done=True)
                empty = 0
            else:
                empty += 1
            first += BLOCK

    await walk(run, blocks, lambda rows: normalize.crowdskout_profiles(rows, run.name), overlap=0)


async def attributes(run: TableRun) -> None:
    rows = [a.model_dump(mode="json") async for a in _client(run).iter_attributes()]
    run.replace(normalize.crowdskout_attributes(rows, run.name))


TABLES: dict[str, TableSync] = {"end_users": profiles, "tags": attributes}
