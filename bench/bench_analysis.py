"""Benchmark: the analysis core against a straightforward pandas version, in the same run.

    python bench/bench_analysis.py                       # 10,000,000 responses, 1,000,000 in CSV
    python bench/bench_analysis.py --rows 1000000 --export-rows 200000 --repeat 3

Synthetic responses in the canonical schema (built vectorised, not timed): NPS by three
segments (plan, region, country: three calls), the weekly trend, tag impact, and a CSV export.
The pandas side gets its frame already flat (properties as plain columns, tags as Python
lists), which is what a pandas user would start from; it still filters, bands, groups,
computes the same adjusted-Wald intervals and writes the same CSV shape. Each result is checked
against the workbench's before the timings are printed. Aim: 5x pandas for the metrics, 3x
for the export. Timings are the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from workbench.analysis import nps, tag_impact, trend, write_csv
from workbench.data import conform

TAGS = ["PERFORMANCE", "PRICING", "UX_UI", "SUPPORT", "ONBOARDING"]
SEGMENTS = ("plan", "region", "country")
Z = statistics.NormalDist().inv_cdf(0.975)


# --- data ----------------------------------------------------------------------------------------


def synthetic(rows: int, seed: int) -> pl.DataFrame:
    """`rows` responses in the canonical schema, every column drawn with numpy at once."""
    rng = np.random.default_rng(seed)
    start = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    span = 2 * 365 * 86_400 * 1_000_000
    mask = rng.integers(0, 1 << len(TAGS), rows)
    mask = np.where(rng.random(rows) < 0.4, 0, mask)  # many responses carry no tag
    tag_lists = pl.DataFrame(
        {
            "_mask": np.arange(1 << len(TAGS)),
            "tags": [[t for i, t in enumerate(TAGS) if m >> i & 1] for m in range(1 << len(TAGS))],
        }
    )
    comments = np.array(
        ["Slow, very slow", 'Love the "new" dashboard', "Price too high\nfor us", "😀 great", ""]
    )
    frame = pl.DataFrame(
        {
            "account": rng.choice(np.array(["acme", "globex"]), rows),
            "platform": "wootric",
            "id": pl.int_range(0, rows, eager=True).cast(pl.String),
            "metric": "nps",
            "score": rng.integers(0, 11, rows, dtype=np.int16),
            "text": comments[rng.integers(0, len(comments), rows)],
            "created_at": pl.Series(start + rng.integers(0, span, rows)).cast(
                pl.Datetime("us", "UTC")
            ),
            "excluded_from_calculations": rng.random(rows) < 0.02,
            "_mask": mask,
            "plan": rng.choice(np.array(["Free", "Pro", "Enterprise"]), rows),
            "region": rng.choice(np.array(["NAM", "EMEA", "APAC", "LATAM"]), rows),
            "country": rng.choice(np.array(["US", "UK", "FR", "DE", "JP", "BR"]), rows),
            "revenue": rng.integers(0, 100_000, rows),
        }
    )
    frame = frame.join(tag_lists, on="_mask", how="left", maintain_order="left")
    frame = frame.with_columns(
        pl.struct("plan", "region", "country", "revenue").alias("properties")
    ).drop("_mask", "plan", "region", "country", "revenue")
    return conform(frame, "responses")


def to_pandas_flat(frame: pl.DataFrame) -> pd.DataFrame:
    """What a pandas user starts from: flat columns, tags as Python lists (not timed)."""
    flat = frame.unnest("properties")
    df = flat.drop("tags").to_pandas()
    df["tags"] = flat["tags"].to_list()
    return df


# --- the pandas baseline -------------------------------------------------------------------------


def pandas_counts(d: pd.DataFrame, keys: list[Any]) -> pd.DataFrame:
    banded = pd.DataFrame(
        {
            "n": 1,
            "detractors": (d["score"] <= 6).astype("int64"),
            "passives": d["score"].between(7, 8).astype("int64"),
            "promoters": (d["score"] >= 9).astype("int64"),
        },
        index=d.index,
    )
    by = [d[k] if isinstance(k, str) else k for k in keys]
    return banded.groupby(by, sort=True).sum()


def pandas_finish(c: pd.DataFrame) -> pd.DataFrame:
    n = c["n"].astype(float)
    p_pro, p_det = c["promoters"] / n, c["detractors"] / n
    raw = p_pro - p_det
    se = np.sqrt((p_pro + p_det - raw**2).clip(lower=0) / n)
    n_adj = n + 3
    a_pro, a_det = (c["promoters"] + 0.75) / n_adj, (c["detractors"] + 0.75) / n_adj
    centre = a_pro - a_det
    half = Z * np.sqrt((a_pro + a_det - centre**2).clip(lower=0) / n_adj)
    out = c.copy()
    out["nps"] = 100 * raw
    out["se"] = 100 * se
    out["ci_low"] = 100 * np.minimum(centre - half, raw).clip(-1, 1)
    out["ci_high"] = 100 * np.maximum(centre + half, raw).clip(-1, 1)
    return out


def pandas_scored(df: pd.DataFrame) -> pd.DataFrame:
    keep = (df["metric"] == "nps") & ~df["excluded_from_calculations"] & df["score"].between(0, 10)
    return df[keep]


def pandas_segments(df: pd.DataFrame) -> list[pd.DataFrame]:
    return [pandas_finish(pandas_counts(pandas_scored(df), [s])) for s in SEGMENTS]


def pandas_trend(df: pd.DataFrame) -> pd.DataFrame:
    d = pandas_scored(df)
    week = d["created_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("W-SUN")
    counts = pandas_counts(d, [week.dt.start_time.rename("period")])
    out = pandas_finish(counts)
    small = out["n"] < 30
    out.loc[small, ["nps", "se", "ci_low", "ci_high"]] = np.nan
    return out


def pandas_tag_impact(df: pd.DataFrame) -> pd.DataFrame:
    d = pandas_scored(df)
    total = pandas_counts(d, [np.zeros(len(d), dtype=int)]).iloc[0]
    exploded = d[["score", "tags"]].explode("tags").dropna(subset=["tags"])
    with_tag = pandas_counts(exploded, ["tags"])
    without = total - with_tag
    out = pd.DataFrame(
        {
            "n": with_tag["n"],
            "with_tag": pandas_finish(with_tag)["nps"],
            "without_tag": pandas_finish(without)["nps"],
        }
    )
    overall = pandas_finish(total.to_frame().T)["nps"].iloc[0]
    out["impact"] = overall - out["without_tag"]
    return out.reindex(out["impact"].abs().sort_values(ascending=False).index)


def pandas_csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    out["tags"] = out["tags"].str.join(";")
    out["created_at"] = out["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out["updated_at"] = out["updated_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = out.rename(columns={c: f"property.{c}" for c in ("plan", "region", "country", "revenue")})
    out.to_csv(path, index=False, encoding="utf-8")


# --- the workbench -------------------------------------------------------------------------------


def workbench_segments(frame: pl.DataFrame) -> list[pl.DataFrame]:
    return [nps(frame, s) for s in SEGMENTS]


def workbench_trend(frame: pl.DataFrame) -> pl.DataFrame:
    return trend(frame, every="week", min_n=30)


# --- timing --------------------------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def check(polars_result: Any, pandas_result: Any, task: str) -> None:
    """The two implementations must agree before their timings mean anything."""
    if task == "segments":
        for ours, theirs in zip(polars_result, pandas_result, strict=True):
            assert ours["n"].to_list() == theirs["n"].tolist(), task
            np.testing.assert_allclose(ours["ci_low"].to_numpy(), theirs["ci_low"].to_numpy())
    elif task == "trend":
        assert polars_result["n"].to_list() == pandas_result["n"].tolist(), task
        np.testing.assert_allclose(
            polars_result["nps"].fill_null(np.nan).to_numpy(), pandas_result["nps"].to_numpy()
        )
    elif task == "tags":
        theirs = pandas_result.sort_index()
        ours = polars_result.sort("tag")
        assert ours["n"].to_list() == theirs["n"].tolist(), task
        np.testing.assert_allclose(ours["impact"].to_numpy(), theirs["impact"].to_numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"polars {pl.__version__}, pandas {pd.__version__}, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    frame = synthetic(args.rows, args.seed)
    df = to_pandas_flat(frame)
    print(f"built {args.rows:,} responses in {time.perf_counter() - started:.1f} s (not timed)\n")

    rows: list[tuple[str, float, float, float]] = []
    for task, ours, theirs, aim in (
        ("segments", lambda: workbench_segments(frame), lambda: pandas_segments(df), 5.0),
        ("trend", lambda: workbench_trend(frame), lambda: pandas_trend(df), 5.0),
        ("tags", lambda: tag_impact(frame), lambda: pandas_tag_impact(df), 5.0),
    ):
        polars_s, polars_result = best_of(args.repeat, ours)
        pandas_s, pandas_result = best_of(args.repeat, theirs)
        check(polars_result, pandas_result, task)
        rows.append((task, polars_s, pandas_s, aim))

    export_frame = frame.head(args.export_rows)
    export_df = df.head(args.export_rows)
    with tempfile.TemporaryDirectory() as tmp:
        ours_path, theirs_path = Path(tmp) / "workbench.csv", Path(tmp) / "pandas.csv"
        polars_s, _ = best_of(args.repeat, lambda: write_csv(export_frame, ours_path))
        pandas_s, _ = best_of(args.repeat, lambda: pandas_csv(export_df, theirs_path))
        assert pl.read_csv(ours_path).height == pd.read_csv(theirs_path).shape[0]
    rows.append((f"csv export ({args.export_rows:,} rows)", polars_s, pandas_s, 3.0))

    names = {
        "segments": "nps by plan, region, country",
        "trend": "weekly nps trend",
        "tags": "tag impact",
    }
    metrics_polars = sum(r[1] for r in rows[:3])
    metrics_pandas = sum(r[2] for r in rows[:3])
    rows.insert(3, ("metrics total", metrics_polars, metrics_pandas, 5.0))
    print(f"{'task':<34}{'workbench s':>12}{'pandas s':>10}{'ratio':>8}{'aim':>6}")
    for task, polars_s, pandas_s, aim in rows:
        ratio = pandas_s / polars_s
        mark = "ok" if ratio >= aim else "BELOW"
        label = names.get(task, task)
        print(f"{label:<34}{polars_s:>12.3f}{pandas_s:>10.3f}{ratio:>7.1f}x{aim:>5.0f}x {mark}")


if __name__ == "__main__":
    main()
