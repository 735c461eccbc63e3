"""CSAT, CES, comparisons, distributions and Wootric's nps_summary totals."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import polars as pl
import pytest

from tests.analysis.frames import responses, scores_frame, synthetic
from workbench.analysis import (
    Band,
    CesScale,
    CsatScale,
    NpsScale,
    UnknownNameError,
    answer_distribution,
    ces,
    compare,
    csat,
    nps,
    nps_summary_totals,
    score_distribution,
)

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_csat_share_wilson_and_mean() -> None:
    row = csat([1, 2, 4, 5, 5]).row(0, named=True)
    assert (row["n"], row["satisfied"]) == (5, 3)
    assert row["csat"] == pytest.approx(60.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(3, 5), rel=1e-12)
    assert row["mean"] == pytest.approx(17 / 5)
    assert row["scale"] == "csat 1-5: satisfied 4-5"


def test_csat_band_is_configurable_and_recorded() -> None:
    top_box = CsatScale(satisfied=Band(low=5, high=5))
    row = csat([1, 2, 4, 5, 5], scale=top_box).row(0, named=True)
    assert row["satisfied"] == 2
    assert row["scale"] == "csat 1-5: satisfied 5"


def test_ces_mean_t_interval_and_agree_share() -> None:
    scores = [1, 5, 6, 7, 7, 3]
    row = ces(scores).row(0, named=True)
    mean = sum(scores) / 6
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / 5)
    t5 = 2.570581835636314  # Student t, 97.5th percentile, 5 degrees of freedom
    assert row["mean"] == pytest.approx(mean)
    assert row["sd"] == pytest.approx(sd)
    assert row["ci_low"] == pytest.approx(mean - t5 * sd / math.sqrt(6), rel=1e-9)
    assert row["ci_high"] == pytest.approx(mean + t5 * sd / math.sqrt(6), rel=1e-9)
    assert row["agree"] == 4
    assert row["agree_share"] == pytest.approx(400 / 6)
    assert (row["agree_low"], row["agree_high"]) == pytest.approx(wilson(4, 6), rel=1e-12)
    assert row["scale"] == "ces 1-7: agree 5-7"


def test_ces_with_one_response_has_a_mean_but_no_interval() -> None:
    row = ces([4]).row(0, named=True)
    assert row["mean"] == 4.0
    assert row["sd"] is None
    assert row["ci_low"] is None


def test_ces_other_band_is_recorded() -> None:
    row = ces([6, 7, 5, 2], scale=CesScale(agree=Band(low=6, high=7))).row(0, named=True)
    assert row["agree"] == 2
    assert row["scale"] == "ces 1-7: agree 6-7"


def test_nps_bands_are_configurable() -> None:
    strict = NpsScale(passives=Band(low=7, high=9), promoters=Band(low=10, high=10))
    row = nps([9, 10, 3], scale=strict).row(0, named=True)
    assert (row["detractors"], row["passives"], row["promoters"]) == (1, 1, 1)
    assert "promoters 10" in row["scale"]
    with pytest.raises(ValueError, match="overlapping"):
        NpsScale(passives=Band(low=6, high=8))


def test_scores_outside_the_scale_and_nulls_are_not_counted() -> None:
    assert nps([None, 11, -1, 9]).row(0, named=True)["n"] == 1
    assert csat([0, 6, 5]).row(0, named=True)["n"] == 1


def test_metric_rows_and_exclusions() -> None:
    frame = scores_frame(
        [9, 9, 0, 5, 1],
        metric=["nps", "nps", "nps", "csat", "nps"],
        excluded_from_calculations=[False, False, False, False, True],
    )
    assert nps(frame)["n"][0] == 3
    assert nps(frame, include_excluded=True)["n"][0] == 4
    assert csat(frame)["n"][0] == 1
    assert nps(frame, select_metric=False, include_excluded=True)["n"][0] == 5


def test_by_accepts_columns_and_properties() -> None:
    frame = synthetic()
    by_plan = nps(frame, "plan")
    assert set(by_plan["plan"].to_list()) == {"Enterprise", "Pro", "Free"}
    both = nps(frame, ["account", "property.country"])
    assert both.columns[:2] == ["account", "property.country"]
    assert both["n"].sum() == nps(frame)["n"][0]


def test_unknown_by_name_suggests_the_nearest() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown field 'plna'; did you mean 'plan'\?"):
        nps(synthetic(100), "plna")


def test_empty_input_gives_a_row_of_zero_counts() -> None:
    row = nps([]).row(0, named=True)
    assert row["n"] == 0
    assert row["nps"] is None
    assert nps(scores_frame([]), "account").is_empty()


def test_compare_ces_uses_welch() -> None:
    a, b = [1, 5, 6, 7], [2, 3, 3, 4, 4]
    row = compare(a, b, "ces", min_n=2).row(0, named=True)
    ma, mb = sum(a) / 4, sum(b) / 5
    va = sum((x - ma) ** 2 for x in a) / 3 / 4
    vb = sum((x - mb) ** 2 for x in b) / 4 / 5
    assert row["difference"] == pytest.approx(ma - mb)
    assert row["se"] == pytest.approx(math.sqrt(va + vb))
    assert 0.0 < row["p_value"] < 1.0
    assert row["interval"] == "welch t 95%"


def test_compare_by_group_pairs_the_same_group() -> None:
    frame = synthetic()
    a = frame.filter(pl.col("account") == "acme")
    b = frame.filter(pl.col("account") == "globex")
    table = compare(a, b, by="plan")
    assert set(table["plan"].to_list()) == {"Enterprise", "Pro", "Free"}
    enterprise = table.filter(pl.col("plan") == "Enterprise").row(0, named=True)
    left = nps(a.filter(pl.col("properties").struct.field("plan") == "Enterprise"), method="wald")
    assert enterprise["nps_a"] == pytest.approx(left["nps"][0])


def test_compare_identical_single_category_groups() -> None:
    row = compare([9, 9], [9, 9], method="wald", min_n=1).row(0, named=True)
    assert row["difference"] == 0.0
    assert row["p_value"] is None
    assert row["testable"] is False


def test_score_distribution_has_every_score() -> None:
    table = score_distribution([0, 7, 9, 9, 10])
    assert table["score"].to_list() == list(range(11))
    assert table["count"].sum() == 5
    assert table.filter(pl.col("score") == 9)["share"][0] == pytest.approx(40.0)
    assert table.filter(pl.col("score") == 3)["count"][0] == 0
    assert table["category"].to_list()[6:9] == ["detractor", "passive", "passive"]


def test_score_distribution_by_group_fills_zeros() -> None:
    frame = scores_frame([0, 10, 5], account=["a", "a", "b"])
    table = score_distribution(frame, by="account")
    assert table.height == 22
    assert (
        table.group_by("account").agg(pl.col("share").sum())["share"].to_list()
        == [pytest.approx(100.0)] * 2
    )


def test_answer_distribution_counts_and_shares_per_question() -> None:
    answers = pl.DataFrame(
        {
            "account": ["a"] * 5,
            "platform": ["apptentive"] * 5,
            "survey_id": ["s1"] * 5,
            "question_id": ["q2", "q2", "q1", "q1", "q1"],
            "question": ["Car?", "Car?", "Flavour?", "Flavour?", "Flavour?"],
            "question_type": ["multichoice"] * 5,
            "choice": ["BMW", "Tesla", "Vanilla", "Chocolate", "Mint"],
            "count": [1, 3, 2, 6, 0],
        }
    )
    table = answer_distribution(answers)
    assert table["question_id"].to_list() == ["q2", "q2", "q1", "q1", "q1"]
    assert table["choice"].to_list() == ["Tesla", "BMW", "Chocolate", "Vanilla", "Mint"]
    assert table["share"].to_list() == pytest.approx([75.0, 25.0, 75.0, 25.0, 0.0])


# --- Wootric's /v1/nps_summary ------------------------------------------------------------------


def _summary_frame() -> pl.DataFrame:
    def at(y: int, m: int, d: int, h: int) -> datetime:
        return datetime(y, m, d, h, tzinfo=UTC)

    rows = [
        # 2025-03-01 03:00 UTC is still 2025-02-28 in Los Angeles: outside a March range there.
        {"score": 10, "created_at": at(2025, 3, 1, 3)},
        {"score": 9, "created_at": at(2025, 3, 1, 9)},
        {"score": 0, "created_at": at(2025, 3, 15, 12)},
        {"score": 8, "created_at": at(2025, 3, 31, 23)},  # still 31 March in Los Angeles
        {"score": 9, "created_at": at(2025, 4, 1, 6)},  # 31 March, 23:00 in Los Angeles (PDT)
        {"score": 0, "created_at": at(2025, 3, 10, 12), "excluded_from_calculations": True},
    ]
    return responses([{"metric": "nps", "excluded_from_calculations": False, **r} for r in rows])


def test_nps_summary_days_are_in_the_account_time_zone() -> None:
    frame = _summary_frame()
    la = nps_summary_totals(
        frame, start=date(2025, 3, 1), end=date(2025, 3, 31), time_zone="America/Los_Angeles"
    ).row(0, named=True)
    assert (la["responses"], la["promoters"], la["passives"], la["detractors"]) == (4, 2, 1, 1)
    assert la["nps"] == 25
    utc = nps_summary_totals(frame, start=date(2025, 3, 1), end=date(2025, 3, 31), time_zone="UTC")
    assert utc.row(0, named=True)["responses"] == 4
    assert utc.row(0, named=True)["promoters"] == 2  # 10 and 9 on 1 March, not 1 April's 9


@pytest.mark.parametrize(
    ("detractors", "passives", "promoters", "expected"),
    [
        (5, 24, 46, 55),  # the example in Wootric's documentation: 54.67 -> 55
        (0, 7, 1, 13),  # 12.5 rounds away from zero
        (1, 7, 0, -13),  # -12.5 rounds away from zero
        (1, 1, 2, 25),
        (3, 0, 0, -100),
        (1, 1, 1, 0),
    ],
)
def test_nps_summary_rounds_half_away_from_zero(
    detractors: int, passives: int, promoters: int, expected: int
) -> None:
    scores = [3] * detractors + [8] * passives + [10] * promoters
    row = nps_summary_totals(scores_frame(scores), start=None, end=None, time_zone="UTC").row(
        0, named=True
    )
    assert row["nps"] == expected
    assert row["responses"] == detractors + passives + promoters


def test_nps_summary_of_nothing() -> None:
    row = nps_summary_totals(
        scores_frame([9]), start=date(2030, 1, 1), end=date(2030, 1, 31), time_zone="UTC"
    ).row(0, named=True)
    assert row["responses"] == 0
    assert row["nps"] is None


def test_nps_summary_rejects_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        nps_summary_totals(scores_frame([9]), start=None, end=None, time_zone="Mars/Olympus")
