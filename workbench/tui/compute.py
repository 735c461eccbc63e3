"""What the workers compute for the panes: calls into `workbench.analysis`, bundled per pane.

These are plain functions of frames (no widgets, no app), run in worker threads. Each number is
an analysis function's result; this module only picks the arguments (the current metric, the
segment a person chose) and joins results with the stored tables for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from workbench.analysis import (
    Palette,
    answer_distribution,
    ces,
    csat,
    message_box,
    nps,
    score_distribution,
    score_distribution_chart,
    segment_chart,
    tag_impact,
    tag_impact_chart,
    trend,
    trend_chart,
)

Metric = Literal["nps", "csat", "ces"]
Every = Literal["day", "week", "month", "quarter"]
CHARTS = ("trend", "distribution", "segments", "impact")
MIN_N = 30
"""Below this many responses a trend point or a segment is shown as too small (analysis rule)."""


@dataclass(frozen=True)
class DashboardFrames:
    """The dashboard's numbers for one selection: cards, trend, distribution, segments, tags."""

    metric: Metric
    every: Every
    segment: str | None
    cards: dict[str, pl.DataFrame]
    trend: pl.DataFrame
    distribution: pl.DataFrame
    segments: pl.DataFrame
    impact: pl.DataFrame


def dashboard(
    responses: pl.DataFrame, metric: Metric, every: Every, segment: str | None
) -> DashboardFrames:
    """Every dashboard figure for the selected responses."""
    cards = {"nps": nps(responses), "csat": csat(responses), "ces": ces(responses)}
    over_time = trend(responses, metric, every=every, min_n=MIN_N)
    distribution = score_distribution(responses, metric)
    function = {"nps": nps, "csat": csat, "ces": ces}[metric]
    segments = function(responses, segment) if segment else pl.DataFrame()
    impact = tag_impact(responses, metric) if "tags" in responses.columns else pl.DataFrame()
    return DashboardFrames(metric, every, segment, cards, over_time, distribution, segments, impact)


def build_charts(
    frames: DashboardFrames, sizes: dict[str, tuple[int, int]], palette: Palette
) -> dict[str, str]:
    """The dashboard's charts as text, each at the size of the widget that shows it."""
    label = frames.metric.upper()
    charts: dict[str, str] = {}
    for name, (width, height) in sizes.items():
        if name == "trend":
            charts[name] = trend_chart(
                frames.trend,
                width=width,
                height=height,
                palette=palette,
                title=f"{label} by {frames.every}, with its 95% interval",
            )
        elif name == "distribution":
            charts[name] = score_distribution_chart(
                frames.distribution,
                width=width,
                height=height,
                palette=palette,
                title=f"{label} score distribution",
            )
        elif name == "segments":
            charts[name] = (
                segment_chart(
                    frames.segments,
                    frames.segment,
                    width=width,
                    height=height,
                    palette=palette,
                    min_n=MIN_N,
                )
                if frames.segment
                else message_box(
                    "Pick a property under Segment to compare its groups", width, height, "Segments"
                )
            )
        elif name == "impact":
            charts[name] = tag_impact_chart(
                frames.impact,
                width=width,
                height=height,
                palette=palette,
                title=f"Tag impact on {label}",
            )
    return charts


def tags_view(responses: pl.DataFrame, tags: pl.DataFrame) -> pl.DataFrame:
    """Each tag: responses carrying it in the selection, NPS impact, and the platform's
    sentiment counts (from the stored tags table, summed over accounts)."""
    impact = (
        tag_impact(responses, "nps").select("tag", "n", "share", "with_tag", "impact")
        if "tags" in responses.columns
        else pl.DataFrame(
            schema={
                "tag": pl.String,
                "n": pl.Int64,
                "share": pl.Float64,
                "with_tag": pl.Float64,
                "impact": pl.Float64,
            }
        )
    )
    carried = (
        responses.select(pl.col("tags").list.unique())
        .explode("tags")
        .drop_nulls()
        .group_by("tags")
        .len("responses")
        .rename({"tags": "tag"})
    )
    sentiment = tags.group_by(pl.col("name").alias("tag")).agg(
        pl.col("positive").sum(),
        pl.col("neutral").sum(),
        pl.col("negative").sum(),
    )
    names = pl.concat([carried.select("tag"), sentiment.select("tag")], how="vertical").unique()
    return (
        names.join(carried, on="tag", how="left")
        .join(impact, on="tag", how="left")
        .join(sentiment, on="tag", how="left")
        .with_columns(pl.col("responses").fill_null(0))
        .sort(["responses", "tag"], descending=[True, False])
    )


@dataclass(frozen=True)
class SurveyFrames:
    """The Surveys pane: Apptentive surveys and answers, CXI imports, Wootric NPS by month."""

    apptentive: pl.DataFrame
    answers: pl.DataFrame
    imports: pl.DataFrame
    wootric_trend: pl.DataFrame
    wootric_summaries: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def surveys_view(
    responses: pl.DataFrame,
    surveys: pl.DataFrame,
    survey_answers: pl.DataFrame,
    nps_summaries: pl.DataFrame,
) -> SurveyFrames:
    """Surveys by platform; counts of the selected responses per survey next to the stored."""
    selected = responses.group_by("account", "survey_id").len("selected")
    by_survey = surveys.join(
        selected, left_on=["account", "id"], right_on=["account", "survey_id"], how="left"
    ).with_columns(pl.col("selected").fill_null(0))
    apptentive = by_survey.filter(pl.col("platform") == "apptentive").select(
        "account", "id", "name", "active", "response_count", "selected"
    )
    answers = (
        answer_distribution(survey_answers, by="account")
        if not survey_answers.is_empty()
        else pl.DataFrame()
    )
    imports = by_survey.filter(pl.col("platform") == "cxi").select(
        "account", "id", "name", "metric", "response_count", "selected", "created_at"
    )
    wootric = responses.filter(pl.col("platform") == "wootric")
    wootric_trend = (
        trend(wootric, "nps", every="month", min_n=1) if wootric.height else pl.DataFrame()
    )
    return SurveyFrames(apptentive, answers, imports, wootric_trend, nps_summaries)


def end_users_view(
    end_users: pl.DataFrame, responses: pl.DataFrame, *, filtered: bool
) -> pl.DataFrame:
    """End users with their number of selected responses; with a filter, only those who have
    at least one."""
    counts = responses.group_by("account", "end_user_id").len("responses")
    users = end_users.join(
        counts,
        left_on=["account", "id"],
        right_on=["account", "end_user_id"],
        how="inner" if filtered else "left",
    ).with_columns(pl.col("responses").fill_null(0))
    return users.sort(["responses", "id"], descending=[True, False])


def search_end_users(users: pl.DataFrame, search: str) -> pl.DataFrame:
    """The end users whose id, email or external id contains `search` (case-insensitive)."""
    term = search.strip().lower()
    if not term or users.is_empty():
        return users
    return users.filter(
        pl.any_horizontal(
            pl.col(c).str.to_lowercase().str.contains(term, literal=True).fill_null(False)
            for c in ("id", "email", "external_id")
        )
    )
