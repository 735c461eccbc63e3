"""`workbench serve`: the same terminal app in a web browser, through textual-serve.

Each browser tab that opens the page starts its own `workbench` (or `workbench demo`) process
behind a pseudo-terminal of its own, and the page draws that terminal; closing the tab ends it.
textual-serve (and aiohttp under it) is imported only when the command runs.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from typing import Any

import typer
from rich.markup import escape

from workbench.cli.context import load
from workbench.cli.output import console, fail, warn

WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost reach only this machine; anything else may not."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def browse_url(host: str, port: int) -> str:
    """The address to type into a browser (a wildcard host is shown as this machine's name)."""
    shown = socket.gethostname() if host in WILDCARD_HOSTS else host.strip("[]")
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def check_free(host: str, port: int) -> None:
    """Fail in one line, before anything is printed, when the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(escape(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            try:
                probe.bind(address)
            except OSError as exc:
                fail(escape(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))


def served_command(*, demo: bool) -> str:
    """The shell command textual-serve runs for each browser: this same Python and workbench."""
    return shlex.join([sys.executable, "-m", "workbench", *(["demo"] if demo else [])])


def serve(
    host: str = typer.Option(
        "127.0.0.1", help="The address to listen on; the default reaches only this machine."
    ),
    port: int = typer.Option(8000, min=1, max=65535, help="The TCP port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="Serve `workbench demo` (the sandbox) instead of your accounts."
    ),
) -> None:
    """Serve the terminal app to a web browser (each tab runs its own copy of the app)."""
    if not demo:
        load()  # a broken config fails here, in one line, not later in a blank browser tab
    from aiohttp import web
    from textual_serve.server import Server

    url = browse_url(host, port)

    class WorkbenchServer(Server):
        async def handle_index(self, request: web.Request) -> Any:
            # The page tells the browser where the websocket is: use the address the browser
            # came in by, so that 0.0.0.0 or a name other than --host still connects.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def on_startup(self, app: web.Application) -> None:
            console.print(f"Serving the workbench{' demo' if demo else ''} at {url}")
            console.print("Open it in a browser; Ctrl+C stops the server.")

    check_free(host, port)
    if not is_loopback(host):
        warn(
            escape(
                f"listening on {host}: anyone on the network who can reach port {port} can use "
                "the workbench, with no login (the default, 127.0.0.1, is this machine only)."
            )
        )
    server = WorkbenchServer(
        served_command(demo=demo),
        host=host,
        port=port,
        title="Feedback workbench" + (" (demo)" if demo else ""),
    )
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        fail(escape(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))
