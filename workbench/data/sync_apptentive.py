"""Apptentive tables: records (as responses and their users), surveys and their answer counts.

Apptentive lists records and surveys whole, with ETags: the client asks with `If-None-Match` and
an unchanged list answers 304 from its cache, so every sync reads everything at little cost and
replaces the stored tables, which also applies deletions. The API's JSON rows go straight to the
normalizers, which reject, naming the field, whatever they cannot read.
"""

from __future__ import annotations

import asyncio

from workbench.data.normalize import apptentive as normalize
from workbench.data.sync_tables import Plan, TableRun, TableSync
from workbench.settings import ApptentiveAccount
from workbench.sources.apptentive import ApptentiveClient
from workbench.sources.rows import row_id

Run = TableRun[ApptentiveClient, ApptentiveAccount]


async def records(run: Run) -> None:
    rows = [r async for r in run.client.iter_record_rows()]
    users = normalize.apptentive_end_users(rows, run.name)
    run.summary.rejected.extend(users.rejected)
    run.store.replace("end_users", users.frame)
    run.replace(normalize.apptentive_responses(rows, run.name))


async def surveys(run: Run) -> None:
    """The list, then each survey for its answer counts (the list carries none). A listed
    survey without an id cannot be fetched: its row from the list is rejected as it is."""
    client = run.client
    listed = await client.survey_rows()
    ids = [row_id(s) for s in listed]
    details = await asyncio.gather(*(client.survey_row(i) for i in ids if i is not None))
    rows = [*details, *(s for s, i in zip(listed, ids, strict=True) if i is None)]
    answers = normalize.apptentive_survey_answers(rows, run.name)
    run.summary.rejected.extend(answers.rejected)
    run.store.replace("survey_answers", answers.frame)
    run.replace(normalize.apptentive_surveys(rows, run.name))


TABLES: dict[str, TableSync[ApptentiveClient, ApptentiveAccount]] = {
    "responses": records,
    "surveys": surveys,
}
PLAN = Plan(ApptentiveClient, ApptentiveAccount, TABLES)
