"""Apptentive's write commands: `workbench archive` / `workbench unarchive` on the records a
filter selects, and `workbench deactivate-survey`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from workbench.cli.act import DryRunOption, ResendOption, YesOption, carry_out
from workbench.cli.context import load
from workbench.cli.cxi_actions import AccountArgument, account_settings, live
from workbench.cli.exclusion import AccountOption, FilterOption
from workbench.cli.export import filtered, stored_table
from workbench.cli.output import fail, warn
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
    settings = load()
    accounts = sorted(set(rows.filter(rows["platform"] == "apptentive")["account"].to_list()))
    states = {name: live(settings, name, apptentive.archived_states) for name in accounts}
    carry_out(
        apptentive.archive_plans(rows, archive=archive, states=states),
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
    surveys = live(settings, account, lambda c: apptentive._client(c).list_surveys())
    found = next((s for s in surveys if s.id == survey_id), None)
    if found is None:
        stored = stored_table("surveys", [account])
        listed = (
            ", ".join(f"{i} ({n})" for i, n in stored.select("id", "name").iter_rows()) or "(none)"
        )
        fail(
            f"no survey {escape(survey_id)!r} in {account}; its surveys are: {escape(listed)}",
            code=2,
        )
    if found.active is False:
        typer.echo(f"Nothing to do: the survey {survey_id} is already inactive.")
        return
    carry_out(
        [apptentive.deactivate_plan(account, survey_id, name=found.name)], dry_run=dry_run, yes=yes
    )
