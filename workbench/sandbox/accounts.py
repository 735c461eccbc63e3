"""The accounts the sandbox knows, with the credentials that open them.

These are fixed (not drawn from the seed) so that `workbench demo`, the tests and a person with
curl can log in without looking anything up. None of them is a real secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WootricAccount:
    """A Wootric account; CXI accounts are Wootric accounts too and share its OAuth endpoint."""

    account_token: str
    name: str
    product: str  # "nps" for the Wootric NPS API, "cxi" for the CXI API
    time_zone: str
    client_id: str
    client_secret: str
    onboarded: bool = True  # CXI only: every CXI call answers 424 until this is true


@dataclass(frozen=True)
class WootricUser:
    """A person who logs in with the password grant; may belong to several accounts."""

    email: str
    password: str
    account_tokens: tuple[str, ...]  # the first one is used when no account_token is given


@dataclass(frozen=True)
class ApptentiveApp:
    app_id: str
    name: str
    token: str


@dataclass(frozen=True)
class CrowdskoutOrganization:
    organization_id: int
    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = field(default=())  # empty: any loopback URI is accepted


WOOTRIC_ACCOUNTS: tuple[WootricAccount, ...] = tuple(
    WootricAccount(token, name, product, zone, f"{slug}-client", f"{slug}-client-secret", ready)
    for token, name, product, zone, slug, ready in (
        # account token, name, product, time zone, OAuth client (and secret) prefix, onboarded
        ("NPS-a1c3e5f7", "Acme Cloud", "nps", "America/Los_Angeles", "acme-nps", True),
        ("NPS-b2d4f6a8", "Globex Mobile", "nps", "Europe/London", "globex-nps", True),
        ("CXI-c3e5a7b9", "Acme CXI", "cxi", "America/New_York", "acme-cxi", True),
        ("CXI-d4f6b8c0", "Initech CXI", "cxi", "America/Chicago", "initech-cxi", False),
    )
)

WOOTRIC_USERS: tuple[WootricUser, ...] = (
    WootricUser(
        email="analyst@example.com",
        password="sandbox-password",
        account_tokens=tuple(a.account_token for a in WOOTRIC_ACCOUNTS),
    ),
)

APPTENTIVE_APPS: tuple[ApptentiveApp, ...] = (
    ApptentiveApp(app_id="4f5fdb6c1e05356356000001", name="Acme iOS", token="apptentive-acme-ios"),
    ApptentiveApp(
        app_id="4f5fdb6c1e05356356000002", name="Acme Android", token="apptentive-acme-android"
    ),
)

CROWDSKOUT_ORGANIZATIONS: tuple[CrowdskoutOrganization, ...] = (
    CrowdskoutOrganization(
        organization_id=101,
        name="Acme Field Team",
        client_id="crowdskout-acme-client",
        client_secret="crowdskout-acme-secret",
    ),
)


def wootric_account(account_token: str) -> WootricAccount | None:
    return next((a for a in WOOTRIC_ACCOUNTS if a.account_token == account_token), None)
