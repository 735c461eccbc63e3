"""The CXI sandbox's data: each account's tags, projects, imports, exports and responses.

Responses are kept columnar, one polars DataFrame per account sorted by (feedback_date, id), so
that a dataset of a quarter of a million rows builds in well under a second, a page of
`/v1/responses` is a slice, and JSON dicts are built only for the rows being answered (in
`cxi.py`). Tags, projects and imports are few, so they are plain dataclasses.

Everything that changes rows (uploads, import updates, text-match tags, deletes) lives here as a
method of `CxiAccountData`; each one is O(rows) at worst, which the real API's background jobs
would be too. The HTTP layer holds the lock; nothing here is thread safe on its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.accounts import WootricAccount

# --- catalogs -----------------------------------------------------------------------------------

PRODUCT_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1, "General"),
    (2, "SaaS DevOps"),
    (3, "SaaS Anc"),
    (4, "SaaS IDC"),
    (5, "SaaS Education CL"),
    (6, "SaaS GD"),
    (7, "SaaS Social Media"),
    (15, "Politicians Review"),
    (8, "SaaS Social Media HS"),
    (9, "E-Commerce"),
    (10, "E-Commerce-WGAC"),
    (11, "Employee Reviews"),
    (12, "Online Food Delivery"),
    (13, "Support Case Feedback"),
    (14, "SaaS RC"),
)
"""In the order the onboarding documentation lists them (15 sits between 7 and 8 there)."""

_ECOMMERCE_TAGS = (
    vocab.TagSpec("PRODUCT_QUALITY", "negative", None, ("broke", "quality", "defect")),
    vocab.TagSpec("RETURNS", "negative", None, ("return", "refund", "exchange")),
    vocab.TagSpec("SHIPPING_PACKAGING", "negative", None, ("shipping", "package", "delivery")),
    vocab.TagSpec("PRICING", "negative", None, ("price", "expensive", "cost")),
    vocab.TagSpec("CUSTOMER_SERVICE", "positive", None, ("support", "helpful", "service")),
)
_EMPLOYEE_TAGS = (
    vocab.TagSpec("MANAGEMENT", "negative", None, ("manager", "leadership", "management")),
    vocab.TagSpec("COMPENSATION", "negative", None, ("salary", "pay", "bonus")),
    vocab.TagSpec("WORK_LIFE_BALANCE", "neutral", None, ("hours", "balance", "remote")),
    vocab.TagSpec("CULTURE", "positive", None, ("team", "culture", "colleagues")),
)
_FOOD_TAGS = (
    vocab.TagSpec("DELIVERY_TIME", "negative", None, ("late", "slow", "wait")),
    vocab.TagSpec("FOOD_QUALITY", "neutral", None, ("cold", "fresh", "taste")),
    vocab.TagSpec("ORDER_ACCURACY", "negative", None, ("missing", "wrong", "forgot")),
    vocab.TagSpec("DRIVER", "positive", None, ("driver", "courier", "friendly")),
)
_SUPPORT_CASE_TAGS = (
    vocab.TagSpec("RESPONSE_TIME", "negative", None, ("wait", "slow", "days")),
    vocab.TagSpec("RESOLUTION", "positive", None, ("solved", "fixed", "resolved")),
    vocab.TagSpec("AGENT_KNOWLEDGE", "positive", None, ("knowledgeable", "agent", "expert")),
    vocab.TagSpec("COMMUNICATION", "neutral", None, ("email", "call", "update")),
)
CATEGORY_TAGS: dict[int, tuple[vocab.TagSpec, ...]] = {
    9: _ECOMMERCE_TAGS,
    10: _ECOMMERCE_TAGS,
    11: _EMPLOYEE_TAGS,
    12: _FOOD_TAGS,
    13: _SUPPORT_CASE_TAGS,
}
"""The smart tags a product category brings; every other category brings vocabulary.TAGS."""


def category_tags(category_id: int) -> tuple[vocab.TagSpec, ...]:
    return CATEGORY_TAGS.get(category_id, vocab.TAGS)


METRIC_TYPES = ("nps", "csat", "ces", "other")
METRIC_SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "other": (1, 5),  # star ratings from review sites
}
BLANK_SCORE_SHARE = {"nps": 0.02, "csat": 0.03, "ces": 0.03, "other": 0.3}
"""Rows whose score cell was left blank (allowed by the CSV rules); reviews often have none."""

PROPERTY_KEYS = ("pricing_plan", "persona", "country", "platform")


@dataclass(frozen=True)
class ImportSpec:
    """One generated CSV import of the demo account."""

    name: str
    source: str
    metric_type: str
    share: float  # of the account's responses
    properties: tuple[str, ...]
    day_dates: bool  # the CSV gave dates as yyyy-mm-dd, so many rows share a second
    project: str | None


ACME_PROJECTS = ("Customer Surveys", "Support", "Reviews")
_SURVEYS, _SUPPORT, _REVIEWS = ACME_PROJECTS
_NO_COUNTRY = ("pricing_plan", "persona", "platform")
_NO_PLATFORM = ("pricing_plan", "persona", "country")
_DEVICE = ("country", "platform")
_PEOPLE = ("persona", "country")
ACME_IMPORTS: tuple[ImportSpec, ...] = (
    ImportSpec(
        "nps-survey-2024-h2.csv", "Survey Monkey", "nps", 0.20, PROPERTY_KEYS, False, _SURVEYS
    ),
    ImportSpec("intercom-csat-2024.csv", "Intercom", "csat", 0.13, PROPERTY_KEYS, False, _SUPPORT),
    ImportSpec("zendesk-ces-2024.csv", "Zendesk", "ces", 0.10, _NO_COUNTRY, False, _SUPPORT),
    ImportSpec("app-store-reviews-2025.csv", "App Store", "other", 0.08, _DEVICE, True, _REVIEWS),
    ImportSpec("nps-survey-2025-h1.csv", "Typeform", "nps", 0.19, PROPERTY_KEYS, False, _SURVEYS),
    ImportSpec("support-csat-2025.csv", "Zendesk", "csat", 0.12, PROPERTY_KEYS, False, _SUPPORT),
    ImportSpec("onboarding-ces-2025.csv", "Qualtrics", "ces", 0.08, _NO_PLATFORM, False, None),
    ImportSpec("g2-reviews-2026.csv", "G2", "other", 0.10, _PEOPLE, True, _REVIEWS),
)

EXTRA_ACME_TAGS = (
    # (name, mode, enabled, parent, terms): one of each kind the API knows besides smart ones
    ("COMPETITORS", "smart", False, "COMMERCIAL", ("competitor", "alternative")),
    ("EXPORT_REQUESTS", "text_match", True, None, ("export",)),
    ("FOLLOW_UP", "manual", True, None, ()),
)
FOLLOW_UP_SHARE = 0.05
"""Share of negative responses an analyst tagged FOLLOW_UP by hand."""

# --- entities -----------------------------------------------------------------------------------


@dataclass
class CxiTag:
    id: int
    name: str
    mode: str  # smart | manual | text_match
    enabled: bool = True
    description: str | None = None
    parent_id: int | None = None
    scope_by_parent: bool | None = None  # null on generated smart tags, false on created ones
    text_match_terms: list[str] = field(default_factory=list)
    filter_rules: dict[str, Any] = field(default_factory=dict)
    sentiment: str | None = None  # the tag's own leaning (see `mention_sentiment`)
    smart_terms: tuple[str, ...] = ()  # how the analysis recognises a smart tag; never served


@dataclass
class CxiProject:
    id: int
    name: str
    created_at: int


@dataclass
class CxiImport:
    id: int
    name: str
    source: str | None
    metric_type: str | None
    language: str
    created_at: int
    analyzed_at: float
    """When the background analysis (smart tags, sentiment, counter cache) is done."""
    analyzed: bool = True
    """False for an upload until `analyzed_at`; its rows have no tags or sentiment yet."""
    secondary_product_category_id: int | None = None


@dataclass
class CxiExport:
    id: int
    export_type: str
    created_at: int
    ready_at: int


@dataclass
class Onboarding:
    """The answers given so far in the onboarding flow of a not-yet-onboarded account."""

    onboarded: bool
    product_category_id: int | None = None
    project_name: str | None = None
    import_draft: dict[str, Any] | None = None
    category_tag_ids: list[int] = field(default_factory=list)


@dataclass
class IdSequences:
    """Ids are unique across accounts, as rows of one database would be."""

    responses: int = 401
    imports: int = 3
    tags: int = 40
    projects: int = 5
    exports: int = 1

    def take(self, table: str, count: int = 1) -> int:
        first = int(getattr(self, table))
        setattr(self, table, first + count)
        return first


# --- the response table -------------------------------------------------------------------------

PROPERTY_DTYPE = pl.List(pl.Struct({"key": pl.String, "data_type": pl.String, "value": pl.String}))
RESPONSE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "import_id": pl.Int64(),
    "feedback": pl.String(),
    "translated_feedback": pl.String(),
    "user_id": pl.String(),
    "feedback_date": pl.Int64(),
    "score": pl.Int64(),
    "sentiment": pl.String(),
    "tag_ids": pl.List(pl.Int64),
    "project_ids": pl.List(pl.Int64),
    "custom_properties": PROPERTY_DTYPE,
}
SORT_KEYS = ["feedback_date", "id"]


def empty_responses() -> pl.DataFrame:
    return pl.DataFrame(schema=RESPONSE_SCHEMA)


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
            if op in score and _is_int(str(score[op])):
                condition &= getattr(pl.col("score"), method)(int(score[op])).fill_null(False)
    return condition


def _is_int(text: str) -> bool:
    return bool(re.fullmatch(r"-?[0-9]+", text.strip()))


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


# --- CSV uploads --------------------------------------------------------------------------------

MAX_CSV_BYTES = 10 * 1024 * 1024
""""Imports only work for CSVs less than 10MB in size": 10 MiB itself is refused."""
RESERVED_COLUMNS = ("tags", "wootric_response_id")
SPECIAL_COLUMNS = ("feedback", "feedback_date", "user_id", "score")
MAX_REPORTED_PROBLEMS = 50
DATE_FORMATS = (
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"), "%Y-%m-%d %H:%M"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "%Y-%m-%d"),
)
DATE_HELP = "use yyyy-mm-dd hh:mm:ss, yyyy-mm-dd hh:mm, yyyy-mm-dd or a Unix timestamp"


@dataclass(frozen=True)
class CsvProblem:
    """One reason an upload is refused, located as a spreadsheet shows it (header = row 1)."""

    row: int
    column: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class CsvRejected(ValueError):
    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems
        super().__init__(problems[0].message)


@dataclass
class ParsedCsv:
    feedback: list[str | None] = field(default_factory=list)
    user_id: list[str | None] = field(default_factory=list)
    feedback_date: list[int] = field(default_factory=list)
    score: list[int | None] = field(default_factory=list)
    custom_properties: list[list[dict[str, str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.feedback_date)


def parse_feedback_date(text: str) -> int | None:
    """Unix seconds for one of the four documented formats, read as UTC; None if invalid.

    The docs do not say which time zone a naive date is in; a Rails app reads it in `Time.zone`,
    which is UTC unless configured, so the sandbox reads UTC.
    """
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,12}", value):
        return int(value)
    for pattern, fmt in DATE_FORMATS:
        if pattern.fullmatch(value):
            try:
                moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
            except ValueError:
                return None
            return int(moment.timestamp())
    return None


def parse_feedback_csv(raw: bytes) -> ParsedCsv:
    """The rows of an upload, or CsvRejected naming every row and column that breaks a rule."""
    if len(raw) >= MAX_CSV_BYTES:
        raise CsvRejected(
            [
                CsvProblem(
                    0,
                    None,
                    f"The file is {len(raw)} bytes; imports only work for CSVs less than 10 MB",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected(
            [CsvProblem(0, None, f"The file is not UTF-8 encoded (byte {exc.start} is invalid)")]
        ) from None
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, None)
    if header is None or not any(h.strip() for h in header):
        raise CsvRejected([CsvProblem(1, None, "The CSV file is empty; row 1 must be a header")])
    columns = _header_columns(header)
    parsed = ParsedCsv()
    problems: list[CsvProblem] = []
    for row_number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are skipped, as a spreadsheet import would
        if len(record) > len(header):
            problems.append(
                CsvProblem(
                    row_number,
                    None,
                    f"Row {row_number} has {len(record)} cells but the header has {len(header)}",
                )
            )
        else:
            _read_row(row_number, record, columns, parsed, problems)
        if len(problems) >= MAX_REPORTED_PROBLEMS:
            break
    if problems:
        raise CsvRejected(problems)
    if not len(parsed):
        raise CsvRejected([CsvProblem(2, None, "The CSV file has a header but no rows")])
    return parsed


def _header_columns(header: list[str]) -> list[tuple[int, str, str]]:
    """(index, name, role) for each named column: a special column's name or "property"."""
    problems: list[CsvProblem] = []
    columns: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for index, raw_name in enumerate(header):
        name = raw_name.strip()
        if not name:
            continue  # an unnamed column (e.g. a trailing comma) carries no property
        lowered = name.lower()
        where = f"(row 1, column {index + 1})"
        if lowered in RESERVED_COLUMNS:
            problems.append(
                CsvProblem(
                    1, name, f'Column "{name}" is a reserved name and cannot be used {where}'
                )
            )
        elif lowered in seen:
            problems.append(CsvProblem(1, name, f'Column "{name}" appears twice {where}'))
        seen.add(lowered)
        columns.append((index, name, lowered if lowered in SPECIAL_COLUMNS else "property"))
    if not any(role == "feedback_date" for _, _, role in columns):
        problems.append(
            CsvProblem(
                1, "feedback_date", 'The mandatory column "feedback_date" is missing (row 1)'
            )
        )
    if problems:
        raise CsvRejected(problems)
    return columns


