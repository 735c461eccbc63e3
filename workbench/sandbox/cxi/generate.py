"""Synthetic CXI responses, and what the real API's background analysis does to uploaded rows
(text-match and filter-rule tags, each mention's sentiment), as polars expressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.cxi.catalog import (
    BLANK_SCORE_SHARE,
    FOLLOW_UP_SHARE,
    METRIC_SCALES,
    PROPERTY_DTYPE,
    RESPONSE_SCHEMA,
)
from workbench.sandbox.rails import strict_int

# --- generation ---------------------------------------------------------------------------------


def _template_sentiment(template: vocab.CommentTemplate) -> str | None:
    """A comment's sentiment follows the scores it was written for; no comment, no sentiment."""
    if not template.text:
        return None
    if template.high <= 6:
        return "negative"
    if template.low >= 8:
        return "positive"
    return "neutral"


_TEMPLATE_FEEDBACK = pl.Series([c.text or None for c in vocab.COMMENTS], dtype=pl.String)
_TEMPLATE_SENTIMENT = np.array([_template_sentiment(c) or "" for c in vocab.COMMENTS], dtype=object)
_EMAIL_LAST = tuple(n.lower().replace("ü", "ue").replace("'", "") for n in vocab.LAST_NAMES)


def _template_table() -> tuple[np.ndarray, np.ndarray]:
    """Per 0-10 score, the fitting comment indexes (padded) and how many there are."""
    fitting = vocab.templates_by_score()
    width = max(len(v) for v in fitting.values())
    table = np.zeros((11, width), dtype=np.int64)
    sizes = np.zeros(11, dtype=np.int64)
    for score, indexes in fitting.items():
        table[score, : len(indexes)] = indexes
        sizes[score] = len(indexes)
    return table, sizes


_TEMPLATES_BY_SCORE, _TEMPLATE_COUNTS = _template_table()


@dataclass(frozen=True)
class GenerationPlan:
    """What one generated import looks like, whoever asks for it (seed data or a control call)."""

    import_id: int
    first_response_id: int
    count: int
    metric_type: str
    properties: tuple[str, ...]
    window: tuple[int, int]  # feedback dates in [start, end)
    day_dates: bool
    project_ids: tuple[int, ...]


def generate_responses(
    rng: np.random.Generator,
    plan: GenerationPlan,
    tag_ids_by_name: dict[str, int],
    follow_up_tag_id: int | None = None,
) -> pl.DataFrame:
    """Responses whose comment, tags and sentiment agree with the score, drawn in one go.

    A latent 0-10 score is drawn first (happier on bigger plans), then a comment template that
    fits it; CSAT, CES and star ratings are the latent score rescaled, so a 2/5 CSAT carries a
    detractor's comment.
    """
    n = plan.count
    plan_idx = rng.choice(len(vocab.PLANS), size=n, p=vocab.PLAN_WEIGHTS)
    shift = np.array([vocab.PLAN_NPS_SHIFT[p] for p in vocab.PLANS])[plan_idx]
    latent = np.clip(np.rint(rng.normal(7.3 + shift, 2.3)), 0, 10).astype(np.int64)
    pick = (rng.random(n) * _TEMPLATE_COUNTS[latent]).astype(np.int64)
    template = _TEMPLATES_BY_SCORE[latent, pick]
    low, high = METRIC_SCALES[plan.metric_type]
    scale = np.array([vocab.rescale(s, low, high) for s in range(11)], dtype=np.int64)
    score = scale[latent]
    blank_score = rng.random(n) < BLANK_SCORE_SHARE[plan.metric_type]

    start, end = plan.window
    dates = np.sort(rng.integers(start, max(end, start + 1), size=n))
    if plan.day_dates:
        dates = dates - dates % 86_400

    sentiment = _TEMPLATE_SENTIMENT[template].copy()
    muddled = (rng.random(n) < 0.08) & (sentiment != "")
    sentiment[muddled] = "neutral"

    template_tags = [
        [tag_ids_by_name[t] for t in c.tags if t in tag_ids_by_name] for c in vocab.COMMENTS
    ]
    tag_lists = pl.Series(template_tags, dtype=pl.List(pl.Int64)).gather(template)
    if follow_up_tag_id is not None:
        flagged = (sentiment == "negative") & (rng.random(n) < FOLLOW_UP_SHARE)
        tag_lists = pl.select(
            pl.when(pl.Series(flagged))
            .then(pl.concat_list([pl.lit(tag_lists), pl.lit([follow_up_tag_id])]))
            .otherwise(pl.lit(tag_lists))
        ).to_series()

    draws = {
        "pricing_plan": (vocab.PLANS, plan_idx),
        "persona": (
            vocab.PERSONAS,
            rng.choice(len(vocab.PERSONAS), size=n, p=vocab.PERSONA_WEIGHTS),
        ),
        "country": (
            vocab.COUNTRIES,
            rng.choice(len(vocab.COUNTRIES), size=n, p=vocab.COUNTRY_WEIGHTS),
        ),
        "platform": (
            vocab.PRODUCT_PLANS,
            rng.choice(len(vocab.PRODUCT_PLANS), size=n, p=vocab.PRODUCT_PLAN_WEIGHTS),
        ),
    }
    first = rng.integers(0, len(vocab.FIRST_NAMES), size=n)
    last = rng.integers(0, len(_EMAIL_LAST), size=n)
    number = rng.integers(1, 10_000, size=n)
    domain = rng.integers(0, len(vocab.EMAIL_DOMAINS), size=n)
    anonymous = rng.random(n) < 0.08

    frame = pl.DataFrame(
        {
            "id": np.arange(plan.first_response_id, plan.first_response_id + n, dtype=np.int64),
            "feedback_date": dates.astype(np.int64),
            "score": score,
            "blank_score": blank_score,
            "sentiment": sentiment.astype(str),
            "template": template,
            "first": pl.Series(vocab.FIRST_NAMES).gather(first).str.to_lowercase(),
            "last": pl.Series(_EMAIL_LAST).gather(last),
            "number": number,
            "domain": pl.Series(vocab.EMAIL_DOMAINS).gather(domain),
            "anonymous": anonymous,
            **{key: pl.Series(values).gather(idx) for key, (values, idx) in draws.items()},
        }
    )
    return frame.select(
        "id",
        import_id=pl.lit(plan.import_id, dtype=pl.Int64),
        feedback=pl.lit(_TEMPLATE_FEEDBACK).gather(pl.col("template")),
        translated_feedback=pl.lit(None, dtype=pl.String),
        user_id=pl.when(pl.col("anonymous"))
        .then(None)
        .otherwise(
            pl.concat_str(
                "first",
                pl.lit("."),
                "last",
                pl.col("number").cast(pl.String),
                pl.lit("@"),
                "domain",
            )
        ),
        feedback_date="feedback_date",
        score=pl.when(pl.col("blank_score")).then(None).otherwise(pl.col("score")),
        sentiment=pl.when(pl.col("sentiment") == "").then(None).otherwise(pl.col("sentiment")),
        tag_ids=pl.lit(tag_lists),
        project_ids=pl.lit(list(plan.project_ids), dtype=pl.List(pl.Int64)),
        custom_properties=_property_lists(frame, plan.properties),
    ).cast(RESPONSE_SCHEMA)  # type: ignore[arg-type]


