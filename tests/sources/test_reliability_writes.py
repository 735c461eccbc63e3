"""A write that may have reached the server is never sent again (issue item 3).

Each test runs the real httpx client against a stand-in server on loopback that applies a write
and then answers badly, and counts how often the write was applied.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.standins import serve
from workbench.sources.auth import CachedToken, TokenCache, WootricGrant, WootricOAuth
from workbench.sources.errors import AuthenticationFailed, ServerError
from workbench.sources.http import ApiClient
from workbench.sources.retry import RetryPolicy

BOUND = 30.0
FAST = RetryPolicy(attempts=5, initial=0.01, maximum=0.02)


def token_route(state: dict) -> Route:
    async def token(request: Request) -> Response:
        form = await request.form()
        state.setdefault("grants", []).append(form["grant_type"])
        return JSONResponse({"access_token": "good", "expires_in": 7200, "refresh_token": "r1"})

    return Route("/oauth/token", token, methods=["POST"])


def applying_app(state: dict, answers: list[tuple[int, dict[str, str]]]) -> Starlette:
    """POST /v1/end_users applies the create, then answers the next status from `answers`
    (200 once they run out); `refused` statuses (429, 503 with Retry-After) apply nothing."""

    async def create(request: Request) -> Response:
        status, headers = answers.pop(0) if answers else (200, {})
        if status not in (429, 503):
            state["applied"] = state.get("applied", 0) + 1
        state["posts"] = state.get("posts", 0) + 1
        return JSONResponse({"id": state.get("applied", 0)}, status_code=status, headers=headers)

    return Starlette(routes=[token_route(state), Route("/v1/end_users", create, methods=["POST"])])


def client(url: str, **kwargs: object) -> ApiClient:
    grant = WootricGrant(email="a@example.com", password=SecretStr("pw"))
    auth = WootricOAuth(url, grant, account="acme", retry=FAST)
    return ApiClient(account="acme", base_url=url, auth=auth, retry=FAST, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_a_post_answered_5xx_after_it_was_applied_is_not_repeated(status: int) -> None:
    state: dict = {}
    with serve(applying_app(state, [(status, {})])) as url:
        async with client(url) as api:
            with pytest.raises(ServerError) as caught:
                await asyncio.wait_for(
                    api.request("POST", "v1/end_users", data={"email": "x@example.com"}), BOUND
                )
    assert state["applied"] == 1
    assert state["posts"] == 1
    message = str(caught.value)
    assert f"answered {status}" in message
    assert "may or may not have been applied" in message
    assert "check on the platform before you repeat it" in message
    assert "\n" not in message


async def test_a_get_answered_504_is_retried() -> None:
    state: dict = {"reads": 0}

    async def read(_request: Request) -> Response:
        state["reads"] += 1
        return JSONResponse({"ok": True}, status_code=504 if state["reads"] == 1 else 200)

    app = Starlette(routes=[token_route(state), Route("/v1/segments", read)])
    with serve(app) as url:
        async with client(url) as api:
            body = await asyncio.wait_for(api.get("v1/segments"), BOUND)
    assert body == {"ok": True}
    assert state["reads"] == 2


@pytest.mark.parametrize(
    "refusal", [(429, {"Retry-After": "0"}), (503, {"Retry-After": "0"})], ids=["429", "503"]
)
async def test_a_post_the_server_refused_is_sent_again(refusal: tuple[int, dict]) -> None:
    state: dict = {}
    with serve(applying_app(state, [refusal])) as url:
        async with client(url) as api:
            _, body = await asyncio.wait_for(
                api.request("POST", "v1/end_users", data={"email": "x@example.com"}), BOUND
            )
    assert state["posts"] == 2
    assert state["applied"] == 1
    assert body == {"id": 1}


async def test_a_post_cut_off_mid_answer_is_not_repeated() -> None:
    """The server applies the create and the connection ends before the body is complete."""
    state = {"applied": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        state["applied"] += 1
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n")
        writer.write(b'Content-Length: 400\r\n\r\n{"id": ')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server, ApiClient(account="acme", base_url=url, auth=None, retry=FAST) as api:
        with pytest.raises(ServerError, match="may or may not have been applied"):
            await asyncio.wait_for(api.request("POST", "v1/end_users", json={"a": 1}), BOUND)
    assert state["applied"] == 1


class FirstConnectFails(httpx.AsyncBaseTransport):
    """The real transport, except that the first connection attempt is refused."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.tries = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.tries += 1
        if self.tries == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_post_that_could_not_connect_is_sent_again() -> None:
    """ConnectError proves the request was never sent: the one failure a POST is tried again."""
    state: dict = {}
    transport = FirstConnectFails()
    with serve(applying_app(state, [])) as url:
        async with ApiClient(
            account="acme", base_url=url, auth=None, retry=FAST, transport=transport
        ) as api:
            _, body = await asyncio.wait_for(api.request("POST", "v1/end_users", data={}), BOUND)
    assert transport.tries == 2
    assert state["applied"] == 1
    assert body == {"id": 1}


