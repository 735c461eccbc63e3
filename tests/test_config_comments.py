"""Rewriting config.toml keeps what the person wrote: comments, key order and the other tables.

`workbench accounts add` (also with --replace, the edit) and `workbench accounts remove` go
through the real Typer app and write the real file.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import use_config
from workbench.cli import app

CONFIG = """\
# My workbench: the store on the big disk.
store_dir = "/data/workbench"  # moved in March
theme = "nord"

[sync]
# keep a year of responses fresh
refresh_days = 365

[accounts.app]  # the mobile app
platform = "apptentive"
token = "t-old"  # rotate in June

[accounts.zeta]
platform = "apptentive"
token = "t-zeta"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    use_config(monkeypatch, tmp_path / "home", path)
    return path


def run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def test_add_keeps_comments_and_key_order(config: Path) -> None:
    run("accounts", "add", "beta", "--platform", "apptentive", "--token", "t-beta")
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG)  # every line as written, the new account after them
    assert tomllib.loads(text)["accounts"]["beta"] == {"platform": "apptentive", "token": "t-beta"}
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_editing_an_account_keeps_its_comments(config: Path) -> None:
    run("accounts", "add", "app", "--platform", "apptentive", "--token", "t-new", "--replace")
    text = config.read_text(encoding="utf-8")
    assert text == CONFIG.replace('token = "t-old"', 'token = "t-new"')


def test_remove_keeps_the_rest(config: Path) -> None:
    run("accounts", "remove", "zeta")
    text = config.read_text(encoding="utf-8")
    assert text.rstrip("\n") == CONFIG.split("\n[accounts.zeta]")[0].rstrip("\n")
    assert list(tomllib.loads(text)) == ["store_dir", "theme", "sync", "accounts"]
