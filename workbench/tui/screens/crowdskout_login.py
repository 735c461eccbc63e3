"""Crowdskout's browser login from the TUI: the same OAuth2 code flow as `workbench auth`.

A worker listens on the account's loopback redirect and posts the login page's URL, which the
screen shows (to open in a browser; `c` copies it); once Crowdskout redirects back with the
code, the token is kept in the store directory as `workbench auth` keeps it. No browser is
started from here: a terminal browser would take over the screen.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workbench.settings import CrowdskoutAccount, Settings, SettingsError
from workbench.sources.connect import token_cache
from workbench.sources.errors import SourceError
from workbench.sources.oauth_code import run_authorization_code_flow

TIMEOUT = 300.0
"""Seconds to wait for the login, as `workbench auth`."""


class LoginScreen(ModalScreen[bool]):
    """Dismisses True once the account is authorized."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("c", "copy_url", "Copy the URL"),
    ]

    class Url(Message):
        def __init__(self, url: str) -> None:
            super().__init__()
            self.url = url

    class Done(Message):
        def __init__(self, problem: str | None) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, settings: Settings, account: str) -> None:
        super().__init__(classes="dialog-screen")
        self.settings = settings
        self.account = account
        self.url = ""
        self.authorized = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="login"):
            yield Static(f"Log in to Crowdskout: {escape(self.account)}", classes="dialog-title")
            yield Static("Starting the login…", id="login-url", classes="dialog-text")
            yield Static("", id="login-state")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy the URL", id="copy")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.login()

    @work(exclusive=True, group="login", exit_on_error=False)
    async def login(self) -> None:
        try:
            config = self.settings.account(self.account)
        except SettingsError as exc:
            self.post_message(self.Done(str(exc).splitlines()[0]))
            return
        if not isinstance(config, CrowdskoutAccount):
            self.post_message(self.Done(f"{self.account} is not a Crowdskout account"))
            return
        redirect = urlsplit(config.redirect_uri)
        if redirect.hostname not in ("127.0.0.1", "localhost"):
            self.post_message(
                self.Done(
                    f"the redirect URI {config.redirect_uri} is not on this machine; register a "
                    "loopback URI such as http://127.0.0.1:8976/callback with Crowdskout"
                )
            )
            return
        try:
            token = await run_authorization_code_flow(
                config.base_url,
                config.client_id,
                config.client_secret,
                redirect_port=redirect.port or 80,
                callback_path=redirect.path or "/",
                open_browser=lambda url: self.post_message(self.Url(url)),
                timeout=TIMEOUT,
                account=self.account,
            )
        except SourceError as exc:
            self.post_message(self.Done(str(exc).splitlines()[0]))
            return
        except TimeoutError:
            self.post_message(self.Done(f"no login within {TIMEOUT:.0f} s; try again"))
            return
        except OSError as exc:
            self.post_message(
                self.Done(f"cannot listen on {redirect.netloc} for the login ({exc.strerror})")
            )
            return
        token_cache(self.settings.store_dir).store(self.account, token.cached())
        self.post_message(self.Done(None))

    @on(Url)
    def show_url(self, message: Url) -> None:
        self.url = message.url
        self.query_one("#login-url", Static).update(
            "Open this page in a browser and log in:\n\n" + escape(message.url)
        )
        self.query_one("#login-state", Static).update("Waiting for the login…")

    @on(Done)
    def done(self, message: Done) -> None:
        state = self.query_one("#login-state", Static)
        if message.problem is None:
            self.authorized = True
            state.update(
                f"[$success]Authorized {escape(self.account)}[/]; the token is kept in the "
                "store directory. Sync the account to read it."
            )
        else:
            state.update(f"[$error]{escape(message.problem)}[/]")
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#copy")
    def action_copy_url(self) -> None:
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify("Copied the login URL.")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.workers.cancel_group(self, "login")
        self.dismiss(self.authorized)
