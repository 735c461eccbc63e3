"""The Wootric control routes (`/_sandbox/wootric/...`): test hooks that add, touch and read
rows of an NPS account, outside the API's rules."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from workbench.sandbox.web import answer
from workbench.sandbox.wootric.params import ApiError, boolean, check, integers, read_params
from workbench.sandbox.wootric.store import AccountData, bulk
from workbench.sandbox.wootric.tables import SCHEMAS, TABLES
from workbench.sandbox.wootric.writes import AccountWrites
from workbench.sandbox.world import World


@dataclass(frozen=True)
class ControlCall:
    """One control request, as the works see it: the account it names and its parameters."""

    request: Request
    data: AccountData
    writes: AccountWrites
    values: dict[str, str]
    now: int


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
        works: list[tuple[str, Callable[[ControlCall], Any], list[str]]] = [
            ("/{account_token}/responses", self._control_survey, ["POST"]),
            ("/{account_token}/responses/touch", self._control_touch, ["POST"]),
            ("/{account_token}/features", self._control_features, ["GET", "PUT"]),
            ("/{account_token}/{table}/ids", self._control_ids, ["GET"]),
            ("/{account_token}/{table}", self._control_rows, ["GET"]),
        ]
        return [Route(path, self._control(work), methods=methods) for path, work, methods in works]

    def _control_account(self, request: Request) -> tuple[AccountData, AccountWrites]:
        token = request.path_params["account_token"]
        if token not in self._accounts:
            raise ApiError(404, f"no NPS account {token!r} in the sandbox")
        return self._accounts[token], self._writes[token]

    def _control(
        self, work: Callable[[ControlCall], Any]
    ) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint doing `work` on the named account, under the lock; an `ApiError` is
        answered with its status."""

        async def endpoint(request: Request) -> Response:
            try:
                params = await read_params(request)
                with self._lock:
                    self._purge()
                    data, writes = self._control_account(request)
                    now = int(self.world.clock.now())
                    return answer(work(ControlCall(request, data, writes, params.values, now)))
            except ApiError as exc:
                return answer(exc.body, exc.status)

        return endpoint

    def _control_survey(self, call: ControlCall) -> Any:
        """`count` new responses at `created_at` (default now): answers their ids."""
        count, created_at = integers(call.values, "count", "created_at")
        at = call.now if created_at is None else created_at
        return call.writes.survey(self._rng, count or 1, at, call.now)

    def _control_touch(self, call: ControlCall) -> Any:
        """`count` existing responses changed now (tag or excluded flag): answers their ids."""
        [count] = integers(call.values, "count")
        return call.writes.touch(self._rng, count or 1, call.now)

    def _control_features(self, call: ControlCall) -> Any:
        """Historical edits of `end_user.properties` (off by default, as on Wootric)."""
        errors: list[str] = []
        enabled = boolean(call.values, "historical_properties", errors)
        check(errors)
        if enabled is not None:
            call.data.historical_properties = enabled
        return {"historical_properties": call.data.historical_properties}

    def _control_table(self, request: Request) -> str:
        table = request.path_params["table"]
        if table not in TABLES:
            raise ApiError(404, f"no table {table!r}; tables: {', '.join(TABLES)}")
        return table

    def _control_ids(self, call: ControlCall) -> Any:
        table = self._control_table(call.request)
        if table not in SCHEMAS:
            raise ApiError(404, f"{table} have no ids")
        return call.data.table(table).frame["id"].to_list()

    def _control_rows(self, call: ControlCall) -> Any:
        """Ground-truth rows of one table, `offset`/`limit` in stored order (oldest first)."""
        table = self._control_table(call.request)
        first, limit = integers(call.values, "offset", "limit")
        offset = first or 0
        data = call.data
        if table == "segments":
            return data.render_segments()[offset : None if limit is None else offset + limit]
        frame = data.table(table).frame
        length = frame.height - offset if limit is None else limit
        with bulk():
            return data.render(table, frame.slice(max(offset, 0), max(length, 0)))
