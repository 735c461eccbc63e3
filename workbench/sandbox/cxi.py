"""PLACEHOLDER, replaced by the cxi helper."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from workbench.sandbox.world import World


class Cxi:
    name = "cxi"

    def __init__(self, world: World) -> None:
        self.world = world

    def routes(self) -> list[BaseRoute]:
        return []

    def control_routes(self) -> list[BaseRoute]:
        return []

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        return {}
