"""Settings: the three sources and their order, secrets, keyring, file modes and error lines.

Everything runs against real files in tmp_path and real environment variables; HOME and the XDG
directories point into tmp_path, so the person's own config is never read or written.
"""

from __future__ import annotations

import logging
import os
import stat
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from workbench.settings import (
    DEFAULT_BASE_URLS,
    ApptentiveAccount,
    CxiAccount,
    InsecureConfigWarning,
    KeyringUnavailableError,
    SettingsError,
    UnknownAccountError,
    WootricAccount,
    add_account,
    config_path,
    load_settings,
    remove_account,
    save_settings,
    settings_from,
    user_config_file,
)

SECRET = "hunter2-very-secret"
"""A secret value that must never be seen outside the file or variable that holds it."""


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict, so tests never touch the machine's real one."""

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


class LockedKeyring(MemoryKeyring):
    """A keyring that is there but refuses (a locked desktop keyring, a dead D-Bus)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and XDG dirs inside tmp_path, and no WORKBENCH_* variable from the outside."""
    for name in list(os.environ):
        if name.upper().startswith("WORKBENCH_") or name == "PYDANTIC_SETTINGS_DEBUG":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(home / sub))
    return home


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


WOOTRIC = """
[accounts.acme]
platform = "wootric"
base_url = "http://127.0.0.1:8765/wootric"
email = "analyst@example.com"
"""


# --- paths -------------------------------------------------------------------------------------


