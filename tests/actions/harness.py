"""A Wootric account in a served sandbox, configured and synced into a store of the test's own,
with every request the sandbox answers recorded (method, path, status) and writes that can be
made slow (the answer held back after the write took effect, as a slow network would).

The tests drive the real CLI (CliRunner in-process, or a subprocess for kills) on that store
and read the sandbox's ground truth straight from its tables."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import make_sandbox, use_config
from workbench.cli import app
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.data.tables import load_table
from workbench.sandbox import ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS
from workbench.settings import Settings, load_settings, save_settings, settings_from

ACCOUNT = "acme-nps"
NPS = next(a for a in WOOTRIC_ACCOUNTS if a.product == "nps")
USER = WOOTRIC_USERS[0]
ROOT = Path(__file__).resolve().parents[2]
WORKBENCH = str(Path(sys.executable).with_name("workbench"))


@dataclass
class Recorder:
    """ASGI middleware in front of the sandbox: records each answer, holds back the answers to
    chosen methods for `delay` seconds (after the sandbox applied the write)."""

    app: Any
    delay: float = 0.0
    slow: tuple[str, ...] = ("PUT", "POST", "DELETE")
    phase: int = 1
    broken: dict[str, int] = field(default_factory=dict)
    """Paths whose answer, after the write took effect, is lost: 0 drops the connection
    mid-answer, a status replaces the answer (500)."""
    log: list[tuple[int, str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        broken = next((v for p, v in self.broken.items() if path.endswith(p)), None)
        if broken is not None and method in self.slow:
            await self._break(scope, receive, send, broken)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                with self.lock:
                    self.log.append((self.phase, method, path, message["status"]))
                if self.delay and method in self.slow and "/_sandbox/" not in path:
                    await asyncio.sleep(self.delay)
            await send(message)

        await self.app(scope, receive, sending)

    async def _break(self, scope: Any, receive: Any, send: Any, status: int) -> None:
        answered: list[int] = []

        async def swallow(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])

        await self.app(scope, receive, swallow)  # the write takes effect
        with self.lock:
            self.log.append((self.phase, scope["method"], scope["path"], -(answered or [0])[0]))
        if status:
            body = b'{"error": "Internal Server Error"}'
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
        await send(start)
        await send({"type": "http.response.body", "body": b'{"id": ', "more_body": True})
        raise ConnectionResetError("test: connection dropped after the write")

    def applied(self, method: str, part: str = "") -> list[tuple[int, str]]:
        """(phase, path) of each request the sandbox applied, its answer lost or not."""
        with self.lock:
            return [
                (phase, path)
                for phase, m, path, status in self.log
                if m == method and part in path and (200 <= abs(status) < 300)
            ]

    def calls(self, method: str, part: str = "", *, ok: bool = True) -> list[tuple[int, str, int]]:
        with self.lock:
            return [
                (phase, path, status)
                for phase, m, path, status in self.log
                if m == method and part in path and (not ok or 200 <= status < 300)
            ]


@dataclass
class World:
    served: ServedSandbox
    recorder: Recorder
    settings: Settings
    config: Path
    home: Path

    @property
    def store(self) -> Store:
        return Store(self.settings.store_dir)

    def truth(self, table: str) -> pl.DataFrame:
        """The sandbox's own rows (ids as integers)."""
        return self.served.sandbox.wootric.frame(NPS.account_token, table)

    def table(self, name: str) -> pl.DataFrame:
        return load_table(self.store, name, [ACCOUNT])

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            env[name] = str(self.home / name.lower())
        env["WORKBENCH_CONFIG"] = str(self.config)
        env["COLUMNS"] = "200"
        return env

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [WORKBENCH, *args],
            env=self.env(),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def journals(self) -> list[Path]:
        return sorted((self.settings.store_dir / ACCOUNT / ".actions").glob("*.jsonl"))


def cli(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def one_line(output: str) -> str:
    """The output must be free of tracebacks; returns it for the caller's checks."""
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    return output


def open_world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    http: dict[str, Any] | None = None,
    **sandbox: Any,
) -> Iterator[World]:
    made = make_sandbox(**{"responses": 400, "bursts": (), **sandbox})
    recorder = Recorder(made.app)
    made.app = recorder  # type: ignore[assignment]
    with ServedSandbox(made) as served:
        config = tmp_path / "config.toml"
        accounts = {
            ACCOUNT: {
                "platform": "wootric",
                "base_url": served.url("wootric"),
                "email": USER.email,
                "password": USER.password,
                "account_token": NPS.account_token,
            }
        }
        save_settings(
            settings_from(
                {
                    "store_dir": str(tmp_path / "store"),
                    "accounts": accounts,
                    "http": {"max_retries": 2, **(http or {})},
                }
            ),
            config,
        )
        settings = load_settings(config, environ={})
        asyncio.run(asyncio.wait_for(sync(settings), 120))
        use_config(monkeypatch, tmp_path, config)
        yield World(served, recorder, settings, config, tmp_path)


def ids(frame: pl.DataFrame, column: str = "id") -> list[str]:
    return sorted(str(v) for v in frame[column].to_list())


def excluded(world: World, response_ids: Sequence[str]) -> dict[str, bool]:
    truth = world.truth("responses").filter(pl.col("id").is_in([int(i) for i in response_ids]))
    return {
        str(r["id"]): bool(r["excluded_from_calculations"]) for r in truth.iter_rows(named=True)
    }


def properties(world: World, table: str, row_id: str) -> dict[str, Any]:
    """The properties the sandbox keeps for a row (an end user's current ones, or those a
    response or decline carries)."""
    data = world.served.sandbox.wootric._accounts[NPS.account_token]
    frame = data.table(table).frame.filter(pl.col("id") == int(row_id))
    return data.properties(int(frame["snapshot"][0]))


def enable_historical_edits(world: World) -> None:
    import httpx

    httpx.put(
        f"{world.served.base_url}/_sandbox/wootric/{NPS.account_token}/features",
        data={"historical_properties": "true"},
        timeout=30,
    ).raise_for_status()


def api(world: World, method: str, path: str, **data: str) -> Any:
    """A call to the sandbox's Wootric API as the account's user (as the web app would)."""
    import httpx

    base = world.served.url("wootric")
    token = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "password",
            "username": USER.email,
            "password": USER.password,
            "account_token": NPS.account_token,
        },
        timeout=30,
    ).json()["access_token"]
    answer = httpx.request(
        method,
        f"{base}{path}",
        data=data or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return answer
