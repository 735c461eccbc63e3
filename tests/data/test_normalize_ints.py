"""Scores and counts read a column at a time (`normalize.ints`) give, row for row, what the
per-row readers give: the same integer, or the same rejection with the same reason.

The values are every kind an API has sent where an integer belongs: plain integers in and out
of the scale, past 64 bits, true and false, whole and fractional floats, NaN, digits as text
(with spaces, leading zeros, a sign), empty text and null.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.data.normalize import wootric_end_users, wootric_responses
from workbench.data.normalize.crowdskout import crowdskout_responses
from workbench.data.normalize.cxi import cxi_responses
from workbench.data.normalize.fields import INT64, Bad, integer, read_count, read_score
from workbench.data.normalize.ints import parse_column

WHOLE = st.one_of(
    st.none(),
    st.integers(-3, 13),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([5.0, 10.0, 5.5, "5", " 7 ", "05", "+3", "-0", "", "x", "10", [1], {"a": 1}]),
)
STAMP = "2024-03-01 10:00:00"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected(values: list[Any], reader: Any) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """What the per-row reader gives each row: its integer, or its rejection."""
    kept: dict[str, Any] = {}
    rejected: dict[str, tuple[str, str]] = {}
    for place, value in enumerate(values):
        try:
            kept[str(place)] = reader(value)
        except Bad as bad:
            rejected[str(place)] = (bad.field, bad.reason)
    return kept, rejected


def got(result: Any, column: str) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    frame = result.frame
    kept = dict(zip(frame["id"].to_list(), frame[column].to_list(), strict=True))
    return kept, {r.id: (r.field, r.reason) for r in result.rejected}


@FAST
@given(st.lists(WHOLE, max_size=30))
def test_wootric_scores_per_column_are_the_per_row_readers(values: list[Any]) -> None:
    rows = [{"id": i, "created_at": STAMP, "score": v} for i, v in enumerate(values)]
    result = wootric_responses(rows, "acme")
    assert got(result, "score") == expected(values, lambda v: read_score({"score": v}, 0, 10))


@FAST
@given(st.lists(WHOLE, max_size=30))
def test_cxi_scores_of_an_import_per_column_are_the_per_row_readers(values: list[Any]) -> None:
    rows = [{"id": i, "feedback_date": STAMP, "score": v} for i, v in enumerate(values)]
    result = cxi_responses(rows, "acme", import_id="7", metric_type="CSAT")
    assert got(result, "score") == expected(values, lambda v: read_score({"score": v}, 1, 5))


@FAST
@given(st.lists(WHOLE, max_size=30))
def test_crowdskout_scores_per_column_are_the_per_row_readers(values: list[Any]) -> None:
    answers = [{"id": i, "SurveyWhen": STAMP, "SurveyScore": v} for i, v in enumerate(values)]
    result = crowdskout_responses([{"id": 1, "SurveyResponses": answers}], "crm")
    want = expected(values, lambda v: read_count({"SurveyScore": v}, "SurveyScore", high=10))
    assert got(result, "score") == want


def page_views(value: Any) -> int | None:
    """The end-user table's check of `page_views_count`: any Int64, as `collect.fit_for`."""
    if value is None:
        return None
    number = value if type(value) is int else integer(value)
    if number is None or not INT64[0] <= number <= INT64[1]:
        raise Bad("page_views_count", "unread")
    return number


@FAST
@given(st.lists(WHOLE, max_size=30))
def test_wootric_page_view_counts_per_column_are_the_column_check(values: list[Any]) -> None:
    rows = [{"id": i, "created_at": STAMP, "page_views_count": v} for i, v in enumerate(values)]
    kept, rejected = got(wootric_end_users(rows, "acme"), "page_views_count")
    want_kept, want_rejected = expected(values, page_views)
    assert kept == want_kept
    assert {k: f for k, (f, _) in rejected.items()} == {k: f for k, (f, _) in want_rejected.items()}


def test_a_clean_column_is_read_in_polars_and_the_rest_left_to_the_reader() -> None:
    column, unread = parse_column("score", [3, None, 11, 0, -1], (0, 10))
    assert column.dtype == pl.Int64
    assert column.to_list() == [3, None, None, 0, None]
    assert unread == [2, 4]
    column, unread = parse_column("score", [True, 5, 5.0, "5", 2**64, None], (0, 10))
    assert column.to_list() == [None, 5, None, None, None, None]
    assert unread == [0, 2, 3, 4]
