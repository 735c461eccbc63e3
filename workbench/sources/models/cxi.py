"""The Wootric CXI API's answers as typed models (wootric-cxi.txt and wootric-cxi-full/).

Ids are strings (`Id`), timestamps aware UTC datetimes (`Timestamp`): `created_at` comes as Unix
seconds and a response's `feedback_date` as Unix seconds or `yyyy-mm-dd[ hh:mm[:ss]]`, and one
parser reads them all. Unknown fields are kept (`ApiModel`), because the examples show fields the
reference tables do not list (`usage`, `scope_by_parent`, `translated_feedback`, ...).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from workbench.sources.fields import ApiModel, Id, Timestamp


def _lower(value: object) -> object:
    """The API answers `"ces"` to a PUT of `CES` (docs, Update an import); compare in one case."""
    return value.lower() if isinstance(value, str) else value


def _no_list(value: object) -> object:
    """A list the API sends as null (e.g. `text_match_terms` of a smart tag) reads as empty."""
    return [] if value is None else value


def _no_hash(value: object) -> object:
    return {} if value is None else value


MetricType = Annotated[str | None, BeforeValidator(_lower)]
"""`nps`, `csat`, `ces` or `other` (kept as a string: an API may grow a new metric)."""

Ids = Annotated[list[Id], BeforeValidator(_no_list)]
Terms = Annotated[list[str], BeforeValidator(_no_list)]
Hash = Annotated[dict[str, Any], BeforeValidator(_no_hash)]


# --- onboarding ------------------------------------------------------------------------------


class ProductCategory(ApiModel):
    id: Id
    name: str


class OnboardingTag(ApiModel):
    """A smart tag of the chosen product category, as the onboarding answer lists it."""

    id: Id
    name: str
    mode: str | None = None
    response_ids: Ids = Field(default_factory=list)


class OnboardingProject(ApiModel):
    name: str | None = None
    responses: list[Any] = Field(default_factory=list)


class OnboardingImport(ApiModel):
    name: str | None = None
    source: str | None = None
    metric_type: MetricType = None
    language: str | None = None
    sample_analyzed: bool | None = None


class Onboarding(ApiModel):
    """`GET/PUT /v1/onboarding`. An onboarded account answers only `onboarded` and `mode`."""

    onboarded: bool
    mode: str | None = None
    product_category_id: Id | None = None
    product_categories: list[ProductCategory] = Field(default_factory=list)
    tags: list[OnboardingTag] = Field(default_factory=list)
    project: OnboardingProject | None = None
    import_: OnboardingImport | None = Field(default=None, alias="import")


# --- projects ----------------------------------------------------------------------------------


class Project(ApiModel):
    id: Id
    name: str | None = None
    response_count: int | None = None
    created_at: Timestamp = None


# --- tags ----------------------------------------------------------------------------------------


class _TagFields(ApiModel):
    """What a tag carries both in `/v1/tags` and as applied to a response."""

    id: Id
    name: str
    display_name: str | None = None
    description: str | None = None
    mode: str | None = None
    """`manual`, `smart` or `text_match`."""
    text_match_terms: Terms = Field(default_factory=list)
    filter_rules: Hash = Field(default_factory=dict)


class Tag(_TagFields):
    """A tag from `/v1/tags`; with `flat=false` its children are nested in `children`."""

    enabled: bool | None = None
    parent_id: Id | None = None
    scope_by_parent: bool | None = None
    response_count: int | None = None
    usage: float | None = None
    """Share of responses carrying the tag, in percent (absent with `no_stats=true`)."""
    sentiment_breakdown: Annotated[dict[str, float | None], BeforeValidator(_no_hash)] = Field(
        default_factory=dict
    )
    """Percentages by sentiment; the keys are `positive`, `negative`, `neutral` and `null`."""
    children: Annotated[list[Tag], BeforeValidator(_no_list)] = Field(default_factory=list)


class ResponseTag(_TagFields):
    """A tag as applied to one response, with the sentiment of that response towards it."""

    sentiment: str | None = None


# --- responses and imports -----------------------------------------------------------------------


class CustomProperty(ApiModel):
    """One cell of the uploaded CSV that is not a response attribute: its column and value."""

    key: str
    data_type: str | None = None
    value: Any = None


class Response(ApiModel):
    """A CXI response (feedback row), from an import or from `/v1/responses`."""

    id: Id
    feedback: str | None = None
    translated_feedback: str | None = None
    feedback_date: Timestamp = None
    user_id: str | None = None
    metric_type: MetricType = None
    score: int | None = None
    sentiment: str | None = None
    """`positive`, `negative`, `neutral` or null (not analysed yet)."""
    project_ids: Ids = Field(default_factory=list)
    tags: Annotated[list[ResponseTag], BeforeValidator(_no_list)] = Field(default_factory=list)
    custom_properties: Annotated[list[CustomProperty], BeforeValidator(_no_list)] = Field(
        default_factory=list
    )
    wootric_response_id: Id | None = None
    wootric_account_id: Id | None = None

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    @property
    def properties(self) -> dict[str, Any]:
        """The custom properties as one mapping, column name to value (the CSV's extra columns)."""
        return {prop.key: prop.value for prop in self.custom_properties}


class Import(ApiModel):
    """An import as `/v1/imports` lists it (without its responses)."""

    id: Id
    name: str | None = None
    source: str | None = None
    metric_type: MetricType = None
    language: str | None = None
    secondary_product_category_id: Id | None = None
    response_count: int | None = None
    created_at: Timestamp = None
    sample_analyzed: bool | None = None


class ImportDetail(Import):
    """`GET/POST/PUT /v1/imports[/<id>]`: the import with every response it holds."""

    responses: list[Response] = Field(default_factory=list)


class ResponsePage(ApiModel):
    """One page of `/v1/responses`: `total_count` counts every response of the account."""

    total_count: int = 0
    items: list[Response] = Field(default_factory=list)


__all__ = [
    "CustomProperty",
    "Import",
    "ImportDetail",
    "Onboarding",
    "OnboardingImport",
    "OnboardingProject",
    "OnboardingTag",
    "ProductCategory",
    "Project",
    "Response",
    "ResponsePage",
    "ResponseTag",
    "Tag",
]
