"""Apptentive's actions: archive and unarchive records, deactivate a survey.

**Archive / unarchive.** The API offers only a toggle (`PUT /records/{id}/toggle_archive`), and a
toggle sent twice undoes itself, so each call reads the record first (`GET /records/{id}`) and
toggles only a record not yet in the wanted state; its read-back is the same GET. The plan is
built from the records' current state (one `GET /records`, `archived_states`): a record already
archived is skipped, not toggled. Archive and unarchive undo each other.

What the store does: the `responses` table has no archived column, and the sync keeps archived
records as responses (Apptentive still lists them, and they are feedback an analyst may count),
so archiving changes no stored column and the store is left as it is; the audit log records
which records were archived. (Should the table gain an `archived` column, the follow becomes
`set_columns("responses", {"archived": ...})`.)

**Deactivate a survey** is `PUT /surveys/{id}/deactivate`, read back from `GET /surveys/{id}`;
the store's `surveys` row gets `active = false`. The API has no way to activate it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from workbench.data.actions.follow import set_columns
from workbench.data.actions.plan import Call, Plan, Skipped, account_plan, row_call
from workbench.data.actions.planning import NothingToDo, PlanRefused, check_account, live
from workbench.data.schema import SchemaError
from workbench.data.store import Store, StoreError
from workbench.data.tables import load_table
from workbench.settings import Settings
from workbench.sources.apptentive import ApptentiveClient

PLATFORM = "apptentive"


def _client(client: Any) -> ApptentiveClient:
    if not isinstance(client, ApptentiveClient):
        raise TypeError(
            f"an Apptentive action needs an Apptentive client, not {type(client).__name__}"
        )
    return client


async def archived_states(client: Any) -> dict[str, bool]:
    """Each record's archived state now, by id (one read of the record list)."""
    return {r.id: r.archived async for r in _client(client).iter_records()}


def not_archivable(rows: pl.DataFrame) -> dict[str, int]:
    """Rows of other platforms among `rows`, counted by platform (the faces say so)."""
    others = rows.filter(pl.col("platform") != PLATFORM)
    return {str(p): n for p, n in others.group_by("platform").len().iter_rows()}


def archive_plans(
    rows: pl.DataFrame, *, archive: bool, states: Mapping[str, Mapping[str, bool]] | None
) -> list[Plan]:
    """One plan per Apptentive account among `rows` (responses, as a filter selected them):
    a toggle for each record not already in the wanted state. `states` is each account's
    `archived_states`; a record it does not hold is skipped (deleted since the last sync).
    Without `states` (`workbench undo`) every record gets a call, which toggles it only if it
    is not in the wanted state already."""
    action = "archive" if archive else "unarchive"
    missing = {"id", "account", "platform"} - set(rows.columns)
    if missing:
        raise ValueError(f"{action} needs responses rows; missing {', '.join(sorted(missing))}")
    plans: list[Plan] = []
    for (account,), group in rows.filter(pl.col("platform") == PLATFORM).group_by(
        ["account"], maintain_order=True
    ):
        account = str(account)
        now = states.get(account, {}) if states is not None else None
        calls: list[Call] = []
        skipped: list[Skipped] = []
        for record in group.get_column("id").cast(pl.String).to_list():
            if now is None:
                calls.append(_toggle(record, archive))
            elif record not in now:
                skipped.append(Skipped(record, "not in Apptentive any more"))
            elif now[record] == archive:
                skipped.append(Skipped(record, f"already {action}d"))
            else:
                calls.append(_toggle(record, archive))
        noun = "record" if len(calls) == 1 else "records"
        summary = (
            f"{action.capitalize()} {len(calls):,} {noun} (the store keeps them: "
            "its responses have no archived column)"
        )
        undo = "unarchive" if archive else "archive"
        plans.append(
            account_plan(action, account, PLATFORM, "responses", summary, calls, skipped, undo=undo)
        )
    return plans


async def archive_plans_for(settings: Settings, rows: pl.DataFrame, *, archive: bool) -> list[Plan]:
    """`archive_plans` on the records' state now: one read of each Apptentive account's
    records among `rows` (the faces' one way to plan an archive or unarchive)."""
    accounts = sorted(set(rows.filter(pl.col("platform") == PLATFORM)["account"].to_list()))
    states = {name: await live(settings, name, archived_states) for name in accounts}
    return archive_plans(rows, archive=archive, states=states)


def _toggle(record: str, archive: bool) -> Call:
    async def send(client: Any) -> None:
        app = _client(client)
        if (await app.get_record(record)).archived != archive:
            await app.toggle_archive(record)

    async def check(client: Any) -> bool | None:
        return (await _client(client).get_record(record)).archived == archive

    path = f"/records/{record}/toggle_archive"
    change = f"archived → {'true' if archive else 'false'}"
    return row_call("record", record, "PUT", path, change, send, check)


async def deactivate_plan_for(
    settings: Settings, account: str, survey_id: str, store: Store | None = None
) -> Plan:
    """The deactivation of a survey as it stands now: PlanRefused when the account has no such
    survey (naming the ones in the store), NothingToDo when it is inactive already."""
    check_account(settings, account, PLATFORM)
    surveys = await live(settings, account, lambda c: _client(c).list_surveys())
    found = next((s for s in surveys if s.id == survey_id), None)
    if found is None:
        try:
            stored = load_table(store or Store(settings.store_dir), "surveys", [account])
        except (StoreError, SchemaError):
            stored = pl.DataFrame({"id": [], "name": []})
        listed = ", ".join(f"{i} ({n})" for i, n in stored.select("id", "name").iter_rows())
        raise PlanRefused(
            f"no survey {survey_id!r} in {account}; its surveys are: {listed or '(none)'}"
        )
    if found.active is False:
        raise NothingToDo(f"Nothing to do: the survey {survey_id} is already inactive.")
    return deactivate_plan(account, survey_id, name=found.name)


def deactivate_plan(account: str, survey_id: str, *, name: str | None = None) -> Plan:
    """Stop one survey from taking submissions."""

    async def send(client: Any) -> None:
        await _client(client).deactivate_survey(survey_id)

    async def check(client: Any) -> bool | None:
        return (await _client(client).get_survey(survey_id)).active is False

    shown = f"{name!r} ({survey_id})" if name else survey_id
    path = f"/surveys/{survey_id}/deactivate"
    return Plan(
        action="deactivate-survey",
        account=account,
        platform=PLATFORM,
        table="surveys",
        summary=f"Deactivate the survey {shown}: it stops taking submissions (the API cannot "
        "activate it again)",
        calls=(row_call("survey", survey_id, "PUT", path, "active → false", send, check),),
        params={"survey": survey_id},
        follow=set_columns("surveys", {"active": False}),
    )
