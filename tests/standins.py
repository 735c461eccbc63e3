"""Small hostile servers on loopback for reliability tests: they hang, lie or refuse.

Each is a Starlette app served by uvicorn in a daemon thread, like the sandbox, so the clients
talk to them over real TCP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workbench.sandbox.serve import free_port


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 for the block; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the stand-in could not listen")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def empty_wootric() -> Starlette:
    """A Wootric that grants tokens and whose lists are all empty (a wrong account, say)."""

    async def token(_request: Request) -> JSONResponse:
        return JSONResponse(
            {"access_token": "t0", "token_type": "bearer", "expires_in": 7200, "scope": "public"}
        )

    async def empty(_request: Request) -> JSONResponse:
        return JSONResponse([])

    return Starlette(
        routes=[
            Route("/oauth/token", token, methods=["POST"]),
            Route("/v1/{path:path}", empty, methods=["GET"]),
        ]
    )


def missing_crowdskout() -> Starlette:
    """A Crowdskout where every profile answers 404 and attributes are an empty list."""

    async def profile(_request: Request) -> JSONResponse:
        return JSONResponse(
            {"success": False, "messages": ["Profile not found"], "data": None}, status_code=404
        )

    async def attributes(_request: Request) -> JSONResponse:
        return JSONResponse({"success": True, "messages": [], "data": []})

    return Starlette(
        routes=[
            Route("/v1/profile/{profile_id}", profile, methods=["GET"]),
            Route("/v1/{path:path}", attributes, methods=["GET"]),
        ]
    )
