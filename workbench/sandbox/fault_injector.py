"""The middleware that injects the faults of the world's `FaultSpec` (see `faults`) into each
request. Paths under `/_sandbox/` (the control endpoints) are never faulted.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from workbench.sandbox.world import World

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STORM_SECONDS = 1.0
"""How long a 429 storm lasts: every request until then answers 429, with Reset at its end."""


class FaultInjector:
    """ASGI middleware that applies the world's current fault spec to each request."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world
        self._lock = threading.Lock()
        self._storm_until = 0.0
        self._storm_bare = False
        self._rng = random.Random(world.config.faults.seed)
        self._rng_seed = world.config.faults.seed

    def _roll(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._rng.random() < share

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = self.world.config.faults
        if scope["type"] != "http" or "/_sandbox/" in scope["path"] or not spec.active:
            await self.app(scope, receive, send)
            return
        with self._lock:
            if spec.seed != self._rng_seed:
                self._rng, self._rng_seed = random.Random(spec.seed), spec.seed
        if spec.latency:
            await asyncio.sleep(spec.latency)
        now = self.world.clock.now()
        with self._lock:
            in_storm = now < self._storm_until
        if not in_storm:
            kind = "headers" if self._roll(spec.storm) else None
            if kind is None and self._roll(spec.bare_storm):
                kind = "bare"
            if kind is not None:
                with self._lock:
                    self._storm_until = now + STORM_SECONDS
                    self._storm_bare = kind == "bare"
                in_storm = True
        if in_storm:
            self.world.count("fault_429")
            until = None if self._storm_bare else self._storm_until
            await _answer_429(self.world, send, until)
            return
        if self._roll(spec.error):
            self.world.count("fault_500")
            await _answer(send, 500, {"error": "Internal Server Error"})
            return
        if self._roll(spec.expire):
            token = _bearer(scope)
            if token:
                self.world.count("fault_expire")
                self.world.tokens.expire(token)
        if self._roll(spec.drop):
            self.world.count("fault_drop")
            await _drop(send)
            return
        if self._roll(spec.truncate):
            await self.app(scope, receive, _Truncating(send, self.world))
            return
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            if kind.lower() in {"bearer", "oauth"}:
                return token.strip()
    return None


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    raw = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


async def _answer_429(world: World, send: Send, until: float | None) -> None:
    """A 429 with the rate headers, or (`until` None) a bare one, as a proxy in front sends."""
    if until is None:
        await _answer(send, 429, {"error": "Too Many Requests"})
        return
    reset = int(-(-until // 1))  # whole seconds, rounded up: never invite an early return
    limit = world.config.rate_limit or 100
    headers = {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": str(reset),
    }
    await _answer(send, 429, {"error": "Too Many Requests"}, headers)


async def _drop(send: Send) -> None:
    """Promise a body and stop halfway: the client sees the connection end mid-answer."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'[{"id": ', "more_body": True})
    raise ConnectionResetError("sandbox fault: connection dropped")


class _Truncating:
    """Wraps `send` so that a successful JSON answer loses the second half of its body."""

    def __init__(self, send: Send, world: World) -> None:
        self._send = send
        self._world = world
        self._status = 200
        self._start: Message | None = None
        self._chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._status = message["status"]
            self._start = message
            return
        if message["type"] == "http.response.body":
            self._chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(self._chunks)
            assert self._start is not None
            headers = [(k, v) for k, v in self._start["headers"] if k.lower() != b"content-length"]
            if self._status == 200 and len(body) > 2:
                body = body[: len(body) // 2]
                self._world.count("fault_truncate")
            headers.append((b"content-length", str(len(body)).encode()))
            await self._send({**self._start, "headers": headers})
            await self._send({"type": "http.response.body", "body": body})
            return
        await self._send(message)
