"""Writing config files: TOML, mode 0600, replaced atomically.

A config file may hold secrets, so it is born private (the temporary file is 0600 before a byte
is written) and is swapped in with os.replace after an fsync, so that a crash or a full disk
leaves the old file intact rather than half a file. Editing goes through tomllib and tomli_w,
which keep every value but not comments.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import SecretStr

from workbench.settings.accounts import Account
from workbench.settings.errors import SettingsError, UnknownAccountError
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
    """Write a TOML document atomically with mode 0600 (the parent directory made 0700 if new)."""
    target = path.resolve() if path.is_symlink() else path  # keep a dotfiles symlink working
    text = tomli_w.dumps(_plain(document))
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise SettingsError(f"cannot write ({_reason(exc)})", origin=str(path)) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SettingsError(f"cannot write ({_reason(exc)})", origin=str(path)) from None
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; not every platform lets a directory be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def read_document(path: Path) -> dict[str, Any]:
    """A config file's own content (nothing merged, nothing validated); {} if it does not exist."""
    return read_toml(path) if path.exists() else {}


def _accounts_table(document: dict[str, Any], path: Path) -> dict[str, Any]:
    accounts = document.setdefault("accounts", {})
    if not isinstance(accounts, dict):
        raise SettingsError("should be a table", origin=str(path), key="accounts")
    return accounts


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
    accounts[name] = account_table(account)
    write_config(target, document)
    return target


def remove_account(name: str, *, path: Path | None = None) -> dict[str, Any]:
    """Remove one account from one config file; return its table as it was."""
    target = path or config_path()
    document = read_document(target)
    accounts = _accounts_table(document, target)
    if name not in accounts:
        raise UnknownAccountError(unknown_account(name, list(accounts)), origin=str(target))
    removed = accounts.pop(name)
    write_config(target, document)
    return removed if isinstance(removed, dict) else {}
