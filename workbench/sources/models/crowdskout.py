"""The Crowdskout API v1's answers as typed models (crowdskout.md and its Profile Object).

A profile is a top-level `id` plus *collections* (`Names`, `EmailAddresses`, `Attributes`, ...),
each a list of *items*; an item has its own `id` and named *fields* whose values are strings,
numbers, dates, `{"id", "value"}` objects or lists of them. The set of collections is open (every
organization may have more), so `Profile` keeps them in a dict instead of one attribute each, and
`Profile.to_api()` gives the object back in the API's own shape for writing.

Ids are strings downstream (`Id`), but Crowdskout's are numbers: `wire_id` turns a string of
digits back into a number when a model is written back, so that an id read is an id the API
recognises.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from workbench.sources.auth import CachedToken
from workbench.sources.fields import ApiModel, Choice, Id

AttributeType = Literal["Radio", "Checkbox", "Text", "Number", "Tag", "Date", "Datetime"]
"""The documented attribute types; `Radio` and `Checkbox` need options."""


def wire_id(value: object) -> object:
    """An id as the API wants it back: a string of digits becomes a number again."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


class Token(ApiModel):
    """What `POST /oauth/access_token` answers. The token is a SecretStr: no repr shows it."""

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: int | None = None
    """Seconds; the docs' example says 315360000 (ten years)."""
    refresh_token: SecretStr | None = None

    def cached(self, now: float | None = None) -> CachedToken:
        """The token for `TokenCache`, expiring when the server said (ten years if it did not)."""
        start = time.time() if now is None else now
        lifetime = self.expires_in if self.expires_in else 315_360_000
        return CachedToken(
            access_token=self.access_token,
            expires_at=start + lifetime,
            refresh_token=self.refresh_token,
        )


class CollectionItem(ApiModel):
    """One entry of a collection, e.g. one name or one e-mail address; its fields are extras."""

    id: Id | None = None
    delete: bool | None = None

    @property
    def fields(self) -> dict[str, Any]:
        """The item's fields by name (`FirstName`, `Email`, `AttributeValue`, ...)."""
        return dict(self.model_extra or {})

    def to_api(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        if self.id is not None:
            item["id"] = wire_id(self.id)
        if self.delete:
            item["delete"] = True
        item.update(self.fields)
        return item


class Profile(ApiModel):
    """A Crowdskout profile: the master id and the collections that were asked for."""

    id: Id | None = None
    collections: dict[str, list[CollectionItem]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather_collections(cls, value: Any) -> Any:
        """The API puts collections at the top level, beside `id`: gather them in one dict."""
        if not isinstance(value, dict) or "collections" in value:
            return value
        gathered: dict[str, Any] = {}
        collections: dict[str, Any] = {}
        for key, entry in value.items():
            if key != "id" and isinstance(entry, list):
                collections[key] = entry
            else:
                gathered[key] = entry
        gathered["collections"] = collections
        return gathered

    def collection(self, name: str) -> list[CollectionItem]:
        """The items of one collection; empty when the profile has none (or it was not asked)."""
        return self.collections.get(name, [])

    def to_api(self) -> dict[str, Any]:
        """The profile in the API's shape, for `create_profile`/`update_profile`."""
        body: dict[str, Any] = {}
        if self.id is not None:
            body["id"] = wire_id(self.id)
        body.update(self.model_extra or {})
        for name, items in self.collections.items():
            body[name] = [item.to_api() for item in items]
        return body


class FieldOptions(ApiModel):
    """The options of one field, and the collection the field belongs to.

    The list is not always exclusive: many fields take a new value on create or update.
    """

    collection: str | None = None
    options: list[Choice] = Field(default_factory=list)


class Attribute(ApiModel):
    """A client-defined field (e.g. "Ice Cream Lover") that profiles carry in `Attributes`."""

    id: Id
    name: str | None = None
    type: str | None = None
    locked: bool = False
    options: list[Choice] = Field(default_factory=list)


class AttributePage(ApiModel):
    """One `limit`/`offset` page of attributes, with the total when the API says it."""

    total: int | None = None
    attributes: list[Attribute] = Field(default_factory=list)