def test_default_paths_follow_platformdirs_and_workbench_config(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert user_config_file() == home / "config" / "workbench" / "config.toml"
    assert config_path() == user_config_file()
    assert load_settings().store_dir == home / "data" / "workbench" / "store"
    monkeypatch.setenv("WORKBENCH_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert config_path() == tmp_path / "elsewhere.toml"


def test_no_config_at_all_gives_defaults() -> None:
    settings = load_settings()
    assert settings.accounts == {}
    assert settings.theme == "textual-dark"
    assert (settings.http.timeout, settings.http.concurrency, settings.http.max_retries) == (
        30.0,
        8,
        5,
    )


# --- precedence ----------------------------------------------------------------------------------

USER_FILE = """
theme = "from-user-file"
store_dir = "~/user-store"

[http]
timeout = 1.0
concurrency = 3

[accounts.acme]
platform = "wootric"
email = "analyst@example.com"
password = "password-in-user-file"
"""

NAMED_FILE = """
theme = "from-named-file"

[http]
timeout = 2.0

[accounts.acme]
password = "password-in-named-file"
"""


@pytest.mark.parametrize(
    ("named_file", "environment", "theme", "timeout", "password"),
    [
        (False, False, "from-user-file", 1.0, "password-in-user-file"),
        (True, False, "from-named-file", 2.0, "password-in-named-file"),
        (False, True, "from-environment", 3.0, "password-in-environment"),
        (True, True, "from-environment", 3.0, "password-in-environment"),
    ],
)
def test_sources_in_order_user_file_named_file_environment(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    named_file: bool,
    environment: bool,
    theme: str,
    timeout: float,
    password: str,
) -> None:
    write(user_config_file(), USER_FILE)
    if named_file:
        monkeypatch.setenv("WORKBENCH_CONFIG", str(write(tmp_path / "named.toml", NAMED_FILE)))
    if environment:
        monkeypatch.setenv("WORKBENCH_THEME", "from-environment")
        monkeypatch.setenv("WORKBENCH_HTTP__TIMEOUT", "3")
        monkeypatch.setenv("WORKBENCH_ACCOUNTS__ACME__PASSWORD", "password-in-environment")

    settings = load_settings()

    assert settings.theme == theme
    assert settings.http.timeout == timeout
    assert settings.http.concurrency == 3  # only the user file says it: tables merge key by key
    assert settings.store_dir == home / "user-store"
    account = settings.account("acme")
    assert isinstance(account, WootricAccount)
    assert account.email == "analyst@example.com"
    assert account.password is not None
    assert account.password.get_secret_value() == password


def test_environment_variable_reaches_a_hyphenated_account(monkeypatch: pytest.MonkeyPatch) -> None:
    write(user_config_file(), WOOTRIC.replace("accounts.acme", "accounts.acme-eu"))
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__ACME_EU__PASSWORD", SECRET)
    settings = load_settings()
    assert list(settings.accounts) == ["acme-eu"]
    password = settings.account("acme-eu").password  # type: ignore[union-attr]
    assert password is not None
    assert password.get_secret_value() == SECRET


def test_environment_alone_can_define_an_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__CI__PLATFORM", "apptentive")
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__CI__TOKEN", SECRET)
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__CI__BASE_URL", "http://127.0.0.1:8765/apptentive/")
    account = load_settings().account("ci")
    assert isinstance(account, ApptentiveAccount)
    assert account.base_url == "http://127.0.0.1:8765/apptentive"  # trailing slash dropped
    assert account.token.get_secret_value() == SECRET


def test_explicit_path_replaces_both_files_and_environ_can_be_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(user_config_file(), 'theme = "user"\n')
    monkeypatch.setenv("WORKBENCH_CONFIG", str(write(tmp_path / "named.toml", 'theme = "named"')))
    monkeypatch.setenv("WORKBENCH_HTTP__TIMEOUT", "9")
    demo = write(tmp_path / "demo.toml", 'theme = "demo"\n')

    assert load_settings(demo).theme == "demo"
    assert load_settings(demo).http.timeout == 9.0
    assert load_settings(demo, environ={}).http.timeout == 30.0


def test_defaults_and_sandbox_overrides_of_base_urls() -> None:
    settings = settings_from(
        {
            "accounts": {
                "real": {"platform": "cxi", "refresh_token": SECRET},
                "local": {
                    "platform": "cxi",
                    "refresh_token": SECRET,
                    "base_url": "http://127.0.0.1:8765/cxi",
                    "auth_base_url": "http://127.0.0.1:8765/wootric",
                },
            }
        }
    )
    real, local = settings.accounts["real"], settings.accounts["local"]
    assert isinstance(real, CxiAccount)
    assert isinstance(local, CxiAccount)
    assert (real.base_url, real.auth_base_url) == (
        DEFAULT_BASE_URLS["cxi"],
        "https://api.wootric.com",
    )
    assert (local.base_url, local.auth_base_url) == (
        "http://127.0.0.1:8765/cxi",
        "http://127.0.0.1:8765/wootric",
    )


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"platform": "wootric", "email": "a@example.com", "password": SECRET}, "password"),
        ({"platform": "wootric", "client_id": "c", "client_secret": SECRET}, "client_credentials"),
        ({"platform": "cxi", "refresh_token": SECRET}, "refresh_token"),
        ({"platform": "apptentive", "token": SECRET, "app_id": "4f5f"}, "token"),
        (
            {
                "platform": "crowdskout",
                "client_id": "c",
                "client_secret": SECRET,
                "redirect_uri": "http://127.0.0.1:8976/callback",
            },
            "authorization_code",
        ),
    ],
)
def test_each_complete_credential_set_is_accepted(fields: dict[str, str], kind: str) -> None:
    account = settings_from({"accounts": {"a": fields}}).accounts["a"]
    assert account.credential_kind == kind
    assert account.platform == fields["platform"]


# --- secrets -------------------------------------------------------------------------------------


def test_secrets_appear_in_no_repr_str_dump_or_debug_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = write(
        tmp_path / "c.toml",
        WOOTRIC
        + f"""
[accounts.app]
platform = "apptentive"
token = "{SECRET}-token"
""",
    )
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__ACME__PASSWORD", SECRET)
    monkeypatch.setenv("PYDANTIC_SETTINGS_DEBUG", "1")
    caplog.set_level(logging.DEBUG)

    settings = load_settings(config)
    resolved = settings.account("acme")

    assert "Resolving settings" in caplog.text  # the debug log did run...
    shown = [
        repr(settings),
        str(settings),
        repr(resolved),
        str(resolved),
        repr(settings.accounts),
        settings.model_dump_json(),
        str(settings.model_dump()),
        caplog.text,
    ]
    for text in shown:
        assert SECRET not in text  # ...and saw only masks
    assert resolved.password is not None
    assert resolved.password.get_secret_value() == SECRET


