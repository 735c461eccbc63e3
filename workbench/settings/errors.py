"""What can go wrong with settings, as exceptions whose str() is one line a person can act on.

The command line prints `str(error)` after "error:" and exits; a notebook shows the same line. So
each message names where the bad value came from (a file or an environment variable), the key
(`accounts.acme.platform`) and what is wrong, and never contains a secret or a traceback.
"""

from __future__ import annotations


class SettingsError(Exception):
    """A configuration problem: `origin: key: problem`, each part optional but the problem."""

    def __init__(self, problem: str, *, origin: str | None = None, key: str | None = None) -> None:
        self.problem = problem
        self.origin = origin
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.origin, self.key, self.problem) if part)


class UnknownAccountError(SettingsError):
    """An account name that no configuration defines (the message suggests the nearest one)."""


class KeyringUnavailableError(SettingsError):
    """A secret lives in the system keyring, and no usable keyring backend is installed."""


class InsecureConfigWarning(UserWarning):
    """A config file holds secrets but other users on the machine may read it."""
