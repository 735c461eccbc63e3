"""The accounts the workbench reads from: one model per platform, joined on `platform`.

A discriminated union (rather than one model with every field optional) lets each platform say
exactly which credentials it takes, so a typo such as `pasword` or a `token` on a Wootric account
is an "unknown key" error instead of a silently ignored value, and `accounts list` can name the
credential kind without guessing.

Secrets are `SecretStr`: their repr and str are `'**********'`. A secret whose value is the word
`keyring` (or `keyring:<entry>`) is a reference to the system keyring; `Settings.account()` swaps
it for the stored value (see `workbench.settings.secret_store`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from workbench.settings.errors import SettingsError
from workbench.settings.profile_ids import parse_id_ranges
from workbench.settings.time_zones import check_time_zone

Platform = Literal["wootric", "cxi", "apptentive", "crowdskout"]
PLATFORMS: tuple[str, ...] = ("wootric", "cxi", "apptentive", "crowdskout")

DEFAULT_BASE_URLS: dict[str, str] = {
    "wootric": "https://api.wootric.com",
    "cxi": "https://cxi-api.wootric.com",
    "apptentive": "https://api.apptentive.com",
    "crowdskout": "https://api.crowdskout.com",
}
DEFAULT_OAUTH_BASE_URL = "https://api.wootric.com"
"""CXI has no token endpoint of its own: its tokens come from Wootric's `/oauth/token`."""

SECRET_FIELDS: frozenset[str] = frozenset({"password", "client_secret", "refresh_token", "token"})
"""Every field that holds a secret, on any platform; the loaders and writers key off this set."""

ACCOUNT_NAME_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
"""Lowercase words joined by - or _: each name maps to exactly one environment variable segment."""


def check_account_name(name: str) -> str:
    """Refuse a name before anything is prompted for, with the same words a config file gets."""
    if re.match(ACCOUNT_NAME_PATTERN, name) is None or len(name) > 64:
        raise SettingsError(
            "account names are lowercase letters and digits joined by - or _ (at most 64)",
            key=f'accounts."{name}"',
        )
    return name


def check_base_url(value: str) -> str:
    """Accept http(s) URLs with a host, without the trailing slash the clients add themselves."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PydanticCustomError("base_url", "should be an http:// or https:// URL with a host")
    return value.rstrip("/")


def wootric_grant(email: Any, password: Any, client_id: Any, client_secret: Any) -> str:
    """Which of Wootric's grants a set of credentials is sent with: a complete pair first,
    else the refresh token (the settings and the token client decide alike)."""
    if email and password:
        return "password"
    if client_id and client_secret:
        return "client_credentials"
    return "refresh_token"


def _missing(field: str, why: str) -> PydanticCustomError:
    """A missing credential, reported at `accounts.NAME.<field>` by the error formatter."""
    return PydanticCustomError(
        "missing_credential", "missing ({why})", {"field": field, "why": why}
    )


class _Account(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    base_url: str
    time_zone: str | None = None
    """The account's IANA time zone: its calendar days, months and `since:` dates. Unset, a
    Wootric account's zone is inferred at sync from its `nps_summary` answers (the zone Wootric
    computes them in, from the account's settings); any other account is read in UTC."""

    @field_validator("base_url", "auth_base_url", check_fields=False)
    @classmethod
    def _base_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_time_zone(value)

    @property
    def credential_kind(self) -> str:
        """How this account proves who it is; shown by `accounts list`, never the secret itself."""
        raise NotImplementedError

    def secrets(self) -> dict[str, SecretStr]:
        """The secret fields that are set, by field name."""
        return {
            name: value
            for name in sorted(SECRET_FIELDS)
            if isinstance(value := getattr(self, name, None), SecretStr)
        }


class WootricCredentials(BaseModel):
    """What Wootric's `/oauth/token` takes, for the NPS and the CXI API alike: the account's
    settings and the token client's grant (`sources.auth.WootricGrant`) both carry these."""

    email: str | None = None
    password: SecretStr | None = None
    account_token: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None


