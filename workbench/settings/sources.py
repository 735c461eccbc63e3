"""Where setting values come from, and a record of which source said what.

pydantic-settings merges the sources (init kwargs > environment > WORKBENCH_CONFIG file > user
file) and validates the result. Two things it does not do are done here: name the file of a bad
value (so each source's raw data is kept in a `Plan`), and keep secrets out of its debug log
(`PYDANTIC_SETTINGS_DEBUG` prints every source's data, so each source hands over secrets already
wrapped in `SecretStr`).
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
import warnings
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, EnvSettingsSource, TomlConfigSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from workbench.settings.accounts import SECRET_FIELDS
from workbench.settings.errors import InsecureConfigWarning, SettingsError
from workbench.settings.paths import config_files
from workbench.settings.secret_store import keyring_entry

ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Layer:
    """The raw data of one source, as it was before merging."""

    origin: str  # a file path, or ENVIRONMENT
    data: Mapping[str, Any]


@dataclass
class Plan:
    """Which files and which environment to read; filled with each source's data as it is read."""

    files: tuple[Path, ...]  # lowest priority first; files that do not exist are skipped
    environ: Mapping[str, str]
    layers: list[Layer] = field(default_factory=list)  # lowest priority first


PLAN: ContextVar[Plan | None] = ContextVar("workbench_settings_plan", default=None)
"""Set by `load_settings()` for the duration of one Settings() construction."""


def default_plan() -> Plan:
    return Plan(files=config_files(), environ=os.environ)


def env_var_name(key: tuple[str, ...]) -> str:
    """The variable that sets a key: ("accounts", "acme-eu", "password") ->
    WORKBENCH_ACCOUNTS__ACME_EU__PASSWORD."""
    return "WORKBENCH_" + "__".join(part.upper().replace("-", "_") for part in key)


def _is_secret_key(account_fields: Mapping[str, Any], name: str) -> bool:
    return name in SECRET_FIELDS and isinstance(account_fields.get(name), str)


def wrap_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """Turn every secret string under `accounts` into a SecretStr, in place."""
    accounts = data.get("accounts")
    if isinstance(accounts, dict):
        for fields in accounts.values():
            if isinstance(fields, dict):
                for name in [n for n in fields if _is_secret_key(fields, n)]:
                    fields[name] = SecretStr(fields[name])
    return data


def holds_secrets(data: Mapping[str, Any]) -> bool:
    """True if the data holds a secret itself, not only keyring references."""
    accounts = data.get("accounts")
    if not isinstance(accounts, dict):
        return False
    for _account, fields in accounts.items():
        if not isinstance(fields, dict):
            continue
        for name in SECRET_FIELDS:
            value = fields.get(name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, str) and value and not keyring_entry(value, account="", field=""):
                return True
    return False


def warn_if_readable_by_others(path: Path, data: Mapping[str, Any]) -> None:
    """Warn (InsecureConfigWarning) when a file with secrets is open to group or others."""
    if os.name != "posix" or not holds_secrets(data):
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if mode & 0o077:
        warnings.warn(
            f"{path} holds secrets but other users can read it (mode {mode:o}); "
            f"run: chmod 600 {shlex.quote(str(path))}",
            InsecureConfigWarning,
            stacklevel=2,
        )


_POSITION = re.compile(r"^(?P<what>.*?) \(at (?:line (?P<line>\d+), column \d+|end of document)\)$")
_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]\[#]+?)\s*\]?\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_.\-\" ']+?)\s*=")


def _key_at(lines: list[str], lineno: int) -> str | None:
    """The dotted key a syntax error is in, from the table header above it and the line's key.

    Only the part before `=` is ever shown: the value may be a secret typed without quotes.
    """
    table: str | None = None
    for text in lines[: lineno - 1]:
        if (header := _HEADER.match(text)) and not _KEY.match(text):
            table = header["name"].replace('"', "").replace(" ", "")
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    if (key := _KEY.match(line)) is not None:
        name = key["key"].replace('"', "").replace("'", "").replace(" ", "")
        return f"{table}.{name}" if table else name
    if (header := _HEADER.match(line)) is not None:
        return header["name"].replace('"', "").replace(" ", "")
    return table


def syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> SettingsError:
    """One line for a TOML syntax error: file and line, the key it is in, what is wrong."""
    match = _POSITION.match(str(exc))
    what = match["what"] if match else str(exc).splitlines()[0]
    lineno = int(match["line"]) if match and match["line"] else None
    hint = (
        ' (text values need quotes, e.g. platform = "wootric")' if what == "Invalid value" else ""
    )
    origin = f"{path}, line {lineno}" if lineno else str(path)
    key = _key_at(text.splitlines(), lineno) if lineno else None
    return SettingsError(
        f"invalid TOML: {what[:1].lower()}{what[1:]}{hint}", origin=origin, key=key
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict, or a SettingsError that names the file (never a traceback)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise SettingsError(f"cannot read the file ({reason})", origin=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError("not UTF-8 text; TOML files are UTF-8", origin=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise syntax_error(path, text, exc) from None


class TomlFileSource(TomlConfigSettingsSource):
    """One TOML config file, with errors that name it and secrets wrapped before merging."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        self.path = path
        self.raw: dict[str, Any] = {}
        super().__init__(settings_cls, toml_file=path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        self.raw = read_toml(Path(file_path))
        warn_if_readable_by_others(Path(file_path), self.raw)
        return wrap_secrets(self.raw)


class EnvironmentSource(EnvSettingsSource):
    """WORKBENCH_* variables, from a given mapping, with account names matched to the files'.

    Variable names cannot hold `-` and are read case-insensitively, so the segment ACME_EU is
    taken to mean the account `acme-eu` when a config file defines that account.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        environ: Mapping[str, str],
        account_names: set[str],
    ) -> None:
        self._environ = environ
        self._account_names = account_names
        self._data: dict[str, Any] | None = None
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def __call__(self) -> dict[str, Any]:
        if self._data is None:
            data = super().__call__()
            accounts = data.get("accounts")
            if isinstance(accounts, dict):
                by_segment = {n.replace("-", "_"): n for n in self._account_names}
                data["accounts"] = {
                    (name if name in self._account_names else by_segment.get(name, name)): fields
                    for name, fields in accounts.items()
                }
            self._data = wrap_secrets(data)
        return self._data


def build_sources(settings_cls: type[BaseSettings], plan: Plan) -> tuple[Any, ...]:
    """The file and environment sources of a plan, highest priority first; records their data."""
    files = [TomlFileSource(settings_cls, path) for path in plan.files if path.is_file()]
    names = {
        name
        for source in files
        if isinstance(accounts := source.raw.get("accounts"), dict)
        for name in accounts
    }
    environment = EnvironmentSource(settings_cls, plan.environ, names)
    plan.layers = [Layer(str(source.path), source.raw) for source in files]
    plan.layers.append(Layer(ENVIRONMENT, environment()))
    return (environment, *reversed(files))
