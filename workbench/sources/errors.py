"""One exception hierarchy for every API, each message saying what went wrong and what to do.

The faces (CLI, TUI, notebooks) show `str(error)` to a person as it is, so a message names the
account and never carries a token, a password or a URL with credentials in it.

Each error class has a `kind` (`ErrorKind`), so the kind is decided once, where the error is
raised (by its class): the faces choose their words and actions from the kind, never by reading
the message.
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
    """Anything that went wrong talking to a feedback platform; `kind` is the class's."""

    kind: ErrorKind = ErrorKind.SERVER

    def __init_subclass__(cls, *, kind: ErrorKind | None = None, **options: object) -> None:
        super().__init_subclass__(**options)
        if kind is not None:
            cls.kind = kind

    def __init__(self, message: str, *, account: str | None = None, status: int | None = None):
        self.account = account
        self.status = status
        prefix = f"{account}: " if account else ""
        super().__init__(f"{prefix}{message}")


class AuthenticationFailed(SourceError, kind=ErrorKind.AUTH):
    """401, or the OAuth endpoint refused the credentials."""


class OnboardingRequired(SourceError, kind=ErrorKind.ONBOARDING_NEEDED):
    """CXI answers 424 until the account has completed onboarding."""


class RateLimited(SourceError, kind=ErrorKind.RATE_LIMITED):
    """Still 429 after waiting for the rate-limit window as often as we were willing to."""


class NotFound(SourceError, kind=ErrorKind.NOT_FOUND):
    """404: the id, email or path does not exist on the platform."""


class InvalidRequest(SourceError, kind=ErrorKind.INVALID_REQUEST):
    """400/422 (or another 4xx): the server's own message is kept, because it names the field."""


class ServerError(SourceError, kind=ErrorKind.SERVER):
    """5xx, dropped connections, timeouts or unreadable answers, after every retry (no answer
    and an unreadable one as the two subclasses below, each its own kind)."""


class NetworkError(ServerError, kind=ErrorKind.NETWORK):
    """No answer after every retry: connections refused or dropped, timeouts."""


class UnreadableAnswer(ServerError, kind=ErrorKind.BAD_DATA):
    """An answer cut short, not JSON, or not the shape the docs promise."""


class Forbidden(InvalidRequest, kind=ErrorKind.FORBIDDEN):
    """403: the credentials are valid but lack the permission."""


class FeatureLocked(InvalidRequest, kind=ErrorKind.LOCKED):
    """423: the feature is not enabled for the account."""


class TruncatedRead(SourceError, kind=ErrorKind.INCOMPLETE):
    """The API cannot hand over every row (e.g. one second holds more than two queries reach)."""


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
    refused = {403: Forbidden, 423: FeatureLocked}.get(status, InvalidRequest)
    return refused(message, account=account, status=status)
