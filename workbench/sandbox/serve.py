"""Serving the sandbox on loopback: in the foreground (`workbench sandbox serve`) or in a
background thread (tests, benchmarks, `workbench demo`)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from workbench.sandbox.app import Sandbox


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _server(sandbox: Sandbox, host: str, port: int, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        sandbox.app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


def serve_forever(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run until Ctrl-C; the caller prints where it listens."""
    _server(sandbox, host, port, "warning").run()


class ServedSandbox:
    """A sandbox served by uvicorn in a daemon thread, for as long as the `with` block lasts.

    `base_url` is `http://127.0.0.1:PORT`; each API lives under its prefix (see `app.py`).
    """

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port or free_port(host)
        self._server = _server(sandbox, self.host, self.port, "critical")
        self._thread = threading.Thread(target=self._server.run, name="sandbox", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, platform: str) -> str:
        return f"{self.base_url}/{platform}"

    def start(self) -> ServedSandbox:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox could not listen on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServedSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
