"""What every command needs first: the settings, loaded with their errors made into one line."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from rich.markup import escape

from workbench.cli.output import fail, warn
from workbench.data.store import Store
from workbench.settings import InsecureConfigWarning, Settings, SettingsError, load_settings


@contextmanager
def settings_errors() -> Iterator[None]:
    """SettingsError -> one red line; InsecureConfigWarning -> one yellow line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsecureConfigWarning)
        try:
            yield
        except SettingsError as exc:
            fail(escape(str(exc)))
        finally:
            for warning in caught:
                if issubclass(warning.category, InsecureConfigWarning):
                    warn(escape(str(warning.message)))
                else:
                    warnings.warn_explicit(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )


def load() -> Settings:
    with settings_errors():
        return load_settings()
    raise AssertionError("unreachable: fail() exits")  # pragma: no cover


def store(settings: Settings) -> Store:
    return Store(settings.store_dir)
