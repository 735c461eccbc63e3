"""The built-in demo: the sandbox on a loopback port, a configuration of one account per platform
pointing at it, and a store in a temporary directory. `workbench demo`, the notebooks' `demo()`
and the tests all start from here, so a newcomer with no credentials sees what the workbench
does with real-looking data, through the same clients, sync and store as with the real APIs.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from workbench.sandbox import Sandbox, SandboxConfig, ServedSandbox
from workbench.sandbox.accounts import (
    APPTENTIVE_APPS,
    CROWDSKOUT_ORGANIZATIONS,
    WOOTRIC_ACCOUNTS,
    WOOTRIC_USERS,
)
from workbench.sandbox.serve import free_port
from workbench.settings import (
    CrowdskoutAccount,
    Settings,
    load_settings,
    save_settings,
    settings_from,
)
from workbench.sources.connect import token_cache
from workbench.sources.oauth_code import Token, run_authorization_code_flow

T = TypeVar("T")
DEMO_RESPONSES = 5_000
DEMO_SEED = 7


def demo_accounts(served: ServedSandbox) -> dict[str, dict[str, Any]]:
    """One account per platform, as a person would configure them, pointed at the sandbox."""
    user = WOOTRIC_USERS[0]
    nps = next(a for a in WOOTRIC_ACCOUNTS if a.product == "nps")
    cxi = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi" and a.onboarded)
    app = APPTENTIVE_APPS[0]
    organization = CROWDSKOUT_ORGANIZATIONS[0]
    return {
        "acme-nps": {
            "platform": "wootric",
            "base_url": served.url("wootric"),
            "email": user.email,
            "password": user.password,
            "account_token": nps.account_token,
        },
        "acme-cxi": {
            "platform": "cxi",
            "base_url": served.url("cxi"),
            "auth_base_url": served.url("wootric"),
            "email": user.email,
            "password": user.password,
            "account_token": cxi.account_token,
        },
        "acme-ios": {
            "platform": "apptentive",
            "base_url": served.url("apptentive"),
            "token": app.token,
        },
        "acme-crm": {
            "platform": "crowdskout",
            "base_url": served.url("crowdskout"),
            "client_id": organization.client_id,
            "client_secret": organization.client_secret,
            "redirect_uri": f"http://127.0.0.1:{free_port()}/callback",
            # The sandbox's ids start at 1 and new profiles take the next: a walk finds them.
            "profile_walk_from": 1,
        },
    }


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end from synchronous code, also where an event loop is already
    running in this thread (Jupyter, a Textual app): then it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def browser_login(name: str, config: CrowdskoutAccount) -> Token:
    """The Crowdskout browser login with httpx as the browser: the sandbox approves at once and
    redirects to our loopback listener, which receives the code as in `workbench auth`."""
    redirect = httpx.URL(config.redirect_uri)

    def open_browser(url: str) -> None:  # called in a worker thread, so it may block
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            browser.get(url)

    token = await run_authorization_code_flow(
        config.base_url,
        config.client_id,
        config.client_secret,
        redirect_port=redirect.port or 80,
        callback_path=redirect.path,
        open_browser=open_browser,
        timeout=30,
        account=name,
    )
    return token


class ClosedOnExit:
    """`with thing:` calls `thing.close()` on the way out, error or not: the demo and the
    notebook's Workbench (which may own a demo) each say what closing means."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Demo(ClosedOnExit):
    """A running demo; close it (or use it as a context manager) to stop the sandbox and remove
    the temporary directory it made."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        responses: int = DEMO_RESPONSES,
        seed: int = DEMO_SEED,
        rate_limit: int | None = None,
    ) -> None:
        self._owned = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="workbench-demo-"))
        self.served = ServedSandbox(
            Sandbox(SandboxConfig(seed=seed, responses=responses, rate_limit=rate_limit))
        ).start()
        self.config_path = self.directory / "config.toml"
        store_dir = self.directory / "store"
        save_settings(
            settings_from({"store_dir": str(store_dir), "accounts": demo_accounts(self.served)}),
            self.config_path,
        )
        self.settings: Settings = load_settings(self.config_path, environ={})
        self._authorize_crowdskout()

    def __repr__(self) -> str:
        return f"Demo({str(self.directory)!r}, sandbox={self.served.base_url!r})"

    @property
    def store_dir(self) -> Path:
        return self.settings.store_dir

    def _authorize_crowdskout(self) -> None:
        for name, account in self.settings.accounts.items():
            if account.platform == "crowdskout":
                config = self.settings.account(name)
                assert isinstance(config, CrowdskoutAccount)
                token = run_coroutine(partial(browser_login, name, config))
                token_cache(self.store_dir).store(name, token.cached())

    def close(self) -> None:
        self.served.stop()
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_demo(
    directory: Path | None = None,
    *,
    responses: int = DEMO_RESPONSES,
    seed: int = DEMO_SEED,
    rate_limit: int | None = None,
) -> Demo:
    """Start the sandbox and write the demo configuration (the data is fetched by `sync`)."""
    return Demo(directory, responses=responses, seed=seed, rate_limit=rate_limit)
