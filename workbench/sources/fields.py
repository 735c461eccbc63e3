"""Field types the API models share, each absorbing one documented quirk."""

from __future__ import annotations

import ast
import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from workbench.sources.timestamps import parse_timestamp


def _timestamp(value: object) -> datetime | None:
    return parse_timestamp(value)


def read_properties(value: object) -> dict[str, Any]:
    """Wootric sends `properties` as an object, and in create/update answers as a string such as
    "{'company':'TestCompany', 'city':'San Francisco'}" (a Ruby hash's inspect, not JSON)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for read in (json.loads, ast.literal_eval):
            try:
                parsed = read(value)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(parsed, dict):
                return {str(k): v for k, v in parsed.items()}
        raise ValueError(f"properties is neither an object nor a readable hash: {value[:80]!r}")
    raise ValueError(f"properties must be an object, got {type(value).__name__}")


def _id(value: object) -> str:
    """Ids are strings everywhere downstream; the APIs send integers, hex strings or both."""
    if value is None or isinstance(value, bool):
        raise ValueError("missing id")
    return str(value)


Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]
Properties = Annotated[dict[str, Any], BeforeValidator(read_properties)]
Id = Annotated[str, BeforeValidator(_id)]


class ApiModel(BaseModel):
    """Base of every answer model: unknown fields are kept, because APIs grow."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Choice(ApiModel):
    """An `{"id", "value"}` pair, as the APIs send a choice or an option (Apptentive's answer
    choices, Crowdskout's field and attribute options)."""

    id: Id | None = None
    value: str | None = None
