"""Where settings live on disk: platformdirs for the defaults, WORKBENCH_CONFIG to point elsewhere.

Functions rather than constants, so that a test (or the demo) that moves HOME or the XDG
directories, or sets WORKBENCH_CONFIG, is seen on the next call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "workbench"
CONFIG_ENV = "WORKBENCH_CONFIG"
CONFIG_FILE_NAME = "config.toml"


def user_config_file() -> Path:
    """The per-user config file, e.g. ~/.config/workbench/config.toml on Linux."""
    return platformdirs.user_config_path(APP_NAME) / CONFIG_FILE_NAME


def default_store_dir() -> Path:
    """Where the local store keeps its Parquet tables unless `store_dir` says otherwise."""
    return platformdirs.user_data_path(APP_NAME) / "store"


def env_config_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """The file WORKBENCH_CONFIG names, if it names one (an empty value counts as unset)."""
    value = (os.environ if environ is None else environ).get(CONFIG_ENV, "").strip()
    return Path(value).expanduser() if value else None


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The file `workbench accounts add/remove` edit: WORKBENCH_CONFIG's if set, else the user's.

    Writing to the highest-priority file means that what the tool writes is what it reads back.
    """
    return env_config_file(environ) or user_config_file()


def config_files(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The config files to read, lowest priority first: the user's file, then WORKBENCH_CONFIG's."""
    files = [user_config_file()]
    named = env_config_file(environ)
    if named is not None and named != files[0]:
        files.append(named)
    return tuple(files)
