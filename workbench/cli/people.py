"""Wootric actions on the end users behind the filtered responses: `workbench email-survey`,
`workbench set-property`, `workbench erase`, and `workbench decline-property` for the
properties their declines carry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape

from workbench.cli.act import Write, write_command
from workbench.cli.export import filtered, stored_table
from workbench.cli.output import fail, warn
from workbench.data.actions import wootric_declines, wootric_people
from workbench.data.actions.planning import PlanRefused

FilterOption = Annotated[
    str | None,
    typer.Option(
        "--filter",
        "-f",
        help="The responses whose end users to act on, e.g. 'account:acme-nps score:detractors'.",
    ),
]
EmailOption = Annotated[
    list[str] | None,
    typer.Option("--email", "-e", help="An end user's e-mail address (repeatable)."),
]
DeclineOption = Annotated[
    list[str] | None,
    typer.Option("--decline", "-d", help="A decline id (repeatable) instead of --filter."),
]
Assignments = Annotated[
    list[str], typer.Argument(metavar="NAME=VALUE...", help="The properties to set.")
]


def _people(filter_text: str | None, write: Write) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The stored Wootric end users who gave the filtered responses."""
    if not filter_text:
        fail("say whose end users with --filter, e.g. --filter 'score:detractors'", code=2)
    responses = filtered("responses", filter_text, write.account, time_zone=write.time_zone)
    others = responses.filter(pl.col("platform") != "wootric").height
    if others:
        warn(f"{others:,} responses of other platforms left alone: this is a Wootric action")
    users = stored_table("end_users", write.account)
    return responses, wootric_people.end_users_of(responses, users)


def _named(
    find: Callable[[pl.DataFrame, list[str]], pl.DataFrame], stored: pl.DataFrame, names: list[str]
) -> pl.DataFrame:
    """The stored rows `names` name (e-mail addresses, decline ids); exit 2 when one is not
    there."""
    try:
        return find(stored, names)
    except PlanRefused as exc:
        fail(escape(str(exc)), code=2)


def _assignments(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"{escape(pair)!r} is not NAME=VALUE (e.g. pricing_plan=Enterprise)", code=2)
        values[name.strip()] = value.strip()
    return values


@write_command(account=True, resend=True, time_zone=True)
def email_survey(
    filter_text: FilterOption = None,
    subject: Annotated[
        str | None,
        typer.Option(help="The subject line (default: the survey's question); {{x}} placeholders."),
    ] = None,
    intro: Annotated[
        str | None, typer.Option(help="Shown between the logo and the question.")
    ] = None,
    sender_name: Annotated[
        str | None, typer.Option("--sender-name", help="The sender's name the e-mail shows.")
    ] = None,
    delay: Annotated[
        int | None,
        typer.Option(min=1, max=31, help="Days to wait before sending (1 to 31)."),
    ] = None,
    survey_immediately: Annotated[
        bool,
        typer.Option(
            "--survey-immediately", help="Skip Wootric's eligibility check (throttles, sampling)."
        ),
    ] = False,
    *,
    write: Write,
) -> None:
    """Survey by e-mail the end users who gave the filtered Wootric responses (100 addresses
    a call). A call cut off mid-way is reported as unknown and never sent twice."""
    _, people = _people(filter_text, write)
    plans = wootric_people.email_survey_plans(
        people,
        subject=subject,
        intro=intro,
        sender_name=sender_name,
        delay=delay,
        survey_immediately=survey_immediately,
    )
    write.carry_out(plans)


@write_command(account=True, resend=True, time_zone=True)
def set_property(
    assignments: Assignments, filter_text: FilterOption = None, *, write: Write
) -> None:
    """Set properties (e.g. fix a segment value) on the end users who gave the filtered
    Wootric responses: their current properties; past responses keep theirs."""
    values = _assignments(assignments)
    _, people = _people(filter_text, write)
    write.carry_out(wootric_people.property_plans(people, values))


@write_command(account=True, resend=True, time_zone=True)
def erase(
    filter_text: FilterOption = None,
    email: EmailOption = None,
    *,
    write: Write,
) -> None:
    """Erase end users with all their responses and declines (a privacy request): those who
    gave the filtered responses, or those with these e-mail addresses. Cannot be undone: asks
    for the account's name typed out, or --yes."""
    if bool(filter_text) == bool(email):
        fail("say whom to erase with either --filter or --email", code=2)
    if email:
        people = _named(
            wootric_people.end_users_by_email, stored_table("end_users", write.account), email
        )
    else:
        _, people = _people(filter_text, write)
    write.carry_out(wootric_people.erase_plans(people))


@write_command(account=True, resend=True, time_zone=True)
def decline_property(
    assignments: Assignments,
    filter_text: FilterOption = None,
    decline: DeclineOption = None,
    *,
    write: Write,
) -> None:
    """Set properties on past Wootric declines (the properties they were declined with), so
    that response rates by segment come out right: the declines of the end users who gave the
    filtered responses, or the declines named. Wootric enables this historical edit on request
    (until then it answers 423)."""
    values = _assignments(assignments)
    if bool(filter_text) == bool(decline):
        fail("say which declines with either --filter or --decline", code=2)
    stored = stored_table("declines", write.account).filter(pl.col("platform") == "wootric")
    if decline:
        rows = _named(wootric_declines.declines_by_id, stored, decline)
    else:
        responses, _ = _people(filter_text, write)
        rows = wootric_declines.declines_of(responses, stored)
    write.carry_out(wootric_declines.decline_property_plans(rows, values))
