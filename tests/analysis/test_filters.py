"""The filter: text form (grammar, errors, round trips), names, and what it selects."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis.frames import responses, synthetic
from workbench.analysis import (
    BAND_NAMES,
    Condition,
    Filter,
    FilterError,
    FilterSyntaxError,
    KnownNames,
    ScoreRange,
    complete,
)
from workbench.analysis.filter_names import validate_filter
from workbench.analysis.filters import apply_filter, compile_filter

EXAMPLE = 'tag:PERFORMANCE -tag:PRICING score:0-6 since:2025-01-01 plan=Enterprise "slow"'


def test_the_issue_example_parses() -> None:
    f = Filter.parse(EXAMPLE)
    assert f == Filter(
        tags_any=["PERFORMANCE"],
        tags_none=["PRICING"],
        score=ScoreRange(low=0, high=6),
        since=date(2025, 1, 1),
        conditions=[Condition(field="plan", op="=", values=["Enterprise"])],
        text=["slow"],
    )


def test_every_form_in_the_brief_parses() -> None:
    f = Filter.parse(
        "tags-all:A,B metric:nps score:promoters until:2025-02-01 last:90d account:acme "
        "platform:cxi revenue>=5000 country in (US,UK) excluded:include"
    )
    assert f.tags_all == ["A", "B"]
    assert f.metrics == ["nps"]
    assert f.score == "promoters"
    assert f.until == date(2025, 2, 1)
    assert f.last_days == 90
    assert f.accounts == ["acme"]
    assert f.platforms == ["cxi"]
    assert f.conditions == [
        Condition(field="revenue", op=">=", values=["5000"]),
        Condition(field="country", op="in", values=["US", "UK"]),
    ]
    assert f.excluded == "include"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (EXAMPLE, 'since:2025-01-01 score:0-6 tag:PERFORMANCE -tag:PRICING plan=Enterprise "slow"'),
        ("TAG:a tag:b", "tag:a,b"),
        ("last:2w", "last:14d"),
        ('country  not  in ( "New Zealand" , US )', 'country not in ("New Zealand",US)'),
        ("plan = Pro", "plan=Pro"),
        ('slow  -"refund"', '"slow" -"refund"'),
        ('x>=-5 "a \\"b\\" \\\\"', 'x>="-5" "a \\"b\\" \\\\"'),
        ("", ""),
    ],
)
def test_text_has_one_canonical_form(text: str, canonical: str) -> None:
    assert Filter.parse(text).to_text() == canonical
    assert Filter.parse(canonical).to_text() == canonical


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("tga:X", 0, "a key such as 'tag'"),
        ("score:0-6 tag:", 14, "a value after 'tag:'"),
        ("score:7-3", 6, "a range from low to high"),
        ("since:2025-13-01", 6, "a date as YYYY-MM-DD"),
        ("country in (US", 14, "',' or ')' to close the list"),
        ('plan=Pro "slow', 9, 'a closing quote (")'),
        ("tag:A,", 6, "a value after ','"),
        ("-plan=Pro", 1, "tag:... or a quoted phrase after '-'"),
        ("score:1 score:2", 8, "only one score term"),
        ("last:0d", 5, "a period such as 90d or 12w"),
        ("excluded:maybe", 9, "include, exclude or only"),
        ("plan ! Pro", 5, "'!='"),
        ("since:2025-03-01 until:2025-02-01", 0, "a consistent filter"),
    ],
)
def test_syntax_errors_say_where_and_what_was_expected(
    text: str, position: int, expected: str
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        Filter.parse(text)
    error = caught.value
    assert error.position == position
    assert expected in error.expected
    assert f"at character {position + 1}" in str(error)
    assert "\n" not in str(error)
    assert error.pointer().splitlines()[1] == " " * position + "^"


# --- round trips (hypothesis) ---------------------------------------------------------------------

names = st.text(min_size=1, max_size=12)
values = st.text(max_size=12)
conditions = st.builds(
    Condition,
    field=names,
    op=st.sampled_from(["=", "!=", ">", ">=", "<", "<="]),
    values=st.lists(values, min_size=1, max_size=1),
) | st.builds(
    Condition,
    field=names,
    op=st.sampled_from(["in", "not in"]),
    values=st.lists(values, min_size=1, max_size=4),
)
scores = (
    st.none()
    | st.sampled_from(BAND_NAMES)
    | st.builds(
        lambda a, b: ScoreRange(low=min(a, b), high=max(a, b)),
        st.integers(0, 10),
        st.integers(0, 10),
    )
)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    since = draw(st.none() | st.dates())
    until = draw(st.none() | st.dates(min_value=since or date.min))
    short = st.lists(names, max_size=3)
    return Filter(
        accounts=draw(short),
        platforms=draw(short),
        metrics=draw(short),
        since=since,
        until=until,
        last_days=draw(st.none() | st.integers(1, 3650)),
        score=draw(scores),
        tags_any=draw(short),
        tags_all=draw(short),
        tags_none=draw(short),
        text=draw(short),
        text_none=draw(short),
        conditions=draw(st.lists(conditions, max_size=3)),
        excluded=draw(st.sampled_from(["exclude", "include", "only"])),
    )


@settings(deadline=None, max_examples=300)
@given(filters())
def test_text_round_trips(f: Filter) -> None:
    text = f.to_text()
    assert Filter.parse(text) == f
    assert Filter.parse(text).to_text() == text


@settings(deadline=None, max_examples=100)
@given(filters())
def test_json_and_toml_round_trip(f: Filter) -> None:
    assert Filter.from_json(f.to_json()) == f
    assert Filter.from_toml(f.to_toml()) == f


def test_saved_filter_keeps_relative_dates_relative() -> None:
    saved = Filter.parse("last:90d tag:PERFORMANCE").to_toml()
    assert "last_days = 90" in saved
    assert "since" not in saved


# --- names: validation and suggestions ------------------------------------------------------------


def test_unknown_names_are_named_with_the_nearest_known_one() -> None:
    frame = synthetic(500)
    f = Filter.parse("tag:PERFORMANC plna=Pro platform:wootrc metric:nsp account:acmee")
    with pytest.raises(FilterError) as caught:
        validate_filter(f, frame)
    assert caught.value.suggestions == {
        "PERFORMANC": "PERFORMANCE",
        "plna": "plan",
        "wootrc": "wootric",
        "nsp": "nps",
        "acmee": "acme",
    }
    message = str(caught.value)
    assert "unknown tag 'PERFORMANC'; did you mean 'PERFORMANCE'?" in message
    assert "unknown field 'plna'; did you mean 'plan'?" in message


def test_known_tags_may_come_from_the_tags_table() -> None:
    frame = synthetic(200)
    tags = pl.DataFrame({"name": ["ONBOARDING"]})
    validate_filter(Filter.parse("tag:ONBOARDING"), KnownNames.from_frame(frame, tags))
    with pytest.raises(FilterError, match="ONBOARDING"):
        validate_filter(Filter.parse("tag:ONBOARDING"), frame)


def test_a_valid_filter_validates() -> None:
    frame = synthetic(200)
    f = Filter.parse(EXAMPLE + " country in (US,UK) account:acme")
    assert validate_filter(f, frame) is f


def test_compiling_an_unknown_field_suggests_too() -> None:
    with pytest.raises(FilterError, match=r"unknown field 'revenu'; did you mean 'revenue'\?"):
        compile_filter(Filter.parse("revenu>=5"), synthetic(10).schema)


def test_a_value_of_the_wrong_type_is_explained() -> None:
    with pytest.raises(FilterError, match="revenue is a number; 'lots' is not one"):
        compile_filter(Filter.parse("revenue>=lots"), synthetic(10).schema)


def test_completion_of_keys_fields_and_values() -> None:
    known = KnownNames.from_frame(synthetic(300))
    assert complete("tag:PER", known) == ["tag:PERFORMANCE"]
    assert complete("score:0-6 -tag:PRICING,U", known) == ["-tag:PRICING,UX_UI"]
    assert complete("score:p", known) == ["score:passives", "score:promoters"]
    assert "plan=" in complete("pl", known)
    assert "platform:" in complete("pl", known)
    assert complete("excluded:", known) == ["excluded:include", "excluded:exclude", "excluded:only"]
    assert complete("score:", known)[:3] == [
        "score:detractors",
        "score:passives",
        "score:promoters",
    ]
    assert complete("score:dis", known) == ["score:dissatisfied", "score:disagree"]
    assert "tag:" in complete("tag:A ", known)


# --- what a filter selects ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return synthetic(4_000)


def select(frame: pl.DataFrame, text: str, **options: object) -> pl.DataFrame:
    return apply_filter(Filter.parse(text), frame, **options)


def ids(frame: pl.DataFrame) -> set[str]:
    return set(frame["id"].to_list())


def test_default_lists_excluded_responses(frame: pl.DataFrame) -> None:
    flagged = frame["excluded_from_calculations"]
    assert flagged.any()
    assert ids(select(frame, "")) == ids(frame)
    assert ids(select(frame, "excluded:include")) == ids(frame)
    assert ids(select(frame, "excluded:exclude")) == ids(frame.filter(~flagged))
    assert ids(select(frame, "excluded:only")) == ids(frame.filter(flagged))
    assert Filter.parse("excluded:include") == Filter()
    assert Filter().to_text() == ""
    assert Filter.parse("excluded:exclude").to_text() == "excluded:exclude"


def test_a_non_empty_filter_keeps_excluded_responses(frame: pl.DataFrame) -> None:
    for text in ("account:acme", "tag:PRICING", "metric:nps score:0-6", "score:detractors"):
        chosen = select(frame, text)
        assert chosen["excluded_from_calculations"].any(), text
        assert ids(select(frame, f"{text} excluded:exclude")) == ids(
            chosen.filter(~pl.col("excluded_from_calculations"))
        ), text


def test_tags_any_all_none(frame: pl.DataFrame) -> None:
    rows = frame.to_dicts()
    expected_any = {r["id"] for r in rows if {"PERFORMANCE", "UX_UI"} & set(r["tags"])}
    expected_all = {r["id"] for r in rows if {"PERFORMANCE", "UX_UI"} <= set(r["tags"])}
    expected_none = {r["id"] for r in rows if "PRICING" not in r["tags"]}
    assert ids(select(frame, "tag:PERFORMANCE,UX_UI")) == expected_any
    assert ids(select(frame, "tags-all:PERFORMANCE,UX_UI")) == expected_all
    assert ids(select(frame, "-tag:PRICING")) == expected_none
    assert ids(select(frame, "tags-none:PRICING")) == expected_none


def test_text_search_is_case_insensitive_and_literal() -> None:
    small = responses(
        [
            {"id": "1", "text": "SLOW and slower"},
            {"id": "2", "text": "price (a.b) é"},
            {"id": "3", "text": None},
            {"id": "4", "text": "Ça marche"},
        ]
    )
    assert ids(select(small, '"slow"')) == {"1"}
    assert ids(select(small, '"(A.B)"')) == {"2"}
    assert ids(select(small, '"a*b"')) == set()
    assert ids(select(small, '"ÇA"')) == {"4"}
    assert ids(select(small, '-"slow"')) == {"2", "3", "4"}


def test_conditions_on_properties_and_columns(frame: pl.DataFrame) -> None:
    rows = frame.to_dicts()

    def where(predicate: object) -> set[str]:
        return {r["id"] for r in rows if predicate(r)}  # type: ignore[operator]

    props = "properties"
    assert ids(select(frame, "plan=Enterprise")) == where(
        lambda r: r[props]["plan"] == "Enterprise"
    )
    assert ids(select(frame, "revenue>=5000")) == where(lambda r: r[props]["revenue"] >= 5000)
    assert ids(select(frame, "revenue<5000.5")) == where(lambda r: r[props]["revenue"] < 5000.5)
    assert ids(select(frame, "country in (US,UK)")) == where(
        lambda r: r[props]["country"] in ("US", "UK")
    )
    assert ids(select(frame, "country not in (US,UK) platform:cxi")) == where(
        lambda r: r[props]["country"] not in ("US", "UK") and r["platform"] == "cxi"
    )
    assert ids(select(frame, "account!=acme metric:csat")) == where(
        lambda r: r["account"] != "acme" and r["metric"] == "csat"
    )


def test_not_equal_keeps_missing_values() -> None:
    small = responses(
        [
            {"id": "1", "properties": {"plan": "Pro"}},
            {"id": "2", "properties": {"plan": None}},
            {"id": "3", "properties": {"plan": "Free"}},
        ]
    )
    assert ids(select(small, "plan!=Pro")) == {"2", "3"}
    assert ids(select(small, "plan not in (Pro)")) == {"2", "3"}
    assert ids(select(small, "plan in (Pro,Free)")) == {"1", "3"}


def test_score_ranges_and_bands(frame: pl.DataFrame) -> None:
    nps_rows = frame.filter(pl.col("metric") == "nps")
    csat_rows = frame.filter(pl.col("metric") == "csat")
    assert ids(select(frame, "metric:nps score:0-6")) == ids(nps_rows.filter(pl.col("score") <= 6))
    assert ids(select(frame, "score:promoters")) == ids(nps_rows.filter(pl.col("score") >= 9))
    assert ids(select(frame, "metric:nps score:7")) == ids(nps_rows.filter(pl.col("score") == 7))
    assert ids(select(frame, "score:satisfied")) == ids(csat_rows.filter(pl.col("score") >= 4))
    assert ids(select(frame, "metric:csat score:1-2")) == ids(
        csat_rows.filter(pl.col("score") <= 2)
    )
    with pytest.raises(FilterError, match=r"add metric:nps \(or csat\)"):
        select(frame, "score:0-6")


def test_dates_are_local_days_inclusive() -> None:
    base = datetime(2025, 3, 1, tzinfo=UTC)
    small = responses(
        [
            {"id": "a", "created_at": base - timedelta(hours=1)},  # 1 March 00:00 in Paris
            {"id": "b", "created_at": base + timedelta(hours=23, minutes=30)},  # 2 March in Paris
            {"id": "c", "created_at": base + timedelta(days=1, hours=12)},
        ]
    )
    assert ids(select(small, "since:2025-03-01 until:2025-03-01")) == {"b"}
    paris = {"time_zone": "Europe/Paris"}
    assert ids(select(small, "since:2025-03-01 until:2025-03-01", **paris)) == {"a"}
    assert ids(select(small, "since:2025-03-02", **paris)) == {"b", "c"}


def test_last_days_counts_back_from_an_injected_today() -> None:
    small = responses(
        [
            {"id": str(d), "created_at": datetime(2025, 3, 1, 12, tzinfo=UTC) - timedelta(days=d)}
            for d in range(10)
        ]
    )
    today = date(2025, 3, 1)
    assert ids(select(small, "last:3d", today=today)) == {"0", "1", "2"}
    assert ids(select(small, "last:1w", today=today)) == {str(d) for d in range(7)}
    assert ids(select(small, "last:3d", today=date(2025, 2, 25))) == {"4", "5", "6"}


def test_a_filter_needs_the_columns_it_names() -> None:
    with pytest.raises(FilterError, match="'tags' column"):
        compile_filter(Filter.parse("tag:A"), pl.Schema({"score": pl.Int16}))


def test_a_condition_on_a_list_column_points_to_tag() -> None:
    with pytest.raises(FilterError, match="use tag:NAME"):
        compile_filter(Filter.parse("tags=A"), synthetic(5).schema)