@pytest.mark.parametrize(
    "text",
    [
        f'[accounts.acme]\nplatform = "wootric"\nemail = "a@b.c"\npassword = {SECRET}\n',
        f'[accounts.acme]\nplatform = "wootric"\nemail = "a@b.c"\npassword = ["{SECRET}"]\n',
        f'[accounts.acme]\nplatform = "zendesk"\npassword = "{SECRET}"\n',
        f'[accounts.acme]\nplatform = "apptentive"\ntoken = "{SECRET}"\nbase_url = "{SECRET}"\n',
    ],
    ids=["unquoted", "wrong-type", "unknown-platform", "bad-url"],
)
def test_secrets_appear_in_no_error(tmp_path: Path, text: str) -> None:
    config = write(tmp_path / "c.toml", text)
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    assert SECRET not in str(caught.value)
    assert SECRET not in "".join(traceback.format_exception(caught.value))  # no chained cause


# --- malformed files -----------------------------------------------------------------------------

MALFORMED = [
    ("syntax", "[accounts.acme]\nplatform = wootric\n", "accounts.acme.platform", "line 2"),
    ("unclosed table", '[accounts.acme\nplatform = "wootric"\n', "accounts.acme", "line 1"),
    ("duplicate key", "[http]\ntimeout = 1\ntimeout = 2\n", "http.timeout", "line 3"),
    (
        "unknown platform",
        '[accounts.acme]\nplatform = "zendesk"\n',
        "accounts.acme.platform",
        "zendesk",
    ),
    ("no platform", '[accounts.acme]\nemail = "a@b.c"\n', "accounts.acme.platform", "missing"),
    ("wrong type", '[http]\ntimeout = "soon"\n', "http.timeout", "number"),
    ("out of range", "[http]\nconcurrency = 0\n", "http.concurrency", "greater than"),
    ("missing password", WOOTRIC, "accounts.acme.password", "email is set"),
    ("no credentials", '[accounts.x]\nplatform = "cxi"\n', "accounts.x", "no credentials"),
    ("missing token", '[accounts.x]\nplatform = "apptentive"\n', "accounts.x.token", "missing"),
    (
        "missing redirect",
        '[accounts.x]\nplatform = "crowdskout"\nclient_id = "c"\nclient_secret = "s"\n',
        "accounts.x.redirect_uri",
        "missing",
    ),
    (
        "typo",
        WOOTRIC + 'pasword = "x"\n',
        "accounts.acme.pasword",
        "did you mean 'password'",
    ),
    (
        "key of another platform",
        '[accounts.x]\nplatform = "wootric"\nrefresh_token = "r"\ntoken = "t"\n',
        "accounts.x.token",
        "unknown key for a wootric account",
    ),
    ("unknown top-level key", "acounts = 1\n", "acounts", "did you mean 'accounts'"),
    ("account not a table", "[accounts]\nacme = 1\n", "accounts.acme", "table"),
    (
        "bad account name",
        '[accounts."Acme Corp"]\nplatform = "cxi"\nrefresh_token = "r"\n',
        'accounts."Acme Corp"',
        "lowercase",
    ),
    (
        "bad base url",
        '[accounts.x]\nplatform = "cxi"\nrefresh_token = "r"\nbase_url = "localhost:8765"\n',
        "accounts.x.base_url",
        "http://",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_file_gives_one_line_with_file_and_key(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    config = write(tmp_path / "config.toml", text)
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    line = str(caught.value)
    assert "\n" not in line
    assert line.startswith(str(config))
    assert f": {key}: " in line
    assert problem in line


def test_error_blames_the_file_that_holds_the_bad_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        user_config_file(),
        '[accounts.x]\nplatform = "cxi"\nrefresh_token = "r"\nbase_url = "http://127.0.0.1:1"\n',
    )
    named = write(tmp_path / "named.toml", '[accounts.x]\nbase_url = "nope"\n')
    monkeypatch.setenv("WORKBENCH_CONFIG", str(named))
    with pytest.raises(SettingsError, match=rf"^{named}: accounts\.x\.base_url: "):
        load_settings()


def test_missing_credential_is_blamed_on_the_file_that_defines_the_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write(user_config_file(), WOOTRIC)
    monkeypatch.setenv("WORKBENCH_ACCOUNTS__ACME__ACCOUNT_TOKEN", "NPS-1")
    with pytest.raises(SettingsError, match=rf"^{config}: accounts\.acme\.password: missing"):
        load_settings()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"WORKBENCH_HTTP__TIMEOUT": "soon"},
            "environment variable WORKBENCH_HTTP__TIMEOUT: http.timeout: ",
        ),
        (
            {"WORKBENCH_ACCOUNTS__ACME__PLATFORM": "zendesk"},
            "environment variable WORKBENCH_ACCOUNTS__ACME__PLATFORM: accounts.acme.platform: "
            "unknown platform 'zendesk'",
        ),
        ({"WORKBENCH_HTTP": "not json"}, "environment variable WORKBENCH_HTTP: "),
        (
            {
                "WORKBENCH_ACCOUNTS__ACMEE__PASSWORD": SECRET,
                "WORKBENCH_ACCOUNTS__ACME__PASSWORD": "p",
            },
            "no config file defines (set WORKBENCH_ACCOUNTS__ACMEE__PLATFORM to define it there)"
            "; did you mean 'acme'?",
        ),
    ],
    ids=["wrong-type", "unknown-platform", "not-json", "stray-account"],
)
def test_malformed_environment_gives_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    write(user_config_file(), WOOTRIC)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert SECRET not in str(caught.value)


