"""Crowdskout tables: profiles (with their survey answers) read by id, attributes read whole.

Crowdskout has no way to list profiles: a profile is read by its id, with the collections asked
for. The ids come from the account's settings (`workbench.data.crowdskout_ids`): given ids are
all read on every sync, so changes to those profiles are seen, and `--full` removes stored
profiles that are no longer found. Only when asked for, the sync walks ids up from a start in
blocks from the highest id it holds, and stops after `GAP` missing ids in a row (ids of deleted
profiles leave gaps, rarely that many in a row); then an incremental sync sees new profiles only.
With no ids and no walk the sync reads no profiles and says how to give them.

Profiles and attributes come as the API's JSON rows (`iter_profile_rows`: collections beside
`id`, as Crowdskout sends them) straight into the normalizers, which reject, naming the field,
whatever they cannot read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from workbench.data.crowdskout_ids import HOW_TO_GIVE, ProfileIds, profile_ids
from workbench.data.normalize import Normalized
from workbench.data.normalize import crowdskout as normalize
from workbench.data.normalize.fields import integer
from workbench.data.sync_tables import Plan, TableRun, TableSync, walk
from workbench.settings import CrowdskoutAccount
from workbench.sources.crowdskout import CrowdskoutClient
from workbench.sources.paging import Batch, Window

BLOCK = 25
"""Profile ids read per block (the client reads them `concurrency` at a time)."""
GAP = 25
"""Missing ids in a row after which the walk stops: the end of the ids, not a deleted profile."""


Run = TableRun[CrowdskoutClient, CrowdskoutAccount]


async def profiles(run: Run) -> None:
    client = run.client
    account = run.account
    collections = account.collections
    source = profile_ids(account)
    if source is None:
        run.summary.notes.append(f"no profiles read: {HOW_TO_GIVE.format(name=run.name)}")
        return

    async def read(ids: range | list[int]) -> list[Any]:
        return [p async for p in client.iter_profile_rows(ids, collections, missing="skip")]

    async def walked(since: int | None) -> AsyncIterator[Batch]:
        first = max(source.walk_from or 1, since or 1)
        last_found = first - 1
        while first - last_found <= GAP:
            found = await read(range(first, first + BLOCK))
            numbered = [n for n in map(_profile_number, found) if n is not None]
            if numbered:
                # Done up to the last id found: ids after it may be created later, and the
                # cursor must not pass them.
                last_found = max(numbered)
                yield Batch(Window(first, last_found), found, done=True)
            elif found:  # only rows to reject: written, but no reason to move the cursor
                yield Batch(Window(first, first), found, done=False)
            first += BLOCK

    async def given(_since: int | None) -> AsyncIterator[Batch]:
        ids = source.ids()
        for start in range(0, len(ids), BLOCK):
            block = ids[start : start + BLOCK]
            yield Batch(Window(block[0], block[-1]), await read(block), done=True)

    def normalized(rows: list[Any]) -> Normalized:
        # The survey answers come inside the profiles: they are stored before the profiles, so
        # the cursor (which moves after the profiles are written) never passes unstored answers.
        answers = normalize.crowdskout_responses(rows, run.name)
        run.summary.rejected.extend(answers.rejected)
        run.store.append("responses", answers.frame)
        return normalize.crowdskout_end_users(rows, run.name)

    before = run.summary.rows
    await walk(run, walked if source.walk_from else given, normalized, overlap=0)
    run.store.compact("responses")
    _say_what_was_found(run, source, run.summary.rows - before)


def _profile_number(row: object) -> int | None:
    """A profile's id as the number Crowdskout gives it; None for a row the normalizer rejects
    (no object, no id, an id that is no number)."""
    return integer(row.get("id")) if isinstance(row, dict) else None


def _say_what_was_found(run: Run, source: ProfileIds, found: int) -> None:
    if source.walk_from:
        if not found and run.store.read("end_users").is_empty():
            run.summary.notes.append(
                f"no profile found by {source.source} ({GAP} ids in a row missing); "
                + HOW_TO_GIVE.format(name=run.name)
            )
        return
    missing = source.count - found
    if not found:
        run.summary.notes.append(
            f"none of the {source.count:,} profile ids in {source.source} was found; check "
            f"the ids in accounts.{run.name}"
        )
    elif missing:
        run.summary.notes.append(
            f"{missing:,} of the {source.count:,} profile ids in {source.source} were not found "
            "(deleted, or never used)"
        )


async def attributes(run: Run) -> None:
    rows = [a async for a in run.client.iter_attribute_rows()]
    run.replace(normalize.crowdskout_segments(rows, run.name))


TABLES: dict[str, TableSync[CrowdskoutClient, CrowdskoutAccount]] = {
    "end_users": profiles,
    "segments": attributes,
}
PLAN = Plan(CrowdskoutClient, CrowdskoutAccount, TABLES)
