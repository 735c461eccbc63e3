"""The canonical tables, declared once: every normalizer writes them, every analysis reads them.

Each platform's records land in the same few tables, so the analysis never asks where a row
came from except through the `account` and `platform` columns. Timestamps are UTC with
microseconds, ids are strings (the APIs mix integers and hex ids), scores are small integers with
a `metric` column saying which scale they are on, tags are a list of names, and properties are a
struct whose fields are the property names an account uses (String or numeric; two accounts may
have different fields, so the schema leaves the struct's fields open).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl
from polars._typing import PolarsDataType

TIMESTAMP: Final = pl.Datetime("us", "UTC")
"""Every instant in the store: UTC, microseconds (the APIs give seconds at best)."""

PROPERTIES: Final = pl.Struct([])
"""Placeholder for a properties struct: its fields vary by account, so any struct conforms."""

PLATFORMS: Final = ("wootric", "cxi", "apptentive", "crowdskout")
METRICS: Final = ("nps", "csat", "ces", "other")


MISSING_DEFAULTS: Final[dict[str, object]] = {"excluded_from_calculations": False, "tags": []}
"""Values for a column a source lacks: a platform without exclusion or tags has none of either."""


class SchemaError(ValueError):
    """A frame that cannot be made to fit its table; the message names the column and why."""


@dataclass(frozen=True)
class Table:
    """One canonical table: its name, what it holds and where it comes from, and its columns."""

    name: str
    doc: str
    schema: pl.Schema
    key: tuple[str, ...] = ("account", "platform", "id")

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {len(self.schema)} columns)"


def _table(
    name: str, doc: str, columns: Mapping[str, PolarsDataType], **kw: tuple[str, ...]
) -> Table:
    return Table(
        name, doc, pl.Schema({"account": pl.String, "platform": pl.String, **columns}), **kw
    )


ACCOUNTS = _table(
    "accounts",
    "One row per configured account: the platform-side account it reaches and its time zone "
    "(Wootric settings; NPS summaries are computed in it).",
    {
        "id": pl.String,
        "name": pl.String,
        "time_zone": pl.String,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
)

END_USERS = _table(
    "end_users",
    "The people who answer: Wootric end users, Crowdskout profiles and Apptentive record users.",
    {
        "id": pl.String,
        "email": pl.String,
        "external_id": pl.String,
        "phone_number": pl.String,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "last_surveyed": TIMESTAMP,
        "last_seen_at": TIMESTAMP,
        "page_views_count": pl.Int64,
        "properties": PROPERTIES,
    },
)

RESPONSES = _table(
    "responses",
    "Every scored or free-text answer: Wootric responses, CXI import responses, Apptentive "
    "records and survey responses; `properties` are the end user's at the time of the answer.",
    {
        "id": pl.String,
        "end_user_id": pl.String,
        "user_ref": pl.String,  # email, or the CXI user_id; joins across platforms
        "survey_id": pl.String,  # Wootric survey / CXI import / Apptentive survey
        "metric": pl.String,  # nps | csat | ces | other
        "score": pl.Int16,
        "text": pl.String,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "tags": pl.List(pl.String),
        "sentiment": pl.String,
        "excluded_from_calculations": pl.Boolean,
        "origin_url": pl.String,
        "properties": PROPERTIES,
    },
)

TAGS = _table(
    "tags",
    "CXI tags (manual, smart, text-match) with their hierarchy, usage and sentiment counts; "
    "Wootric response tags that CXI does not know appear with mode null.",
    {
        "id": pl.String,
        "name": pl.String,
        "parent": pl.String,  # the parent tag's name, null for a top-level tag
        "mode": pl.String,
        "sentiment": pl.String,  # the dominant sentiment, null when the tag has no responses
        "response_count": pl.Int64,
        "usage": pl.Float64,  # percent of the account's responses that carry the tag
        "positive": pl.Int64,
        "neutral": pl.Int64,
        "negative": pl.Int64,
    },
)

SURVEYS = _table(
    "surveys",
    "What was asked: Wootric surveys, CXI imports (each an uploaded survey) and Apptentive "
    "surveys.",
    {
        "id": pl.String,
        "name": pl.String,
        "description": pl.String,
        "metric": pl.String,  # CXI metric_type; nps for Wootric; null for Apptentive
        "language": pl.String,
        "source": pl.String,
        "active": pl.Boolean,
        "response_count": pl.Int64,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
)

SURVEY_ANSWERS = _table(
    "survey_answers",
    "Answer counts per survey question and choice, as Apptentive reports them on a survey.",
    {
        "survey_id": pl.String,
        "question_id": pl.String,
        "question": pl.String,
        "question_type": pl.String,  # singleline | multichoice | multiselect
        "choice": pl.String,  # null for a free-text question
        "count": pl.Int64,
    },
    key=("account", "platform", "survey_id", "question_id", "choice"),
)

DECLINES = _table(
    "declines",
    "Wootric surveys an end user dismissed without answering.",
    {
        "id": pl.String,
        "end_user_id": pl.String,
        "survey_id": pl.String,
        "origin_url": pl.String,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "properties": PROPERTIES,
    },
)

PAGE_VIEWS = _table(
    "page_views",
    "Wootric page views of end users (where a web survey could show).",
    {
        "id": pl.String,
        "end_user_id": pl.String,
        "url": pl.String,
        "at": TIMESTAMP,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
)

END_USER_SETTINGS = _table(
    "end_user_settings",
    "Wootric end-user settings (the survey channels an end user may be asked on), one row per "
    "end user: `id` is the end user's id. Read from the `settings` hash of the end-user listing, "
    "so `updated_at` is the end user's (the settings object's own id and times are not there).",
    {
        "id": pl.String,
        "email_nps": pl.Boolean,
        "mobile_nps": pl.Boolean,
        "web_nps": pl.Boolean,
        "force_web_survey": pl.Boolean,
        "force_mobile_survey": pl.Boolean,
        "surveys_disabled_by_end_user": pl.Boolean,
        "updated_at": TIMESTAMP,
    },
)

PROJECTS = _table(
    "projects",
    "CXI projects, the folders that group imports.",
    {
        "id": pl.String,
        "name": pl.String,
        "response_count": pl.Int64,
        "created_at": TIMESTAMP,
    },
)

SEGMENTS = _table(
    "segments",
    "Wootric segments: the end-user property names an account declared, with their data types.",
    {
        "name": pl.String,
        "data_type": pl.String,  # string | date | integer
        "created_at": TIMESTAMP,
    },
    key=("account", "platform", "name"),
)

NPS_SUMMARIES = _table(
    "nps_summaries",
    "Wootric /v1/nps_summary answers as fetched, kept to check our own totals against.",
    {
        "date_start": pl.Date,
        "date_end": pl.Date,
        "nps": pl.Int64,
        "responses": pl.Int64,
        "detractors": pl.Int64,
        "passives": pl.Int64,
        "promoters": pl.Int64,
        "response_rate": pl.Int64,
        "email_response_rate": pl.Int64,
        "fetched_at": TIMESTAMP,
    },
    key=("account", "platform", "date_start", "date_end"),
)

TABLES: Final[dict[str, Table]] = {
    t.name: t
    for t in (
        ACCOUNTS,
        END_USERS,
        RESPONSES,
        TAGS,
        SURVEYS,
        SURVEY_ANSWERS,
        DECLINES,
        PAGE_VIEWS,
        END_USER_SETTINGS,
        PROJECTS,
        SEGMENTS,
        NPS_SUMMARIES,
    )
}


def table(name: str | Table) -> Table:
    """The table called `name`, or a SchemaError listing the tables there are."""
    if isinstance(name, Table):
        return name
    try:
        return TABLES[name]
    except KeyError:
        raise SchemaError(
            f"there is no table {name!r}; the tables are {', '.join(TABLES)}"
        ) from None


def empty(name: str | Table, properties: pl.Struct | None = None) -> pl.DataFrame:
    """A frame with no rows and the table's columns (a struct of `properties` if one is given)."""
    spec = table(name)
    schema = dict(spec.schema)
    if "properties" in schema and properties is not None:
        schema["properties"] = properties
    return pl.DataFrame(schema=schema)


