"""Every normalizer on generated payload variants: none raises, and nothing is lost in silence.

The payloads start from each API's documented shape and vary it the way real answers (and bugs)
do: fields missing, of the wrong type, timestamps in every format or none, nested objects where
text belongs, huge, negative and fractional numbers, None anywhere, and rows that are not objects
at all (the normalizers take only JSON objects; a model is no row either, see
`test_normalize.py`). The properties checked:

- a normalizer never raises, and its frame always fits its canonical table;
- a row is either in the frame or rejected (for one-row-per-record tables, exactly once);
- a rejection names the row's id (`?` when it has none) and the field at fault.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.data.normalize import (
    Normalized,
    wootric_declines,
    wootric_end_users,
    wootric_nps_summary,
    wootric_page_views,
    wootric_responses,
    wootric_segments,
)
from workbench.data.normalize.apptentive import (
    apptentive_end_users,
    apptentive_responses,
    apptentive_survey_answers,
    apptentive_surveys,
)
from workbench.data.normalize.crowdskout import (
    crowdskout_end_users,
    crowdskout_responses,
    crowdskout_segments,
)
from workbench.data.normalize.cxi import cxi_imports, cxi_projects, cxi_responses, cxi_tags
from workbench.data.schema import TABLES

# --- values -----------------------------------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.sampled_from(["a", "value", "name"]), st.integers(0, 9), max_size=2),
)
"""A value of any kind, for a field that should hold something else."""


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(good, good, good, JUNK)


IDS = st.one_of(st.integers(1, 10**12), st.text("0123456789abcdef", min_size=1, max_size=24))
TIMESTAMPS = st.one_of(
    st.sampled_from(
        [
            "2016-12-16 09:05:00 -0800",  # Wootric, with the account's offset
            "2014-12-01 18:36:59",  # Wootric legacy, UTC without an offset
            "2015-02-12T06:29:27.000-08:00",  # ISO 8601 with milliseconds
            "2015-04-20 04:46:51-08:00",
            "2025-04-01T20:00:11Z",
            "Tue, 13 Mar 2012 16:55:34 GMT",  # Apptentive, RFC 1123
            "2020-07-16",  # a CXI feedback_date
            "1504948149",  # Unix seconds as text (CXI)
            "99999999999999999",  # Unix seconds past year 9999
            "-5",
            "yesterday",
            "",
        ]
    ),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
)
NAMES = st.text(min_size=1, max_size=8)
SCORES = st.one_of(
    st.integers(-3, 14), st.integers(-(2**70), 2**70), st.text("0123456789.", max_size=3)
)
COUNTS = st.one_of(st.integers(-5, 10_000), st.integers(2**62, 2**70))


def row(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose every field may be missing, plausible, or anything."""
    return st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()})


PROPERTIES = st.one_of(
    st.dictionaries(
        st.sampled_from(["plan", "revenue", "country", "nested"]),
        st.one_of(st.text(max_size=6), st.integers(-(2**40), 2**40), st.none(), st.booleans()),
        max_size=3,
    ),
    st.sampled_from(["{'plan':'Lite'}", '{"plan": "Pro"}', "{bad", ""]),
)

# --- payloads per platform --------------------------------------------------------------------

