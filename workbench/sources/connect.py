"""From a configured account to a ready client: the one place that knows which platform takes
which authenticator, base URL and options."""

from __future__ import annotations

from pathlib import Path

from workbench.settings import (
    Account,
    ApptentiveAccount,
    CrowdskoutAccount,
    CxiAccount,
    HttpOptions,
    WootricAccount,
)
from workbench.sources.apptentive import ApptentiveClient, ConditionalCache
from workbench.sources.auth import (
    Authenticator,
    StaticToken,
    TokenCache,
    WootricGrant,
    WootricOAuth,
)
from workbench.sources.crowdskout import CrowdskoutClient
from workbench.sources.cxi import CxiClient
from workbench.sources.errors import AuthenticationFailed
from workbench.sources.http import ApiClient
from workbench.sources.retry import RetryPolicy
from workbench.sources.wootric import WootricClient

Client = WootricClient | CxiClient | ApptentiveClient | CrowdskoutClient
TOKEN_FILE = "tokens.json"
"""In the store directory, mode 0600: tokens survive a session so that one login lasts."""


def crowdskout_refused(name: str) -> str:
    """What to do when Crowdskout refuses a token: they cannot be renewed, only signed in again."""
    return (
        f"the Crowdskout token for {name} was refused and Crowdskout tokens cannot be renewed; "
        f"sign in again with `workbench auth {name}`"
    )


def token_cache(store_dir: Path) -> TokenCache:
    return TokenCache(Path(store_dir) / TOKEN_FILE)


def open_client(
    name: str,
    account: Account,
    options: HttpOptions | None = None,
    *,
    tokens: TokenCache | None = None,
) -> Client:
    """The client for one account; `account` must have its keyring references resolved
    (`Settings.account(name)` does that)."""
    options = options or HttpOptions()
    retry = RetryPolicy(attempts=options.max_retries + 1, max_rate_wait=options.max_rate_wait)
    auth: Authenticator
    if isinstance(account, WootricAccount | CxiAccount):
        grant = WootricGrant.model_validate(account, from_attributes=True)
        auth_base = account.auth_base_url if isinstance(account, CxiAccount) else account.base_url
        auth = WootricOAuth(auth_base, grant, account=name, cache=tokens, retry=retry)
    elif isinstance(account, ApptentiveAccount):
        auth = StaticToken(
            account.token,
            "OAuth",
            account=name,
            hint=f"the Apptentive API token for {name} was refused; put a valid one in with "
            f"`workbench accounts add {name} --replace`",
        )
    elif isinstance(account, CrowdskoutAccount):
        token = account.token
        if token is None and tokens is not None:
            cached = tokens.load(name)
            token = cached.access_token if cached else None
        if token is None:
            raise AuthenticationFailed(
                f"not authorized yet; run `workbench auth {name}` to log in through the browser",
                account=name,
            )
        auth = StaticToken(token, "Bearer", account=name, hint=crowdskout_refused(name))
    else:  # pragma: no cover - the settings model admits only the four platforms
        raise TypeError(f"unknown platform for account {name!r}")
    http = ApiClient(
        account=name,
        base_url=account.base_url,
        auth=auth,
        timeout=options.timeout,
        concurrency=options.concurrency,
        retry=retry,
    )
    if isinstance(account, WootricAccount):
        return WootricClient(http, concurrency=options.concurrency)
    if isinstance(account, CxiAccount):
        return CxiClient(http, concurrency=options.concurrency)
    if isinstance(account, ApptentiveAccount):
        cache_path = tokens.path.parent / f"etags-{name}.json" if tokens else None
        return ApptentiveClient(http, cache=ConditionalCache(cache_path))
    return CrowdskoutClient(http, concurrency=options.concurrency)
