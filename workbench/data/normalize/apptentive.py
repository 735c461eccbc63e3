"""Apptentive records and surveys to canonical frames.

Each normalizer takes rows as plain JSON objects (the API's own rows, whose nested ids are
`_id`, as `ApptentiveClient.iter_record_rows()` gives them; a model dumped with
`model_dump(mode="json")`, whose nested ids are `id`, reads the same) and an account name,
and answers `Normalized(frame, rejected)`: a record that cannot be read is reported, never
dropped.

What the documentation gives, and so what the tables hold:

- A record is one piece of feedback with its user, device and app `data`; the docs show no
  score or rating on it. Records therefore become responses with metric `other` and no score,
  the feedback text, and the feedback's `type` ("bug", "praise", ...) as their one tag: it is the
  label the person chose for the feedback, which is what the tag filters are for.
- A survey is known by its questions; its answers come only as counts per question and choice
  (`GET /surveys/{id}`), never per person, so they go to `survey_answers` and not to
  `responses`. A survey's metric is read from its tags (`nps`, `csat`, `ces`) or, failing that,
  from its questions' shape (a 0-10 choice scale is NPS, a satisfaction scale CSAT, an
  agreement or effort scale CES); any other survey is `other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from workbench.data.normalize.collect import Normalized, Rejected, collect, entries, frame
from workbench.data.normalize.fields import (
    Bad,
    Row,
    integer,
    named_head,
    read_count,
    read_flag,
    read_id,
    read_list,
    read_object,
    read_text,
    read_time,
    scalar,
    shown,
)

PLATFORM = "apptentive"

DEVICE_PROPERTIES = ("os_name", "os_version", "manufacturer", "model", "carrier", "network_type")
"""Device fields kept as response properties: what an analyst segments app feedback by."""
USER_COLUMNS = ("id", "_id", "email", "phone_number")
"""User fields that are end-user columns; the rest of the user object becomes properties."""

_NPS_CHOICES = [str(n) for n in range(11)]
_CSAT = re.compile(r"satisf", re.IGNORECASE)
_CES = re.compile(r"agree|easy|effort", re.IGNORECASE)


# --- records -> responses ----------------------------------------------------------------------


def apptentive_responses(rows: Iterable[Row], account: str) -> Normalized:
    """Records (`ApptentiveClient.iter_records()` / `list_records()`) -> `responses`.

    `end_user_id` is the record's user id and `user_ref` its e-mail; the properties are the
    app's `data` (kept as sent) over a few device fields and the user's country.
    """

    def read(row: Row) -> dict[str, Any]:
        user = read_object(row, "user")
        feedback = read_object(row, "feedback")
        kind = _nested_text(feedback, "feedback", "type")
        return {
            "account": account,
            "platform": PLATFORM,
            "id": read_id(row),
            "end_user_id": _nested_id(user, "user"),
            "user_ref": _nested_text(user, "user", "email"),
            "survey_id": None,
            "metric": "other",
            "score": None,
            "text": _nested_text(feedback, "feedback", "feedback"),
            "created_at": read_time(row, "date", required=True),
            "updated_at": None,
            "tags": [kind] if kind else [],
            "sentiment": None,
            "excluded_from_calculations": False,
            "origin_url": None,
            "properties": _record_properties(row, user),
        }

    return collect("responses", entries(rows), read)


def _nested_text(obj: Row, where: str, name: str) -> str | None:
    """A text field of a nested object, named `user.email` when it is at fault. Apptentive
    stores user, device and feedback values as text, so true and false read as their text
    (as the client's models read them)."""
    value = obj.get(name)
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return read_text(obj, name)
    except Bad as bad:
        raise Bad(f"{where}.{bad.field}", bad.reason) from None


def _nested_id(obj: Row, where: str) -> str | None:
    """The id of a nested object: `_id` as the API sends it, `id` as the models name it.
    None when it has none; one that is not an id (true, an object) is rejected."""
    key = "_id" if obj.get("_id") is not None else "id"
    if obj.get(key) is None or obj.get(key) == "":
        return None
    try:
        return read_id(obj, key)
    except Bad as bad:
        raise Bad(f"{where}.{bad.field}", bad.reason) from None


def _record_properties(row: Row, user: Row) -> dict[str, Any]:
    device = read_object(row, "device")
    data = read_object(row, "data")
    properties: dict[str, Any] = {
        name: _nested_text(device, "device", name) for name in DEVICE_PROPERTIES
    }
    properties["country"] = _nested_text(user, "user", "country")
    properties.update({str(k): scalar(v) for k, v in data.items()})
    return properties


# --- record users -> end users -------------------------------------------------------------


def apptentive_end_users(rows: Iterable[Row], account: str) -> Normalized:
    """The users of records (`iter_records()`, the same rows as `apptentive_responses`) ->
    `end_users`, one row per user id.

    Apptentive has no user listing: a person is known by the records they sent. `created_at` is
    the date of their first record and `last_seen_at` of their latest. A record without a user
    (or whose user has no id) names no one, so it adds no end user and is not a rejection; a
    record whose user cannot be read is rejected (table `end_users`, the record's id).
    """
    users: dict[str, dict[str, Any]] = {}
    rejected: list[Rejected] = []
    for shown_as, row in entries(rows):
        try:
            if isinstance(row, Bad):
                raise row
            user = _user(row, account)
        except Bad as bad:
            rejected.append(Rejected("end_users", shown_as, bad.field, bad.reason))
            continue
        if user is not None:
            _merge(users, user)
    return Normalized(frame("end_users", list(users.values())), rejected)


def _user(row: Row, account: str) -> dict[str, Any] | None:
    user = read_object(row, "user")
    user_id = _nested_id(user, "user")
    if user_id is None:
        return None
    seen = read_time(row, "date")
    return {
        "account": account,
        "platform": PLATFORM,
        "id": user_id,
        "email": _nested_text(user, "user", "email"),
        "external_id": None,
        "phone_number": _nested_text(user, "user", "phone_number"),
        "created_at": seen,
        "updated_at": None,
        "last_surveyed": None,
        "last_seen_at": seen,
        "page_views_count": None,
        "properties": {str(k): scalar(v) for k, v in user.items() if k not in USER_COLUMNS},
    }


def _merge(users: dict[str, dict[str, Any]], user: dict[str, Any]) -> None:
    """Keep one row per user: the first record's details, the span of all their records."""
    known = users.get(user["id"])
    if known is None:
        users[user["id"]] = user
        return
    known["created_at"] = _earliest(known["created_at"], user["created_at"])
    known["last_seen_at"] = _latest(known["last_seen_at"], user["last_seen_at"])


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((t for t in (a, b) if t is not None), default=None)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


# --- surveys --------------------------------------------------------------------------------


def apptentive_surveys(rows: Iterable[Row], account: str) -> Normalized:
    """Surveys (`list_surveys()`, or `get_survey(id)` for `response_count`) -> `surveys`."""

    def read(row: Row) -> dict[str, Any]:
        return {
            **named_head(row, account, PLATFORM),
            "description": read_text(row, "description"),
            "metric": survey_metric(row),
            "language": None,
            "source": None,
            "active": read_flag(row, "active"),
            "response_count": read_count(row, "response_count"),
            "created_at": read_time(row, "date"),
            "updated_at": None,
        }

    return collect("surveys", entries(rows), read)


def survey_metric(row: Row) -> str:
    """nps, csat or ces when the survey's tags or questions say so, else other (see module doc).

    Tags come first because an app's owner set them on purpose; the question shapes are the
    fallback for surveys nobody tagged.
    """
    tags = {t.strip().lower() for t in read_list(row, "tags") if isinstance(t, str)}
    for metric in ("nps", "csat", "ces"):
        if metric in tags:
            return metric
    shapes = [_question_metric(q) for q in read_list(row, "questions") if isinstance(q, Mapping)]
    for metric in ("nps", "csat", "ces"):
        if metric in shapes:
            return metric
    return "other"


def _question_metric(question: Row) -> str | None:
    choices = question.get("answer_choices") or question.get("answer_choice") or []
    values = [
        str(c.get("value")).strip()
        for c in (choices if isinstance(choices, list) else [])
        if isinstance(c, Mapping)
    ]
    text = " ".join([str(question.get("value") or ""), *values])
    if values == _NPS_CHOICES:
        return "nps"
    if len(values) == 5 and _CSAT.search(text):
        return "csat"
    if len(values) == 7 and _CES.search(text):
        return "ces"
    return None


# --- survey answer counts ----------------------------------------------------------------------


def apptentive_survey_answers(rows: Iterable[Row], account: str) -> Normalized:
    """Survey details (`ApptentiveClient.get_survey(id)`) -> `survey_answers`.

    One row per question and choice with its count. A free-text (singleline) question has no
    choices: its answers are counted in one row whose `choice` is null, as the table says. A
    survey is all or nothing: if one of its counts cannot be read, the survey is rejected (table
    `survey_answers`, the survey's id). A survey from the listing carries no counts and gives
    no rows.
    """

    def read(row: Row) -> list[dict[str, Any]]:
        survey_id = read_id(row)
        questions = [q for q in read_list(row, "questions") if isinstance(q, Mapping)]
        records: list[dict[str, Any]] = []
        for position, answered in enumerate(read_list(row, "responses")):
            if not isinstance(answered, Mapping):
                raise Bad("responses", f"not an object: {shown(answered)}")
            question = _question_of(answered, position, questions)
            for choice, count in _choice_counts(answered, question):
                records.append(
                    {
                        "account": account,
                        "platform": PLATFORM,
                        "survey_id": survey_id,
                        "question_id": read_id(question),
                        "question": read_text(answered, "question") or read_text(question, "value"),
                        "question_type": read_text(answered, "type") or read_text(question, "type"),
                        "choice": choice,
                        "count": count,
                    }
                )
        return records

    return collect("survey_answers", entries(rows), read)


def _question_of(answered: Row, position: int, questions: list[Row]) -> Row:
    """The question the counts belong to: the one at the same place if its text agrees (the API
    lists them in order), else the one with that text."""
    text = answered.get("question")
    if position < len(questions) and questions[position].get("value") == text:
        return questions[position]
    for question in questions:
        if question.get("value") == text:
            return question
    raise Bad("responses", f"counts for a question the survey does not list: {shown(text)}")


def _choice_counts(answered: Row, question: Row) -> list[tuple[str | None, int]]:
    """(choice, count) pairs; a free-text question's answers summed under choice None."""
    free_text = (answered.get("type") or question.get("type")) == "singleline"
    counts: dict[str | None, int] = {}
    choice: str | None
    count: int | None
    for entry in read_list(answered, "responses"):
        if isinstance(entry, str):  # a free-text answer listed as itself: one answer
            choice, count = entry, 1
        elif isinstance(entry, Mapping):
            choice = read_text(entry, "choice")
            count = integer(entry.get("count"))
            if count is None or count < 0:
                raise Bad("responses", f"not a count: {shown(entry.get('count'))}")
        else:
            raise Bad("responses", f"not a choice count: {shown(entry)}")
        key = None if free_text else choice
        counts[key] = counts.get(key, 0) + count
    return list(counts.items())


__all__ = [
    "apptentive_end_users",
    "apptentive_responses",
    "apptentive_survey_answers",
    "apptentive_surveys",
    "survey_metric",
]
