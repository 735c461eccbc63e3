"""One exception hierarchy for every API, each message saying what went wrong and what to do.

The faces (CLI, TUI, notebooks) show `str(error)` to a person as it is, so a message names the
account and never carries a token, a password or a URL with credentials in it.

Each error also has a `kind` (`ErrorKind`), decided here from the exception's class and status
(or, where one class covers several causes, by the code that raised it): the faces choose their
words and actions from the kind, never by reading the message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What kind of trouble stopped something, for a face to choose its words and actions.

    The first group is decided by the sources (this module); the last four by the sync, for the
    troubles of its own (`workbench.data.sync`)."""

    AUTH = "auth"
    """The credentials were refused (401, the token endpoint, a Crowdskout token not given)."""
    FORBIDDEN = "forbidden"
    """403: valid credentials without the permission."""
    ONBOARDING_NEEDED = "onboarding_needed"
    """CXI's 424: the account has not completed onboarding."""
    LOCKED = "locked"
    """423: the feature is not enabled for the account."""
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    """5xx after every retry."""
    NETWORK = "network"
    """No answer: connections refused or dropped, timeouts, after every retry."""
    BAD_DATA = "bad_data"
    """An answer that cannot be read (cut short, not JSON, not the documented shape)."""
    INVALID_REQUEST = "invalid_request"
    """Another 4xx, or the API refused the request in its answer."""
    INCOMPLETE = "incomplete"
    """The API cannot hand over every row."""
    SETTINGS = "settings"
    """The account's configuration cannot be used (a missing secret, a bad ids file)."""
    STORE = "store"
    """The local store cannot be read or written (a full disk, damaged files)."""
    BUSY = "busy"
    """Another sync holds the account's lock, for longer than the sync waits."""
    STALLED = "stalled"
    """The sync's watchdog stopped a table that made no progress."""


class SourceError(Exception):
    """Anything that went wrong talking to a feedback platform.

    `kind` defaults to the class's own; a raiser that knows better (a ServerError that is a
    network failure or an unreadable answer) passes it."""

    kind: ErrorKind = ErrorKind.SERVER

    def __init__(
        self,
        message: str,
        *,
        account: str | None = None,
        status: int | None = None,
        kind: ErrorKind | None = None,
    ):
        self.account = account
        self.status = status
        if kind is not None:
            self.kind = kind
        prefix = f"{account}: " if account else ""
        super().__init__(f"{prefix}{message}")


class AuthenticationFailed(SourceError):
    """401, or the OAuth endpoint refused the credentials."""

    kind = ErrorKind.AUTH


class OnboardingRequired(SourceError):
    """CXI answers 424 until the account has completed onboarding."""

    kind = ErrorKind.ONBOARDING_NEEDED


class RateLimited(SourceError):
    """Still 429 after waiting for the rate-limit window as often as we were willing to."""

    kind = ErrorKind.RATE_LIMITED


class NotFound(SourceError):
    """404: the id, email or path does not exist on the platform."""

    kind = ErrorKind.NOT_FOUND


class InvalidRequest(SourceError):
    """400/422 (or another 4xx): the server's own message is kept, because it names the field."""

    kind = ErrorKind.INVALID_REQUEST


class ServerError(SourceError):
    """5xx, dropped connections, timeouts or unreadable answers, after every retry (the kind
    says which: server, network or bad_data)."""

    kind = ErrorKind.SERVER


class TruncatedRead(SourceError):
    """The API cannot hand over every row (e.g. one second holds more than two queries reach)."""

    kind = ErrorKind.INCOMPLETE


STATUS_KINDS = {403: ErrorKind.FORBIDDEN, 423: ErrorKind.LOCKED}
"""Statuses that answer as `InvalidRequest` but are a kind of their own."""


def _what_to_do(status: int) -> str:
    return {
        401: "check the account's credentials (`workbench accounts list`); if they changed, "
        "add the account again with `workbench accounts add NAME --replace`",
        403: "the credentials are valid but lack permission for this; ask the platform's admin",
        404: "check the id or path; it may have been deleted on the platform",
        423: "this feature is not enabled for the account; ask the platform's support to enable it",
        424: "complete the CXI onboarding flow: `workbench onboard ACCOUNT` lists the product "
        "categories and `workbench onboard ACCOUNT --category ID` completes it; then sync again",
    }.get(status, "")


def error_for_status(
    status: int, server_message: str, *, account: str | None, method: str, path: str
) -> SourceError:
    """The exception for an HTTP error answer; `path` must carry no query string."""
    what = f"{method} {path} answered {status}"
    if server_message:
        what += f": {server_message.strip().rstrip('.')}"
    hint = _what_to_do(status)
    message = f"{what}. {hint[0].upper() + hint[1:]}." if hint else what
    if status == 401:
        return AuthenticationFailed(message, account=account, status=status)
    if status == 424:
        return OnboardingRequired(message, account=account, status=status)
    if status == 404:
        return NotFound(message, account=account, status=status)
    if status == 429:
        return RateLimited(
            f"{what}. The rate limit kept answering 429; wait a minute and sync again.",
            account=account,
            status=status,
        )
    if status >= 500:
        return ServerError(
            f"{what}. The platform failed repeatedly; try again later.",
            account=account,
            status=status,
        )
    return InvalidRequest(message, account=account, status=status, kind=STATUS_KINDS.get(status))
