"""Apptentive's write commands: `workbench archive` / `workbench unarchive` on the records a
filter selects, and `workbench deactivate-survey`."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli.act import DryRunOption, ResendOption, YesOption, carry_out
from workbench.cli.context import load, store
from workbench.cli.cxi_actions import AccountArgument, account_settings, planned
from workbench.cli.exclusion import AccountOption, FilterOption
from workbench.cli.export import filtered
from workbench.cli.output import warn
from workbench.cli.time_zone import TimeZoneOption
from workbench.data.actions import apptentive


def _archive(
    archive: bool,
    filter_text: str,
    account: list[str] | None,
    dry_run: bool,
    yes: bool,
    resend_unknown: bool,
    time_zone: str | None,
) -> None:
    rows = filtered("responses", filter_text, account, time_zone=time_zone)
    for platform, n in apptentive.not_archivable(rows).items():
        warn(f"{n:,} {platform} responses left alone: only Apptentive records can be archived")
    plans = planned(apptentive.archive_plans_for(load(), rows, archive=archive))
    carry_out(
        plans,
        dry_run=dry_run,
        yes=yes,
        resend_unknown=resend_unknown,
    )


def archive(
    filter_text: FilterOption,
    account: AccountOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
    time_zone: TimeZoneOption = None,
) -> None:
    """Archive the filtered Apptentive records (handled feedback); undo with
    `workbench unarchive` and the same filter."""
    _archive(True, filter_text, account, dry_run, yes, resend_unknown, time_zone)


def unarchive(
    filter_text: FilterOption,
    account: AccountOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
    time_zone: TimeZoneOption = None,
) -> None:
    """Bring the filtered Apptentive records back from the archive (undoes `archive`)."""
    _archive(False, filter_text, account, dry_run, yes, resend_unknown, time_zone)


def deactivate_survey(
    account: AccountArgument,
    survey_id: Annotated[
        str, typer.Argument(metavar="SURVEY_ID", help="The survey's id (surveys table).")
    ],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Stop an Apptentive survey from taking submissions (the API cannot activate it again)."""
    settings = account_settings(account, "apptentive")
    plan = planned(apptentive.deactivate_plan_for(settings, account, survey_id, store(settings)))
    carry_out([plan], dry_run=dry_run, yes=yes)
