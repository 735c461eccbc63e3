"""The Wootric NPS API's answers as typed models (wootric-v1-full and the legacy reference)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workbench.sources.fields import ApiModel, Id, Properties, Timestamp


class Token(ApiModel):
    access_token: str = Field(repr=False)
    token_type: str = "bearer"
    expires_in: int = 7200
    refresh_token: str | None = Field(default=None, repr=False)
    scope: str | None = None


class EndUserProperties(ApiModel):
    """The `end_user` hash on responses and declines: properties at the moment of the survey."""

    properties: Properties = Field(default_factory=dict)


class LastResponse(ApiModel):
    id: Id
    score: int | None = None
    text: str | None = None
    survey: dict[str, Any] | None = None


class EndUser(ApiModel):
    id: Id
    email: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    last_surveyed: Timestamp = None
    external_created_at: Timestamp = None
    last_seen_at: Timestamp = None
    properties: Properties = Field(default_factory=dict)
    phone_number: str | None = None
    external_id: str | None = None
    last_response: LastResponse | None = None
    settings: dict[str, Any] | None = None
    page_views_count: int | None = None


class _Answer(ApiModel):
    """What a response and a decline both carry: whose, where from, when, and the end user's
    properties as they were at the survey."""

    id: Id
    end_user_id: Id | None = None
    survey_id: Id | None = None
    ip_address: str | None = None
    origin_url: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    end_user: EndUserProperties | None = None


class Response(_Answer):
    score: int | None = None
    text: str | None = None
    completed: bool | None = None
    excluded_from_calculations: bool = False
    tags: list[str] = Field(default_factory=list)
    notes: list[Any] = Field(default_factory=list)


class Decline(_Answer):
    """A survey the end user declined: nothing beyond what every answer carries."""


class PageView(ApiModel):
    id: Id
    end_user_id: Id | None = None
    url: str | None = None
    at: Timestamp = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class EndUserSettings(ApiModel):
    id: Id | None = None
    end_user_id: Id | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    email_nps: bool | None = None
    mobile_nps: bool | None = None
    web_nps: bool | None = None
    force_web_survey: bool | None = None
    force_mobile_survey: bool | None = None
    surveys_disabled_by_end_user: bool | None = None


class Segment(ApiModel):
    name: str
    data_type: str | None = None
    created_at: Timestamp = None


class NpsSummary(ApiModel):
    nps: int | None = None
    responses: int = 0
    detractors: int = 0
    passives: int = 0
    promoters: int = 0
    response_rate: int | None = None
    email_response_rate: int | None = None