WOOTRIC_RESPONSE = row(
    id=IDS,
    end_user_id=IDS,
    survey_id=IDS,
    score=SCORES,
    text=st.text(max_size=10),
    created_at=TIMESTAMPS,
    updated_at=TIMESTAMPS,
    tags=st.lists(st.text(max_size=6), max_size=3),
    excluded_from_calculations=st.booleans(),
    origin_url=st.text(max_size=10),
    end_user=st.fixed_dictionaries({}, optional={"properties": PROPERTIES}),
)
WOOTRIC_DECLINE = row(
    id=IDS,
    end_user_id=IDS,
    survey_id=IDS,
    origin_url=st.text(max_size=10),
    created_at=TIMESTAMPS,
    updated_at=TIMESTAMPS,
    end_user=st.fixed_dictionaries({}, optional={"properties": PROPERTIES}),
)
WOOTRIC_END_USER = row(
    id=IDS,
    email=st.emails(),
    external_id=IDS,
    phone_number=st.text("+0123456789", max_size=12),
    created_at=TIMESTAMPS,
    updated_at=TIMESTAMPS,
    last_surveyed=TIMESTAMPS,
    last_seen_at=TIMESTAMPS,
    page_views_count=COUNTS,
    properties=PROPERTIES,
)
WOOTRIC_PAGE_VIEW = row(
    id=IDS,
    end_user_id=IDS,
    url=st.text(max_size=10),
    at=TIMESTAMPS,
    created_at=TIMESTAMPS,
    updated_at=TIMESTAMPS,
)
WOOTRIC_SEGMENT = row(
    name=NAMES, data_type=st.sampled_from(["string", "date", "integer"]), created_at=TIMESTAMPS
)
DAYS = st.one_of(st.dates().map(str), st.dates(), st.sampled_from(["'2025-01-01'", "2025-13-01"]))
WOOTRIC_NPS_SUMMARY = row(
    date_start=DAYS,
    date_end=DAYS,
    nps=st.integers(-120, 120),
    responses=COUNTS,
    detractors=COUNTS,
    passives=COUNTS,
    promoters=COUNTS,
    response_rate=COUNTS,
    email_response_rate=COUNTS,
    fetched_at=TIMESTAMPS,
)

CXI_TAG_IN_RESPONSE = row(id=IDS, name=NAMES, mode=st.just("smart"), sentiment=st.just("positive"))
CXI_PROPERTY = row(key=NAMES, data_type=st.just("string"), value=st.text(max_size=6))
METRICS = st.sampled_from(["nps", "csat", "ces", "other", "NPS", "stars", ""])
CXI_RESPONSE = row(
    id=IDS,
    feedback=st.text(max_size=10),
    feedback_date=TIMESTAMPS,
    user_id=st.emails(),
    metric_type=METRICS,
    score=SCORES,
    sentiment=st.sampled_from(["positive", "negative", "neutral"]),
    tags=st.lists(CXI_TAG_IN_RESPONSE, max_size=3),
    custom_properties=st.lists(CXI_PROPERTY, max_size=3),
    import_id=IDS,
)
CXI_TAG_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": IDS,
    "name": NAMES,
    "mode": st.sampled_from(["smart", "manual", "text_match"]),
    "response_count": COUNTS,
    "usage": st.floats(-10, 120),
    "parent_id": IDS,
    "sentiment_breakdown": st.fixed_dictionaries(
        {},
        optional={k: maybe(st.floats(0, 100)) for k in ("positive", "neutral", "negative", "null")},
    ),
}
CXI_TAG = st.recursive(
    row(**CXI_TAG_FIELDS),
    lambda children: row(**CXI_TAG_FIELDS, children=st.lists(children, max_size=3)),
    max_leaves=6,
)
CXI_IMPORT = row(
    id=IDS,
    name=NAMES,
    source=NAMES,
    metric_type=METRICS,
    language=st.just("en"),
    response_count=COUNTS,
    created_at=TIMESTAMPS,
)
CXI_PROJECT = row(id=IDS, name=NAMES, response_count=COUNTS, created_at=TIMESTAMPS)

APPTENTIVE_USER = row(
    _id=IDS, id=IDS, email=st.emails(), name=NAMES, country=NAMES, phone_number=NAMES
)
APPTENTIVE_RECORD = row(
    id=IDS,
    summary=st.text(max_size=10),
    date=TIMESTAMPS,
    archived=st.booleans(),
    feedback=row(_id=IDS, feedback=st.text(max_size=10), type=st.sampled_from(["bug", "praise"])),
    user=APPTENTIVE_USER,
    device=row(_id=IDS, os_name=st.just("iOS"), model=NAMES, os_version=st.just("17.4.1")),
    data=st.dictionaries(NAMES, JUNK, max_size=3),
)
CHOICE = row(id=IDS, value=NAMES)
QUESTION = row(
    id=IDS,
    value=st.sampled_from(["How satisfied are you?", "Anything else?", "Pick one"]),
    type=st.sampled_from(["singleline", "multichoice", "multiselect"]),
    answer_choices=st.lists(CHOICE, max_size=5),
)
ANSWERED = row(
    question=st.sampled_from(["How satisfied are you?", "Anything else?", "Pick one"]),
    type=st.sampled_from(["singleline", "multichoice", "multiselect"]),
    responses=st.lists(st.one_of(row(choice=NAMES, count=COUNTS), NAMES), max_size=4),
)
APPTENTIVE_SURVEY = row(
    id=IDS,
    name=NAMES,
    description=st.text(max_size=10),
    active=st.booleans(),
    date=TIMESTAMPS,
    tags=st.lists(st.sampled_from(["csat", "nps", "ces", "product"]), max_size=2),
    questions=st.lists(QUESTION, max_size=3),
    response_count=COUNTS,
    responses=st.lists(ANSWERED, max_size=3),
)

