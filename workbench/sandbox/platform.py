"""What every simulated API provides to the sandbox app."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.routing import BaseRoute


class Platform(Protocol):
    """One simulated API: its routes, its control routes and the rows it holds."""

    name: str
    """URL prefix and key: `wootric`, `cxi`, `apptentive` or `crowdskout`."""

    def routes(self) -> list[BaseRoute]:
        """The API as documented, mounted at `/<name>`."""
        ...

    def control_routes(self) -> list[BaseRoute]:
        """Test hooks (add rows, inspect state), mounted at `/_sandbox/<name>`."""
        ...

    def ground_truth(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Every row held, as `{account: {table: [row, ...]}}` in the API's own JSON shape."""
        ...