class _WootricCredentials(WootricCredentials, _Account):
    """The three OAuth grants of Wootric's `/oauth/token`, shared by the NPS and the CXI API."""

    @model_validator(mode="after")
    def _one_complete_grant(self) -> Any:
        if self.email or self.password:
            if not self.email:
                raise _missing("email", "password is set, so this account uses the password grant")
            if not self.password:
                raise _missing("password", "email is set, so this account uses the password grant")
        elif self.client_id or self.client_secret:
            if not self.client_id:
                raise _missing("client_id", "client_secret is set: client_credentials grant")
            if not self.client_secret:
                raise _missing("client_secret", "client_id is set: client_credentials grant")
        elif not self.refresh_token:
            raise PydanticCustomError(
                "missing_credential",
                "no credentials: give email and password, client_id and client_secret, "
                "or refresh_token",
            )
        return self

    @property
    def credential_kind(self) -> str:
        return wootric_grant(self.email, self.password, self.client_id, self.client_secret)


class WootricAccount(_WootricCredentials):
    """A Wootric NPS API v1 account."""

    platform: Literal["wootric"] = "wootric"
    base_url: str = DEFAULT_BASE_URLS["wootric"]


class CxiAccount(_WootricCredentials):
    """A Wootric CXI account: its API lives on one host, its tokens come from another."""

    platform: Literal["cxi"] = "cxi"
    base_url: str = DEFAULT_BASE_URLS["cxi"]
    auth_base_url: str = DEFAULT_OAUTH_BASE_URL


class ApptentiveAccount(_Account):
    """An Apptentive app, reached with a static API token."""

    platform: Literal["apptentive"] = "apptentive"
    base_url: str = DEFAULT_BASE_URLS["apptentive"]
    token: SecretStr
    app_id: str | None = None

    @property
    def credential_kind(self) -> str:
        return "token"


CROWDSKOUT_COLLECTIONS = (
    "Names",
    "Genders",
    "Ages",
    "EmailAddresses",
    "PhoneNumbers",
    "PhysicalAddresses",
    "Notes",
    "SurveyResponses",
)
"""Collections named the way the API docs name them (`Names,EmailAddresses,Ages`)."""


class CrowdskoutAccount(_Account):
    """A Crowdskout organization: an OAuth app (authorization code) and, once authorized,
    a token."""

    platform: Literal["crowdskout"] = "crowdskout"
    base_url: str = DEFAULT_BASE_URLS["crowdskout"]
    client_id: str
    client_secret: SecretStr
    redirect_uri: str
    token: SecretStr | None = None
    """The access token from the authorization-code exchange; empty until the user authorizes."""
    collections: list[str] = Field(default_factory=lambda: list(CROWDSKOUT_COLLECTIONS))
    """The profile collections a sync reads (the API returns only those asked for)."""
    profile_ids: str | None = None
    """The profile ids a sync reads, e.g. "1-5000, 7001-7300" (Crowdskout lists no profiles)."""
    profile_ids_file: Path | None = None
    """A file of profile ids: a CSV exported from Crowdskout (its id column) or one id a line."""
    profile_walk_from: int | None = Field(None, ge=1)
    """Without ids: look for profiles from this id up, until 25 in a row are missing."""

    @field_validator("profile_ids")
    @classmethod
    def _profile_ids(cls, value: str | None) -> str | None:
        if value is not None:
            parse_id_ranges(value)  # a ValueError here names the part that is wrong
        return value

    @field_validator("redirect_uri")
    @classmethod
    def _redirect_uri(cls, value: str) -> str:
        check_base_url(value)
        return value  # kept exactly as given: the OAuth server compares it character by character

    @property
    def credential_kind(self) -> str:
        return "authorization_code"


Account = Annotated[
    WootricAccount | CxiAccount | ApptentiveAccount | CrowdskoutAccount,
    Field(discriminator="platform"),
]

ACCOUNT_MODELS: dict[str, type[_Account]] = {
    "wootric": WootricAccount,
    "cxi": CxiAccount,
    "apptentive": ApptentiveAccount,
    "crowdskout": CrowdskoutAccount,
}
