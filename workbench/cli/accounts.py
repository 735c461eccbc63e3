"""`workbench accounts ...`: list, add and remove the accounts the workbench reads from.

The commands edit one file, `config_path()` (WORKBENCH_CONFIG's file if set, else the user's),
and never the merged settings: saving those would copy secrets from the environment or the
keyring into the file.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.markup import escape
from rich.table import Table

from workbench.cli.context import load, settings_errors
from workbench.cli.output import console, fail
from workbench.settings import (
    DEFAULT_BASE_URLS,
    KEYRING_SERVICE,
    SECRET_FIELDS,
    Account,
    SettingsError,
    add_account,
    check_account_name,
    config_path,
    remove_account,
    validate_account,
)
from workbench.settings.secret_store import default_entry, forget, keyring_entry, store
from workbench.settings.writing import read_document

app = typer.Typer(help="The accounts the workbench reads from.", no_args_is_help=True)


class PlatformName(StrEnum):
    wootric = "wootric"
    cxi = "cxi"
    apptentive = "apptentive"
    crowdskout = "crowdskout"


_LOGIN = ("email", "password", "account_token", "client_id", "client_secret", "refresh_token")
"""A Wootric login's fields (CXI logs in through Wootric with the same ones)."""
FIELDS_BY_PLATFORM: dict[str, tuple[str, ...]] = {
    "wootric": ("base_url", *_LOGIN),
    "cxi": ("base_url", "auth_base_url", *_LOGIN),
    "apptentive": ("base_url", "token", "app_id"),
    "crowdskout": ("base_url", "client_id", "client_secret", "redirect_uri", "token"),
}
"""Which options each platform takes; anything else is a usage error, not silently dropped."""


class WootricGrant(StrEnum):
    password = "password"
    client_credentials = "client_credentials"
    refresh_token = "refresh_token"


WOOTRIC_GRANTS: dict[str, tuple[str, ...]] = {
    "password": ("email", "password"),
    "client_credentials": ("client_id", "client_secret"),
    "refresh_token": ("refresh_token",),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "apptentive": ("token",),
    "crowdskout": ("client_id", "client_secret", "redirect_uri"),
}
LABELS = {
    "email": "Email",
    "password": "Password",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "refresh_token": "Refresh token",
    "token": "API token",
    "redirect_uri": "Redirect URI",
}


def _interactive() -> bool:
    """Prompt only for a person at a terminal; a script gets an error naming the missing flag."""
    return sys.stdin.isatty()


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _uses_keyring(name: str, account: Account) -> bool:
    return any(
        keyring_entry(secret.get_secret_value(), account=name, field=field) is not None
        for field, secret in account.secrets().items()
    )


@app.command("list")
def list_accounts() -> None:
    """Show the accounts: name, platform, base URL and credential kind (never a secret)."""
    settings = load()
    if not settings.accounts:
        console.print(
            "No accounts yet. Add one with "
            "[bold]workbench accounts add NAME --platform wootric|cxi|apptentive|crowdskout[/] "
            "(see --help for the credential options)."
        )
        return
    table = Table(caption=escape(f"config: {config_path()}"))
    table.add_column("name", style="bold")
    table.add_column("platform")
    table.add_column("base URL")
    table.add_column("credentials")
    for name, account in sorted(settings.accounts.items()):
        kind = account.credential_kind + (" (keyring)" if _uses_keyring(name, account) else "")
        url = account.base_url
        if url != DEFAULT_BASE_URLS[account.platform]:
            url += " [dim](custom)[/]"
        table.add_row(escape(name), account.platform, url, kind)
    console.print(table)


def _missing_for(platform: str, fields: dict[str, Any]) -> tuple[str, ...]:
    """The fields still needed for a complete credential set, given what the flags supplied."""
    if platform in REQUIRED:
        return tuple(f for f in REQUIRED[platform] if not fields.get(f))
    for grant in WOOTRIC_GRANTS.values():  # the first grant partly given is the one meant
        if any(fields.get(f) for f in grant):
            return tuple(f for f in grant if not fields.get(f))
    choice = typer.prompt("Credentials", type=WootricGrant, default=WootricGrant.password)
    return WOOTRIC_GRANTS[WootricGrant(choice).value]


def _prompt_missing(platform: str, fields: dict[str, Any]) -> None:
    for field in _missing_for(platform, fields):
        secret = field in SECRET_FIELDS
        value = typer.prompt(LABELS.get(field, field), hide_input=secret)
        fields[field] = SecretStr(value) if secret else value


FIELD_HELP: dict[str, str] = {
    "base_url": "API base URL (default: the real API), e.g. a sandbox.",
    "auth_base_url": "CXI only: where tokens come from (default Wootric's).",
    "email": "Wootric/CXI password grant.",
    "password": "Wootric/CXI password grant. On the command line it is visible to other users "
    "of this machine (ps, /proc) and kept in shell history: leave it out to be asked "
    "with hidden input at a terminal, or use --password-stdin in scripts.",
    "account_token": "Wootric/CXI: which account a multi-account login uses.",
    "client_id": "Wootric/CXI client_credentials, or Crowdskout OAuth app.",
    "client_secret": "Goes with --client-id.",
    "refresh_token": "Wootric/CXI: a stored refresh token.",
    "token": "Apptentive API token, or a Crowdskout access token.",
    "app_id": "Apptentive app id (optional).",
    "redirect_uri": "Crowdskout: the OAuth redirect URI.",
}
"""`accounts add`'s option per account field (--base-url ... --redirect-uri), in --help's order."""


