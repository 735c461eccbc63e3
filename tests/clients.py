"""Clients wired to a served sandbox, as the workbench wires them to the real APIs.

The `make_wootric` fixture is registered in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from workbench.sandbox import ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS
from workbench.sources.auth import TokenCache, WootricGrant, WootricOAuth
from workbench.sources.http import ApiClient
from workbench.sources.retry import RetryPolicy
from workbench.sources.wootric import WootricClient

ACME = WOOTRIC_ACCOUNTS[0]
USER = WOOTRIC_USERS[0]
FAST_RETRY = RetryPolicy(attempts=8, initial=0.01, maximum=0.05)


def password_grant(account_token: str = ACME.account_token) -> WootricGrant:
    from pydantic import SecretStr

    return WootricGrant(
        email=USER.email, password=SecretStr(USER.password), account_token=account_token
    )


def wootric_client(
    served: ServedSandbox,
    grant: WootricGrant | None = None,
    *,
    cache: TokenCache | None = None,
    concurrency: int = 8,
) -> WootricClient:
    auth = WootricOAuth(
        served.url("wootric"), grant or password_grant(), account="acme", cache=cache
    )
    http = ApiClient(
        account="acme",
        base_url=served.url("wootric"),
        auth=auth,
        concurrency=concurrency,
        retry=FAST_RETRY,
    )
    return WootricClient(http, concurrency=concurrency)


async def make_wootric(
    served: ServedSandbox,
) -> AsyncIterator[Callable[..., WootricClient]]:
    made: list[WootricClient] = []

    def make(**kwargs: object) -> WootricClient:
        client = wootric_client(served, **kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
