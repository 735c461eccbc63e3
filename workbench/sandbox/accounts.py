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


WOOTRIC_ACCOUNTS: tuple[WootricAccount, ...] = (
    WootricAccount(
        account_token="NPS-a1c3e5f7",
        name="Acme Cloud",
        product="nps",
        time_zone="America/Los_Angeles",
        client_id="acme-nps-client",
        client_secret="acme-nps-client-secret",
    ),
    WootricAccount(
        account_token="NPS-b2d4f6a8",
        name="Globex Mobile",
        product="nps",
        time_zone="Europe/London",
        client_id="globex-nps-client",
        client_secret="globex-nps-client-secret",
    ),
    WootricAccount(
        account_token="CXI-c3e5a7b9",
        name="Acme CXI",
        product="cxi",
        time_zone="America/New_York",
        client_id="acme-cxi-client",
        client_secret="acme-cxi-client-secret",
    ),
    WootricAccount(
        account_token="CXI-d4f6b8c0",
        name="Initech CXI",
        product="cxi",
        time_zone="America/Chicago",
        client_id="initech-cxi-client",
        client_secret="initech-cxi-client-secret",
        onboarded=False,
    ),
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
