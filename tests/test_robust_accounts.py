"""`accounts add` keeps the password out of argv when asked: `--password-stdin` for scripts, a
hidden prompt at a terminal, and `--help` says why. Real CLI (CliRunner), real config file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.test_cli_accounts import SANDBOX, SECRET, one_error_line, run
from tests.test_cli_accounts import config as config  # the autouse fixture
from workbench.cli import accounts as accounts_cli

BASE = ("accounts", "add", "acme", "--platform", "wootric", "--base-url", SANDBOX)
EMAIL = ("--email", "analyst@example.com")


def stored(config: Path) -> dict[str, str]:
    return tomllib.loads(config.read_text())["accounts"]["acme"]


def test_password_stdin_reads_the_first_line(config: Path) -> None:
    result = run(*BASE, *EMAIL, "--password-stdin", input=SECRET + "\nignored\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert stored(config)["password"] == SECRET


def test_password_stdin_with_nothing_piped_in_is_one_usage_line(config: Path) -> None:
    result = run(*BASE, *EMAIL, "--password-stdin", input="")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "--password-stdin" in line
    assert "pipe it in" in line
    assert not config.exists()


def test_password_and_password_stdin_together_are_refused(config: Path) -> None:
    result = run(*BASE, *EMAIL, "--password", SECRET, "--password-stdin", input=SECRET + "\n")
    assert result.exit_code == 2
    assert "not both" in one_error_line(result)
    assert SECRET not in result.output
    assert not config.exists()


def test_password_stdin_at_a_terminal_asks_with_hidden_input(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_cli, "_interactive", lambda: True)
    result = run(*BASE, *EMAIL, "--password-stdin", input=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert SECRET not in result.output
    assert stored(config)["password"] == SECRET


def test_a_script_missing_the_password_is_told_of_password_stdin(config: Path) -> None:
    result = run(*BASE, *EMAIL)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "--password: missing" in line
    assert "--password-stdin" in line


def test_the_password_flag_still_works_for_scripts(config: Path) -> None:
    result = run(*BASE, *EMAIL, "--password", SECRET)
    assert result.exit_code == 0, result.output
    assert stored(config)["password"] == SECRET


def test_help_says_a_password_in_argv_is_visible_to_other_users() -> None:
    result = run("accounts", "add", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "visible to other users" in text
    assert "--password-stdin" in text
