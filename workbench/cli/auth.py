"""`workbench auth ACCOUNT`: log a Crowdskout account in through the browser (OAuth2 code flow)."""

from __future__ import annotations

import asyncio
import webbrowser
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from workbench.cli.context import load, settings_errors
from workbench.cli.output import console, fail
from workbench.settings import CrowdskoutAccount
from workbench.sources.connect import token_cache
from workbench.sources.errors import SourceError
from workbench.sources.oauth_code import run_authorization_code_flow


def auth(
    account: Annotated[str, typer.Argument(help="A Crowdskout account from `accounts list`.")],
    browser: Annotated[
        bool, typer.Option(help="Open the login page in the browser (otherwise print its URL).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the login.")] = 300.0,
) -> None:
    """Authorize a Crowdskout account; the token is kept (mode 0600) for later syncs."""
    settings = load()
    with settings_errors():
        config = settings.account(account)
    if not isinstance(config, CrowdskoutAccount):
        fail(
            f"{account} is a {config.platform} account; only Crowdskout accounts log in through "
            "the browser (the others use the credentials in their configuration)",
            code=2,
        )
    redirect = urlsplit(config.redirect_uri)
    if redirect.hostname not in ("127.0.0.1", "localhost"):
        fail(
            f"the redirect URI {config.redirect_uri} is not on this machine; register a loopback "
            "URI such as http://127.0.0.1:8976/callback with Crowdskout and set it with "
            f"`workbench accounts add {account} --replace`",
            code=2,
        )

    def show(url: str) -> None:
        console.print(f"Log in to Crowdskout here:\n  {escape(url)}")
        if browser:
            webbrowser.open(url)

    try:
        token = asyncio.run(
            run_authorization_code_flow(
                config.base_url,
                config.client_id,
                config.client_secret,
                redirect_port=redirect.port or 80,
                callback_path=redirect.path or "/",
                open_browser=show,
                timeout=timeout,
                account=account,
            )
        )
    except SourceError as exc:
        fail(escape(str(exc)))
    except TimeoutError:
        fail(f"no login within {timeout:.0f} s; run `workbench auth {account}` again")
    except OSError as exc:
        fail(f"cannot listen on {redirect.netloc} for the login ({exc.strerror}); free that port")
    token_cache(settings.store_dir).store(account, token.cached())
    console.print(f"[green]Authorized[/] {account}; the token is kept in the store directory.")
