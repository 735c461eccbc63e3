"""The excluded-responses rule, on a real store synced from the sandbox: a filter lists responses
flagged `excluded_from_calculations` (unless it says `excluded:exclude`), no metric counts them,
and every count says how many there are ("5,850 responses, 130 excluded").
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis import test_rules_scores as scores
from tests.analysis.test_rules_scores import cli_export, tui_rows
from workbench.analysis import (
    Counts,
    Filter,
    KnownNames,
    ScoreRange,
    ScoreScaleError,
    ces,
    count_line,
    counts,
    csat,
    is_counted,
    is_excluded,
    nps,
    score_distribution,
    tag_impact,
    trend,
)
from workbench.analysis.filters import apply_filter
from workbench.notebook import Workbench
from workbench.tui.snapshot import Snapshot

FLAG = "excluded_from_calculations"

# The demo store and the CLI's environment, as the score rule's tests build them.
synced = scores.synced
snapshot = scores.snapshot
stored = scores.stored
cli_env = scores.cli_env


def flagged(rows: pl.DataFrame) -> int:
    return int(rows[FLAG].sum())


# --- count_line ----------------------------------------------------------------------------------


def test_count_line_says_how_many_were_excluded() -> None:
    assert count_line(Counts(5_850, 130)) == "5,850 responses, 130 excluded"
    assert count_line(Counts(720, 0)) == "720 responses, none excluded"
    assert count_line(Counts(1, 1)) == "1 response, 1 excluded"
    assert count_line(Counts(500, 12), of=8_479) == "500 of 8,479 responses, 12 excluded"
    frame = pl.DataFrame({FLAG: [True, False, None, True]})
    assert counts(frame) == Counts(4, 2)
    assert counts(frame.lazy()).counted == 2
    assert count_line(pl.DataFrame({"id": ["a", "b"]})) == "2 responses, none excluded"
    assert frame.filter(is_excluded(frame)).height == 2
    assert frame.filter(is_counted(frame)).height == 2


# --- the figures -------------------------------------------------------------------------


def test_an_account_filter_lists_every_stored_response_of_the_account(
    snapshot: Snapshot, synced: Workbench
) -> None:
    """The issue: `account:acme-nps` gave 5,720 rows while the Accounts tree said 5,850."""
    responses = snapshot.responses
    assert flagged(responses) > 0
    for name, files in snapshot.accounts.items():
        stored_rows = files.tables.get("responses", 0)
        if stored_rows <= 0:
            continue
        text = f"account:{name}"
        on_tui = tui_rows(snapshot, text)
        assert on_tui.height == stored_rows, name
        assert synced.responses(text).height == stored_rows, name
        mine = responses.filter(pl.col("account") == name)
        assert count_line(on_tui) == count_line(mine)
    nps_account = tui_rows(snapshot, "account:acme-nps")
    assert flagged(nps_account) > 0
    assert count_line(nps_account) == (
        f"{nps_account.height:,} responses, {flagged(nps_account):,} excluded"
    )


def test_a_tag_counts_the_same_with_and_without_its_filter(snapshot: Snapshot) -> None:
    """The issue: the Tags pane said PRICING 570 unfiltered and 560 under `tag:PRICING`."""
    responses = snapshot.responses
    for tag in ("PRICING", "SUPPORT"):
        unfiltered = responses.filter(pl.col("tags").list.contains(tag))
        assert flagged(unfiltered) > 0, tag
        under_filter = tui_rows(snapshot, f"tag:{tag}")
        assert under_filter.height == unfiltered.height, tag
        assert count_line(under_filter) == count_line(unfiltered), tag


@pytest.mark.usefixtures("cli_env")
def test_export_writes_excluded_responses_and_metrics_leave_them_out(
    snapshot: Snapshot, synced: Workbench, tmp_path: Path
) -> None:
    text = "account:acme-nps"
    out = tmp_path / "nps.csv"
    code, output = cli_export("--filter", text, "-o", str(out))
    assert code == 0, output
    exported = pl.read_csv(out, infer_schema=False)
    on_tui = tui_rows(snapshot, text)
    assert exported.height == on_tui.height
    assert (exported[FLAG] == "true").sum() == flagged(on_tui) > 0
    counted = on_tui.filter(~pl.col(FLAG) & pl.col("score").is_not_null())
    assert nps(on_tui)["n"][0] == counted.height
    assert synced.nps(text)["n"][0] == counted.height
    hidden = synced.responses(f"{text} excluded:exclude")
    assert hidden.height == on_tui.height - flagged(on_tui)
    assert synced.nps(f"{text} excluded:exclude")["n"][0] == counted.height
    assert synced.responses(f"{text} excluded:only").height == flagged(on_tui)
    assert synced.nps(f"{text} excluded:only")["n"][0] == 0


def test_no_metric_counts_an_excluded_response(stored: pl.DataFrame) -> None:
    only = apply_filter(Filter.parse("excluded:only"), stored)
    assert only.height == flagged(stored) > 0
    assert nps(only)["n"][0] == 0
    assert csat(only)["n"][0] == 0
    assert ces(only)["n"][0] == 0
    assert nps(only, "account")["n"].sum() == 0
    assert score_distribution(only, "nps")["count"].sum() == 0
    assert trend(only, "nps", every="month")["n"].sum() == 0
    assert tag_impact(only, "nps")["n"].sum() == 0
    everything = nps(stored)["n"][0]
    assert everything == nps(stored.filter(~pl.col(FLAG)))["n"][0]


# --- generated filters ---------------------------------------------------------------------------


@st.composite
def listing_filters(draw: st.DrawFn, known: KnownNames) -> Filter:
    def some(pool: list[str]) -> list[str]:
        return draw(st.lists(st.sampled_from(pool), max_size=2, unique=True))

    metrics = some(["nps", "csat", "ces"])
    score = draw(
        st.none()
        | st.sampled_from(["detractors", "passives", "promoters", "satisfied", "agree"])
        | st.builds(
            lambda a, b: ScoreRange(low=min(a, b), high=max(a, b)),
            st.integers(0, 10),
            st.integers(0, 10),
        )
    )
    return Filter(
        accounts=some(sorted(known.accounts)),
        platforms=some(sorted(known.platforms)),
        metrics=metrics,
        tags_any=some(sorted(known.tags)),
        tags_none=some(sorted(known.tags)),
        score=score,
    )


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_filters_list_excluded_rows_but_never_count_them(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    stored = snapshot.responses
    f = data.draw(listing_filters(snapshot.known))
    try:
        listed = tui_rows(snapshot, f.to_text())
    except ScoreScaleError:
        return  # the score rule's business (test_rules_scores)
    hidden = listed.filter(~pl.col(FLAG))
    only = listed.filter(pl.col(FLAG))
    # Listed: the default is every matching row, excluded ones too; `excluded:` says otherwise.
    assert sorted(listed["id"].to_list()) == sorted(apply_filter(f, stored)["id"].to_list())
    for choice, expected in (("exclude", hidden), ("only", only)):
        try:
            chosen = apply_filter(f.model_copy(update={"excluded": choice}), stored)
        except ScoreScaleError:  # e.g. a CSAT band where the excluded rows hold NPS only
            continue
        assert sorted(chosen["id"].to_list()) == sorted(expected["id"].to_list()), choice
    assert count_line(listed) == (
        f"{listed.height:,} response{'' if listed.height == 1 else 's'}, "
        + (f"{only.height:,} excluded" if only.height else "none excluded")
    )
    # Never counted: every metric gives the same n with or without the excluded rows listed.
    for metric in (nps, csat, ces):
        assert metric(listed)["n"][0] == metric(hidden)["n"][0]
        assert metric(only)["n"][0] == 0
