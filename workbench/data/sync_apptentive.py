"""Apptentive tables: records (as responses and their users), surveys and their answer counts.

Apptentive lists records and surveys whole, with ETags: the client asks with `If-None-Match` and
an unchanged list answers 304 from its cache, so every sync reads everything at little cost and
replaces the stored tables, which also applies deletions.
"""

from __future__ import annotations

import asyncio

from workbench.data.normalize import apptentive as normalize
from workbench.data.sync_tables import Plan, TableRun, TableSync, dump
from workbench.settings import ApptentiveAccount
from workbench.sources.apptentive import ApptentiveClient

Run = TableRun[ApptentiveClient, ApptentiveAccount]


async def records(run: Run) -> None:
    rows = dump([r async for r in run.client.iter_records()])
    users = normalize.apptentive_end_users(rows, run.name)
    run.summary.rejected.extend(users.rejected)
    run.store.replace("end_users", users.frame)
    run.replace(normalize.apptentive_responses(rows, run.name))


async def surveys(run: Run) -> None:
    """The list, then each survey for its answer counts (the list carries none)."""
    client = run.client
    listed = await client.list_surveys()
    details = await asyncio.gather(*(client.get_survey(s.id) for s in listed))
    rows = dump(details)
    answers = normalize.apptentive_survey_answers(rows, run.name)
    run.summary.rejected.extend(answers.rejected)
    run.store.replace("survey_answers", answers.frame)
    run.replace(normalize.apptentive_surveys(rows, run.name))


TABLES: dict[str, TableSync[ApptentiveClient, ApptentiveAccount]] = {
    "responses": records,
    "surveys": surveys,
}
PLAN = Plan(ApptentiveClient, ApptentiveAccount, TABLES)