def _read_row(
    row_number: int,
    record: list[str],
    columns: list[tuple[int, str, str]],
    parsed: ParsedCsv,
    problems: list[CsvProblem],
) -> None:
    values: dict[str, str | None] = {"feedback": None, "user_id": None}
    feedback_date: int | None = None
    score: int | None = None
    properties: list[dict[str, str]] = []
    ok = True
    for index, name, role in columns:
        cell = record[index].strip() if index < len(record) else ""
        if role == "feedback_date":
            feedback_date = parse_feedback_date(cell) if cell else None
            if feedback_date is None:
                ok = False
                shown = f'"{cell[:40]}" is not a valid date' if cell else "a value is required"
                problems.append(
                    CsvProblem(
                        row_number,
                        name,
                        f'Row {row_number}, column "{name}": {shown}; {DATE_HELP}',
                    )
                )
        elif role == "score":
            if cell and not re.fullmatch(r"[+-]?[0-9]+", cell):
                ok = False
                problems.append(
                    CsvProblem(
                        row_number,
                        name,
                        f'Row {row_number}, column "{name}": "{cell[:40]}" is not an integer '
                        "(scores must be integers; blank cells are allowed)",
                    )
                )
            elif cell:
                score = int(cell)
        elif role in ("feedback", "user_id"):
            values[role] = cell or None
        elif cell:
            properties.append({"key": name, "data_type": "string", "value": cell})
    if ok and feedback_date is not None:
        parsed.feedback.append(values["feedback"])
        parsed.user_id.append(values["user_id"])
        parsed.feedback_date.append(feedback_date)
        parsed.score.append(score)
        parsed.custom_properties.append(properties)