def test_workbench_config_naming_a_missing_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("WORKBENCH_CONFIG", str(missing))
    with pytest.raises(SettingsError, match=rf"^{missing}: WORKBENCH_CONFIG names a file that"):
        load_settings()


def test_unreadable_and_non_utf8_files_give_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'theme = "\xff"\n')
    with pytest.raises(SettingsError, match=rf"^{binary}: not UTF-8 text"):
        load_settings(binary)
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path / "locked.toml", 'theme = "x"\n', mode=0o000)
        with pytest.raises(SettingsError, match=r"cannot read the file \(permission denied\)"):
            load_settings(locked)


# --- file permissions ----------------------------------------------------------------------------


def test_readable_file_with_secrets_gets_the_chmod_line(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", WOOTRIC + f'password = "{SECRET}"\n', mode=0o644)
    with pytest.warns(InsecureConfigWarning) as caught:
        load_settings(config)
    message = str(caught[0].message)
    assert f"run: chmod 600 {config}" in message
    assert message.startswith(str(config))
    assert SECRET not in message


@pytest.mark.parametrize(
    ("password", "mode"),
    [(SECRET, 0o600), ("keyring", 0o644), ("keyring:shared", 0o644)],
    ids=["private-file", "keyring-reference", "named-keyring-reference"],
)
def test_no_warning_for_a_private_file_or_keyring_references(
    tmp_path: Path, password: str, mode: int
) -> None:
    config = write(tmp_path / "config.toml", WOOTRIC + f'password = "{password}"\n', mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureConfigWarning)
        load_settings(config)


def test_save_settings_writes_0600_atomically_and_reads_back(tmp_path: Path) -> None:
    """The demo's path: build settings for a sandbox in code, save them, load them back."""
    settings = settings_from(
        {
            "store_dir": str(tmp_path / "store"),
            "http": {"timeout": 5},
            "accounts": {
                "acme": {
                    "platform": "wootric",
                    "base_url": "http://127.0.0.1:8765/wootric",
                    "email": "analyst@example.com",
                    "password": SECRET,
                }
            },
        }
    )
    target = tmp_path / "new-dir" / "config.toml"
    save_settings(settings, target)

    assert mode_of(target) == 0o600
    assert mode_of(target.parent) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]  # no temp file left
    loaded = load_settings(target, environ={})
    assert loaded == settings
    assert loaded.account("acme").password.get_secret_value() == SECRET  # type: ignore[union-attr]


def test_rewriting_a_public_file_makes_it_private(tmp_path: Path) -> None:
    target = write(tmp_path / "config.toml", 'theme = "x"\n', mode=0o644)
    account = ApptentiveAccount.model_validate({"token": SECRET})
    add_account("app", account, path=target)
    assert mode_of(target) == 0o600
    assert load_settings(target).theme == "x"  # the rest of the file is kept


