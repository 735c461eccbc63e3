"""`workbench undo [PLAN]`: the inverse of an earlier action, on exactly the rows it changed."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import polars as pl
import typer

import workbench.data.actions.wootric  # noqa: F401  (registers Wootric's undoing actions)
from workbench.cli.act import DryRunOption, ResendOption, YesOption, carry_out
from workbench.cli.context import load, store
from workbench.cli.output import fail, warn
from workbench.data.actions import audit
from workbench.data.actions.plan import UNDO
from workbench.data.store import StoreError
from workbench.data.tables import load_table


def undo(
    plan_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[PLAN]",
            help="The plan id `workbench log --json` shows (default: the newest action that "
            "can be undone and was not undone yet).",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
) -> None:
    """Undo an earlier action (exclude <-> include) on exactly the rows it changed."""
    settings = load()
    root = store(settings).root
    record = audit.undoable(root, plan_id)
    if record is None:
        if plan_id:
            fail(
                f"no action with plan {plan_id} changed any row; `workbench log --json` lists "
                "the plans",
                code=2,
            )
        fail(
            "nothing to undo: every action in `workbench log` that can be undone was undone "
            "already (erase and email-survey cannot be)",
            code=2,
        )
    action, account, platform = record.get("undo"), record["account"], record.get("platform")
    builder = UNDO.get((str(platform), str(action)))
    if not action or builder is None or not record.get("table"):
        fail(
            f"{record.get('action')} on {account} (plan {record.get('plan')}) cannot be undone "
            "through the API",
            code=2,
        )
    try:
        rows = load_table(store(settings), str(record["table"]), [account])
    except StoreError as exc:
        fail(str(exc).splitlines()[0], code=2)
    rows = rows.filter(pl.col("id").is_in([str(r) for r in record["rows"]]))
    missing = len(set(record["rows"])) - rows.height
    plans = [
        dataclasses.replace(plan, undoes=str(record["plan"]))
        for plan in builder(rows)
        if plan.account == account
    ]
    if missing:
        warn(f"{missing:,} of the rows are no longer in the store (deleted since); left alone")
    carry_out(plans, dry_run=dry_run, yes=yes, resend_unknown=resend_unknown)