def responses_from_csv(parsed: ParsedCsv, first_id: int, import_id: int) -> pl.DataFrame:
    """Uploaded rows as responses: no tags, no sentiment until the analysis has run."""
    n = len(parsed)
    return pl.DataFrame(
        {
            "id": list(range(first_id, first_id + n)),
            "import_id": [import_id] * n,
            "feedback": parsed.feedback,
            "translated_feedback": [None] * n,
            "user_id": parsed.user_id,
            "feedback_date": parsed.feedback_date,
            "score": parsed.score,
            "sentiment": [None] * n,
            "tag_ids": [[] for _ in range(n)],
            "project_ids": [[] for _ in range(n)],
            "custom_properties": parsed.custom_properties,
        },
        schema=RESPONSE_SCHEMA,
    )


# --- one account --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagStats:
    response_count: int
    positive: int
    neutral: int
    negative: int
    unknown: int  # responses without a sentiment ("null" in sentiment_breakdown)


class CxiAccountData:
    """Everything one CXI account holds; the HTTP layer turns it into JSON."""

    def __init__(self, account: WootricAccount, wootric_account_id: int) -> None:
        self.account = account
        self.wootric_account_id = wootric_account_id
        self.onboarding = Onboarding(onboarded=account.onboarded)
        self.tags: dict[int, CxiTag] = {}
        self.projects: dict[int, CxiProject] = {}
        self.imports: dict[int, CxiImport] = {}
        self.exports: list[CxiExport] = []
        self.responses = empty_responses()
        self.version = 0
        self._cache: dict[str, tuple[int, Any]] = {}

    # -- reading -------------------------------------------------------------------------------

    def _cached(self, key: str, compute: Any) -> Any:
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        value = compute()
        self._cache[key] = (self.version, value)
        return value

    def changed(self) -> None:
        self.version += 1

    def count_by_import(self) -> dict[int, int]:
        def compute() -> dict[int, int]:
            counts = self.responses.group_by("import_id").len()
            return dict(zip(counts["import_id"].to_list(), counts["len"].to_list(), strict=True))

        return dict(self._cached("by_import", compute))

    def count_by_project(self) -> dict[int, int]:
        def compute() -> dict[int, int]:
            counts = (
                self.responses.select("project_ids")
                .explode("project_ids")
                .drop_nulls()
                .group_by("project_ids")
                .len()
            )
            return dict(zip(counts["project_ids"].to_list(), counts["len"].to_list(), strict=True))

        return dict(self._cached("by_project", compute))

    def tag_stats(self) -> dict[int, TagStats]:
        """Counts per tag; a parent counts each response tagged with it or any of its children once.

        The sentiment breakdown counts mentions (`mention_sentiment`), so it is exactly the
        distribution of the `sentiment` shown on the tag in each response.

        The docs show per-tag counts but not how parents add up; rolling children up is what a
        hierarchy is for (a parent without direct responses would otherwise always read 0).
        """
        return dict(self._cached("tag_stats", self._compute_tag_stats))

    def _compute_tag_stats(self) -> dict[int, TagStats]:
        tagged = (
            self.responses.select("tag_ids", "sentiment", row=pl.int_range(pl.len()))
            .explode("tag_ids")
            .drop_nulls("tag_ids")
            .rename({"tag_ids": "tag"})
        )
        parents = {t.id: t.parent_id for t in self.tags.values() if t.parent_id is not None}
        if parents:
            links = pl.DataFrame(
                {"tag": list(parents), "parent": list(parents.values())},
                schema={"tag": pl.Int64, "parent": pl.Int64},
            )
            rolled = tagged.join(links, on="tag").select("row", "sentiment", tag="parent")
            tagged = pl.concat([tagged, rolled.select(tagged.columns)]).unique(["row", "tag"])
        leanings = pl.DataFrame(
            {"tag": list(self.tags), "leaning": [t.sentiment for t in self.tags.values()]},
            schema={"tag": pl.Int64, "leaning": pl.String},
        )
        mentions = tagged.join(leanings, on="tag", how="left").with_columns(
            mention=mention_sentiment_expr(pl.col("leaning"), pl.col("sentiment"))
        )
        grouped = mentions.group_by("tag").agg(
            count=pl.len(),
            positive=(pl.col("mention") == "positive").sum(),
            neutral=(pl.col("mention") == "neutral").sum(),
            negative=(pl.col("mention") == "negative").sum(),
            unknown=pl.col("mention").is_null().sum(),
        )
        return {
            row["tag"]: TagStats(
                row["count"], row["positive"], row["neutral"], row["negative"], row["unknown"]
            )
            for row in grouped.iter_rows(named=True)
        }

    def response_ids_with_tag(self, tag_id: int) -> list[int]:
        hits = self.responses.filter(pl.col("tag_ids").list.contains(tag_id))
        return sorted(hits["id"].to_list())

    def import_responses(self, import_id: int) -> pl.DataFrame:
        return self.responses.filter(pl.col("import_id") == import_id).sort("id")

    def metric_of_import(self) -> dict[int, str | None]:
        return {i.id: i.metric_type for i in self.imports.values()}

    def tag_by_name(self, name: str) -> CxiTag | None:
        wanted = name.strip().upper()
        return next((t for t in self.tags.values() if t.name == wanted), None)

    # -- writing -------------------------------------------------------------------------------

    def add_responses(self, rows: pl.DataFrame) -> None:
        self.responses = pl.concat([self.responses, rows]).sort(SORT_KEYS)
        self.changed()

    def update_rows(self, mask: pl.Expr, *changes: pl.Expr) -> None:
        """Apply column expressions to the rows where `mask` holds (all rows keep their order)."""
        self.responses = self.responses.with_columns(
            pl.when(mask).then(change).otherwise(pl.col(change.meta.output_name()))
            for change in changes
        )
        self.changed()

    def delete_import(self, import_id: int) -> None:
        del self.imports[import_id]
        self.responses = self.responses.filter(pl.col("import_id") != import_id)
        self.changed()

    def apply_text_match(self, tag: CxiTag, within: pl.Expr | None = None) -> None:
        """Tag every response (or those `within`) whose feedback has a term and meets the rules."""
        if tag.mode != "text_match" or not tag.enabled:
            return
        mask = matches_terms(tag.text_match_terms) & matches_filter_rules(
            tag.filter_rules, self.metric_of_import()
        )
        if within is not None:
            mask &= within
        self.responses = self.responses.with_columns(add_tag_where(mask, tag.id))
        self.changed()

    def untag_everywhere(self, tag_id: int) -> None:
        self.responses = self.responses.with_columns(remove_tag(tag_id))
        self.changed()

    def label_import(
        self, import_id: int, tag_ids: Iterable[int], project_ids: Iterable[int]
    ) -> None:
        """Add tags and projects to every response of an import (PUT /v1/imports/<id>)."""
        in_import = pl.col("import_id") == import_id
        columns: list[pl.Expr] = [add_tag_where(in_import, t) for t in tag_ids]
        for column in columns:
            self.responses = self.responses.with_columns(column)
        wanted = sorted(set(project_ids))
        if wanted:
            self.responses = self.responses.with_columns(
                pl.when(in_import)
                .then(
                    pl.concat_list(
                        [pl.col("project_ids"), pl.lit(wanted, dtype=pl.List(pl.Int64))]
                    ).list.unique(maintain_order=True)
                )
                .otherwise(pl.col("project_ids"))
                .alias("project_ids")
            )
        self.changed()

    def analyze_import(self, imported: CxiImport) -> None:
        """What the background job does to an upload: smart tags, text-match tags, sentiment.

        Sentiment comes from the smart tags a comment matched (more positive than negative tags
        reads positive, and so on); a comment that matched none leans on its score (NPS bands,
        or the same bands rescaled), and a row without feedback has no sentiment, as generated
        rows do.
        """
        in_import = pl.col("import_id") == imported.id
        smart = [t for t in self.tags.values() if t.mode == "smart" and t.enabled and t.smart_terms]
        for tag in smart:
            self.responses = self.responses.with_columns(
                add_tag_where(in_import & matches_terms(tag.smart_terms), tag.id)
            )
        for tag in self.tags.values():
            if tag.mode == "text_match":
                self.apply_text_match(tag, within=in_import)
        positive = [t.id for t in smart if t.sentiment == "positive"]
        negative = [t.id for t in smart if t.sentiment == "negative"]
        leaning = (
            pl.col("tag_ids").list.eval(pl.element().is_in(positive).cast(pl.Int64)).list.sum()
            - pl.col("tag_ids").list.eval(pl.element().is_in(negative).cast(pl.Int64)).list.sum()
        )
        low, high = METRIC_SCALES.get(imported.metric_type or "nps", (0, 10))
        promoter = vocab.rescale(9, low, high)
        detractor = vocab.rescale(6, low, high)
        by_score = (
            pl.when(pl.col("score") >= promoter)
            .then(pl.lit("positive"))
            .when(pl.col("score") <= detractor)
            .then(pl.lit("negative"))
            .otherwise(pl.lit("neutral"))
        )
        sentiment = (
            pl.when(pl.col("feedback").is_null())
            .then(None)
            .when(leaning > 0)
            .then(pl.lit("positive"))
            .when(leaning < 0)
            .then(pl.lit("negative"))
            .otherwise(by_score)
            .alias("sentiment")
        )
        self.update_rows(in_import, sentiment)


