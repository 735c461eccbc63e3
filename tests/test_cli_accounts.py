"""`workbench accounts list/add/remove` through the real Typer app, on real files in tmp_path."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from typer.testing import CliRunner, Result

from workbench.cli import accounts as accounts_cli
from workbench.cli import app

SECRET = "hunter2-very-secret"
SANDBOX = "http://127.0.0.1:8765/wootric"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring in a dict, so tests never touch the machine's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and XDG dirs in tmp_path; returns where `accounts add` writes."""
    for name in list(os.environ):
        if name.upper().startswith("WORKBENCH_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    return home / "config" / "workbench" / "config.toml"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def one_error_line(result: Result) -> str:
    """The single line a failure prints on stderr, checked to be single and traceback-free."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def add_acme(*extra: str) -> Result:
    return run(
        "accounts",
        "add",
        "acme",
        "--platform",
        "wootric",
        "--base-url",
        SANDBOX,
        "--email",
        "analyst@example.com",
        "--password",
        SECRET,
        *extra,
    )


def test_list_with_no_accounts_says_how_to_add_one() -> None:
    result = run("accounts", "list")
    assert result.exit_code == 0
    assert "No accounts yet" in result.stdout
    assert "workbench accounts add NAME --platform" in result.stdout


def test_add_list_remove_round_trip(config: Path) -> None:
    added = add_acme()
    assert added.exit_code == 0, added.output
    assert "Added acme (wootric, password)" in added.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    written = tomllib.loads(config.read_text())
    assert written["accounts"]["acme"] == {
        "platform": "wootric",
        "base_url": SANDBOX,
        "email": "analyst@example.com",
        "password": SECRET,
    }
    app_added = run("accounts", "add", "app", "--platform", "apptentive", "--token", SECRET)
    assert app_added.exit_code == 0, app_added.output

    listed = run("accounts", "list")
    assert listed.exit_code == 0
    for shown in ("acme", "wootric", SANDBOX, "password", "app", "apptentive", "token"):
        assert shown in listed.stdout
    assert "https://api.apptentive.com" in listed.stdout
    assert SECRET not in listed.output

    removed = run("accounts", "remove", "acme")
    assert removed.exit_code == 0, removed.output
    assert "Removed acme" in removed.stdout
    assert list(tomllib.loads(config.read_text())["accounts"]) == ["app"]
    assert "acme" not in run("accounts", "list").stdout


def test_accounts_from_the_environment_are_listed_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__CI__PLATFORM", "cxi")
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__CI__REFRESH_TOKEN", SECRET)
    listed = run("accounts", "list")
    assert listed.exit_code == 0, listed.output
    assert "refresh_token" in listed.stdout
    assert "https://cxi-api.wootric.com" in listed.stdout
    assert SECRET not in listed.output


def test_duplicate_name_is_refused_unless_replace(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert add_acme().exit_code == 0
    before = config.read_text()
    again = add_acme()
    assert again.exit_code == 1
    assert "already exists" in one_error_line(again)
    assert "--replace" in again.stderr
    assert config.read_text() == before

    monkeypatch.setattr(accounts_cli, "_interactive", lambda: True)
    prompted = run("accounts", "add", "acme", input="wootric\n")
    assert prompted.exit_code == 1
    assert "Platform" not in prompted.output  # refused before asking for anything

    replaced = add_acme("--replace", "--account-token", "NPS-a1c3e5f7")
    assert replaced.exit_code == 0, replaced.output
    assert tomllib.loads(config.read_text())["accounts"]["acme"]["account_token"] == "NPS-a1c3e5f7"


def test_remove_unknown_name_suggests_the_nearest(config: Path) -> None:
    assert add_acme().exit_code == 0
    result = run("accounts", "remove", "acm")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "no account named 'acm'; did you mean 'acme'?" in line
    assert str(config) in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--platform", "wootric", "--email", "a@b.c"), "--password: missing (email is set"),
        (("--platform", "cxi", "--client-id", "c"), "--client-secret: missing"),
        (("--platform", "cxi"), "no credentials: give email and password"),
        (("--platform", "apptentive"), "--token: missing"),
        (("--platform", "crowdskout", "--client-id", "c"), "--client-secret: missing"),
        (("--platform", "wootric", "--token", SECRET), "--token does not apply to a wootric"),
        (
            ("--platform", "apptentive", "--token", "t", "--base-url", "localhost"),
            "--base-url: should be an http:// or https:// URL",
        ),
        (("--email", "a@b.c"), "--platform is required"),
    ],
    ids=[
        "no-password",
        "no-client-secret",
        "no-credentials",
        "no-token",
        "crowdskout-incomplete",
        "flag-of-another-platform",
        "bad-url",
        "no-platform",
    ],
)
def test_incomplete_or_wrong_flags_are_a_usage_error(
    config: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run("accounts", "add", "acme", *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)
    assert SECRET not in result.output
    assert not config.exists()


def test_bad_name_and_unknown_platform_are_usage_errors(config: Path) -> None:
    bad_name = run("accounts", "add", "Acme Corp", "--platform", "apptentive", "--token", "t")
    assert bad_name.exit_code == 2
    assert "lowercase letters and digits" in one_error_line(bad_name)
    unknown = run("accounts", "add", "acme", "--platform", "zendesk")
    assert unknown.exit_code == 2  # Click's own usage error for a value outside the choices
    assert not config.exists()


def test_interactive_add_prompts_for_what_is_missing_with_secrets_hidden(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_cli, "_interactive", lambda: True)
    answers = "wootric\n\nanalyst@example.com\n" + SECRET + "\n"  # platform, grant, email, pw
    result = run("accounts", "add", "acme", input=answers)
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert SECRET not in result.output  # hidden input is not echoed
    written = tomllib.loads(config.read_text())["accounts"]["acme"]
    assert written == {"platform": "wootric", "email": "analyst@example.com", "password": SECRET}


def test_interactive_add_asks_only_for_the_rest_of_a_started_grant(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_cli, "_interactive", lambda: True)
    result = run("accounts", "add", "cx", "--platform", "cxi", "--client-id", "c", input="s3\n")
    assert result.exit_code == 0, result.output
    assert "Client secret:" in result.output
    assert "Credentials" not in result.output
    assert tomllib.loads(config.read_text())["accounts"]["cx"]["client_secret"] == "s3"


def test_keyring_option_keeps_secrets_out_of_the_file(
    config: Path, memory_keyring: MemoryKeyring
) -> None:
    result = add_acme("--keyring")
    assert result.exit_code == 0, result.output
    assert "keyring" in result.stdout
    assert SECRET not in config.read_text()
    assert tomllib.loads(config.read_text())["accounts"]["acme"]["password"] == "keyring"
    assert memory_keyring.entries == {("workbench", "acme.password"): SECRET}

    listed = run("accounts", "list")
    assert "password (keyring)" in listed.stdout
    assert SECRET not in listed.output

    removed = run("accounts", "remove", "acme")
    assert removed.exit_code == 0, removed.output
    assert "acme.password" in removed.stdout
    assert memory_keyring.entries == {}


def test_keyring_option_without_a_keyring_is_one_line_and_writes_nothing(config: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        result = add_acme("--keyring")
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "no keyring backend is installed" in line
    assert "accounts.acme.password" in line
    assert SECRET not in result.output
    assert not config.exists()


def test_malformed_config_is_one_line_with_file_and_key_and_remove_repairs_it(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('[accounts.acme]\nplatform = "zendesk"\n')
    result = run("accounts", "list")
    assert result.exit_code == 1
    assert one_error_line(result) == (
        f"error: {config}: accounts.acme.platform: unknown platform 'zendesk'; "
        "expected one of wootric, cxi, apptentive, crowdskout"
    )
    # remove edits the file without validating it, so it can take a broken account out
    assert run("accounts", "remove", "acme").exit_code == 0
    assert run("accounts", "list").exit_code == 0


def test_readable_config_with_secrets_gets_the_chmod_warning(config: Path) -> None:
    assert add_acme().exit_code == 0
    config.chmod(0o644)
    result = run("accounts", "list")
    assert result.exit_code == 0
    assert f"warning: {config} holds secrets" in result.stderr
    assert f"run: chmod 600 {config}" in result.stderr
    assert SECRET not in result.output


def test_the_installed_command_prints_no_traceback(config: Path, tmp_path: Path) -> None:
    """The real entry point in a subprocess: a broken file is one line on stderr, exit 1."""
    config.parent.mkdir(parents=True)
    config.write_text(f'[accounts.acme]\nplatform = "wootric"\npassword = {SECRET}\n')
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "accounts", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: {config}, line 3: accounts.acme.password: invalid TOML: invalid value "
        '(text values need quotes, e.g. platform = "wootric")'
    )
