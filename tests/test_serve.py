"""`workbench serve --demo` opened in headless Chromium shows the workbench's dashboard.

textual-serve's page draws the terminal with xterm.js on a canvas, so the text is not in the
DOM. The test drives Chromium over its DevTools protocol instead: a script added before the
page loads keeps a handle on xterm.js's Terminal when the page creates it, and the test reads
the terminal's screen (its buffer, the lines xterm.js is drawing) until the dashboard is there
with an NPS figure; then it takes a screenshot and checks that it is not blank.

Every wait has a deadline; the server, the demo apps it starts and Chromium are each started in
a session of their own and ended as a whole process group.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (CI installs Debian's chromium package)"
)
websockets_sync = pytest.importorskip("websockets.sync.client")

SERVER_START = 30  # seconds for `workbench serve` to listen
BROWSER_START = 30  # seconds for Chromium to open its DevTools port
APP_SHOWN = 120  # seconds for the demo to start, sync and draw the dashboard in the page

# Runs in the page before its own scripts. textual.js bundles xterm.js with webpack, whose
# modules mark their exports with Object.defineProperty(exports, "__esModule", ...) and then
# assign `exports.Terminal`. The hook turns that property into an accessor: xterm's public
# Terminal class (the one with loadAddon) gets its open() wrapped to remember the instance.
HOOK = r"""
(() => {
  window.__wbTerminals = [];
  const define = Object.defineProperty;
  Object.defineProperty = function (target, key, descriptor) {
    const result = define.call(this, target, key, descriptor);
    const has = (object, name) => Object.prototype.hasOwnProperty.call(object, name);
    if (key === "__esModule" && target && !has(target, "Terminal")) {
      let value;
      define(target, "Terminal", {
        configurable: true,
        enumerable: true,
        get() { return value; },
        set(v) {
          value = v;
          if (typeof v === "function" && v.prototype && "loadAddon" in v.prototype
              && !v.prototype.__wbHooked) {
            const open = v.prototype.open;
            v.prototype.open = function (...args) {
              if (!window.__wbTerminals.includes(this)) window.__wbTerminals.push(this);
              return open.apply(this, args);
            };
            v.prototype.__wbHooked = true;
          }
        },
      });
    }
    return result;
  };
  // the first Terminal opened is the page's (xterm's public class opens its core inside)
  window.__wbScreen = () => window.__wbTerminals.slice(0, 1).map((term) => {
    const buffer = term.buffer.active;
    const lines = [];
    for (let y = buffer.viewportY; y < buffer.viewportY + term.rows; y++) {
      const line = buffer.getLine(y);
      lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\n");
  }).join("");
})();
"""

# Decodes a PNG data URL in the page and measures it: how many pixels differ from the
# top-left pixel, and how many distinct colours (on a grid of samples) there are.
MEASURE = r"""
(async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  let differ = 0;
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differ++;
    if (i % 64 === 0) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  }
  return {width: image.width, height: image.height, differ, colours: colours.size};
})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def end_group(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process group, SIGKILL to what is left after a few seconds."""
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; make sure nothing else of its group lingers
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def wait_for(check: Any, deadline: float, what: str, interval: float = 0.25) -> Any:
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


@contextlib.contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {k: v for k, v in os.environ.items() if k not in {"TEXTUAL", "NO_COLOR"}}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", "--demo", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:

        def listening() -> bool:
            if process.poll() is not None:
                raise AssertionError(
                    f"workbench serve exited with {process.returncode}: "
                    + (tmp_path / "serve.log").read_text(errors="replace")
                )
            with socket.socket() as sock:
                sock.settimeout(1)
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, time.monotonic() + SERVER_START, "workbench serve to listen")
        yield f"http://127.0.0.1:{port}/", process
    finally:
        end_group(process)
        log.close()


@contextlib.contextmanager
def chromium(tmp_path: Path) -> Iterator[str]:
    """Headless Chromium with a DevTools port; yields the websocket URL of its first page."""
    profile = tmp_path / "profile"
    profile.mkdir()
    assert CHROMIUM is not None
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-unsafe-swiftshader",
            "--window-size=1280,800",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "chromium.log").open("wb"),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = profile / "DevToolsActivePort"

        def devtools_port() -> int | None:
            if process.poll() is not None:
                raise AssertionError(
                    f"chromium exited with {process.returncode}: "
                    + (tmp_path / "chromium.log").read_text(errors="replace")[-2000:]
                )
            text = port_file.read_text() if port_file.exists() else ""
            return int(text.split()[0]) if text.strip() else None

        port = wait_for(devtools_port, time.monotonic() + BROWSER_START, "chromium's port")

        def page_socket() -> str | None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = json.load(r)
            pages = [t for t in targets if t.get("type") == "page"]
            return pages[0]["webSocketDebuggerUrl"] if pages else None

        yield wait_for(page_socket, time.monotonic() + BROWSER_START, "chromium's page")
    finally:
        end_group(process)


class DevTools:
    """The few DevTools protocol calls the test makes, each with a timeout."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.next_id = 0

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.connection.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"DevTools {method} did not answer in {timeout}s")
            message = json.loads(self.connection.recv(timeout=left))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"DevTools {method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        result = self.call(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")


