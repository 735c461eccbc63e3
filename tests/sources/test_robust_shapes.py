"""A 200 whose body is not the documented shape is the server's failure, never an empty page.

Each client is pointed at a small stand-in server on 127.0.0.1 (real httpx, real TCP) that
answers `{"error": ...}` (or another wrong shape) where the docs promise a list or an envelope.
The `StandIn` here is also the stand-in Wootric of `tests/data/test_robust_wootric_rows.py`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.serve import free_port
from workbench.sources.apptentive import ApptentiveClient
from workbench.sources.cxi import CxiClient
from workbench.sources.errors import ServerError
from workbench.sources.http import ApiClient
from workbench.sources.retry import RetryPolicy
from workbench.sources.wootric import WootricClient

Handler = Callable[[Request], Any]

ERROR = {"error": "maintenance window"}


def json_answer(body: Any, status: int = 200) -> Response:
    """JSON as the stdlib writes it: integers of any size (orjson stops at 64 bits)."""
    return Response(json.dumps(body), status_code=status, media_type="application/json")


class StandIn:
    """A tiny HTTP server on loopback: `routes` maps a path to a function of the request that
    returns the JSON body (or a Response). POST /oauth/token always hands out a token."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.port = free_port()
        self.requests: list[str] = []

        async def dispatch(request: Request) -> Response:
            path = "/" + request.path_params["path"]
            self.requests.append(f"{request.method} {path}")
            if request.method == "POST" and path == "/oauth/token":
                return json_answer(
                    {"access_token": "stand-in", "token_type": "bearer", "expires_in": 7200}
                )
            handler = self.routes.get(path)
            if handler is None:
                return json_answer({"error": "not found"}, 404)
            answer = handler(request)
            return answer if isinstance(answer, Response) else json_answer(answer)

        app = Starlette(routes=[Route("/{path:path}", dispatch, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> StandIn:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the stand-in server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn({}) as server:
        yield server


def http_for(server: StandIn) -> ApiClient:
    return ApiClient(
        account="stand-in",
        base_url=server.url,
        auth=None,
        retry=RetryPolicy(attempts=2, initial=0.01, maximum=0.02),
    )


@pytest.mark.parametrize("body", [ERROR, None, "ok", 5])
async def test_wootric_list_answering_an_object_raises_instead_of_an_empty_page(
    stand_in: StandIn, body: Any
) -> None:
    stand_in.routes["/v1/responses"] = lambda _request: body
    client = WootricClient(http_for(stand_in))
    try:
        async with asyncio.timeout(30):
            with pytest.raises(ServerError, match="unexpected shape") as raised:
                [b async for b in client.response_batches()]
            with pytest.raises(ServerError, match="unexpected shape"):
                await client.list_responses(page=1)
    finally:
        await client.aclose()
    message = str(raised.value)
    assert message.startswith("stand-in: GET v1/responses answered in an unexpected shape")
    if body == ERROR:
        assert "maintenance window" in message
    assert "\n" not in message


async def test_wootric_summary_and_segments_of_the_wrong_shape_raise(stand_in: StandIn) -> None:
    stand_in.routes["/v1/segments"] = lambda _request: ERROR
    stand_in.routes["/v1/nps_summary"] = lambda _request: ERROR
    client = WootricClient(http_for(stand_in))
    try:
        async with asyncio.timeout(30):
            with pytest.raises(ServerError, match="unexpected shape"):
                await client.segments()
            with pytest.raises(ServerError, match="unexpected shape"):
                await client.nps_summary()
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/responses", ERROR),
        ("/v1/responses", {"total_count": 3}),
        ("/v1/responses", {"total_count": 3, "items": {"id": 1}}),
        ("/v1/imports", ERROR),
        ("/v1/imports/7", ERROR),
        ("/v1/tags", ERROR),
        ("/v1/projects", ERROR),
    ],
)
async def test_cxi_answers_of_the_wrong_shape_raise(
    stand_in: StandIn, path: str, body: Any
) -> None:
    stand_in.routes[path] = lambda _request: body
    client = CxiClient(http_for(stand_in))
    calls = {
        "/v1/responses": lambda: client.list_responses(page=1),
        "/v1/imports": lambda: client.list_imports(),
        "/v1/imports/7": lambda: client.get_import(7),
        "/v1/tags": lambda: client.list_tags(),
        "/v1/projects": lambda: client.list_projects(),
    }
    try:
        async with asyncio.timeout(30):
            with pytest.raises(ServerError, match="unexpected shape"):
                await calls[path]()
    finally:
        await client.aclose()


@pytest.mark.parametrize("body", [ERROR, None, {"records": "x"}])
async def test_apptentive_lists_of_the_wrong_shape_raise(stand_in: StandIn, body: Any) -> None:
    stand_in.routes["/records"] = lambda _request: body
    stand_in.routes["/surveys"] = lambda _request: body
    client = ApptentiveClient(http_for(stand_in))
    try:
        async with asyncio.timeout(30):
            with pytest.raises(ServerError, match="unexpected shape"):
                await client.list_records()
            with pytest.raises(ServerError, match="unexpected shape"):
                await client.list_surveys()
    finally:
        await client.aclose()


async def test_documented_shapes_still_read(stand_in: StandIn) -> None:
    stand_in.routes["/v1/responses"] = lambda _request: []
    stand_in.routes["/records"] = lambda _request: []
    stand_in.routes["/surveys"] = lambda _request: {"surveys": []}
    wootric = WootricClient(http_for(stand_in))
    apptentive = ApptentiveClient(http_for(stand_in))
    try:
        async with asyncio.timeout(30):
            assert [b async for b in wootric.response_batches()] == []
            assert await apptentive.list_records() == []
            assert await apptentive.list_surveys() == []
    finally:
        await wootric.aclose()
        await apptentive.aclose()
