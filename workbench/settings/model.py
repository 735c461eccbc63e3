"""The settings themselves: where the store lives, the theme, HTTP options and the accounts."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from workbench.settings.accounts import ACCOUNT_NAME_PATTERN, Account
from workbench.settings.errors import UnknownAccountError
from workbench.settings.paths import default_store_dir
from workbench.settings.secret_store import resolve
from workbench.settings.sources import PLAN, build_sources, default_plan
from workbench.settings.time_zones import check_time_zone

AccountName = Annotated[str, StringConstraints(pattern=ACCOUNT_NAME_PATTERN, max_length=64)]


class HttpOptions(BaseModel):
    """How hard the clients may push each API; the defaults suit the documented rate limits."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    timeout: float = Field(30.0, gt=0, le=600, description="Seconds to wait for one response.")
    concurrency: int = Field(8, ge=1, le=64, description="Requests in flight per account.")
    max_retries: int = Field(
        5, ge=0, le=20, description="Retries of one request on 5xx, timeouts and dropped links."
    )
    max_rate_wait: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description="Longest wait (seconds) for a rate-limit window; a later reset fails the sync.",
    )


class SyncOptions(BaseModel):
    """How a sync behaves when something else is slow: a stalled table, another sync."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    watchdog: float = Field(
        120.0,
        gt=0,
        le=86_400,
        description="Seconds a table may go without any progress before it stops.",
    )
    lock_wait: float = Field(
        600.0,
        ge=0,
        le=86_400,
        description="Seconds to wait for another sync of the same account to finish.",
    )
    refresh_days: int = Field(
        30,
        ge=0,
        le=3_650,
        description=(
            "Days of Wootric responses read again by every incremental sync, so that edits to "
            "recent responses (tags, exclusion) are seen; 0 reads only what is new."
        ),
    )


class DisplayOptions(BaseModel):
    """How figures are shown, whichever face shows them (the TUI, the CLI, the notebooks)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    time_zone: str | None = Field(
        None,
        description=(
            "IANA zone for dates, `since:`/`until:`/`last:` and trend buckets; unset, a single "
            "account's figures use that account's zone and a mix of zones uses UTC."
        ),
    )

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_time_zone(value)


class Settings(BaseSettings):
    """Everything the workbench is configured with; see the package docstring for the sources."""

    model_config = SettingsConfigDict(
        env_prefix="WORKBENCH_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        case_sensitive=False,
        extra="forbid",
        hide_input_in_errors=True,
    )

    store_dir: Path = Field(default_factory=default_store_dir)
    theme: str = Field("textual-dark", min_length=1, description="The TUI's colour theme.")
    http: HttpOptions = Field(default_factory=HttpOptions)
    sync: SyncOptions = Field(default_factory=SyncOptions)
    display: DisplayOptions = Field(default_factory=DisplayOptions)
    accounts: dict[AccountName, Account] = Field(default_factory=dict)

    @field_validator("store_dir")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments > WORKBENCH_* variables > WORKBENCH_CONFIG file > user config file.

        No .env file and no secrets directory: two more places a secret could hide that the
        permission check would not see.
        """
        plan = PLAN.get() or default_plan()
        return (init_settings, *build_sources(settings_cls, plan))

    def account(self, name: str) -> Account:
        """The account a client needs: keyring references replaced by the stored secrets.

        `self.accounts` keeps the references, so that writing the settings back never copies a
        secret out of the keyring into a file.
        """
        try:
            account = self.accounts[name]
        except KeyError:
            raise UnknownAccountError(unknown_account(name, list(self.accounts))) from None
        resolved: dict[str, Any] = {
            field: resolve(secret, account=name, field=field)
            for field, secret in account.secrets().items()
        }
        return account.model_copy(update=resolved)


def unknown_account(name: str, known: list[str]) -> str:
    """'no account named X' plus the nearest known name, or how to add the first one."""
    if not known:
        return (
            f"no account named {name!r}; there are no accounts yet "
            "(add one with `workbench accounts add`)"
        )
    by_lower = {known_name.lower(): known_name for known_name in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.5)
    if close:
        return f"no account named {name!r}; did you mean {by_lower[close[0]]!r}?"
    return f"no account named {name!r}; the accounts are {', '.join(sorted(known))}"
