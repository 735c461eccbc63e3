"""The write side in a notebook: the same plans the CLI runs, with the same two steps.

`plan=True` returns the plan as a DataFrame (one row per API call) and changes nothing.
`confirm=True` runs it (a destructive plan wants `confirm="<account name>"`, as the CLI wants it
typed). With neither, nothing is sent: `ActionNotConfirmed` says what would be done and how to
go on, so a cell run by mistake changes nothing. A run returns one row per call: done, done by
an earlier interrupted run, failed (with the one-line reason) or unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl
from polars._typing import PolarsDataType

from workbench.data.actions import audit
from workbench.data.actions.plan import Plan, plans_frame
from workbench.data.actions.run import Outcome, run_plan
from workbench.data.actions.wootric import exclusion_plans
from workbench.demo import run_coroutine

if TYPE_CHECKING:
    from workbench.data.store import Store
    from workbench.notebook.frames import FilterLike
    from workbench.settings import Settings

Confirm = bool | str

OUTCOME_COLUMNS: dict[str, PolarsDataType] = {
    "account": pl.String,
    "action": pl.String,
    "call": pl.String,
    "rows": pl.List(pl.String),
    "status": pl.String,
    "message": pl.String,
}
OUTCOME_SCHEMA = pl.Schema(OUTCOME_COLUMNS)


class ActionNotConfirmed(Exception):
    """An action called without `plan=True` or `confirm=...`: nothing was sent."""


def outcome_frame(outcomes: Sequence[Outcome]) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for outcome in outcomes:
        head = {"account": outcome.plan.account, "action": outcome.plan.action}
        for status, calls in (("done", outcome.done), ("done earlier", outcome.earlier)):
            for call in calls:
                rows.append({**head, "call": call.key, "rows": list(call.rows), "status": status})
        for status, failures in (("failed", outcome.failed), ("unknown", outcome.unknown)):
            for call, message in failures:
                rows.append(
                    {
                        **head,
                        "call": call.key,
                        "rows": list(call.rows),
                        "status": status,
                        "message": message,
                    }
                )
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA)


def carry_out(
    settings: Settings, store: Store, plans: Sequence[Plan], *, plan: bool, confirm: Confirm
) -> pl.DataFrame:
    """The notebook's flow for every action (see the module docstring)."""
    if not any(p.calls or p.skipped for p in plans):
        raise ValueError("the filter selects no rows this action applies to")
    todo = [p for p in plans if p.calls]
    if plan:
        return plans_frame(todo)
    if not todo:
        return outcome_frame([])
    words = "\n".join(line for p in todo for line in [f"{p.account}:", *p.lines()])
    for one in todo:
        if one.destructive and confirm != one.account:
            raise ActionNotConfirmed(
                f"{words}\nThis cannot be undone: pass confirm={one.account!r} to do it, or "
                "plan=True to see the plan as a DataFrame"
            )
    if confirm is not True and not all(p.destructive for p in todo):
        raise ActionNotConfirmed(
            f"{words}\nNothing was sent: pass confirm=True to do it, or plan=True to see the plan "
            "as a DataFrame"
        )

    async def run_all() -> list[Outcome]:
        return [await run_plan(settings, p, store=store) for p in todo]

    return outcome_frame(run_coroutine(run_all))


class Actions:
    """The write methods of `Workbench` (kept here so the session module stays about reading)."""

    settings: Settings
    store: Store

    if TYPE_CHECKING:  # provided by Workbench

        def responses(
            self, filter: FilterLike = None, *, accounts: str | Sequence[str] | None = None
        ) -> pl.DataFrame: ...

    def _selected(self, filter: FilterLike, accounts: str | Sequence[str] | None) -> pl.DataFrame:
        """The responses the filter selects: the rows `workbench export responses` writes."""
        return self.responses(filter, accounts=accounts)

    def exclude(
        self,
        filter: FilterLike,
        *,
        accounts: str | Sequence[str] | None = None,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Exclude the filtered Wootric responses from calculations (`workbench exclude`)."""
        plans = exclusion_plans(self._selected(filter, accounts), exclude=True)
        return carry_out(self.settings, self.store, plans, plan=plan, confirm=confirm)

    def include(
        self,
        filter: FilterLike,
        *,
        accounts: str | Sequence[str] | None = None,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Include the filtered Wootric responses in calculations again (`workbench include`)."""
        plans = exclusion_plans(self._selected(filter, accounts), exclude=False)
        return carry_out(self.settings, self.store, plans, plan=plan, confirm=confirm)

    def log(self, accounts: str | None = None) -> pl.DataFrame:
        """What the write actions did, oldest first (`workbench log`)."""
        return audit.read(self.store.root, account=accounts)
