"""Normalizers on real sandbox answers and on generated variants of them."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import ACME
from workbench.analysis import nps_summary_totals
from workbench.data.normalize import wootric_declines, wootric_end_users, wootric_responses


async def read_all(client, batches) -> list[dict[str, Any]]:
    return [row async for batch in batches() for row in batch.rows]


async def test_sandbox_rows_normalize_without_rejects(served, make_wootric) -> None:
    client = make_wootric()
    for batches, normalize, table in (
        (client.response_batches, wootric_responses, "responses"),
        (client.decline_batches, wootric_declines, "declines"),
        (client.end_user_batches, wootric_end_users, "end_users"),
    ):
        rows = await read_all(client, batches)
        result = normalize(rows, "acme")
        assert result.rejected == []
        assert result.frame.height == len(rows)
        assert result.frame["created_at"].dtype == pl.Datetime("us", "UTC")
        expected = sorted(str(i) for i in served.sandbox.wootric.ids(ACME.account_token, table))
        assert sorted(result.frame["id"].to_list()) == expected


async def test_our_totals_equal_the_nps_summary_endpoint(served, make_wootric) -> None:
    client = make_wootric()
    responses = wootric_responses(await read_all(client, client.response_batches), "acme").frame
    assert responses["properties"].struct.fields  # segments made it through
    for start, end in (
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ):
        ours = nps_summary_totals(responses, start=start, end=end, time_zone=ACME.time_zone)
        theirs = await client.nps_summary(start, end)
        assert ours["responses"][0] == theirs.responses
        assert ours["promoters"][0] == theirs.promoters
        assert ours["detractors"][0] == theirs.detractors
        assert ours["nps"][0] == theirs.nps


TIMESTAMPS = st.one_of(
    st.sampled_from(
        [
            "2016-12-16 09:05:00 -0800",
            "2014-12-01 18:36:59",
            "2015-02-12T06:29:27.000-08:00",
            "2015-04-20 04:46:51-08:00",
            "Tue, 13 Mar 2012 16:55:34 GMT",
            "1504948149",
            "yesterday",
            "",
        ]
    ),
    st.integers(min_value=0, max_value=4_000_000_000),
    st.none(),
    st.text(max_size=12),
)
ROWS = st.fixed_dictionaries(
    {
        "id": st.one_of(st.integers(1, 10**9), st.text(max_size=5), st.none()),
        "score": st.one_of(st.integers(-3, 14), st.text(max_size=3), st.none(), st.floats()),
        "created_at": TIMESTAMPS,
        "updated_at": TIMESTAMPS,
        "tags": st.one_of(
            st.lists(st.text(max_size=8), max_size=3), st.none(), st.text(max_size=3)
        ),
        "end_user": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "properties": st.one_of(
                        st.dictionaries(
                            st.sampled_from(["plan", "revenue", "country"]),
                            st.one_of(st.text(max_size=6), st.integers(), st.none()),
                        ),
                        st.sampled_from(["{'plan':'Lite'}", "{bad", ""]),
                        st.none(),
                    )
                }
            ),
        ),
    }
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROWS, max_size=8))
def test_generated_payloads_never_crash_and_nothing_is_lost(rows) -> None:
    result = wootric_responses(rows, "acme")
    # Every row is either in the frame or reported, with the field at fault.
    assert result.frame.height + len(result.rejected) == len(rows)
    for rejected in result.rejected:
        assert rejected.field in {"id", "score", "created_at", "updated_at", "tags", "properties"}
        assert rejected.reason


def test_a_model_is_no_row_the_normalizers_read() -> None:
    """One input shape: the API's JSON objects. A client model handed over by mistake is
    rejected as no row, named as such, never dumped behind the caller's back."""
    from workbench.data.normalize.cxi import cxi_projects
    from workbench.sources.models.cxi import Project

    row = {"id": 3, "name": "Enterprise", "response_count": 12, "created_at": 1_700_000_000}
    result = cxi_projects([row, Project.model_validate(row)], "acme")
    assert result.frame["id"].to_list() == ["3"]
    assert [(r.id, r.field) for r in result.rejected] == [("?", "row")]
    assert result.rejected[0].reason.startswith("not an object: Project(")
