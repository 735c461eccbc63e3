"""The Wootric control routes (`/_sandbox/wootric/...`): test hooks that add, touch and read
rows of an NPS account, outside the API's rules."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.web import answer
from workbench.sandbox.wootric.params import ApiError, boolean, check, integer, read_params
from workbench.sandbox.wootric.store import AccountData, bulk
from workbench.sandbox.wootric.tables import SCHEMAS, TABLES
from workbench.sandbox.wootric.writes import AccountWrites
from workbench.sandbox.world import World


class ControlRoutes:
    """The control routes of `Wootric`, which holds the state named here."""

    world: World
    _lock: threading.Lock
    _accounts: dict[str, AccountData]
    _writes: dict[str, AccountWrites]
    _rng: np.random.Generator

    def _purge(self) -> None:
        raise NotImplementedError

    def control_routes(self) -> list[BaseRoute]:
        return [
            Route("/{account_token}/responses", self._control_survey, methods=["POST"]),
            Route("/{account_token}/responses/touch", self._control_touch, methods=["POST"]),
            Route("/{account_token}/features", self._control_features, methods=["GET", "PUT"]),
            Route("/{account_token}/{table}/ids", self._control_ids, methods=["GET"]),
            Route("/{account_token}/{table}", self._control_rows, methods=["GET"]),
        ]

    def _control_account(self, request: Request) -> tuple[AccountData, AccountWrites]:
        token = request.path_params["account_token"]
        if token not in self._accounts:
            raise ApiError(404, f"no NPS account {token!r} in the sandbox")
        return self._accounts[token], self._writes[token]

    async def _control(self, request: Request, work: Callable[..., Any]) -> Response:
        try:
            params = await read_params(request)
            with self._lock:
                self._purge()
                data, writes = self._control_account(request)
                return answer(work(data, writes, params.values))
        except ApiError as exc:
            return answer(exc.body, exc.status)

    async def _control_survey(self, request: Request) -> Response:
        """`count` new responses at `created_at` (default now): answers their ids."""

        def work(data: AccountData, writes: AccountWrites, values: dict[str, str]) -> Any:
            errors: list[str] = []
            count = integer(values, "count", errors)
            created_at = integer(values, "created_at", errors)
            check(errors)
            now = int(self.world.clock.now())
            at = now if created_at is None else created_at
            return writes.survey(self._rng, count or 1, at, now)

        return await self._control(request, work)

    async def _control_touch(self, request: Request) -> Response:
        """`count` existing responses changed now (tag or excluded flag): answers their ids."""

        def work(data: AccountData, writes: AccountWrites, values: dict[str, str]) -> Any:
            errors: list[str] = []
            count = integer(values, "count", errors)
            check(errors)
            return writes.touch(self._rng, count or 1, int(self.world.clock.now()))

        return await self._control(request, work)

    async def _control_features(self, request: Request) -> Response:
        """Historical edits of `end_user.properties` (off by default, as on Wootric)."""

        def work(data: AccountData, writes: AccountWrites, values: dict[str, str]) -> Any:
            errors: list[str] = []
            enabled = boolean(values, "historical_properties", errors)
            check(errors)
            if enabled is not None:
                data.historical_properties = enabled
            return {"historical_properties": data.historical_properties}

        return await self._control(request, work)

    def _control_table(self, request: Request) -> str:
        table = request.path_params["table"]
        if table not in TABLES:
            raise ApiError(404, f"no table {table!r}; tables: {', '.join(TABLES)}")
        return table

    async def _control_ids(self, request: Request) -> Response:
        def work(data: AccountData, writes: AccountWrites, values: dict[str, str]) -> Any:
            table = self._control_table(request)
            if table not in SCHEMAS:
                raise ApiError(404, f"{table} have no ids")
            return data.table(table).frame["id"].to_list()

        return await self._control(request, work)

    async def _control_rows(self, request: Request) -> Response:
        """Ground-truth rows of one table, `offset`/`limit` in stored order (oldest first)."""

        def work(data: AccountData, writes: AccountWrites, values: dict[str, str]) -> Any:
            table = self._control_table(request)
            errors: list[str] = []
            offset = integer(values, "offset", errors) or 0
            limit = integer(values, "limit", errors)
            check(errors)
            if table == "segments":
                return data.render_segments()[offset : None if limit is None else offset + limit]
            frame = data.table(table).frame
            length = frame.height - offset if limit is None else limit
            with bulk():
                return data.render(table, frame.slice(max(offset, 0), max(length, 0)))

        return await self._control(request, work)
