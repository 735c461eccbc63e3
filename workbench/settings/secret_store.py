"""Secrets kept in the system keyring instead of a file or the environment.

A secret setting whose value is exactly `keyring` is read from the keyring entry
`<account>.<field>` (e.g. `acme.password`) of the service `workbench`; `keyring:<entry>` names
another entry of the same service, so that two accounts can share one secret. The reference is
what the config file holds; the stored value is fetched only when a client asks for the account
(`Settings.account()`), so `accounts list` works on a machine without a keyring.
"""

from __future__ import annotations

import keyring
import keyring.errors
from pydantic import SecretStr

from workbench.settings.errors import KeyringUnavailableError, SettingsError

SERVICE = "workbench"
REFERENCE = "keyring"


def keyring_entry(value: str, *, account: str, field: str) -> str | None:
    """The keyring entry a setting refers to, or None if the value is the secret itself."""
    if value == REFERENCE:
        return default_entry(account, field)
    if value.startswith(REFERENCE + ":") and len(value) > len(REFERENCE) + 1:
        return value[len(REFERENCE) + 1 :]
    return None


def default_entry(account: str, field: str) -> str:
    return f"{account}.{field}"


def _backend_name() -> str:
    try:
        return type(keyring.get_keyring()).__name__
    except Exception:  # a broken backend must not hide the message we are building
        return "unknown backend"


def _unavailable(key: str, action: str, exc: Exception) -> str:
    """One line: which setting, why the keyring failed (class name only), and the way around."""
    if isinstance(exc, keyring.errors.NoKeyringError):
        why = "no keyring backend is installed"
    else:
        why = f"{type(exc).__name__} from {_backend_name()}"
    return f"cannot {action} the system keyring ({why}) for {key}"


def resolve(value: SecretStr, *, account: str, field: str) -> SecretStr:
    """The secret itself: `value` unless it refers to the keyring, then the stored entry."""
    entry = keyring_entry(value.get_secret_value(), account=account, field=field)
    if entry is None:
        return value
    key = f"accounts.{account}.{field}"
    env = f"WORKBENCH_ACCOUNTS__{account.upper().replace('-', '_')}__{field.upper()}"
    try:
        stored = keyring.get_password(SERVICE, entry)
    except Exception as exc:  # any backend failure (dbus, locked, absent) is the same to the user
        raise KeyringUnavailableError(
            _unavailable(key, "read", exc) + f"; set {env} instead"
        ) from None
    if stored is None:
        raise SettingsError(
            f"the keyring has no entry {entry!r} in service {SERVICE!r}; store it with "
            f"`keyring set {SERVICE} {entry}`",
            key=key,
        )
    return SecretStr(stored)


def store(secret: SecretStr, *, account: str, field: str) -> str:
    """Put a secret in the keyring; return the reference to write in the config file."""
    try:
        keyring.set_password(SERVICE, default_entry(account, field), secret.get_secret_value())
    except Exception as exc:
        raise KeyringUnavailableError(
            _unavailable(f"accounts.{account}.{field}", "write to", exc)
            + "; add the account without --keyring"
        ) from None
    return REFERENCE


def forget(account: str, field: str) -> bool:
    """Delete a default keyring entry; False if it was not there or the keyring is unusable."""
    try:
        keyring.delete_password(SERVICE, default_entry(account, field))
    except Exception:  # nothing to clean up, or no keyring: either way nothing more to do
        return False
    return True
