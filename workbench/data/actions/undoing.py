"""Undo: the inverse of an earlier action, on exactly the rows it changed (its audit record).

The actions the APIs let us undo are listed here, once: exclude <-> include (Wootric) and
archive <-> unarchive (Apptentive). Tag create/disable name their inverse command in their plan
instead: a tag is not a stored row an audit record can point at. Erase and the email survey
cannot be undone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl

from workbench.data.actions import audit
from workbench.data.actions.apptentive import archive_plans
from workbench.data.actions.plan import Plan
from workbench.data.actions.wootric import exclusion_plans
from workbench.data.store import Store, StoreError
from workbench.data.tables import load_table

UndoBuilder = Callable[[pl.DataFrame], list[Plan]]
"""Builds the plans of an undoing action from the stored rows an earlier run changed."""

BUILDERS: dict[tuple[str, str], UndoBuilder] = {
    ("wootric", "exclude"): lambda rows: exclusion_plans(rows, exclude=True),
    ("wootric", "include"): lambda rows: exclusion_plans(rows, exclude=False),
    ("apptentive", "archive"): lambda rows: archive_plans(rows, archive=True, states=None),
    ("apptentive", "unarchive"): lambda rows: archive_plans(rows, archive=False, states=None),
}
"""(platform, the undoing action that `Plan.undo` names) -> the builder of its plans."""


class UndoError(Exception):
    """Nothing to undo, or an action the API cannot undo; the message says which."""


@dataclasses.dataclass(frozen=True)
class Undo:
    plans: list[Plan]
    missing: int
    """Rows the action changed that are no longer in the store (deleted since): left alone."""


def undo_plans(store: Store, plan_id: str | None = None) -> Undo:
    """The plans that undo `plan_id` (default: the newest action that can be undone and was
    not undone yet), on exactly the rows its audit record lists."""
    record = audit.undoable(store.root, plan_id)
    if record is None:
        if plan_id:
            raise UndoError(
                f"no action with plan {plan_id} changed any row; `workbench log --json` lists "
                "the plans"
            )
        raise UndoError(
            "nothing to undo: every action in `workbench log` that can be undone was undone "
            "already (erase and email-survey cannot be)"
        )
    action, account, platform = record.get("undo"), record["account"], record.get("platform")
    builder = BUILDERS.get((str(platform), str(action)))
    if not action or builder is None or not record.get("table"):
        raise UndoError(
            f"{record.get('action')} on {account} (plan {record.get('plan')}) cannot be undone "
            "through the API"
        )
    try:
        rows = load_table(store, str(record["table"]), [account])
    except StoreError as exc:
        raise UndoError(str(exc).splitlines()[0]) from None
    rows = rows.filter(pl.col("id").is_in([str(r) for r in record["rows"]]))
    plans = [
        dataclasses.replace(plan, undoes=str(record["plan"]))
        for plan in builder(rows)
        if plan.account == account
    ]
    return Undo(plans, len(set(record["rows"])) - rows.height)