OPTION = row(id=st.integers(1, 9), value=NAMES)
CROWDSKOUT_ITEMS: dict[str, st.SearchStrategy[Any]] = {
    "Names": row(id=IDS, FullName=NAMES, FirstName=NAMES, LastName=NAMES),
    "Genders": row(id=IDS, Gender=OPTION),
    "Ages": row(id=IDS, Age=st.integers(-5, 200)),
    "EmailAddresses": row(id=IDS, EmailAddress=st.emails(), EmailType=OPTION),
    "PhoneNumbers": row(id=IDS, PhoneNumber=NAMES, PhoneType=OPTION),
    "SurveyResponses": row(
        id=IDS,
        SurveyName=NAMES,
        SurveyScore=SCORES,
        SurveyAnswer=st.text(max_size=10),
        SurveyWhen=TIMESTAMPS,
    ),
}
COLLECTIONS = st.fixed_dictionaries(
    {},
    optional={name: maybe(st.lists(item, max_size=3)) for name, item in CROWDSKOUT_ITEMS.items()},
)
CROWDSKOUT_PROFILE = st.one_of(
    st.builds(lambda i, c: {"id": i, **c}, maybe(IDS), COLLECTIONS),  # the API's shape
    st.builds(lambda i, c: {"id": i, "collections": c}, maybe(IDS), maybe(COLLECTIONS)),
)
CROWDSKOUT_ATTRIBUTE = row(
    id=IDS,
    name=NAMES,
    type=st.sampled_from(["Radio", "Checkbox", "Text", "Number", "Tag", "Date", "Datetime"]),
    locked=st.booleans(),
    options=st.lists(OPTION, max_size=3),
)


# --- what each normalizer promises ---------------------------------------------------------------


def shown(row: object, key: str = "id") -> str:
    """The id a rejection of this row must name: its id, `?` when it has none."""
    if not isinstance(row, Mapping):
        return "?"
    value = row.get(key)
    if value is None and key == "id":
        value = row.get("_id")
    return "?" if value is None or value == "" else str(value)


def legacy_shown(row: Mapping[str, Any]) -> str:
    """How the original Wootric normalizers name a row: `str(row.get("id", "?"))`."""
    return str(row.get("id", "?"))


def summary_shown(row: object) -> str:
    if not isinstance(row, Mapping):
        return "?"
    return f"{row.get('date_start', '?')}..{row.get('date_end', '?')}"


@dataclass(frozen=True, repr=False)
class Case:
    """One normalizer, the payloads it gets, and the checks that apply to it."""

    name: str
    normalize: Callable[[list[Any]], Normalized]
    table: str
    rows: st.SearchStrategy[Any]
    fields: frozenset[str]
    """Every field a rejection may name (its first dotted part)."""
    one_to_one: bool = True
    """One frame row per readable input row, keyed by `key` and named by `shown_as`."""
    key: str | None = "id"
    shown_as: Callable[[Any], str] = shown
    objects_only: bool = False
    """Takes only mappings (the original Wootric normalizers); others take anything."""

    def __repr__(self) -> str:
        return self.name

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """What hypothesis prints for a failing example: the name, not every strategy."""
        printer.text(self.name)


def fields(strategy_keys: dict[str, Any] | list[str], *extra: str) -> frozenset[str]:
    return frozenset([*strategy_keys, *extra, "row"])


