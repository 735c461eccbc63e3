"""Wootric's actions on end users: survey them by e-mail, set a property, erase them.

The filter selects responses; these act on their distinct end users (the stored `end_users`
rows of the same account).

- Email survey: `POST /v1/email_survey`, at most 100 addresses a call. Nothing reads a survey
  back, so a call an interrupted run may have sent is reported unknown, never sent again.
- Set a property: `PUT /v1/end_users/{id}` with `properties[NAME]=VALUE`, read back with
  `GET /v1/end_users/{id}`. It changes the end user's current properties only: the properties
  their past responses carry stay as they were answered (the API edits those only with
  historical edits, which `decline-property` uses for declines).
- Erase: `DELETE /v1/end_users/{id}` marks the end user for deletion, done by Wootric the
  next day at 7 AM UTC with all their responses and declines. Marking again changes nothing,
  so the read-back of an interrupted call is the mark sent again. Destructive: no undo.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import polars as pl

from workbench.data.actions.follow import chain, remove_rows, set_properties
from workbench.data.actions.plan import Call, Plan, Skipped, account_plan, row_call
from workbench.data.actions.planning import PlanRefused
from workbench.data.actions.wootric import _client
from workbench.sources.errors import NotFound
from workbench.sources.forms import check_keywords, typed_keys
from workbench.sources.wootric import MAX_SURVEY_EMAILS

PLATFORM = "wootric"


def end_users_of(responses: pl.DataFrame, end_users: pl.DataFrame) -> pl.DataFrame:
    """The stored end users (Wootric accounts only) who gave the selected responses, once
    each, with the number of selected responses as `responses`."""
    if responses.is_empty() or end_users.is_empty():
        return end_users.clear().with_columns(pl.lit(0, pl.UInt32).alias("responses"))
    chosen = (
        responses.filter(pl.col("platform") == PLATFORM)
        .group_by(["account", "end_user_id"])
        .len("responses")
        .rename({"end_user_id": "id"})
    )
    return (
        end_users.filter(pl.col("platform") == PLATFORM)
        .join(chosen, on=["account", "id"], how="inner")
        .sort(["account", "id"])
    )


def end_users_by_email(end_users: pl.DataFrame, emails: Sequence[str]) -> pl.DataFrame:
    """The stored Wootric end users with these e-mail addresses (any case), or PlanRefused
    naming the first address no stored end user has."""
    stored = end_users.filter(pl.col("platform") == PLATFORM)
    wanted = [e.strip().lower() for e in emails]
    people = stored.filter(pl.col("email").str.to_lowercase().is_in(wanted))
    found = set(people["email"].str.to_lowercase().to_list())
    for address in wanted:
        if address not in found:
            raise PlanRefused(
                f"no Wootric end user with e-mail {address} in the store; check the spelling, "
                "or run `workbench sync` if they answered recently"
            )
    return people


def _by_account(end_users: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    return [
        (str(account), group)
        for (account,), group in end_users.group_by(["account"], maintain_order=True)
    ]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# --- email survey ------------------------------------------------------------------------------


class SurveyEmail(TypedDict, total=False):
    """The e-mail survey's options as every face names them (a missing one is None):
    `delay` 1 to 31 days, `survey_immediately` whether to survey at once."""

    subject: str | None
    intro: str | None
    sender_name: str | None
    delay: int | None
    survey_immediately: bool


def email_survey_plans(end_users: pl.DataFrame, **survey: Unpack[SurveyEmail]) -> list[Plan]:
    """One plan per account: the end users' e-mail addresses in calls of at most 100."""
    check_keywords("email_survey_plans", survey, typed_keys(SurveyEmail))
    delay = survey.get("delay")
    if delay is not None and not 1 <= delay <= 31:
        raise ValueError(f"--delay is 1 to 31 days, not {delay}")
    options = {
        "subject": survey.get("subject"),
        "intro": survey.get("intro"),
        "senders_name": survey.get("sender_name"),  # the API's spelling
        "delay": delay,
        "survey_immediately": survey.get("survey_immediately") or None,
    }
    options = {k: v for k, v in options.items() if v is not None}
    plans = []
    for account, group in _by_account(end_users):
        skipped: list[Skipped] = []
        people: list[tuple[str, str]] = []
        seen: set[str] = set()
        for end_user, email in group.select(["id", "email"]).iter_rows():
            address = (email or "").strip().lower()
            if not address or "@" not in address or "," in address:
                skipped.append(Skipped(str(end_user), "no usable e-mail address"))
            elif address in seen:
                skipped.append(Skipped(str(end_user), "an address already in the survey"))
            else:
                seen.add(address)
                people.append((str(end_user), address))
        calls = [
            _survey_call(i, people[i : i + MAX_SURVEY_EMAILS], options)
            for i in range(0, len(people), MAX_SURVEY_EMAILS)
        ]
        when = f" in {_plural(delay, 'day')}" if delay else ""
        summary = f"Survey {_plural(len(people), 'end user')} by e-mail{when}"
        plans.append(
            account_plan(
                "email-survey",
                account,
                PLATFORM,
                "end_users",
                summary,
                calls,
                skipped,
                params=options,
            )
        )
    return plans