# the dashboard's NPS card (the first card, at the left edge) showing a figure, e.g. "+23"
DASHBOARD = re.compile(r"^╭─ NPS ─.*\n│ ([-+−]?\d+(?:\.\d+)?)\b", re.MULTILINE)


def press(tools: DevTools, key: str) -> None:
    """Type one character into the page's terminal as a person would (focus, key down, up)."""
    tools.evaluate("window.__wbTerminals[0].focus()")
    code = f"Digit{key}" if key.isdigit() else f"Key{key.upper()}"
    for kind in ("keyDown", "keyUp"):
        tools.call(
            "Input.dispatchKeyEvent",
            type=kind,
            key=key,
            code=code,
            text=key if kind == "keyDown" else "",
            windowsVirtualKeyCode=ord(key.upper()),
        )


def test_the_browser_shows_the_demo_dashboard(tmp_path: Path) -> None:
    with (
        serving(tmp_path) as (url, _server),
        chromium(tmp_path) as page,
        websockets_sync.connect(page, max_size=None, open_timeout=10) as connection,
    ):
        tools = DevTools(connection)
        tools.call("Page.enable")
        tools.call("Runtime.enable")
        tools.call("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
        tools.call("Page.navigate", url=url)
        deadline = time.monotonic() + APP_SHOWN

        def screen() -> str:
            return tools.evaluate(
                "typeof window.__wbScreen === 'function' ? window.__wbScreen() : ''"
            )

        pressed = 0.0

        def dashboard() -> str | None:
            # the app opens on Accounts; "6" opens the Dashboard (again every 10 s, in case
            # the first key came before the app was listening)
            nonlocal pressed
            shown = screen()
            if DASHBOARD.search(shown):
                return shown
            if "Feedback workbench" in shown and time.monotonic() - pressed > 10:
                press(tools, "6")
                pressed = time.monotonic()
            return None

        try:
            shown = wait_for(dashboard, deadline, "the dashboard in the page", 1)
        except AssertionError:
            terminals = tools.evaluate("(window.__wbTerminals || []).length")
            body = tools.evaluate("document.body ? document.body.className : ''")
            raise AssertionError(
                f"no dashboard with an NPS figure after {APP_SHOWN}s (xterm terminals seen: "
                f"{terminals}, body class {body!r}); the page's terminal shows:\n{screen()}\n"
                "server log:\n" + (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
            ) from None
        (tmp_path / "screen.txt").write_text(shown)
        # textual-serve hides its intro dialog once the app's output arrives
        assert tools.evaluate("document.body.classList.contains('-first-byte')")
        shot = tools.call("Page.captureScreenshot", format="png")["data"]
        (tmp_path / "screenshot.png").write_bytes(base64.b64decode(shot))
        measured = tools.evaluate(f"{MEASURE}('data:image/png;base64,{shot}')")
    assert measured["width"] >= 800, measured
    # a blank page has one colour; the terminal's text, borders and charts differ from its
    # background over a good part of the page, in many colours
    assert measured["differ"] > measured["width"] * measured["height"] // 50, measured
    assert measured["colours"] >= 8, measured
