"""`workbench exclude` and `workbench include`: Wootric responses out of or back into the
calculations, on the rows a filter selects."""

from __future__ import annotations

from typing import Annotated

import typer

from workbench.cli.act import DryRunOption, ResendOption, YesOption, carry_out
from workbench.cli.export import filtered
from workbench.cli.output import warn
from workbench.cli.time_zone import TimeZoneOption
from workbench.data.actions.wootric import exclusion_plans, not_excludable

FilterOption = Annotated[
    str,
    typer.Option(
        "--filter", "-f", help="The responses to act on, e.g. 'account:acme-nps \"test\"'."
    ),
]
AccountOption = Annotated[
    list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
]


def _exclusion(
    exclude: bool,
    filter_text: str,
    account: list[str] | None,
    dry_run: bool,
    yes: bool,
    resend_unknown: bool,
    time_zone: str | None,
) -> None:
    rows = filtered("responses", filter_text, account, time_zone=time_zone)
    for platform, n in not_excludable(rows).items():
        warn(f"{n:,} {platform} responses left alone: {platform}'s API cannot exclude responses")
    carry_out(
        exclusion_plans(rows, exclude=exclude),
        dry_run=dry_run,
        yes=yes,
        resend_unknown=resend_unknown,
    )


def exclude(
    filter_text: FilterOption,
    account: AccountOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
    time_zone: TimeZoneOption = None,
) -> None:
    """Exclude the filtered Wootric responses from calculations (test answers, spam); undo with
    `workbench include` and the same filter."""
    _exclusion(True, filter_text, account, dry_run, yes, resend_unknown, time_zone)


def include(
    filter_text: FilterOption,
    account: AccountOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
    time_zone: TimeZoneOption = None,
) -> None:
    """Include the filtered Wootric responses in calculations again (undoes `exclude`)."""
    _exclusion(False, filter_text, account, dry_run, yes, resend_unknown, time_zone)
