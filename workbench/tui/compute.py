"""What the workers compute for the panes: calls into `workbench.analysis`, bundled per pane.

These are plain functions of frames (no widgets, no app), run in worker threads. Each number is
an analysis function's result; this module only picks the arguments (the current metric, the
segment a person chose) and joins results with the stored tables for display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
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
from workbench.analysis.dates import ZoneChoice
from workbench.analysis.segments import segment_breakdown
from workbench.analysis.small_n import MIN_N
from workbench.analysis.trend import nps_against_summaries
from workbench.tui.failures import describe

Metric = Literal["nps", "csat", "ces"]
Every = Literal["day", "week", "month", "quarter"]
CHARTS = ("trend", "distribution", "segments", "impact")


@dataclass(frozen=True)
class DashboardFrames:
    """The dashboard's numbers for one selection: cards, trend, distribution, segments, tags.

    `problems` names each figure that could not be computed ("nps", "trend", "segments", ...)
    with the line its card or chart shows instead; that figure's frame is empty.
    """

    metric: Metric
    every: Every
    segment: str | None
    cards: dict[str, pl.DataFrame]
    trend: pl.DataFrame
    distribution: pl.DataFrame
    segments: pl.DataFrame
    impact: pl.DataFrame
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def scored(self) -> int | None:
        """How many responses the chosen metric counts here (its card's n); None if unknown."""
        card = self.cards.get(self.metric)
        if card is None or self.metric in self.problems or "n" not in card.columns:
            return None
        return int(card["n"].fill_null(0).sum())


def dashboard(
    responses: pl.DataFrame,
    metric: Metric,
    every: Every,
    segment: str | None,
    time_zone: str = "UTC",
) -> DashboardFrames:
    """Every dashboard figure for the selected responses; each is computed on its own, so one
    that fails (kept in `problems`) leaves the others standing."""
    problems: dict[str, str] = {}

    def figure(name: str, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        try:
            return compute()
        except Exception as exc:
            problems[name] = describe(name, exc, pane="dashboard")
            return pl.DataFrame()

    measures: dict[str, Callable[..., pl.DataFrame]] = {"nps": nps, "csat": csat, "ces": ces}
    cards = {name: figure(name, partial(measure, responses)) for name, measure in measures.items()}
    over_time = figure(
        "trend",
        lambda: trend(responses, metric, every=every, min_n=MIN_N, time_zone=time_zone),
    )
    distribution = figure("distribution", lambda: score_distribution(responses, metric))
    segments = (
        figure("segments", lambda: segment_breakdown(responses, segment, metric, min_n=MIN_N))
        if segment
        else pl.DataFrame()
    )
    impact = (
        figure("impact", lambda: tag_impact(responses, metric))
        if "tags" in responses.columns
        else pl.DataFrame()
    )
    return DashboardFrames(
        metric, every, segment, cards, over_time, distribution, segments, impact, problems
    )


def build_charts(
    frames: DashboardFrames, sizes: dict[str, tuple[int, int]], palette: Palette
) -> dict[str, str]:
    """The dashboard's charts as text, each at the size of the widget that shows it. With no
    scores of the metric in the selection, each chart says so instead of drawing nothing."""
    label = frames.metric.upper()
    titles = {
        "trend": f"{label} by {frames.every}, with its 95% interval",
        "distribution": f"{label} score distribution",
        "segments": f"{label} by {frames.segment}" if frames.segment else "Segments",
        "impact": f"Tag impact on {label}",
    }
    charts: dict[str, str] = {}
    for name, (width, height) in sizes.items():
        if frames.scored == 0 and (name != "segments" or frames.segment):
            charts[name] = message_box(
                f"no {label} scores in this selection", width, height, titles.get(name, "")
            )
        elif name == "trend":
            charts[name] = trend_chart(
                frames.trend, width=width, height=height, palette=palette, title=titles[name]
            )
        elif name == "distribution":
            charts[name] = score_distribution_chart(
                frames.distribution,
                width=width,
                height=height,
                palette=palette,
                title=titles[name],
            )
        elif name == "segments" and not frames.segment:
            charts[name] = message_box(
                "Pick a property under Segment to compare its groups", width, height, "Segments"
            )
        elif name == "segments" and frames.segments.is_empty():
            charts[name] = message_box(
                f"no {label} scores with a {frames.segment} in this selection",
                width,
                height,
                titles[name],
            )
        elif name == "segments":
            charts[name] = segment_chart(
                frames.segments,
                frames.segment or "",
                width=width,
                height=height,
                palette=palette,
                min_n=MIN_N,
            )
        elif name == "impact":
            charts[name] = tag_impact_chart(
                frames.impact, width=width, height=height, palette=palette, title=titles[name]
            )
    return charts


def tags_view(responses: pl.DataFrame, tags: pl.DataFrame, *, min_n: int = MIN_N) -> pl.DataFrame:
    """Each tag: responses carrying it in the selection, NPS impact with its interval and
    Holm-adjusted p-value (tags under `min_n` kept, with the note "too small (n=12)"), and the
    platform's sentiment counts (from the stored tags table, summed over accounts)."""
    shown = {
        "tag": pl.String,
        "n": pl.Int64,
        "share": pl.Float64,
        "with_tag": pl.Float64,
        "impact": pl.Float64,
        "impact_low": pl.Float64,
        "impact_high": pl.Float64,
        "p_adjusted": pl.Float64,
        "note": pl.String,
        "rank": pl.Int64,
    }
    impact = (
        tag_impact(responses, "nps", min_n=min_n).select(list(shown))
        if "tags" in responses.columns
        else pl.DataFrame(schema=shown)
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
    """The Surveys pane: Apptentive surveys and answers, CXI imports, Wootric NPS by month.

    `wootric_months` puts, per Wootric account and month, the store's NPS and n beside the
    API's nps_summary, both in the account's zone, with `differs` marking months that disagree;
    `wootric_trend` is the selected responses by month in `zone` (the selection's zone)."""

    apptentive: pl.DataFrame
    answers: pl.DataFrame
    imports: pl.DataFrame
    wootric_trend: pl.DataFrame
    wootric_summaries: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    wootric_months: pl.DataFrame = field(default_factory=pl.DataFrame)
    zone: ZoneChoice = field(default_factory=lambda: ZoneChoice("UTC", "UTC"))


def surveys_view(
    responses: pl.DataFrame,
    surveys: pl.DataFrame,
    survey_answers: pl.DataFrame,
    nps_summaries: pl.DataFrame,
    *,
    stored: pl.DataFrame | None = None,
    account_zones: Mapping[str, str] | None = None,
    zone: ZoneChoice | None = None,
) -> SurveyFrames:
    """Surveys by platform; counts of the selected responses per survey next to the stored.

    Wootric's nps_summary counts every response of the account, so the month comparison reads
    `stored` (all stored responses; the selected ones when not given) in each account's zone
    (`account_zones`); the selected responses' trend uses `zone`."""
    zone = zone or ZoneChoice("UTC", "UTC")
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
        trend(wootric, "nps", every="month", time_zone=zone.time_zone, min_n=1)
        if wootric.height
        else pl.DataFrame()
    )
    base = stored if stored is not None else responses
    months = nps_against_summaries(
        base.filter(pl.col("platform") == "wootric"), nps_summaries, account_zones or {}
    )
    notes = [zone.note] if zone.note else []
    differing = months.filter(pl.col("differs"))
    if differing.height:
        notes.append(
            f"{differing.height} of {months.height} months differ from Wootric's nps_summary "
            "(marked ≠): the store lacks or has extra responses there; a full sync "
            "(`workbench sync --full`) reads them again"
        )
    return SurveyFrames(
        apptentive,
        answers,
        imports,
        wootric_trend,
        nps_summaries,
        notes,
        wootric_months=months,
        zone=zone,
    )


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