# --- the refresh grant -------------------------------------------------------------------------


def refresh_app(state: dict, *, on_refresh=None) -> Starlette:  # type: ignore[no-untyped-def]
    """A token endpoint whose refresh tokens work once; the answer to a refresh is cut short.

    `on_refresh` runs when a refresh is applied (to play another process renewing meanwhile).
    """

    async def token(request: Request) -> Response:
        form = await request.form()
        grant = form["grant_type"]
        state.setdefault("grants", []).append(grant)
        if grant == "refresh_token":
            if form["refresh_token"] in state.setdefault("spent", set()):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            state["spent"].add(form["refresh_token"])
            if on_refresh:
                on_refresh()
            return Response(b'{"access_token": "new-tok', media_type="application/json")
        return JSONResponse({"access_token": "login-tok", "expires_in": 7200})

    async def read(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if auth not in ("Bearer login-tok", "Bearer other-process-tok"):
            return JSONResponse({"error": "invalid token"}, status_code=401)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[Route("/oauth/token", token, methods=["POST"]), Route("/v1/segments", read)]
    )


def refresh_only(url: str, cache: TokenCache | None = None, **grant: object) -> ApiClient:
    auth = WootricOAuth(
        url,
        WootricGrant(refresh_token=SecretStr("single-use-r0"), **grant),  # type: ignore[arg-type]
        account="acme",
        cache=cache,
        retry=FAST,
    )
    return ApiClient(account="acme", base_url=url, auth=auth, retry=FAST)


async def test_a_refresh_answered_truncated_is_not_sent_again_and_says_how_to_recover() -> None:
    state: dict = {}
    with serve(refresh_app(state)) as url:
        async with refresh_only(url) as api:
            with pytest.raises(AuthenticationFailed) as caught:
                await asyncio.wait_for(api.get("v1/segments"), BOUND)
            # Later requests get the same answer at once, without touching the endpoint.
            with pytest.raises(AuthenticationFailed):
                await asyncio.wait_for(api.get("v1/segments"), BOUND)
    assert state["grants"] == ["refresh_token"]
    message = str(caught.value)
    assert "`workbench accounts add acme --replace`" in message
    assert "single-use-r0" not in message
    assert "\n" not in message


async def test_a_refresh_answered_truncated_uses_the_token_another_process_stored(
    tmp_path: Path,
) -> None:
    cache = TokenCache(tmp_path / "tokens.json")

    def other_process_renews() -> None:
        other = TokenCache(tmp_path / "tokens.json")
        other.store(
            "acme",
            CachedToken(
                access_token=SecretStr("other-process-tok"),
                expires_at=4e9,
                refresh_token=SecretStr("r-next"),
            ),
        )

    state: dict = {}
    with serve(refresh_app(state, on_refresh=other_process_renews)) as url:
        async with refresh_only(url, cache=cache) as api:
            body = await asyncio.wait_for(api.get("v1/segments"), BOUND)
    assert body == {"ok": True}
    assert state["grants"] == ["refresh_token"]
    assert json.loads((tmp_path / "tokens.json").read_text())["acme"]["access_token"] == (
        "other-process-tok"
    )


async def test_a_refresh_answered_truncated_falls_back_to_the_login() -> None:
    state: dict = {}
    with serve(refresh_app(state)) as url:
        async with refresh_only(url, email="a@example.com", password=SecretStr("pw")) as api:
            body = await asyncio.wait_for(api.get("v1/segments"), BOUND)
    assert body == {"ok": True}
    assert state["grants"] == ["refresh_token", "password"]