CASES = [
    Case(
        "wootric_responses",
        lambda rows: wootric_responses(rows, "acme"),
        "responses",
        WOOTRIC_RESPONSE,
        fields(["id", "end_user_id", "survey_id", "score", "text", "created_at", "updated_at"])
        | fields(["tags", "origin_url", "properties", "excluded_from_calculations"]),
        shown_as=legacy_shown,
        objects_only=True,
    ),
    Case(
        "wootric_declines",
        lambda rows: wootric_declines(rows, "acme"),
        "declines",
        WOOTRIC_DECLINE,
        fields(["id", "end_user_id", "survey_id", "origin_url", "created_at", "updated_at"])
        | fields(["properties"]),
        shown_as=legacy_shown,
        objects_only=True,
    ),
    Case(
        "wootric_end_users",
        lambda rows: wootric_end_users(rows, "acme"),
        "end_users",
        WOOTRIC_END_USER,
        fields(["id", "email", "external_id", "phone_number", "created_at", "updated_at"])
        | fields(["last_surveyed", "last_seen_at", "page_views_count", "properties"]),
        shown_as=legacy_shown,
        objects_only=True,
    ),
    Case(
        "wootric_page_views",
        lambda rows: wootric_page_views(rows, "acme"),
        "page_views",
        WOOTRIC_PAGE_VIEW,
        fields(["id", "end_user_id", "url", "at", "created_at", "updated_at"]),
    ),
    Case(
        "wootric_segments",
        lambda rows: wootric_segments(rows, "acme"),
        "segments",
        WOOTRIC_SEGMENT,
        fields(["name", "data_type", "created_at"]),
        key="name",
        shown_as=lambda row: shown(row, "name"),
    ),
    Case(
        "wootric_nps_summary",
        lambda rows: wootric_nps_summary(rows, "acme"),
        "nps_summaries",
        WOOTRIC_NPS_SUMMARY,
        fields(["date_start", "date_end", "nps", "responses", "detractors", "passives"])
        | fields(["promoters", "response_rate", "email_response_rate", "fetched_at"]),
        key=None,
        shown_as=summary_shown,
    ),
    Case(
        "cxi_responses",
        lambda rows: cxi_responses(rows, "acme-cxi"),
        "responses",
        CXI_RESPONSE,
        fields(["id", "feedback", "feedback_date", "user_id", "metric_type", "score"])
        | fields(["sentiment", "tags", "custom_properties", "import_id"]),
    ),
    Case(
        "cxi_responses of an import",
        lambda rows: cxi_responses(rows, "acme-cxi", import_id=7, metric_type="csat"),
        "responses",
        CXI_RESPONSE,
        fields(["id", "feedback", "feedback_date", "user_id", "score", "sentiment", "tags"])
        | fields(["custom_properties", "import_id"]),
    ),
    Case(
        "cxi_tags",
        lambda rows: cxi_tags(rows, "acme-cxi"),
        "tags",
        CXI_TAG,
        fields([*CXI_TAG_FIELDS, "children"]),
        one_to_one=False,
    ),
    Case(
        "cxi_imports",
        lambda rows: cxi_imports(rows, "acme-cxi"),
        "surveys",
        CXI_IMPORT,
        fields(["id", "name", "source", "metric_type", "language", "response_count"])
        | fields(["created_at"]),
    ),
    Case(
        "cxi_projects",
        lambda rows: cxi_projects(rows, "acme-cxi"),
        "projects",
        CXI_PROJECT,
        fields(["id", "name", "response_count", "created_at"]),
    ),
    Case(
        "apptentive_responses",
        lambda rows: apptentive_responses(rows, "acme-ios"),
        "responses",
        APPTENTIVE_RECORD,
        fields(["id", "date", "feedback", "user", "device", "data"]),
    ),
    Case(
        "apptentive_end_users",
        lambda rows: apptentive_end_users(rows, "acme-ios"),
        "end_users",
        APPTENTIVE_RECORD,
        fields(["date", "user"]),
        one_to_one=False,
    ),
    Case(
        "apptentive_surveys",
        lambda rows: apptentive_surveys(rows, "acme-ios"),
        "surveys",
        APPTENTIVE_SURVEY,
        fields(["id", "name", "description", "active", "date", "tags", "questions"])
        | fields(["response_count"]),
    ),
    Case(
        "apptentive_survey_answers",
        lambda rows: apptentive_survey_answers(rows, "acme-ios"),
        "survey_answers",
        APPTENTIVE_SURVEY,
        fields(["id", "questions", "responses", "question", "type", "value", "choice", "count"]),
        one_to_one=False,
    ),
    Case(
        "crowdskout_end_users",
        lambda rows: crowdskout_end_users(rows, "field-team"),
        "end_users",
        CROWDSKOUT_PROFILE,
        fields(["id", "collections", *CROWDSKOUT_ITEMS]),
    ),
    Case(
        "crowdskout_responses",
        lambda rows: crowdskout_responses(rows, "field-team"),
        "responses",
        CROWDSKOUT_PROFILE,
        fields(["id", "collections", *CROWDSKOUT_ITEMS])
        | fields(["SurveyName", "SurveyScore", "SurveyAnswer", "SurveyWhen"]),
        one_to_one=False,
    ),
    Case(
        "crowdskout_segments",
        lambda rows: crowdskout_segments(rows, "field-team"),
        "segments",
        CROWDSKOUT_ATTRIBUTE,
        fields(["id", "name", "type", "options"]),
        key=None,
    ),
]

