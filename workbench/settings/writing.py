"""Writing config files: TOML, mode 0600, replaced atomically, the person's comments kept.

A config file may hold secrets, so it is born private (the temporary file is 0600 before a byte
is written) and is swapped in after an fsync (`files.write_atomic`), so that a crash or a full
disk leaves the old file intact rather than half a file. Editing goes through tomlkit, as
Harlequin does: `read_document` gives the file as a tomlkit document and `add_account` or
`remove_account` change it in place, so comments, key order and layout survive every edit.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import SecretStr
from tomlkit.items import Item

from workbench.settings.accounts import Account
from workbench.settings.errors import SettingsError, UnknownAccountError
from workbench.settings.files import write_atomic
from workbench.settings.model import Settings, unknown_account
from workbench.settings.paths import config_path
from workbench.settings.sources import read_toml


def _plain(value: Any) -> Any:
    """Values as TOML holds them: secrets revealed (the file is where they live), paths as text."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def write_config(path: Path, document: Mapping[str, Any]) -> None:
    """Write a TOML document atomically with mode 0600 (the parent directory made 0700 if new).

    A tomlkit document (from `read_document`) is written as it is, comments included."""
    target = path.resolve() if path.is_symlink() else path  # keep a dotfiles symlink working
    if isinstance(document, tomlkit.TOMLDocument):
        text = tomlkit.dumps(document)
    else:
        text = tomlkit.dumps(_plain(document))
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(target, lambda temp: temp.write_text(text, encoding="utf-8"), mode=0o600)
    except OSError as exc:
        raise SettingsError(f"cannot write ({_reason(exc)})", origin=str(path)) from None


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def account_table(account: Account) -> dict[str, Any]:
    """An account as its TOML table: platform first, then only what differs from the defaults."""
    fields = account.model_dump(exclude_defaults=True, exclude_none=True)
    fields.pop("platform", None)
    return {"platform": account.platform, **_plain(fields)}


def settings_document(settings: Settings) -> dict[str, Any]:
    """The whole settings as a TOML document (secrets and keyring references as they are held)."""
    return {
        "store_dir": str(settings.store_dir),
        "theme": settings.theme,
        "http": settings.http.model_dump(),
        "sync": settings.sync.model_dump(),
        "display": settings.display.model_dump(exclude_none=True),
        "accounts": {name: account_table(a) for name, a in sorted(settings.accounts.items())},
    }


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write settings to `path` (default: `config_path()`), 0600 and atomically; return the path.

    Meant for settings built by code (`settings_from`), e.g. the demo's config for the sandbox.
    Saving settings that came from `load_settings()` would also copy WORKBENCH_* secrets from the
    environment into the file; `add_account`/`remove_account` edit one file instead.
    """
    target = path or config_path()
    write_config(target, settings_document(settings))
    return target


def read_document(path: Path) -> tomlkit.TOMLDocument:
    """A config file's own content (nothing merged, nothing validated), as a tomlkit document
    that keeps its comments and layout when written back; empty if the file does not exist."""
    if not path.exists():
        return tomlkit.document()
    read_toml(path)  # a SettingsError that names the file and the line, if it is not TOML
    return tomlkit.parse(path.read_text(encoding="utf-8"))


def _accounts_table(document: MutableMapping[str, Any], path: Path) -> MutableMapping[str, Any]:
    if "accounts" not in document:
        document["accounts"] = tomlkit.table(is_super_table=True)
    accounts = document["accounts"]
    if not isinstance(accounts, MutableMapping):
        raise SettingsError("should be a table", origin=str(path), key="accounts")
    return accounts


def _update(table: MutableMapping[str, Any], values: Mapping[str, Any]) -> None:
    """Make `table` hold `values`, changing only what differs, so that the comments and order
    of the keys that stay are kept."""
    for key in [k for k in table if k not in values]:
        del table[key]
    for key, value in values.items():
        current = table.get(key)
        if isinstance(value, Mapping) and isinstance(current, MutableMapping):
            _update(current, value)
        elif _unwrapped(current) != value or key not in table:
            table[key] = value


def _unwrapped(value: Any) -> Any:
    return value.unwrap() if isinstance(value, Item) else value


def add_account(
    name: str, account: Account, *, path: Path | None = None, replace: bool = False
) -> Path:
    """Add (or with `replace`, overwrite) one account in one config file; return the file."""
    target = path or config_path()
    document = read_document(target)
    accounts = _accounts_table(document, target)
    if name in accounts and not replace:
        raise SettingsError(
            f"account {name!r} already exists (overwrite it with --replace)",
            origin=str(target),
        )
    table = account_table(account)
    current = accounts.get(name)
    if isinstance(current, MutableMapping):
        _update(current, table)
    else:
        accounts[name] = table
    write_config(target, document)
    return target


def remove_account(name: str, *, path: Path | None = None) -> dict[str, Any]:
    """Remove one account from one config file; return its table as it was."""
    target = path or config_path()
    document = read_document(target)
    accounts = _accounts_table(document, target)
    if name not in accounts:
        raise UnknownAccountError(unknown_account(name, list(accounts)), origin=str(target))
    removed = _unwrapped(accounts.pop(name))
    write_config(target, document)
    return removed if isinstance(removed, dict) else {}
