"""The write side in a notebook: the same plans the CLI runs, with the same two steps.

`plan=True` returns the plan as a DataFrame (one row per API call) and changes nothing.
`confirm=True` runs it (a destructive plan wants `confirm="<account name>"`, as the CLI wants it
typed). With neither, nothing is sent: `ActionNotConfirmed` says what would be done and how to
go on, so a cell run by mistake changes nothing. A run returns one row per call: done, done by
an earlier interrupted run, failed (with the one-line reason) or unknown.

The methods live by platform in `actions_wootric.py`, `actions_cxi.py` and `actions_apps.py`
(Apptentive, Crowdskout); the flow they share in `actions_flow.py`. Each plans with the data
layer's functions the CLI command named in its docstring calls, so both faces plan the same.
"""

from __future__ import annotations

import warnings

import polars as pl

from workbench.data.actions import audit
from workbench.data.actions.undoing import UndoError, undo_plans
from workbench.notebook.actions_apps import AppActions, DroppedProfiles
from workbench.notebook.actions_cxi import CxiActions, ImportProblems
from workbench.notebook.actions_flow import (
    OUTCOME_COLUMNS,
    OUTCOME_SCHEMA,
    ActionFailed,
    ActionNotConfirmed,
    Confirm,
    NothingToDoNote,
    carry_out,
    outcome_frame,
)
from workbench.notebook.actions_wootric import WootricActions

__all__ = [
    "OUTCOME_COLUMNS",
    "OUTCOME_SCHEMA",
    "ActionFailed",
    "ActionNotConfirmed",
    "Actions",
    "Confirm",
    "DroppedProfiles",
    "ImportProblems",
    "NothingToDoNote",
    "carry_out",
    "outcome_frame",
]


class MissingRows(UserWarning):
    """Rows an earlier action changed that are no longer in the store: undo leaves them."""


class Actions(WootricActions, CxiActions, AppActions):
    """The write methods of `Workbench` (kept here so the session module stays about reading)."""

    def undo(
        self, plan_id: str | None = None, *, plan: bool = False, confirm: Confirm = False
    ) -> pl.DataFrame:
        """Undo an earlier action (exclude <-> include, archive <-> unarchive) on exactly the
        rows it changed (`workbench undo`); default: the newest one not undone yet. The plan
        ids are in `log()`."""
        try:
            undo = undo_plans(self.store, plan_id)
        except UndoError as exc:
            raise UndoError(str(exc)) from None
        if undo.missing:
            warnings.warn(
                MissingRows(
                    f"{undo.missing:,} of the rows are no longer in the store (deleted since); "
                    "left alone"
                ),
                stacklevel=2,
            )
        return self._act(undo.plans, plan=plan, confirm=confirm)

    def log(self, accounts: str | None = None) -> pl.DataFrame:
        """What the write actions did, oldest first (`workbench log`)."""
        return audit.read(self.store.root, account=accounts)