def _field_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with an option per FIELD_HELP field where its `fields` parameter stands
    (its --password-stdin right after --password); the fields given come in `fields`."""
    own = inspect.signature(command, eval_str=True).parameters
    names = list(own)
    options: list[inspect.Parameter] = []
    for field, text in FIELD_HELP.items():
        kind = inspect.Parameter.KEYWORD_ONLY
        option = Annotated[str | None, typer.Option(help=text)]
        options.append(inspect.Parameter(field, kind, default=None, annotation=option))
        if field == "password":
            options.append(own["password_stdin"])
    at = names.index("fields")
    rest = [own[n] for n in names[at + 1 :] if n != "password_stdin"]

    @functools.wraps(command)
    def wrapper(**given: Any) -> None:
        values = {field: given.pop(field) for field in FIELD_HELP}
        fields = {field: value for field, value in values.items() if value is not None}
        command(**given, fields=fields)

    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*(own[n] for n in names[:at]), *options, *rest], return_annotation=None
    )
    return wrapper


@app.command("add")
@_field_options
def add(
    name: Annotated[str, typer.Argument(help="A short name: lowercase letters, digits, - and _.")],
    platform: Annotated[
        PlatformName | None, typer.Option(help="Which API the account is on.", show_default=False)
    ] = None,
    *,
    fields: dict[str, Any],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the Wootric/CXI password from standard input (its first line), e.g. "
            "`pass show wootric | workbench accounts add ... --password-stdin`.",
        ),
    ] = False,
    use_keyring: Annotated[
        bool,
        typer.Option(
            "--keyring", help="Keep the secrets in the system keyring, not in the config file."
        ),
    ] = False,
    replace: Annotated[bool, typer.Option(help="Overwrite an account of the same name.")] = False,
) -> None:
    """Add an account. Prompts for missing credentials at a terminal (secrets hidden).

    Prefer the prompt, or --password-stdin in scripts, to --password: a secret on the command
    line is visible to other users of the machine and stays in the shell's history.
    """
    interactive = _interactive()
    target = config_path()
    try:
        check_account_name(name)
    except SettingsError as exc:
        fail(escape(str(exc)), code=2)
    with settings_errors():
        if name in (read_document(target).get("accounts") or {}) and not replace:
            fail(escape(f"account {name!r} already exists in {target}; add --replace to overwrite"))
    if platform is None:
        if not interactive:
            fail("--platform is required (wootric, cxi, apptentive or crowdskout)", code=2)
        platform = typer.prompt("Platform", type=PlatformName)
    platform_name = PlatformName(platform).value
    if password_stdin:
        if "password" in fields:
            fail("give the password with --password or --password-stdin, not both", code=2)
        given = {**fields, "password": _password_from_stdin()}
        fields = {field: given[field] for field in FIELD_HELP if field in given}  # flags' order
    stray = [f for f in fields if f not in FIELDS_BY_PLATFORM[platform_name]]
    if stray:
        takes = ", ".join(_flag(f) for f in FIELDS_BY_PLATFORM[platform_name])
        fail(
            f"{_flag(stray[0])} does not apply to a {platform_name} account (it takes {takes})",
            code=2,
        )
    fields = {f: SecretStr(v) if f in SECRET_FIELDS else v for f, v in fields.items()}
    if interactive:
        _prompt_missing(platform_name, fields)
    account = _validated(name, {"platform": platform_name, **fields})
    if use_keyring:
        account = _into_keyring(name, account)
    with settings_errors():
        written = add_account(name, account, path=target, replace=replace)
    where = f" (secrets in the keyring, service {KEYRING_SERVICE})" if use_keyring else ""
    console.print(
        f"Added [bold]{escape(name)}[/] ({platform_name}, {account.credential_kind}) "
        f"to {escape(str(written))}{where}."
    )


def _password_from_stdin() -> str:
    """The first line of standard input (hidden prompt when it is a terminal)."""
    if _interactive():
        return str(typer.prompt(LABELS["password"], hide_input=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail(
            "--password-stdin: standard input held no password; pipe it in, e.g. "
            "`pass show wootric | workbench accounts add NAME ... --password-stdin`",
            code=2,
        )
    return line


def _validated(name: str, fields: dict[str, Any]) -> Account:
    """The account, or one usage-error line in terms of the command's options."""
    try:
        return validate_account(name, fields)
    except SettingsError as exc:
        field = (exc.key or "").rsplit(".", 1)[-1]
        if exc.key and exc.key.count(".") == 2:
            hint = ""
            if field == "password" and not fields.get("password"):
                hint = (
                    "; give it with --password-stdin (or at a terminal, leave it out to be asked)"
                )
            fail(escape(f"{_flag(field)}: {exc.problem}{hint}"), code=2)
        fail(escape(f"{name}: {exc.problem}"), code=2)


def _into_keyring(name: str, account: Account) -> Account:
    """Store each secret in the keyring; the account keeps only the references."""
    references: dict[str, Any] = {}
    with settings_errors():
        for field, secret in account.secrets().items():
            references[field] = SecretStr(store(secret, account=name, field=field))
    return account.model_copy(update=references)


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The account to remove.")]) -> None:
    """Remove an account from the config file (and its keyring entries)."""
    with settings_errors():
        removed = remove_account(name, path=config_path())
    forgotten = [
        default_entry(name, field)
        for field in sorted(SECRET_FIELDS)
        if removed.get(field) == "keyring" and forget(name, field)
    ]
    also = f" and keyring entries {', '.join(forgotten)}" if forgotten else ""
    console.print(
        f"Removed [bold]{escape(name)}[/]{escape(also)} from {escape(str(config_path()))}."
    )