def test_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "cfg" / "config.toml", 'theme = "old"\n')

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(
        SettingsError, match=rf"^{target}: cannot write \(no space left on device\)"
    ):
        save_settings(settings_from({"theme": "new"}), target)
    assert target.read_text() == 'theme = "old"\n'
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]


def test_add_and_remove_edit_one_file(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    account = ApptentiveAccount.model_validate({"token": SECRET})
    add_account("app", account, path=target)
    with pytest.raises(SettingsError, match="already exists"):
        add_account("app", account, path=target)
    add_account("app", account.model_copy(update={"app_id": "4f5f"}), path=target, replace=True)
    assert load_settings(target).accounts["app"].app_id == "4f5f"  # type: ignore[union-attr]
    with pytest.raises(UnknownAccountError, match="did you mean 'app'"):
        remove_account("apq", path=target)
    assert remove_account("app", path=target)["token"] == SECRET
    assert load_settings(target).accounts == {}


# --- keyring -------------------------------------------------------------------------------------


def test_keyring_references_resolve_only_when_an_account_is_asked_for(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password("workbench", "acme.password", SECRET)
    memory_keyring.set_password("workbench", "shared-cxi", SECRET + "-shared")
    config = write(
        tmp_path / "config.toml",
        WOOTRIC
        + 'password = "keyring"\n'
        + '[accounts.cx]\nplatform = "cxi"\nclient_id = "c"\n'
        + 'client_secret = "keyring:shared-cxi"\n',
        mode=0o644,
    )
    settings = load_settings(config)

    held = settings.accounts["acme"].password
    assert held is not None
    assert held.get_secret_value() == "keyring"  # what the file says, safe to write back
    acme = settings.account("acme")
    assert acme.password.get_secret_value() == SECRET  # type: ignore[union-attr]
    cx = settings.account("cx")
    assert cx.client_secret.get_secret_value() == SECRET + "-shared"  # type: ignore[union-attr]
    assert SECRET not in repr(acme) + repr(cx)


def test_missing_keyring_entry_names_the_entry(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    config = write(tmp_path / "config.toml", WOOTRIC + 'password = "keyring"\n')
    settings = load_settings(config)
    with pytest.raises(SettingsError) as caught:
        settings.account("acme")
    assert str(caught.value) == (
        "accounts.acme.password: the keyring has no entry 'acme.password' in service "
        "'workbench'; store it with `keyring set workbench acme.password`"
    )


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        (keyring.backends.fail.Keyring(), "no keyring backend is installed"),
        (LockedKeyring(), "KeyringLocked from LockedKeyring"),
    ],
    ids=["no-backend", "locked"],
)
def test_unavailable_keyring_is_one_clear_line(
    tmp_path: Path, backend: keyring.backend.KeyringBackend, why: str
) -> None:
    config = write(tmp_path / "config.toml", WOOTRIC + 'password = "keyring"\n')
    settings = load_settings(config)  # listing needs no secret: loading still works
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(KeyringUnavailableError) as caught:
            settings.account("acme")
    finally:
        keyring.set_keyring(previous)
    assert str(caught.value) == (
        f"cannot read the system keyring ({why}) for accounts.acme.password; "
        "set WORKBENCH_ACCOUNTS__ACME__PASSWORD instead"
    )


# --- unknown accounts ----------------------------------------------------------------------------


def test_unknown_account_suggests_the_nearest_name() -> None:
    settings = settings_from(
        {
            "accounts": {
                "acme-cxi": {"platform": "cxi", "refresh_token": "r"},
                "globex": {"platform": "apptentive", "token": "t"},
            }
        }
    )
    with pytest.raises(
        UnknownAccountError, match=r"^no account named 'acme-cx'; did you mean 'acme-cxi'\?$"
    ):
        settings.account("acme-cx")
    with pytest.raises(UnknownAccountError, match=r"the accounts are acme-cxi, globex$"):
        settings.account("zzz")
    with pytest.raises(UnknownAccountError, match=r"workbench accounts add"):
        settings_from({}).account("acme")
