"""One exception hierarchy for every API, each message saying what went wrong and what to do.

The faces (CLI, TUI, notebooks) show `str(error)` to a person as it is, so a message names the
account and never carries a token, a password or a URL with credentials in it.
"""

from __future__ import annotations


class SourceError(Exception):
    """Anything that went wrong talking to a feedback platform."""

    def __init__(self, message: str, *, account: str | None = None, status: int | None = None):
        self.account = account
        self.status = status
        prefix = f"{account}: " if account else ""
        super().__init__(f"{prefix}{message}")


class AuthenticationFailed(SourceError):
    """401, or the OAuth endpoint refused the credentials."""


class OnboardingRequired(SourceError):
    """CXI answers 424 until the account has completed onboarding."""


class RateLimited(SourceError):
    """Still 429 after waiting for the rate-limit window as often as we were willing to."""


class NotFound(SourceError):
    """404: the id, email or path does not exist on the platform."""


class InvalidRequest(SourceError):
    """400/422 (or another 4xx): the server's own message is kept, because it names the field."""


class ServerError(SourceError):
    """5xx, dropped connections, timeouts or unreadable answers, after every retry."""


class TruncatedRead(SourceError):
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
    return InvalidRequest(message, account=account, status=status)