def conform(
    frame: pl.DataFrame | pl.LazyFrame,
    name: str | Table,
    *,
    extra: Literal["raise", "drop"] = "raise",
) -> pl.DataFrame:
    """Fit `frame` to the table: missing columns added as nulls, types cast, columns in order.

    Why strict by default: a normalizer that produces a column the table does not have is a bug
    that would otherwise lose data silently, so unknown columns raise unless `extra="drop"`.
    Naive timestamps are taken as UTC (every normalizer already converts to UTC); aware ones are
    converted. The properties struct keeps whatever fields it has.
    """
    spec = table(name)
    lazy = frame.lazy()
    present = lazy.collect_schema()
    unknown = [c for c in present.names() if c not in spec.schema]
    if unknown and extra == "raise":
        raise SchemaError(
            f"{spec.name} has no column {', '.join(map(repr, unknown))}; "
            f"its columns are {', '.join(spec.schema.names())}"
        )
    exprs = [_conform_column(col, dtype, present.get(col)) for col, dtype in spec.schema.items()]
    try:
        return lazy.select(exprs).collect()
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SchemaError(f"cannot conform a frame to {spec.name}: {first}") from None


def _conform_column(col: str, target: pl.DataType, current: pl.DataType | None) -> pl.Expr:
    if current is None:
        return pl.lit(MISSING_DEFAULTS.get(col), dtype=target).alias(col)
    if isinstance(target, pl.Struct):  # only `properties` is a struct, and its fields are open
        if not isinstance(current, pl.Struct | pl.Null):
            raise SchemaError(f"column {col!r} must be a struct of properties, not {current}")
        return (
            pl.col(col) if isinstance(current, pl.Struct) else pl.lit(None, PROPERTIES).alias(col)
        )
    if isinstance(target, pl.Datetime) and isinstance(current, pl.Datetime):
        expr = pl.col(col)
        if current.time_zone is None:
            expr = expr.dt.replace_time_zone("UTC")
        return expr.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias(col)
    if current == target:
        return pl.col(col)
    return pl.col(col).cast(target, strict=True).alias(col)


def property_names(frame: pl.DataFrame | pl.LazyFrame | pl.Schema) -> list[str]:
    """The property names a frame carries (the fields of its `properties` struct)."""
    schema = frame if isinstance(frame, pl.Schema) else frame.lazy().collect_schema()
    dtype = schema.get("properties")
    return [f.name for f in dtype.fields] if isinstance(dtype, pl.Struct) else []


def properties_struct(fields: Iterable[tuple[str, pl.DataType]]) -> pl.Struct:
    """A properties struct type from (name, type) pairs, for building frames by hand."""
    return pl.Struct([pl.Field(n, t) for n, t in fields])
