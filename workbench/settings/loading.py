"""Reading settings: every source merged and validated, or one SettingsError line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pydantic_settings
from pydantic import TypeAdapter, ValidationError

from workbench.settings.accounts import Account
from workbench.settings.errors import SettingsError
from workbench.settings.explain import explain
from workbench.settings.model import AccountName, Settings
from workbench.settings.paths import CONFIG_ENV, config_files, env_config_file
from workbench.settings.sources import PLAN, Layer, Plan, wrap_secrets

_TABLE_VARIABLE = re.compile(
    r"^WORKBENCH_(HTTP|ACCOUNTS(__(?:(?!__)[A-Z0-9_-])+)?)$", re.IGNORECASE
)
"""Variables that stand for a whole table, not one value."""

_ACCOUNTS: TypeAdapter[dict[str, Account]] = TypeAdapter(dict[AccountName, Account])


def _must_exist(path: Path, what: str) -> None:
    """A file someone named on purpose must be there; the default user file may be absent."""
    if not path.exists():
        raise SettingsError(f"{what} names a file that does not exist", origin=str(path))
    if not path.is_file():
        raise SettingsError(f"{what} names something that is not a file", origin=str(path))


def load_settings(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """The settings from the config file(s) and WORKBENCH_* variables, validated.

    `path` replaces both config files (the user's and WORKBENCH_CONFIG's), which is what the demo
    and tests want: a config in a temporary directory and nothing from the person's own. `environ`
    replaces os.environ (pass {} to ignore the environment altogether).

    Raises SettingsError (one line: file or variable, key, problem) for anything malformed.
    A file that holds secrets and that others can read issues an InsecureConfigWarning.
    """
    env = os.environ if environ is None else environ
    if path is not None:
        path = Path(path).expanduser()
        _must_exist(path, "the path given")
        files: tuple[Path, ...] = (path,)
    else:
        named = env_config_file(env)
        if named is not None:
            _must_exist(named, CONFIG_ENV)
        files = config_files(env)
    plan = Plan(files=files, environ=env)
    token = PLAN.set(plan)
    try:
        return Settings()
    except ValidationError as exc:
        raise explain(exc, plan.layers, Settings) from None
    except pydantic_settings.SettingsError:
        # pydantic-settings reads a variable for a whole table (WORKBENCH_HTTP, WORKBENCH_ACCOUNTS,
        # WORKBENCH_ACCOUNTS__ACME) as JSON, and raises this when it is not.
        tables = sorted(k for k in env if _TABLE_VARIABLE.match(k) and env[k])
        raise SettingsError(
            "should hold a JSON object; or set its keys one by one, "
            "e.g. WORKBENCH_HTTP__TIMEOUT=10",
            origin=f"environment variable {' or '.join(tables) or 'WORKBENCH_*'}",
        ) from None
    finally:
        PLAN.reset(token)


def settings_from(data: Mapping[str, Any], *, origin: str = "settings") -> Settings:
    """Settings built from a dict alone: no file, no environment.

    For code that writes a config (the demo pointing every account at the sandbox) and must not
    pick up the person's own accounts on the way.
    """
    plan = Plan(files=(), environ={})
    raw = wrap_secrets(_copy(data))
    token = PLAN.set(plan)
    try:
        return Settings(**raw)
    except ValidationError as exc:
        raise explain(exc, [Layer(origin, raw)], Settings) from None
    finally:
        PLAN.reset(token)


def validate_account(name: str, fields: Mapping[str, Any], *, origin: str | None = None) -> Account:
    """One account checked on its own (its name too), with errors keyed `accounts.NAME.<field>`."""
    raw = wrap_secrets({"accounts": {name: _copy(fields)}})
    try:
        return _ACCOUNTS.validate_python(raw["accounts"])[name]
    except ValidationError as exc:
        layers = [Layer(origin, raw)] if origin else []
        raise explain(exc, layers, Settings, prefix=("accounts",)) from None


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, Mapping) else v for k, v in data.items()}
