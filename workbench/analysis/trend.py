"""Any metric over time: calendar buckets or a rolling window, with an interval per point.

Why counts first: a bucket or a window only needs the metric's sufficient statistics, so the
responses are aggregated once per local day (or bucket) and a 30-day rolling window is a rolling
sum over at most a few thousand daily rows, whatever the number of responses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final, Literal, cast

import polars as pl

from workbench.analysis import estimators as E
from workbench.analysis.dates import local_date, zone
from workbench.analysis.fields import group_names
from workbench.analysis.scales import CesScale, CsatScale, NpsScale
from workbench.analysis.small_n import MIN_N, check_min_n

Every = Literal["day", "week", "month", "quarter"]
TRUNCATE: Final[dict[str, str]] = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q"}
WINDOW = re.compile(r"^\s*(\d+)\s*d(ays?)?\s*$")


def parse_window(window: str | int) -> int:
    """A rolling window in days: 30, "30d" or "30 days"."""
    if isinstance(window, int) and not isinstance(window, bool):
        days = window
    else:
        match = WINDOW.match(str(window))
        if not match:
            raise ValueError(f"a rolling window is a number of days such as '30d', not {window!r}")
        days = int(match.group(1))
    if days < 1:
        raise ValueError("a rolling window is at least one day")
    return days


def trend(
    data: pl.DataFrame | pl.LazyFrame,
    metric: E.Metric = "nps",
    *,
    every: Every | None = "week",
    window: str | int | None = None,
    time_zone: str = "UTC",
    min_n: int = MIN_N,
    by: str | Sequence[str] | None = None,
    scale: NpsScale | CsatScale | CesScale | None = None,
    method: E.NpsMethod = "adjusted-wald",
    level: float = 0.95,
    include_excluded: bool = False,
    select_metric: bool = True,
) -> pl.DataFrame:
    """The metric per calendar bucket (`every`) or per day over a rolling `window`.

    Buckets are calendar days, ISO weeks (starting Monday), months or quarters in `time_zone`;
    `period` is the bucket's first local date. With `window` (which takes precedence), `period`
    is each local day from the first response to the last, and the point covers that day and
    the `window - 1` days before it, so the line has no gaps. A point with n below `min_n` keeps
    its counts but has its estimates nulled and `too_small` set, so no one reads a number into
    three responses.
    """
    zone(time_zone)
    check_min_n(min_n)
    est = E.estimator(metric, scale=scale, method=method, level=level)
    keys = group_names(by)
    scores = E.scored(
        data,
        est,
        by,
        keep=["created_at"],
        include_excluded=include_excluded,
        select_metric=select_metric,
    )
    if window is not None:
        counts = _rolling_counts(scores, est, keys, parse_window(window), time_zone)
    else:
        if every not in TRUNCATE:
            raise ValueError(f"every is one of {', '.join(TRUNCATE)}, not {every!r}")
        local = pl.col("created_at").dt.convert_time_zone(time_zone)
        period = local.dt.truncate(TRUNCATE[every]).dt.date().alias("period")
        counts = (
            scores.group_by(*keys, period)
            .agg(est.aggregations(pl.col("score")))
            .sort(*keys, "period", nulls_last=True)
            .collect()
        )
    return E.mask_small(est.finish(counts, [*keys, "period"]), est, min_n)


def _rolling_counts(
    scores: pl.LazyFrame, est: E.Estimator, keys: list[str], days: int, time_zone: str
) -> pl.DataFrame:
    daily = (
        scores.with_columns(local_date("created_at", time_zone).alias("period"))
        .group_by(*keys, "period")
        .agg(est.aggregations(pl.col("score")))
        .collect()
    )
    if daily.is_empty():
        return daily.select(*keys, "period", *est.counts)
    days_grid = pl.DataFrame(
        {
            "period": pl.date_range(
                cast(date, daily["period"].min()),
                cast(date, daily["period"].max()),
                "1d",
                eager=True,
            )
        }
    )
    grid = daily.select(keys).unique().join(days_grid, how="cross") if keys else days_grid
    filled = (
        grid.join(daily, on=[*keys, "period"], how="left", nulls_equal=True)
        .with_columns(pl.col(*est.counts).fill_null(0))
        .sort(*keys, "period", nulls_last=True)
    )
    rolled = filled.rolling("period", period=f"{days}d", group_by=keys or None, closed="right").agg(
        pl.col(*est.counts).sum()
    )
    return rolled.with_columns(pl.col("n").cast(pl.Int64))


def nps_against_summaries(
    responses: pl.DataFrame | pl.LazyFrame,
    summaries: pl.DataFrame,
    zones: Mapping[str, str],
) -> pl.DataFrame:
    """Per Wootric account and month Wootric answered for, the store's NPS and n beside the
    API's `nps_summary`, both in the account's zone (`zones`: account -> zone; UTC if absent).

    The store's side follows the endpoint's rules (excluded responses not counted, scores in
    the NPS bands, nps an integer rounded half away from zero), so `differs` is true only where
    the stored responses do not hold what Wootric counted: rows missing or extra, a wrong zone.
    Columns: account, month, time_zone, n, nps (unrounded), nps_int, api_n, api_nps, differs.
    """
    schema = pl.Schema(
        {
            "account": pl.String,
            "month": pl.Date,
            "time_zone": pl.String,
            "n": pl.Int64,
            "nps": pl.Float64,
            "nps_int": pl.Int64,
            "api_n": pl.Int64,
            "api_nps": pl.Int64,
            "differs": pl.Boolean,
        }
    )
    if summaries.is_empty():
        return pl.DataFrame(schema=schema)
    months = summaries.filter(
        (pl.col("date_start").dt.day() == 1)
        & (pl.col("date_end") == pl.col("date_start").dt.month_end())
    )
    data = responses.lazy()
    parts = []
    for account in sorted(set(months["account"].to_list())):
        time_zone = zones.get(account) or "UTC"
        stored = data.filter(pl.col("account") == account)
        counts = trend(stored, "nps", every="month", time_zone=time_zone, min_n=0)
        margin = 100 * (pl.col("promoters") - pl.col("detractors"))
        rounded = ((2 * margin.abs() + pl.col("n")) // (2 * pl.col("n"))) * margin.sign()
        ours = (
            counts.select(
                pl.col("period").alias("month"),
                pl.col("n").cast(pl.Int64),
                pl.col("nps").cast(pl.Float64),
                pl.when(pl.col("n") > 0).then(rounded).cast(pl.Int64).alias("nps_int"),
            )
            if not counts.is_empty()
            else pl.DataFrame(
                schema={"month": pl.Date, "n": pl.Int64, "nps": pl.Float64, "nps_int": pl.Int64}
            )
        )
        theirs = months.filter(pl.col("account") == account).select(
            pl.lit(account).alias("account"),
            pl.col("date_start").alias("month"),
            pl.lit(time_zone).alias("time_zone"),
            pl.col("responses").cast(pl.Int64).alias("api_n"),
            pl.col("nps").cast(pl.Int64).alias("api_nps"),
        )
        joined = theirs.join(ours, on="month", how="left").with_columns(pl.col("n").fill_null(0))
        parts.append(joined)
    frame = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame(schema=schema)
    frame = frame.with_columns(
        (
            (pl.col("n") != pl.col("api_n").fill_null(-1))
            | pl.col("nps_int").ne_missing(pl.col("api_nps"))
        ).alias("differs")
    )
    return frame.select(list(schema)).cast(schema).sort("account", "month")
