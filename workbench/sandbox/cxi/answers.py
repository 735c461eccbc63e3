"""CXI answers: refusals raised from inside a handler, and responses rendered as JSON."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from starlette.responses import Response

from workbench.sandbox.cxi.catalog import CxiTag
from workbench.sandbox.cxi.data import CxiAccountData
from workbench.sandbox.cxi.generate import mention_sentiment, mention_sentiment_expr
from workbench.sandbox.web import answer

Json = dict[str, Any]


# --- answers ------------------------------------------------------------------------------------


class Refusal(Exception):
    """An error answer raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        self.response = response


def bad_request(*messages: str) -> Refusal:
    return Refusal(answer({"error": ", ".join(messages)}, status=400))


def not_found(model: str, record_id: object) -> Refusal:
    return Refusal(answer({"message": f"Couldn't find {model} with 'id'={record_id}"}, status=404))


def invalid(*errors: tuple[str | None, str]) -> Refusal:
    """422 as Rails reports a failed validation: each (attribute, full message)."""
    listed = [{"attribute": attribute, "message": message} for attribute, message in errors]
    text = ", ".join(message for _, message in errors)
    return Refusal(answer({"message": text, "errors": listed}, status=422))


def unauthorized(description: str) -> Response:
    header = f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{description}"'
    return answer(
        {"error": "invalid_token", "error_description": description},
        status=401,
        headers={"WWW-Authenticate": header},
    )


# --- rendering responses -------------------------------------------------------------------------


def tag_json(tag: CxiTag, **between: Any) -> Json:
    """A tag as every answer names it, with what that answer adds (`between`) before its
    match rules, in the API's key order."""
    return {
        "id": tag.id,
        "name": tag.name,
        "display_name": tag.name,
        "description": tag.description,
        "mode": tag.mode,
        **between,
        "text_match_terms": list(tag.text_match_terms),
        "filter_rules": tag.filter_rules,
    }


def tag_hash(tag: CxiTag, response_sentiment: str | None) -> Json:
    """A tag as it appears inside a response, with the sentiment of that mention."""
    return tag_json(tag, sentiment=mention_sentiment(tag.sentiment, response_sentiment))


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render_responses(data: CxiAccountData, rows: pl.DataFrame) -> str:
    """The JSON array of `rows` as the API shows responses, rendered by polars.

    An import can hold tens of thousands of rows; building a dict per row and per tag costs
    seconds, so each row's JSON is assembled from polars' own struct encoding (same escaping
    and key order as `json.dumps(..., ensure_ascii=False)`) and the tag hashes, whose JSON is
    rendered once per (tag, mention sentiment).
    """
    if rows.is_empty():
        return "[]"
    sentiments = ("positive", "neutral", "negative", None)
    tag_texts = pl.DataFrame(
        [
            (tag.id, sentiment, _compact(tag_hash(tag, sentiment)))
            for tag in data.tags.values()
            for sentiment in sentiments
        ],
        schema={"tag": pl.Int64, "mention": pl.String, "text": pl.String},
        orient="row",
    )
    leanings = pl.DataFrame(
        {"tag": list(data.tags), "leaning": [t.sentiment for t in data.tags.values()]},
        schema={"tag": pl.Int64, "leaning": pl.String},
    )
    mentions = (
        rows.select(row=pl.int_range(pl.len()), tag="tag_ids", sentiment="sentiment")
        .explode("tag")
        .join(leanings, on="tag", how="inner", maintain_order="left")  # deleted tags drop out
        .with_columns(mention=mention_sentiment_expr(pl.col("leaning"), pl.col("sentiment")))
        .join(tag_texts, on=["tag", "mention"], how="left", nulls_equal=True, maintain_order="left")
        .group_by("row", maintain_order=True)
        .agg(tags=pl.col("text").str.join(","))
    )
    metric = data.metric_of_import()
    head = pl.struct(
        "id",
        "project_ids",
        "feedback",
        "translated_feedback",
        "user_id",
        "feedback_date",
        "score",
        pl.col("import_id")
        .replace_strict(list(metric), list(metric.values()), default=None, return_dtype=pl.String)
        .alias("metric_type"),
        "custom_properties",
    ).struct.json_encode()
    tail = pl.struct(
        "sentiment",
        wootric_response_id=pl.lit(None, dtype=pl.Int64),
        wootric_account_id=pl.lit(data.wootric_account_id, dtype=pl.Int64),
    ).struct.json_encode()
    rendered = (
        rows.with_row_index("row")
        .with_columns(pl.col("row").cast(pl.Int64))
        .join(
            mentions.with_columns(pl.col("row").cast(pl.Int64)),
            on="row",
            how="left",
            maintain_order="left",
        )
        .select(
            pl.concat_str(
                head.str.head(-1),
                pl.lit(',"tags":['),
                pl.col("tags").fill_null(""),
                pl.lit("],"),
                tail.str.tail(-1),
            )
        )
        .to_series()
    )
    return "[" + ",".join(rendered.to_list()) + "]"


def raw_json(text: str, status: int = 200) -> Response:
    """An answer whose JSON is already rendered (see `render_responses`)."""
    return Response(text.encode(), status_code=status, media_type="application/json")


def object_with(head: Json, key: str, rendered: str) -> str:
    """`head` as a JSON object with one more member whose value is already rendered."""
    return _compact(head)[:-1] + f',"{key}":{rendered}' + "}"
