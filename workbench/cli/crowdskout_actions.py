"""`workbench push ACCOUNT ATTRIBUTE --filter F`: the people of the filtered responses onto a
Crowdskout attribute, each profile Crowdskout silently dropped reported as a failed row."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.markup import escape

from workbench.cli.act import FilterOption, Write, write_command
from workbench.cli.cxi_actions import AccountArgument, account_settings, planned
from workbench.cli.export import filtered, stored_table
from workbench.cli.output import console, errors, fail
from workbench.data.actions import crowdskout


@write_command(resend=True, time_zone=True)
def push(
    account: AccountArgument,
    attribute: Annotated[str, typer.Argument(help="The attribute's name (created if missing).")],
    filter_text: FilterOption,
    value: Annotated[
        str | None,
        typer.Option("--value", help="The value to set (a Tag attribute needs none)."),
    ] = None,
    kind: Annotated[
        str, typer.Option("--type", help=f"For a new attribute: {', '.join(crowdskout.TYPES)}.")
    ] = "Tag",
    *,
    write: Write,
) -> None:
    """Push the people of the filtered responses to a Crowdskout attribute: created if needed,
    then set on their profiles (matched by e-mail) with bulk updates."""
    settings = account_settings(account, "crowdskout")
    if crowdskout.attribute_type(kind) is None:
        fail(f"--type is one of {', '.join(crowdskout.TYPES)}, not {kind!r}", code=2)
    rows = filtered("responses", filter_text, None, time_zone=write.time_zone)
    end_users = stored_table("end_users", [account])
    report = crowdskout.PushReport()
    plan = planned(
        crowdskout.push_plan_for(
            settings, account, attribute, rows, end_users, kind=kind, value=value, report=report
        )
    )
    quiet = logging.getLogger("workbench.sources")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # each dropped item is listed below, once
    try:
        write.carry_out([plan])
    finally:
        quiet.setLevel(level)
        if report.dropped:
            emails = dict(end_users.select("id", "email").iter_rows())
            errors.print(f"{len(report.dropped):,} profile(s) not updated:")
            for profile, reason in sorted(
                report.dropped.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0
            ):
                who = emails.get(profile) or "no e-mail"
                errors.print(
                    f"  profile {profile} ({escape(who)}): {escape(reason)}", soft_wrap=True
                )
        if report.pushed or report.already:
            console.print(
                f"{len(report.pushed):,} profile(s) updated"
                + (f", {len(report.already):,} already had the value" if report.already else "")
            )
