"""Tokens under a bad day (issue items 7, 12 and 13): a token endpoint that fails fails the
account once, renewals are single-flight and bounded by the settings, and a refused Crowdskout
token says how to sign in again. Real httpx client, servers on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.clients import wootric_client
from tests.conftest import make_sandbox
from tests.standins import serve
from workbench.sandbox import ServedSandbox
from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS, WOOTRIC_ACCOUNTS
from workbench.sandbox.faults import FaultSpec
from workbench.settings import CrowdskoutAccount, HttpOptions, WootricAccount
from workbench.sources.auth import WootricGrant, WootricOAuth
from workbench.sources.connect import open_client
from workbench.sources.errors import AuthenticationFailed, RateLimited, ServerError
from workbench.sources.http import ApiClient
from workbench.sources.retry import RetryPolicy

BOUND = 30.0
FAST = RetryPolicy(attempts=3, initial=0.01, maximum=0.02)


def password() -> WootricGrant:
    return WootricGrant(email="a@example.com", password=SecretStr("pw"))


async def silent_token_endpoint() -> tuple[asyncio.Server, str, list[int]]:
    """Accepts connections and never answers; counts them."""
    accepted: list[int] = []
    held: list[asyncio.StreamWriter] = []

    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        held.append(writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", accepted


async def test_a_silent_token_endpoint_fails_every_table_of_the_account_at_once() -> None:
    server, url, accepted = await silent_token_endpoint()
    async with server:
        auth = WootricOAuth(url, password(), account="acme", retry=FAST)
        async with ApiClient(
            account="acme", base_url=url, auth=auth, timeout=0.3, retry=FAST
        ) as api:
            tables = [api.get(f"v1/{table}") for table in ("responses", "end_users", "declines")]
            results = await asyncio.wait_for(asyncio.gather(*tables, return_exceptions=True), BOUND)
            later = await asyncio.wait_for(
                asyncio.gather(api.get("v1/segments"), return_exceptions=True), BOUND
            )
    errors = {str(e) for e in [*results, *later]}
    assert len(errors) == 1, errors  # the one failure, for every table
    (message,) = errors
    assert all(isinstance(e, ServerError) for e in [*results, *later])
    assert "could not reach the token endpoint (ReadTimeout) 3 times" in message
    assert len(accepted) == FAST.attempts  # 3 tries in all, not 3 per table
    assert auth.posts == FAST.attempts


def failing_token_app(state: dict, answers: list[tuple[int, dict[str, str]]]) -> Starlette:
    async def token(_request: Request) -> Response:
        state["posts"] = state.get("posts", 0) + 1
        if answers:
            status, headers = answers.pop(0)
            return JSONResponse({"error": "nope"}, status_code=status, headers=headers)
        return JSONResponse({"access_token": "good", "expires_in": 7200})

    async def read(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/oauth/token", token, methods=["POST"]), Route("/v1/segments", read)]
    )


@pytest.mark.parametrize("max_retries", [0, 2])
async def test_the_token_endpoint_gets_max_retries_plus_one_tries(max_retries: int) -> None:
    state: dict = {}
    with serve(failing_token_app(state, [(500, {})] * 30)) as url:
        account = WootricAccount(base_url=url, email="a@example.com", password="pw")
        client = open_client("acme", account, HttpOptions(max_retries=max_retries, timeout=5))
        try:
            with pytest.raises(ServerError, match="answered 500"):
                await asyncio.wait_for(client.segments(), BOUND)
        finally:
            await client.aclose()
    assert state["posts"] == max_retries + 1


async def test_the_token_endpoint_429_reset_is_waited_for() -> None:
    state: dict = {}
    reset = {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Remaining": "0"}
    reset["X-Rate-Limit-Reset"] = str(time.time() + 0.5)
    with serve(failing_token_app(state, [(429, reset)])) as url:
        auth = WootricOAuth(url, password(), account="acme", retry=FAST)
        async with ApiClient(account="acme", base_url=url, auth=auth, retry=FAST) as api:
            assert await asyncio.wait_for(api.get("v1/segments"), BOUND) == {"ok": True}
    assert state["posts"] == 2


async def test_the_token_endpoint_429_far_ahead_fails_saying_when() -> None:
    state: dict = {}
    with serve(failing_token_app(state, [(429, {"Retry-After": "86400"})])) as url:
        auth = WootricOAuth(url, password(), account="acme", retry=FAST)
        async with ApiClient(account="acme", base_url=url, auth=auth, retry=FAST) as api:
            with pytest.raises(RateLimited, match="allows requests again at") as caught:
                await asyncio.wait_for(api.get("v1/segments"), BOUND)
    assert state["posts"] == 1
    assert "\n" not in str(caught.value)


# --- item 12: single-flight renewal ----------------------------------------------------------


def expiring_app(state: dict, *, kill_every: int) -> Starlette:
    """Only the newest token works, and the `kill_every`-th request presenting it kills it
    (like the sandbox's `expire` fault); requests overlap, so several are refused with one
    token. Counted per token, not over all requests, so that how many tokens die does not
    depend on how the requests interleave on a loaded machine."""
    state.update(issued=0, requests=0, kills=0, current="", on_current=0)

    async def token(_request: Request) -> Response:
        state["issued"] += 1
        state["current"] = f"t{state['issued']}"
        state["on_current"] = 0
        return JSONResponse({"access_token": state["current"], "expires_in": 7200})

    async def read(request: Request) -> Response:
        state["requests"] += 1
        await asyncio.sleep(0.005)  # keep several requests in flight on the same token
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        if presented == state["current"]:
            state["on_current"] += 1
        if presented == state["current"] and state["on_current"] % kill_every == 0:
            state["kills"] += 1
            state["current"] = "killed"
        if presented != state["current"]:
            return JSONResponse({"error": "invalid token"}, status_code=401)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/oauth/token", token, methods=["POST"]), Route("/v1/segments", read)]
    )


async def test_one_renewal_per_expired_token_with_eight_requests_on_it() -> None:
    state: dict = {}
    with serve(expiring_app(state, kill_every=7)) as url:
        auth = WootricOAuth(url, password(), account="acme", retry=FAST)
        async with ApiClient(
            account="acme", base_url=url, auth=auth, concurrency=8, retry=FAST
        ) as api:

            async def worker() -> None:
                for _ in range(15):
                    await api.get("v1/segments")

            await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(8))), BOUND)
            assert state["kills"] > 5  # the test proved something
            # One login, then exactly one renewal per killed token, however many requests
            # were refused with it.
            assert state["issued"] == state["kills"] + 1
            assert api.stats.renewed_tokens == state["kills"]


async def test_heavy_expiry_on_the_sandbox_converges() -> None:
    with ServedSandbox(make_sandbox()) as served:
        served.sandbox.world.config.faults = FaultSpec.parse("expire=0.1,seed=12")
        client = wootric_client(served, concurrency=8)
        try:
            rows = [
                row
                async for batch in client.response_batches()
                for row in batch.rows  # type: ignore[attr-defined]
            ]
        finally:
            await client.aclose()
        served.sandbox.world.config.faults = FaultSpec()
        truth = served.sandbox.wootric.ids(WOOTRIC_ACCOUNTS[0].account_token, "responses")
        assert sorted(str(r["id"]) for r in rows) == sorted(str(i) for i in truth)
        assert served.sandbox.world.counters["fault_expire"] > 5


async def test_the_same_new_token_refused_again_and_again_says_what_to_do() -> None:
    async def token(_request: Request) -> Response:
        return JSONResponse({"access_token": "never-good", "expires_in": 7200})

    async def read(_request: Request) -> Response:
        return JSONResponse({"error": "token revoked"}, status_code=401)

    app = Starlette(
        routes=[Route("/oauth/token", token, methods=["POST"]), Route("/v1/segments", read)]
    )
    with serve(app) as url:
        auth = WootricOAuth(url, password(), account="acme", retry=FAST)
        async with ApiClient(account="acme", base_url=url, auth=auth, retry=FAST) as api:
            with pytest.raises(AuthenticationFailed) as caught:
                await asyncio.wait_for(api.get("v1/segments"), BOUND)
    message = str(caught.value)
    assert "answered 401: token revoked" in message
    assert "`workbench accounts add acme --replace`" in message
    assert "never-good" not in message
    assert "\n" not in message


# --- item 13: a refused Crowdskout token ---------------------------------------------------


async def test_a_refused_crowdskout_token_says_to_sign_in_again() -> None:
    with ServedSandbox(make_sandbox()) as served:
        organization = CROWDSKOUT_ORGANIZATIONS[0]
        issued = served.sandbox.world.tokens.issue(
            str(organization.organization_id),
            "authorization_code",
            with_refresh=False,
            prefix="crowdskout",
        )
        account = CrowdskoutAccount(
            base_url=served.url("crowdskout"),
            client_id=organization.client_id,
            client_secret=organization.client_secret,
            redirect_uri="http://127.0.0.1:8976/callback",
            token=issued.token,
        )
        client = open_client("field-team", account, HttpOptions(max_retries=1))
        try:
            await asyncio.wait_for(client.list_attributes(), BOUND)  # the token works...
            served.sandbox.world.tokens.expire(issued.token)  # ...until `expire` kills it
            with pytest.raises(AuthenticationFailed) as caught:
                await asyncio.wait_for(client.list_attributes(), BOUND)
        finally:
            await client.aclose()
    message = str(caught.value)
    assert "The Crowdskout token for field-team was refused" in message
    assert "Crowdskout tokens cannot be renewed" in message
    assert "sign in again with `workbench auth field-team`" in message
    assert "--replace" not in message
    assert issued.token not in message
    assert "\n" not in message
