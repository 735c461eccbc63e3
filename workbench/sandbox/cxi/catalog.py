"""What a CXI account is made of: product categories and their tags, metrics, the imports of
the demo account, the entity dataclasses and the schema of the response table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.sandbox import vocabulary as vocab

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


FIRST_IDS: dict[str, int] = {
    "responses": 401,
    "imports": 3,
    "tags": 40,
    "projects": 5,
    "exports": 1,
}
"""The first id of each table."""


@dataclass
class IdSequences:
    """Ids are unique across accounts, as rows of one database would be."""

    following: dict[str, int] = field(default_factory=lambda: dict(FIRST_IDS))
    """The next id of each table."""

    def take(self, table: str, count: int = 1) -> int:
        """`count` ids of `table` in a row; the first of them."""
        first = self.following[table]
        self.following[table] = first + count
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