def _survey_call(start: int, people: list[tuple[str, str]], options: Mapping[str, Any]) -> Call:
    emails = [email for _, email in people]

    async def send(client: Any) -> None:
        await _client(client).email_survey(emails, **options)

    return Call(
        key=f"email_survey:{start}:{people[0][0]}-{people[-1][0]}",
        method="POST",
        path="/v1/email_survey",
        rows=tuple(end_user for end_user, _ in people),
        change=f"survey {len(emails):,} addresses ({emails[0]}, …)"
        if len(emails) > 1
        else f"survey {emails[0]}",
        send=send,
        check=None,
    )


# --- set a property ----------------------------------------------------------------------------


def _current(row: Mapping[str, Any]) -> dict[str, Any]:
    properties = row.get("properties")
    return dict(properties) if isinstance(properties, Mapping) else {}


@dataclass(frozen=True)
class Properties:
    """Whose properties an action sets: the action, the table of its rows, what the summary
    calls a row, and a note on whose properties change."""

    action: str
    table: str
    what: str
    note: str


END_USER_PROPERTIES = Properties(
    "set-property",
    "end_users",
    "end user",
    "their current properties; their past responses keep the ones they answered with",
)


def property_plans(end_users: pl.DataFrame, values: Mapping[str, str]) -> list[Plan]:
    """One plan per account: a PUT for each end user whose properties differ from `values`."""
    return set_properties_plans(
        end_users, values, END_USER_PROPERTIES, lambda row: _property_call(str(row["id"]), values)
    )


def set_properties_plans(
    rows: pl.DataFrame,
    values: Mapping[str, str],
    target: Properties,
    call: Callable[[dict[str, Any]], Call],
) -> list[Plan]:
    """One plan per account: `call(row)` for each row of `target.table` (end users, declines)
    whose properties differ from `values`, the others skipped."""
    if not values:
        raise ValueError("give at least one NAME=VALUE")
    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    plans = []
    for account, group in _by_account(rows):
        calls, skipped = [], []
        for row in group.iter_rows(named=True):
            current = _current(row)
            if all(str(current.get(k)) == v for k, v in values.items()):
                skipped.append(Skipped(str(row["id"]), f"already {shown}"))
                continue
            calls.append(call(row))
        summary = f"Set {shown} on {_plural(len(calls), target.what)} ({target.note})"
        follow = set_properties(target.table, values)
        plans.append(
            account_plan(
                target.action,
                account,
                PLATFORM,
                target.table,
                summary,
                calls,
                skipped,
                params=dict(values),
                follow=follow,
            )
        )
    return plans


def _property_call(end_user: str, values: Mapping[str, str]) -> Call:
    async def send(client: Any) -> None:
        await _client(client).update_end_user(end_user, properties=dict(values))

    async def check(client: Any) -> bool | None:
        found = (await _client(client).get_end_user(end_user)).properties
        return all(str(found.get(k)) == v for k, v in values.items())

    change = ", ".join(f"properties[{k}] → {v}" for k, v in values.items())
    return row_call("end_user", end_user, "PUT", f"/v1/end_users/{end_user}", change, send, check)


# --- erase -------------------------------------------------------------------------------------


def erase_plans(end_users: pl.DataFrame) -> list[Plan]:
    """One destructive plan per account: a DELETE for each end user (their responses and
    declines go with them)."""
    plans = []
    for account, group in _by_account(end_users):
        calls = [_erase_call(str(end_user)) for end_user in group["id"].to_list()]
        answers = int(group["responses"].sum()) if "responses" in group.columns else 0
        selected = f"; the filter selected {_plural(answers, 'response')} of theirs"
        summary = (
            f"Erase {_plural(len(calls), 'end user')} with all their responses and declines "
            "(Wootric deletes them the next day at 7 AM UTC; cannot be undone)"
        )
        follow = chain(
            remove_rows("end_users"),
            remove_rows("responses", by="end_user_id"),
            remove_rows("declines", by="end_user_id"),
            remove_rows("page_views", by="end_user_id"),
        )
        summary += selected if answers else ""
        plans.append(
            account_plan(
                "erase",
                account,
                PLATFORM,
                "end_users",
                summary,
                calls,
                destructive=True,
                follow=follow,
            )
        )
    return plans


def _erase_call(end_user: str) -> Call:
    async def send(client: Any) -> None:
        with contextlib.suppress(NotFound):  # gone already: what was asked is done
            await _client(client).delete_end_user(end_user)

    async def check(client: Any) -> bool | None:
        # Marking for deletion again changes nothing: the read-back is the mark itself.
        with contextlib.suppress(NotFound):  # already deleted
            await _client(client).delete_end_user(end_user)
        return True

    change = "marked for deletion, with their responses and declines"
    path = f"/v1/end_users/{end_user}"
    return row_call("end_user", end_user, "DELETE", path, change, send, check)
