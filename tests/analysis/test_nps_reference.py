"""NPS against outside references: the R package NPS's testthat values and its test data set."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from workbench.analysis import compare, nps

REFERENCE = Path("/work/shared/reference-data/nps-testdata.csv")
Z95 = 1.959963984540054


def from_counts(detractors: int, passives: int, promoters: int) -> list[int]:
    return [0] * detractors + [7] * passives + [9] * promoters


def variance(row: dict) -> float:
    """Per-respondent variance recovered from the Wald se (se_wald = 100·sqrt(var / n)): R's
    `nps_var`. (`se` is the se of the interval's method, adjusted Wald by default.)"""
    return row["n"] * (row["se_wald"] / 100) ** 2


# (detractors, passives, promoters) -> NPS on -1..1, variance, standard error (R: NPS package)
R_COUNTS = [
    ((1, 2, 3), 1 / 3, 5 / 9, 0.304),
    ((1, 0, 1), 0.0, 1.0, 0.707),
    ((0, 1, 1), 0.5, 0.25, 0.354),
    ((1, 1, 1), 0.0, 2 / 3, 0.471),
]


@pytest.mark.parametrize(("counts", "value", "var", "se"), R_COUNTS)
def test_r_package_counts(
    counts: tuple[int, int, int], value: float, var: float, se: float
) -> None:
    row = nps(from_counts(*counts)).row(0, named=True)
    assert (row["detractors"], row["passives"], row["promoters"]) == counts
    assert row["nps"] == pytest.approx(100 * value, abs=1e-12)
    assert variance(row) == pytest.approx(var, rel=1e-12)
    assert round(row["se_wald"] / 100, 3) == se
    assert nps(from_counts(*counts), method="wald")["se"][0] == row["se_wald"]


@pytest.mark.parametrize("scores", [[0, 3, 6], [7, 8, 7, 8], [9, 10], [10]])
def test_a_single_category_has_no_variance(scores: list[int]) -> None:
    row = nps(scores).row(0, named=True)
    assert variance(row) == 0.0
    assert row["se_wald"] == 0.0
    assert row["se"] > 0.0  # the adjusted Wald se never collapses to zero


def test_r_package_scores() -> None:
    assert nps([0, 7, 7, 9, 9, 9])["nps"][0] == pytest.approx(100 / 3, abs=1e-12)
    assert variance(nps([1, 9]).row(0, named=True)) == pytest.approx(1.0, rel=1e-12)
    assert variance(nps([7, 9]).row(0, named=True)) == pytest.approx(0.25, rel=1e-12)
    assert variance(nps([0, 7, 9]).row(0, named=True)) == pytest.approx(2 / 3, rel=1e-12)


def test_wald_interval_is_estimate_plus_minus_z_se() -> None:
    row = nps(from_counts(10, 20, 30), method="wald").row(0, named=True)
    assert row["ci_low"] == pytest.approx(row["nps"] - Z95 * row["se"], rel=1e-12)
    assert row["ci_high"] == pytest.approx(row["nps"] + Z95 * row["se"], rel=1e-12)
    assert row["se"] == row["se_wald"]
    assert row["ci_centre"] == row["nps"]
    narrower = nps(from_counts(10, 20, 30), method="wald", level=0.8).row(0, named=True)
    assert narrower["ci_high"] - narrower["ci_low"] < row["ci_high"] - row["ci_low"]


def test_adjusted_wald_by_hand() -> None:
    """Rocks 2016: add 3/4 to detractors and promoters, 3/2 to passives; NPS stays raw."""
    d, p, pr = 1, 2, 3
    row = nps(from_counts(d, p, pr)).row(0, named=True)
    n_adj = d + p + pr + 3
    a_pro, a_det = (pr + 0.75) / n_adj, (d + 0.75) / n_adj
    centre = a_pro - a_det
    se_adj = math.sqrt((a_pro + a_det - centre**2) / n_adj)
    assert row["nps"] == pytest.approx(100 / 3)
    assert row["ci_low"] == pytest.approx(100 * (centre - Z95 * se_adj), rel=1e-12)
    assert row["ci_high"] == pytest.approx(100 * (centre + Z95 * se_adj), rel=1e-12)
    assert row["interval"] == "adjusted-wald 95%"
    # se and ci_centre are the interval's own: the interval is ci_centre ± z·se
    assert row["se"] == pytest.approx(100 * se_adj, rel=1e-12)
    assert row["ci_centre"] == pytest.approx(100 * centre, rel=1e-12)
    assert row["ci_low"] == pytest.approx(row["ci_centre"] - Z95 * row["se"], rel=1e-12)


def test_adjusted_wald_widens_to_take_in_the_raw_estimate() -> None:
    row = nps([9]).row(0, named=True)
    assert row["nps"] == 100.0
    assert row["ci_high"] == 100.0  # the adjusted interval alone would stop at 98.5
    assert row["ci_low"] == pytest.approx(-48.4986, abs=1e-3)
    assert row["ci_low"] == pytest.approx(row["ci_centre"] - Z95 * row["se"], rel=1e-12)
    assert row["ci_centre"] + Z95 * row["se"] < row["ci_high"]  # widened, as documented


def test_compare_se_is_root_sum_of_variances_over_n() -> None:
    """R's `nps_test(x, y, test = "wald")`: se = sqrt(var_x/n_x + var_y/n_y)."""
    a, b = from_counts(1, 2, 3), from_counts(2, 1, 1)
    row = compare(a, b, method="wald", min_n=1).row(0, named=True)
    var_a, var_b = 5 / 9, (2 / 4 + 1 / 4) - (1 / 4 - 2 / 4) ** 2
    expected = 100 * math.sqrt(var_a / 6 + var_b / 4)
    assert row["se"] == pytest.approx(expected, rel=1e-12)
    assert row["difference"] == pytest.approx(100 / 3 - (-25.0))
    z = row["difference"] / row["se"]
    assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)
    assert row["interval"] == "wald 95%"


