"""Apptentive's and Crowdskout's write actions in a notebook: archive/unarchive records,
deactivate a survey, push people to a Crowdskout attribute. Each plans with the data layer's
`*_for` function the CLI command named in its docstring calls."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import polars as pl

from workbench.data.actions import apptentive, crowdskout
from workbench.data.actions.plan import Plan
from workbench.notebook.actions_flow import ActionsBase, Confirm, planned, rows_action

if TYPE_CHECKING:
    from workbench.notebook.frames import FilterLike


class DroppedProfiles(UserWarning):
    """Profiles Crowdskout left out without an error during a push (each with the reason)."""


class AppActions(ActionsBase):
    def _archive_plans(self, rows: pl.DataFrame, archive: bool) -> list[Plan] | None:
        return planned(lambda: apptentive.archive_plans_for(self.settings, rows, archive=archive))

    archive = rows_action(
        "archive",
        """Archive the filtered Apptentive records (`workbench archive`; undo with
        `unarchive` and the same filter, or `undo()`).""",
        lambda self, rows: self._archive_plans(rows, True),
    )
    unarchive = rows_action(
        "unarchive",
        """Bring the filtered Apptentive records back from the archive (`workbench
        unarchive`).""",
        lambda self, rows: self._archive_plans(rows, False),
    )

    def deactivate_survey(
        self, account: str, survey_id: str, *, plan: bool = False, confirm: Confirm = False
    ) -> pl.DataFrame:
        """Stop an Apptentive survey from taking submissions; the API cannot activate it
        again (`workbench deactivate-survey`)."""
        made = planned(
            lambda: apptentive.deactivate_plan_for(self.settings, account, survey_id, self.store)
        )
        return self._act(made, plan=plan, confirm=confirm)

    def push(
        self,
        account: str,
        attribute: str,
        filter: FilterLike,
        *,
        value: str | None = None,
        type: str = "Tag",
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Push the people of the filtered responses (any platform, matched by e-mail) to a
        Crowdskout attribute, created if missing with `type` (`workbench push`). Profiles
        Crowdskout drops silently fail their call and are listed in a DroppedProfiles
        warning."""
        rows = self._selected(filter, None)
        end_users = self.table("end_users", account)
        report = crowdskout.PushReport()
        made = planned(
            lambda: crowdskout.push_plan_for(
                self.settings,
                account,
                attribute,
                rows,
                end_users,
                kind=type,
                value=value,
                report=report,
            )
        )
        done = self._act(made, plan=plan, confirm=confirm)
        if report.dropped:
            listed = "; ".join(f"profile {p}: {why}" for p, why in sorted(report.dropped.items()))
            warnings.warn(
                DroppedProfiles(f"{len(report.dropped):,} profile(s) not updated: {listed}"),
                stacklevel=2,
            )
        return done
