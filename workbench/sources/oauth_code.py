"""Crowdskout's OAuth 2.0 authorization-code flow, for a person at a terminal (`workbench auth`).

Crowdskout issues tokens only through a browser login: the person opens the authorize URL, logs
in, and Crowdskout redirects the browser to our `redirect_uri` with a `code`, which we exchange
(with the client secret) for an access token. A terminal program receives that redirect on a
loopback listener (RFC 8252, section 7.3): `127.0.0.1` on a free port (or the port registered with
Crowdskout), for as long as the flow lasts.

The `state` is 32 random bytes; a redirect that does not carry it back is refused before anything
is exchanged, since it did not come from the login we started (CSRF, RFC 6749 section 10.12).
The client secret and the code travel only in the POST body, the token is a SecretStr, and none
of them is logged, put in an exception or shown on the page the browser gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from pydantic import SecretStr, ValidationError

from workbench.sources.errors import (
    AuthenticationFailed,
    InvalidRequest,
    ServerError,
    SourceError,
)
from workbench.sources.models.crowdskout import Token

log = logging.getLogger("workbench.sources")

CALLBACK_PATH = "/callback"
LOOPBACK = "127.0.0.1"
READ_TIMEOUT = 10.0
"""Seconds a browser connection may take to send its request line and headers."""
PAGE_TIMEOUT = 60.0
"""Seconds the browser waits for the result page while the code is exchanged."""
RERUN = "run `workbench auth ACCOUNT` again"


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    """The login URL the person opens; it carries no secret (the client id is public)."""
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}/oauth/authorize?{query}"


@dataclass
class _Redirect:
    """One request the browser made to the callback path, and the page it is waiting for."""

    params: dict[str, str]
    page: asyncio.Future[str]


class _LoopbackListener:
    """A tiny HTTP/1.1 server on loopback that hands the callback's parameters to the flow.

    Written on asyncio streams rather than a web framework: it answers one kind of request, once,
    and must not pull a server stack into the sources layer.
    """

    def __init__(self, callback_path: str) -> None:
        self.callback_path = callback_path
        self.arrivals: asyncio.Queue[_Redirect] = asyncio.Queue()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._taken = False

    async def start(self, port: int) -> int:
        self._server = await asyncio.start_server(self._handle, LOOPBACK, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening, after every browser that connected got its page."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=PAGE_TIMEOUT)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            status, page = await self._answer(reader)
            await _write_page(writer, status, page)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            pass  # a browser that went away or sent nonsense: nothing to tell it
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            if task is not None:
                self._handlers.discard(task)

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, str]:
        request_line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT)
        while True:  # headers: nothing in them matters here
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT)
            if line in (b"\r\n", b"\n", b""):
                break
        method, _, rest = request_line.decode("latin-1").partition(" ")
        target = rest.rsplit(" ", 1)[0]
        parts = urlsplit(target)
        if method != "GET" or parts.path != self.callback_path:
            return 404, _page("Not found", "This address only receives the Crowdskout login.")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if not {"code", "state", "error"} & params.keys():
            return 400, _page("Nothing to do", "This request carries no authorization answer.")
        if self._taken:
            return 409, _page("Already done", "The login was already handled; close this tab.")
        self._taken = True
        page: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        await self.arrivals.put(_Redirect(params, page))
        try:
            return 200, await asyncio.wait_for(asyncio.shield(page), PAGE_TIMEOUT)
        except TimeoutError:
            return 200, _page("Still working", "Return to the terminal to see the result.")


async def run_authorization_code_flow(
    base_url: str,
    client_id: str,
    client_secret: SecretStr | str,
    *,
    redirect_port: int = 0,
    open_browser: Callable[[str], object] | None = None,
    timeout: float = 300.0,  # noqa: ASYNC109 - bounds the wait for the person, not the exchange
    callback_path: str = CALLBACK_PATH,
    account: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> Token:
    """Logs in through the browser and returns Crowdskout's token.

    `base_url` is Crowdskout's (`https://api.crowdskout.com`); `redirect_port` 0 picks a free port,
    otherwise use the port of the `redirect_uri` registered with Crowdskout
    (`http://127.0.0.1:PORT/callback`). `open_browser(url)` is called in a worker thread, so it may
    block; without it the system browser is opened (and the URL logged if there is none), so a
    caller that wants to print the URL passes a function that prints it. `http` is the client used
    for the exchange (tests pass one to watch it). Raises `AuthenticationFailed` when the browser
    does not come back within `timeout` seconds, when Crowdskout refuses the login or the code,
    or when the redirect's `state` is not ours, in which case nothing is exchanged.
    """
    secret = client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
    state = secrets.token_urlsafe(32)
    listener = _LoopbackListener(callback_path)
    port = await listener.start(redirect_port)
    redirect_uri = f"http://{LOOPBACK}:{port}{callback_path}"
    url = authorize_url(base_url, client_id, redirect_uri, state)
    browser = asyncio.create_task(asyncio.to_thread(open_browser or _system_browser, url))
    redirect: _Redirect | None = None
    try:
        redirect = await _wait_for_redirect(listener, browser, timeout, account)
        try:
            code = _check_redirect(redirect.params, state, account)
            token = await _exchange(
                base_url, client_id, secret, code, redirect_uri, account=account, http=http
            )
        except SourceError as refused:
            redirect.page.set_result(_page("Not signed in", f"{refused} Close this tab."))
            raise
        redirect.page.set_result(
            _page("Signed in to Crowdskout", "You can close this tab and return to the terminal.")
        )
        return token
    finally:
        if redirect is not None and not redirect.page.done():
            redirect.page.set_result(_page("Not signed in", "Return to the terminal."))
        await listener.close()
        await asyncio.wait({browser}, timeout=READ_TIMEOUT)
        if browser.done() and not browser.cancelled():
            browser.exception()  # retrieved, so that asyncio does not warn about it


async def _wait_for_redirect(
    listener: _LoopbackListener,
    browser: asyncio.Task[object],
    seconds: float,
    account: str | None,
) -> _Redirect:
    arrival = asyncio.create_task(listener.arrivals.get())
    pending: set[asyncio.Task[Any]] = {arrival, browser}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while arrival in pending:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AuthenticationFailed(
                    f"the browser did not come back from the Crowdskout login within "
                    f"{seconds:g} s; {RERUN}",
                    account=account,
                )
            done, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            if browser in done and browser.exception() is not None:
                raise AuthenticationFailed(
                    f"could not open the browser ({type(browser.exception()).__name__}); {RERUN}",
                    account=account,
                )
        return arrival.result()
    finally:
        if not arrival.done():
            arrival.cancel()


def _check_redirect(params: dict[str, str], state: str, account: str | None) -> str:
    """The code of a redirect that answers our login; raises for anything else."""
    if not secrets.compare_digest(params.get("state", "").encode(), state.encode()):
        raise AuthenticationFailed(
            "the login answer did not carry the state this login sent, so it may not come from "
            f"Crowdskout (possible cross-site request forgery), so nothing was exchanged; {RERUN}",
            account=account,
        )
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise AuthenticationFailed(
            f"Crowdskout did not authorize the workbench ({reason}); {RERUN}", account=account
        )
    code = params.get("code", "")
    if not code:
        raise AuthenticationFailed(f"the login answer carried no code; {RERUN}", account=account)
    return code


async def _exchange(
    base_url: str,
    client_id: str,
    client_secret: SecretStr,
    code: str,
    redirect_uri: str,
    *,
    account: str | None,
    http: httpx.AsyncClient | None,
) -> Token:
    """`POST /oauth/access_token` with a form body, as documented. Not retried: a code works once,
    so a second try after a lost answer could only fail."""
    form = {
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
        "code": code,
        "redirect_uri": redirect_uri,
        "grant_type": "authorization_code",
    }
    token_url = f"{base_url.rstrip('/')}/oauth/access_token"
    own = http is None
    client = http or httpx.AsyncClient(timeout=30.0)
    try:
        response = await client.post(token_url, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise ServerError(
            f"could not reach Crowdskout's token endpoint ({type(exc).__name__}); check the "
            f"network and {RERUN}",
            account=account,
        ) from None
    finally:
        if own:
            await client.aclose()
    body = _json(response)
    if response.status_code in (400, 401, 403):
        raise AuthenticationFailed(
            f"Crowdskout refused the authorization code ({_reason(body, response)}); check the "
            f"client id and secret, and {RERUN}",
            account=account,
            status=response.status_code,
        )
    if response.status_code >= 500:
        raise ServerError(
            f"Crowdskout's token endpoint answered {response.status_code}; {RERUN} later",
            account=account,
            status=response.status_code,
        )
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and "success" in body:
        if body.get("success") is not True:
            raise AuthenticationFailed(
                f"Crowdskout refused the authorization code ({_reason(body, response)}); {RERUN}",
                account=account,
                status=response.status_code,
            )
        body = body["data"]  # the API's envelope, should the token endpoint use it too
    try:
        return Token.model_validate(body)
    except ValidationError:
        raise InvalidRequest(
            f"Crowdskout's token endpoint answered {response.status_code} without a token; {RERUN}",
            account=account,
            status=response.status_code,
        ) from None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _reason(body: Any, response: httpx.Response) -> str:
    if isinstance(body, dict):
        for key in ("error_description", "error", "message"):
            if body.get(key):
                return str(body[key])
        messages = body.get("messages")
        if isinstance(messages, list) and messages:
            return "; ".join(str(m) for m in messages)
    return f"status {response.status_code}"


def _system_browser(url: str) -> bool:
    opened = webbrowser.open(url)
    if not opened:
        log.warning("No browser could be opened; open this address to log in: %s", url)
    return opened


def _page(title: str, message: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:sans-serif;margin:3em'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
        "<p>feedback workbench</p></body></html>"
    )


async def _write_page(writer: asyncio.StreamWriter, status: int, page: str) -> None:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "OK")
    body = page.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    await writer.drain()


__all__ = ["CALLBACK_PATH", "authorize_url", "run_authorization_code_flow"]