def test_compare_adjusted_wald_two_sample_by_hand() -> None:
    """Rocks' two-sample adjusted Wald, as his R package NPS computes it
    (`nps_test(x, y, test = "adjusted.wald")`, pseudo_observations = c(0.75, 1.50, 0.75)):
    3/4 detractor, 3/2 passive and 3/4 promoter added to each sample; the interval is the
    adjusted difference ± z·sqrt(var~x/ñx + var~y/ñy) and the p-value that of that z."""
    (dx, px, rx), (dy, py, ry) = (5, 10, 25), (12, 9, 11)
    row = compare(from_counts(dx, px, rx), from_counts(dy, py, ry), min_n=30).row(0, named=True)

    def adjusted(d: int, p: int, r: int) -> tuple[float, float, float]:
        n = d + p + r + 3
        pro, det = (r + 0.75) / n, (d + 0.75) / n
        return n, pro - det, pro + det - (pro - det) ** 2

    nx, sx, vx = adjusted(dx, px, rx)
    ny, sy, vy = adjusted(dy, py, ry)
    se = math.sqrt(vx / nx + vy / ny)
    centre = sx - sy
    assert (nx, ny) == (43, 35)
    assert row["testable"] is True
    assert row["note"] is None
    assert row["difference"] == pytest.approx(100 * ((25 - 5) / 40 - (11 - 12) / 32), rel=1e-12)
    assert row["ci_centre"] == pytest.approx(100 * centre, rel=1e-12)
    assert row["se"] == pytest.approx(100 * se, rel=1e-12)
    assert row["se_a"] == pytest.approx(100 * math.sqrt(vx / nx), rel=1e-12)
    assert row["ci_low"] == pytest.approx(100 * (centre - Z95 * se), rel=1e-12)
    assert row["ci_high"] == pytest.approx(100 * (centre + Z95 * se), rel=1e-12)
    assert row["p_value"] == pytest.approx(math.erfc(abs(centre / se) / math.sqrt(2)), rel=1e-12)
    assert row["interval"] == "adjusted-wald 95%"


def test_compare_says_when_groups_are_too_small_to_test() -> None:
    row = compare([10, 10, 10], [0, 0, 0]).row(0, named=True)
    assert row["difference"] == 200.0
    assert row["testable"] is False
    assert "too small to test (n=3 vs 3; min_n=30)" in row["note"]
    assert (row["se"], row["ci_low"], row["ci_high"], row["p_value"]) == (None,) * 4
    wald = compare([10, 10, 10], [0, 0, 0], method="wald", min_n=1).row(0, named=True)
    assert wald["testable"] is False
    assert "no variance" in wald["note"]
    assert wald["p_value"] is None
    adjusted = compare([10, 10, 10], [0, 0, 0], min_n=1).row(0, named=True)
    assert adjusted["testable"] is True
    assert 0.0 < adjusted["p_value"] < 1.0
    assert adjusted["ci_low"] < 200.0


# --- the R package's 1,000-row test data set ------------------------------------------------------


def _direct_counts(key: str | None) -> dict[str | None, Counter]:
    """Detractors, passives and promoters counted with the csv module, no polars involved."""
    counts: dict[str | None, Counter] = {}
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            group = record[key] if key else None
            score = int(record["REC"])
            band = "detractors" if score <= 6 else "passives" if score <= 8 else "promoters"
            counts.setdefault(group, Counter())[band] += 1
    return counts


@pytest.fixture(scope="module")
def testdata() -> pl.DataFrame:
    return pl.read_csv(REFERENCE).rename({"REC": "score"})


@pytest.mark.parametrize("key", [None, "Region", "BU"])
def test_reference_data_matches_a_direct_count(testdata: pl.DataFrame, key: str | None) -> None:
    table = nps(testdata, key, method="wald")
    expected = _direct_counts(key)
    assert table.height == len(expected)
    for row in table.iter_rows(named=True):
        c = expected[row[key] if key else None]
        n = c["detractors"] + c["passives"] + c["promoters"]
        p_pro, p_det = c["promoters"] / n, c["detractors"] / n
        var = p_pro + p_det - (p_pro - p_det) ** 2
        assert (row["n"], row["detractors"], row["passives"], row["promoters"]) == (
            n,
            c["detractors"],
            c["passives"],
            c["promoters"],
        )
        assert row["nps"] == pytest.approx(100 * (p_pro - p_det), rel=1e-12)
        assert row["se"] == pytest.approx(100 * math.sqrt(var / n), rel=1e-12)
        assert row["ci_low"] == pytest.approx(
            max(-100.0, 100 * (p_pro - p_det) - Z95 * row["se"]), rel=1e-12
        )


def test_reference_data_overall_values(testdata: pl.DataFrame) -> None:
    """The whole set: 362 detractors, 176 passives, 462 promoters; NPS 10."""
    row = nps(testdata).row(0, named=True)
    counted = _direct_counts(None)[None]
    assert row["n"] == 1000
    assert (row["detractors"], row["passives"], row["promoters"]) == (362, 176, 462)
    assert counted == {"detractors": 362, "passives": 176, "promoters": 462}
    assert row["nps"] == pytest.approx(10.0, abs=1e-12)


def test_reference_data_segments_add_up(testdata: pl.DataFrame) -> None:
    total = nps(testdata).row(0, named=True)
    for key in ("Region", "BU", "PRODUCT", "Account"):
        by = nps(testdata, key)
        for column in ("n", "detractors", "passives", "promoters"):
            assert by[column].sum() == total[column]
