"""The notebook's flow for every write action: plan, confirm, run, one row per call.

`plan=True` returns the plan as a DataFrame (one row per API call) and changes nothing.
`confirm=True` runs it (a destructive plan wants `confirm="<account name>"`, as the CLI wants it
typed). With neither, nothing is sent: `ActionNotConfirmed` says what would be done and how to
go on, so a cell run by mistake changes nothing. A run returns one row per call: done, done by
an earlier interrupted run, failed (with the one-line reason) or unknown.

The plans come from the data layer's planning functions, the ones the CLI calls
(`data/actions/*.py`); what cannot be planned raises one line: `PlanRefused` (a ValueError)
for what was asked, `ActionFailed` for a platform or store that did not answer.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl
from polars._typing import PolarsDataType

from workbench.data.actions.plan import Plan, plans_frame
from workbench.data.actions.planning import NothingToDo, PlanRefused
from workbench.data.actions.run import Outcome, run_plan
from workbench.data.lock import LockBusy
from workbench.data.store import StoreError
from workbench.demo import run_coroutine
from workbench.settings import SettingsError
from workbench.sources.errors import SourceError

if TYPE_CHECKING:
    from workbench.data.store import Store
    from workbench.notebook.frames import FilterLike
    from workbench.settings import Settings

T = TypeVar("T")
Confirm = bool | str
Accounts = str | Sequence[str] | None

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


class ActionFailed(Exception):
    """The platform, the settings or the store stopped an action before it started; one line."""


class NothingToDoNote(UserWarning):
    """Everything was already as asked: the action returns an empty frame."""


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


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def planned(make: Callable[[], Coroutine[Any, Any, T]]) -> T | None:
    """Run a data layer's `*_for` planning (its live reads included): None when there is
    nothing to do (said in a `NothingToDoNote`), one line when it cannot plan."""
    try:
        return run_coroutine(make)
    except NothingToDo as done:
        warnings.warn(NothingToDoNote(str(done)), stacklevel=3)
        return None
    except PlanRefused as exc:
        raise PlanRefused(str(exc)) from None
    except (SettingsError, SourceError) as exc:
        raise ActionFailed(_first_line(exc)) from None


def nothing(plan: bool) -> pl.DataFrame:
    """What an action with nothing to do returns: an empty plan, or an empty run."""
    return plans_frame([]) if plan else outcome_frame([])


def carry_out(
    settings: Settings,
    store: Store,
    plans: Sequence[Plan] | None,
    *,
    plan: bool,
    confirm: Confirm,
    resend_unknown: bool = False,
) -> pl.DataFrame:
    """The notebook's flow for every action (see the module docstring)."""
    if plans is None:
        return nothing(plan)
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
        return [
            await run_plan(settings, p, store=store, resend_unknown=resend_unknown) for p in todo
        ]

    try:
        return outcome_frame(run_coroutine(run_all))
    except (SettingsError, SourceError, StoreError, LockBusy) as exc:
        raise ActionFailed(_first_line(exc)) from None


Plans = Plan | Sequence[Plan] | None


class ActionsBase:
    """What every action mixin of `Workbench` uses."""

    settings: Settings
    store: Store

    if TYPE_CHECKING:  # provided by Workbench

        def responses(
            self, filter: FilterLike = None, *, accounts: Accounts = None
        ) -> pl.DataFrame: ...

        def table(self, name: str, accounts: Accounts = None) -> pl.DataFrame: ...

    def _selected(self, filter: FilterLike, accounts: Accounts) -> pl.DataFrame:
        """The responses the filter selects: the rows `workbench export responses` writes."""
        return self.responses(filter, accounts=accounts)

    def _act(
        self,
        plans: Plan | Sequence[Plan] | None,
        *,
        plan: bool,
        confirm: Confirm,
        resend_unknown: bool = False,
    ) -> pl.DataFrame:
        return carry_out(
            self.settings,
            self.store,
            [plans] if isinstance(plans, Plan) else plans,
            plan=plan,
            confirm=confirm,
            resend_unknown=resend_unknown,
        )


def rows_action(
    name: str, doc: str, plans: Callable[[Any, pl.DataFrame], Plans]
) -> Callable[..., pl.DataFrame]:
    """A method acting on the responses a filter selects (exclude, include, archive,
    unarchive), as `act.rows_command` makes the CLI's: `plans(self, rows)` plans it; `name` and
    `doc` are the method's name and docstring (what `help()` shows)."""

    def action(  # self: the ActionsBase (unannotated, as a method's, for help())
        self,
        filter: FilterLike,
        *,
        accounts: Accounts = None,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        return self._act(plans(self, self._selected(filter, accounts)), plan=plan, confirm=confirm)

    action.__name__ = name
    action.__doc__ = doc
    return action