ANY_ROW = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.none(), max_size=1))
"""Rows that are not objects at all."""


@pytest.mark.parametrize("case", CASES, ids=repr)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_row_is_lost_and_every_rejection_says_where(case: Case, data: st.DataObject) -> None:
    strategy = case.rows if case.objects_only else st.one_of(case.rows, case.rows, ANY_ROW)
    rows = data.draw(st.lists(strategy, max_size=6), label="rows")

    result = case.normalize(rows)

    assert_fits(result.frame, case.table)
    for rejected in result.rejected:
        assert rejected.table == case.table
        assert rejected.field.split(".")[0] in case.fields, rejected
        assert rejected.reason
    if case.one_to_one:
        assert result.frame.height + len(result.rejected) == len(rows)
        named = Counter(r.id for r in result.rejected)
        if case.key is not None:
            named += Counter(result.frame[case.key].cast(pl.String).to_list())
            assert named == Counter(case.shown_as(r) for r in rows)
        else:
            assert set(named) <= {case.shown_as(r) for r in rows}
    else:
        assert_accounted_for(case, rows, result)


def assert_fits(frame: pl.DataFrame, table: str) -> None:
    """The frame has the table's columns and types (properties: any struct)."""
    expected = TABLES[table].schema
    assert frame.columns == expected.names()
    for name, dtype in expected.items():
        if name == "properties":
            assert isinstance(frame.schema[name], pl.Struct)
        else:
            assert frame.schema[name] == dtype, name


def assert_accounted_for(case: Case, rows: list[Any], result: Normalized) -> None:
    """For tables with many rows (or none) per input row: each input is in the frame or in
    `rejected`, and each rejection names an input."""
    rejected = {r.id for r in result.rejected}
    if case.table == "tags":
        ids = result.frame["id"].to_list()
        assert len(ids) == len(set(ids))  # a tag listed twice is kept once
        for tag in walk(rows):
            assert shown(tag) in set(ids) | rejected
    elif case.table == "end_users":  # Apptentive: one end user per record user
        ids = result.frame["id"].to_list()
        assert len(ids) == len(set(ids))
        for record in rows:
            user = record.get("user") if isinstance(record, Mapping) else None
            if not isinstance(user, Mapping):
                continue
            named = user.get("_id") if user.get("_id") is not None else user.get("id")
            if named is not None and named != "":  # `_id` as the API sends it, `id` in models
                assert str(named) in ids or shown(record) in rejected
    elif case.table == "survey_answers":
        surveys = {shown(r) for r in rows}
        assert rejected <= surveys
        assert set(result.frame["survey_id"].to_list()) <= surveys - {"?"}
    elif case.table == "responses":  # Crowdskout: one response per survey answer
        answered = {
            shown(item)
            for profile in rows
            for item in survey_items(profile)
            if shown(profile) not in rejected
        }
        assert set(result.frame["id"].to_list()) | rejected >= answered
        assert rejected <= answered | {shown(p) for p in rows}


def walk(rows: list[Any]) -> list[Any]:
    found = []
    for row in rows:
        found.append(row)
        if isinstance(row, Mapping) and isinstance(row.get("children"), list):
            found += walk(row["children"])
    return found


def survey_items(profile: object) -> list[Any]:
    if not isinstance(profile, Mapping):
        return []
    collections = profile.get("collections", profile)
    items = collections.get("SurveyResponses") if isinstance(collections, Mapping) else None
    return items if isinstance(items, list) else []