def _property_lists(frame: pl.DataFrame, keys: Sequence[str]) -> pl.Series:
    """[{key, data_type, value}] per row, built long and grouped: concat_list of structs is slow."""
    if not keys:
        return pl.Series([[]] * frame.height, dtype=PROPERTY_DTYPE)
    long = pl.concat(
        [
            frame.select(
                row=pl.int_range(pl.len()),
                order=pl.lit(order),
                key=pl.lit(key),
                data_type=pl.lit("string"),
                value=pl.col(key).cast(pl.String),
            )
            for order, key in enumerate(keys)
        ]
    )
    grouped = (
        long.sort("row", "order")
        .group_by("row", maintain_order=True)
        .agg(custom_properties=pl.struct("key", "data_type", "value"))
    )
    return grouped["custom_properties"].cast(PROPERTY_DTYPE)


# --- analysis: what the real API's background job does to uploaded rows ------------------------


def matches_terms(terms: Sequence[str]) -> pl.Expr:
    """Case-insensitive substring match of any term in the feedback, as text-match tags do."""
    wanted = [t for t in (term.strip() for term in terms) if t]
    if not wanted:
        return pl.lit(False)
    return pl.col("feedback").str.contains_any(wanted, ascii_case_insensitive=True).fill_null(False)


def matches_filter_rules(rules: dict[str, Any], metric_of_import: dict[int, str | None]) -> pl.Expr:
    """The conditions of a text-match tag that the sandbox understands.

    The docs call filter_rules "a Hash of conditions" without listing them. The sandbox applies
    `metric_type` (one or a list), `sentiment` (one or a list) and `score` (a hash of gt, gte, lt,
    lte); any other key is stored and echoed but does not filter.
    """
    condition = pl.lit(True)
    metric = rules.get("metric_type")
    if metric:
        wanted = {str(m).lower() for m in (metric if isinstance(metric, list) else [metric])}
        ids = [i for i, m in metric_of_import.items() if m in wanted]
        condition &= pl.col("import_id").is_in(ids)
    sentiment = rules.get("sentiment")
    if sentiment:
        sentiments = [
            str(s).lower() for s in (sentiment if isinstance(sentiment, list) else [sentiment])
        ]
        condition &= pl.col("sentiment").is_in(sentiments).fill_null(False)
    score = rules.get("score")
    if isinstance(score, dict):
        ops = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}
        for op, method in ops.items():
            if op in score and strict_int(str(score[op]), signs="-") is not None:
                condition &= getattr(pl.col("score"), method)(int(score[op])).fill_null(False)
    return condition


def mention_sentiment(leaning: str | None, response_sentiment: str | None) -> str | None:
    """The sentiment of one tag's mention in one response (the `sentiment` of a response's tag).

    The docs' example shows a positive response whose tags read negative, positive, negative:
    the sentiment is per mention. A clearly positive or negative comment colours all its
    mentions; a neutral (mixed) one mentions each aspect with that tag's own leaning, as in
    "Good value, the mobile app needs work". No response sentiment, no mention sentiment.
    """
    if response_sentiment == "neutral" and leaning is not None:
        return leaning
    return response_sentiment


def mention_sentiment_expr(leaning: pl.Expr, response_sentiment: pl.Expr) -> pl.Expr:
    """`mention_sentiment` over columns, for the tag statistics."""
    return (
        pl.when((response_sentiment == "neutral") & leaning.is_not_null())
        .then(leaning)
        .otherwise(response_sentiment)
    )


def add_tag_where(mask: pl.Expr, tag_id: int) -> pl.Expr:
    """The tag_ids column with `tag_id` appended where `mask` holds and it is not there yet."""
    return (
        pl.when(mask & ~pl.col("tag_ids").list.contains(tag_id))
        .then(pl.concat_list([pl.col("tag_ids"), pl.lit([tag_id], dtype=pl.List(pl.Int64))]))
        .otherwise(pl.col("tag_ids"))
        .alias("tag_ids")
    )


def remove_tag(tag_id: int) -> pl.Expr:
    return pl.col("tag_ids").list.filter(pl.element() != tag_id).alias("tag_ids")
