"""The sandbox as one ASGI app: the four APIs side by side, plus control endpoints for tests.

Each API is mounted under its own prefix, so one loopback server stands in for four hosts:

    http://127.0.0.1:PORT/wootric     -> https://api.wootric.com
    http://127.0.0.1:PORT/cxi         -> https://cxi-api.wootric.com
    http://127.0.0.1:PORT/apptentive  -> https://api.apptentive.com
    http://127.0.0.1:PORT/crowdskout  -> https://api.crowdskout.com
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route

from workbench.sandbox.apptentive.api import Apptentive
from workbench.sandbox.crowdskout.api import Crowdskout
from workbench.sandbox.cxi.api import Cxi
from workbench.sandbox.fault_injector import FaultInjector
from workbench.sandbox.faults import FaultSpec, FaultSpecError
from workbench.sandbox.platform import Platform
from workbench.sandbox.rails import params
from workbench.sandbox.web import answer
from workbench.sandbox.wootric.api import Wootric
from workbench.sandbox.world import SandboxConfig, World

TOKEN_PARAMETERS = ("access_token", "oauth_token")
SECRET_PARAMETERS = ("password", "client_secret", "refresh_token")


class Sandbox:
    """The world, the four platforms and the ASGI app that serves them."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.world = World(config)
        self.wootric = Wootric(self.world)
        self.cxi = Cxi(self.world)
        self.apptentive = Apptentive(self.world)
        self.crowdskout = Crowdskout(self.world)
        self.platforms: dict[str, Platform] = {
            p.name: p for p in (self.wootric, self.cxi, self.apptentive, self.crowdskout)
        }
        self.app = _CountingSecrets(FaultInjector(self._starlette(), self.world), self.world)

    def ground_truth(self) -> dict[str, dict[str, dict[str, list[dict[str, Any]]]]]:
        return {name: p.ground_truth() for name, p in self.platforms.items()}

    def _starlette(self) -> Starlette:
        routes: list[BaseRoute] = [
            Mount(f"/{n}", routes=p.routes()) for n, p in self.platforms.items()
        ]
        control: list[BaseRoute] = [
            Route("/counters", self._counters, methods=["GET"]),
            Route("/faults", self._faults, methods=["GET", "PUT"]),
            Route("/clock/advance", self._advance, methods=["POST"]),
            Route("/tokens/expire", self._expire_tokens, methods=["POST"]),
        ]
        control += [Mount(f"/{n}", routes=p.control_routes()) for n, p in self.platforms.items()]
        routes.append(Mount("/_sandbox", routes=control))
        routes.append(Route("/", self._index, methods=["GET"]))
        return Starlette(routes=routes)

    async def _index(self, request: Request) -> Any:
        base = str(request.base_url).rstrip("/")
        return answer(
            {
                "sandbox": "feedback workbench",
                "apis": {name: f"{base}/{name}" for name in self.platforms},
                "seed": self.world.config.seed,
                "faults": self.world.config.faults.describe(),
            }
        )

    async def _counters(self, request: Request) -> Any:
        return answer(dict(self.world.counters))

    async def _faults(self, request: Request) -> Any:
        if request.method == "PUT":
            values = await params(request)
            try:
                self.world.config.faults = FaultSpec.parse(values.get("spec", ""))
            except FaultSpecError as exc:
                return answer({"error": str(exc)}, status=422)
        return answer({"spec": self.world.config.faults.describe()})

    async def _advance(self, request: Request) -> Any:
        values = await params(request)
        try:
            seconds = float(values.get("seconds", "0"))
        except ValueError:
            return answer({"error": "seconds must be a number"}, status=422)
        self.world.clock.advance(seconds)
        return answer({"now": self.world.clock.now()})

    async def _expire_tokens(self, request: Request) -> Any:
        self.world.tokens.expire_all()
        return answer({"expired": True})


class _CountingSecrets:
    """Counts requests, and tokens or secrets sent in a URL, before anything else sees them.

    The legacy docs show `?access_token=...`; the sandbox still accepts it, but tests assert that
    our clients never send one, so every occurrence is counted (`token_in_url`, `secret_in_url`).
    """

    def __init__(self, app: Any, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_sandbox"):
            self.world.count("requests")
            query = scope.get("query_string", b"").decode("latin-1")
            names = {part.partition("=")[0] for part in query.split("&") if part}
            if names & set(TOKEN_PARAMETERS):
                self.world.count("token_in_url")
            if names & set(SECRET_PARAMETERS):
                self.world.count("secret_in_url")
        await self.app(scope, receive, send)