# --- seeding ------------------------------------------------------------------------------------

DAY = 86_400
DATA_SPAN = 730 * DAY
"""Generated feedback spans the two years before `SandboxConfig.end`, like the NPS data."""


def add_smart_tags(
    data: CxiAccountData, specs: Iterable[vocab.TagSpec], ids: IdSequences
) -> list[int]:
    """Smart tags for `specs` (reusing any the account has by name), parents before children."""
    added: list[int] = []
    for spec in specs:
        existing = data.tag_by_name(spec.name)
        if existing is not None:
            added.append(existing.id)
            continue
        parent = data.tag_by_name(spec.parent) if spec.parent else None
        tag = CxiTag(
            id=ids.take("tags"),
            name=spec.name,
            mode="smart",
            parent_id=parent.id if parent else None,
            sentiment=spec.sentiment,
            smart_terms=spec.terms,
        )
        data.tags[tag.id] = tag
        added.append(tag.id)
    return added


def seed_demo_account(
    data: CxiAccountData, rng: np.random.Generator, total: int, end: int, ids: IdSequences
) -> None:
    """The onboarded demo account: tags of every mode, three projects, eight imports."""
    add_smart_tags(data, vocab.TAGS, ids)
    for name, mode, enabled, parent_name, terms in EXTRA_ACME_TAGS:
        parent = data.tag_by_name(parent_name) if parent_name else None
        tag = CxiTag(
            id=ids.take("tags"),
            name=name,
            mode=mode,
            enabled=enabled,
            parent_id=parent.id if parent else None,
            scope_by_parent=None if mode == "smart" else False,
            text_match_terms=list(terms) if mode == "text_match" else [],
            sentiment="neutral" if mode == "smart" else None,
            smart_terms=terms if mode == "smart" else (),
        )
        data.tags[tag.id] = tag
    start = end - DATA_SPAN
    for offset, name in enumerate(ACME_PROJECTS):
        project = CxiProject(
            ids.take("projects"), name, start - (len(ACME_PROJECTS) - offset) * DAY
        )
        data.projects[project.id] = project
    project_ids = {p.name: p.id for p in data.projects.values()}
    tag_ids = {t.name: t.id for t in data.tags.values() if t.mode == "smart" and t.enabled}
    follow_up = data.tag_by_name("FOLLOW_UP")
    counts = [int(spec.share * total) for spec in ACME_IMPORTS]
    counts[0] += total - sum(counts)
    step = (DATA_SPAN - 3 * DAY) // len(ACME_IMPORTS)
    frames = []
    for index, (spec, count) in enumerate(zip(ACME_IMPORTS, counts, strict=True)):
        window_end = start + (index + 1) * step
        window = (max(start, window_end - step - step // 4), window_end)
        created_at = window_end + int(rng.integers(3_600, 3 * DAY))
        imported = CxiImport(
            id=ids.take("imports"),
            name=spec.name,
            source=spec.source,
            metric_type=spec.metric_type,
            language="en",
            created_at=created_at,
            analyzed_at=created_at,
        )
        data.imports[imported.id] = imported
        plan = GenerationPlan(
            import_id=imported.id,
            first_response_id=ids.take("responses", count),
            count=count,
            metric_type=spec.metric_type,
            properties=spec.properties,
            window=window,
            day_dates=spec.day_dates,
            project_ids=(project_ids[spec.project],) if spec.project else (),
        )
        frames.append(generate_responses(rng, plan, tag_ids, follow_up.id if follow_up else None))
    data.add_responses(pl.concat(frames))
    for tag in list(data.tags.values()):
        data.apply_text_match(tag)
