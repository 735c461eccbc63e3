"""The Crowdskout client against the served sandbox: the envelope, profiles by id (concurrent,
each once), writes that report the items Crowdskout drops silently, field options, attributes, and
the browser authorization-code flow end to end."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from tests.clients import FAST_RETRY
from workbench.sandbox import FaultSpec, ServedSandbox
from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS
from workbench.sandbox.serve import free_port
from workbench.sources.auth import StaticToken
from workbench.sources.crowdskout import CrowdskoutClient, unwrap
from workbench.sources.crowdskout_drops import DroppedItem
from workbench.sources.errors import (
    AuthenticationFailed,
    InvalidRequest,
    NotFound,
    TruncatedRead,
)
from workbench.sources.http import ApiClient
from workbench.sources.oauth_code import authorize_url, run_authorization_code_flow

ORG = CROWDSKOUT_ORGANIZATIONS[0]
READ = ["Names", "EmailAddresses", "PhoneNumbers"]


def issue_token(served: ServedSandbox) -> str:
    """A token as the authorization-code flow would give (the flow itself is tested below)."""
    issued = served.sandbox.world.tokens.issue(
        str(ORG.organization_id), "authorization_code", with_refresh=False, prefix="crowdskout"
    )
    return issued.token


def crowdskout_client(
    served: ServedSandbox, token: str | None = None, **kwargs: Any
) -> CrowdskoutClient:
    auth = StaticToken(
        SecretStr(token or issue_token(served)),
        "Bearer",
        account="field-team",
        hint="run `workbench auth field-team`",
    )
    http = ApiClient(
        account="field-team", base_url=served.url("crowdskout"), auth=auth, retry=FAST_RETRY
    )
    return CrowdskoutClient(http, **kwargs)


@pytest.fixture
async def make_crowdskout(
    served: ServedSandbox,
) -> AsyncIterator[Callable[..., CrowdskoutClient]]:
    made: list[CrowdskoutClient] = []

    def make(**kwargs: Any) -> CrowdskoutClient:
        client = crowdskout_client(served, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def truth(served: ServedSandbox, table: str = "profiles") -> list[dict[str, Any]]:
    return served.sandbox.ground_truth()["crowdskout"][str(ORG.organization_id)][table]


def stored_profile(served: ServedSandbox, profile_id: str | int) -> dict[str, Any]:
    return next(p for p in truth(served) if str(p["id"]) == str(profile_id))


def profile_ids(served: ServedSandbox) -> list[int]:
    return served.sandbox.crowdskout.ids(ORG.organization_id, "profiles")


# --- reading profiles ------------------------------------------------------------------------


async def test_get_profiles_reads_each_id_once_concurrently(served, make_crowdskout) -> None:
    client = make_crowdskout(batch_size=25)
    ids = profile_ids(served)
    assert len(ids) >= 100
    asked = [*ids, *ids[:10]]  # duplicates are read once
    before = served.sandbox.world.counters["requests"]
    profiles = await client.get_profiles(asked, READ, concurrency=6)
    assert served.sandbox.world.counters["requests"] - before == len(ids)
    assert list(profiles) == [str(i) for i in ids]
    expected = {str(p["id"]): p for p in truth(served)}
    for profile_id, profile in profiles.items():
        assert set(profile.collections) == set(READ)
        for name in READ:
            assert [item.to_api() for item in profile.collection(name)] == expected[profile_id][
                name
            ]
    assert served.sandbox.world.counters["token_in_url"] == 0


async def test_missing_profiles_raise_or_are_skipped(served, make_crowdskout) -> None:
    client = make_crowdskout()
    with pytest.raises(NotFound, match="was not found"):
        await client.get_profiles([1, 999_999], ["Names"])
    found = await client.get_profiles([1, 999_999, 2], ["Names"], missing="skip")
    assert list(found) == ["1", "2"]


async def test_collections_are_required_and_checked(served, make_crowdskout) -> None:
    client = make_crowdskout()
    with pytest.raises(ValueError, match="at least one collection"):
        await client.get_profile(1, [])
    with pytest.raises(InvalidRequest, match="Unknown collection"):
        await client.get_profile(1, ["Nmes"])
    profile = await client.get_profile(1, "Names, Ages")
    assert set(profile.collections) == {"Names", "Ages"}


# --- writing profiles --------------------------------------------------------------------------


async def address(client: CrowdskoutClient) -> dict[str, Any]:
    """A valid address built from the field options: region by id, city by value."""
    region = (await client.field_options("AddressRegion")).options[0]
    cities = await client.field_options(
        "AddressCity", depends_on="AddressRegion", depends_on_id=region.id
    )
    return {
        "AddressLine1": "12 Main St",
        "AddressRegion": {"id": int(region.id or 0)},
        "AddressCity": cities.options[0].value,
        "AddressPostalCode": "60614",
    }


async def test_create_without_drops_reports_nothing(served, make_crowdskout, caplog) -> None:
    client = make_crowdskout()
    caplog.set_level(logging.WARNING, logger="workbench.sources")
    written = await client.create_profile(
        {
            "id": 12345,  # ignored by the API
            "Names": [{"FirstName": "  Ada ", "LastName": "Lovelace"}],
            "Genders": [{"Gender": {"value": "female"}}],
            "EmailAddresses": [{"EmailAddress": "ada@example.com", "EmailType": "Work"}],
            "PhysicalAddresses": [await address(client)],
            "Notes": [{"Note": "Asked about pricing", "NoteWhen": "2026-03-01T09:00:00+01:00"}],
            "Ages": [{"Age": "36"}],
        }
    )
    assert written.dropped == ()
    assert written.complete
    assert written.profile is not None
    assert written.profile.id != "12345"
    assert caplog.records == []
    stored = stored_profile(served, written.profile.id)
    assert stored["Names"][0]["FirstName"] == "Ada"
    assert len(stored["EmailAddresses"]) == 1


async def test_create_reports_silently_dropped_items(served, make_crowdskout, caplog) -> None:
    client = make_crowdskout()
    caplog.set_level(logging.WARNING, logger="workbench.sources")
    written = await client.create_profile(
        {
            "Names": [{"FirstName": "Grace", "LastName": "Hopper"}],
            "EmailAddresses": [
                {"EmailAddress": "grace@example.com"},
                {"EmailAddress": "grace-at-example.com"},  # no @: dropped by Crowdskout
            ],
            "Ages": [{"Age": 200}],  # out of range: dropped
            "PhoneNumbers": [{"PhoneNumber": "(312) 555-0100", "PhoneType": "Mobile"}],
        }
    )
    assert written.profile is not None
    assert [(d.collection, d.position, d.reason) for d in written.dropped] == [
        ("EmailAddresses", 1, "not stored"),
        ("Ages", 0, "not stored"),
    ]
    assert not written.complete
    # The server really did not store them, and did store the rest.
    stored = stored_profile(served, written.profile.id)
    assert [e["EmailAddress"] for e in stored["EmailAddresses"]] == ["grace@example.com"]
    assert stored["Ages"] == []
    assert len(stored["PhoneNumbers"]) == 1
    # The warning names the items, never their values (personal data).
    assert "EmailAddresses[1] not stored" in caplog.text
    assert "Ages[0] not stored" in caplog.text
    assert "grace-at-example.com" not in caplog.text
    assert "grace-at-example.com" not in repr(written.dropped)


async def test_update_adds_changes_and_deletes_items(served, make_crowdskout) -> None:
    client = make_crowdskout()
    created = await client.create_profile(
        {
            "Names": [{"FirstName": "Alan", "LastName": "Turing"}],
            "EmailAddresses": [
                {"EmailAddress": "alan@example.com"},
                {"EmailAddress": "old@example.com"},
            ],
        }
    )
    assert created.profile is not None
    profile = created.profile
    name = profile.collection("Names")[0]
    emails = profile.collection("EmailAddresses")
    written = await client.update_profile(
        profile.id or "",
        {
            "Names": [{"id": name.id, "FirstName": "Alan M."}],
            "EmailAddresses": [
                {"id": emails[1].id, "delete": True, "EmailAddress": "ignored"},
                {"id": 0, "EmailAddress": "new@example.com"},
                {"EmailAddress": "broken"},  # dropped
            ],
            "PhoneNumbers": [{"PhoneNumber": "12"}],  # dropped
        },
    )
    assert [(d.collection, d.position, d.reason) for d in written.dropped] == [
        ("EmailAddresses", 2, "not stored"),
        ("PhoneNumbers", 0, "not stored"),
    ]
    stored = stored_profile(served, profile.id or "")
    assert stored["Names"][0]["FirstName"] == "Alan M."
    assert sorted(e["EmailAddress"] for e in stored["EmailAddresses"]) == [
        "alan@example.com",
        "new@example.com",
    ]
    # An invalid change to an existing item leaves it as it was: reported as not updated.
    email = next(
        i
        for i in written.profile.collection("EmailAddresses")  # type: ignore[union-attr]
        if i.fields["EmailAddress"] == "alan@example.com"
    )
    again = await client.update_profile(
        profile.id or "", {"EmailAddresses": [{"id": email.id, "EmailAddress": "no-at-sign"}]}
    )
    assert [(d.collection, d.reason) for d in again.dropped] == [("EmailAddresses", "not updated")]


async def test_round_trip_of_a_read_profile_reports_nothing(served, make_crowdskout) -> None:
    """A profile read and written back unchanged is stored as it was: no false alarms."""
    client = make_crowdskout()
    profile = await client.get_profile(3, ["Names", "EmailAddresses", "PhysicalAddresses"])
    written = await client.update_profile(3, profile)
    assert written.dropped == ()
    assert written.profile == profile


async def test_bulk_create_and_update(served, make_crowdskout, caplog) -> None:
    client = make_crowdskout(batch_size=2)  # three profiles: two requests
    caplog.set_level(logging.WARNING, logger="workbench.sources")
    created = await client.create_profiles(
        [
            {"Names": [{"FirstName": "Katherine", "LastName": "Johnson"}]},
            {"Names": [{"FirstName": "Dorothy"}], "Ages": [{"Age": -4}]},
            {"EmailAddresses": [{"EmailAddress": "mary@example.com"}]},
        ]
    )
    assert [len(w.dropped) for w in created] == [0, 1, 0]
    assert created[1].dropped[0] == DroppedItem("Ages", 0, "not stored", {"Age": -4})
    ids = [w.profile.id for w in created if w.profile]
    assert len(set(ids)) == 3
    assert all(i in {str(p) for p in profile_ids(served)} for i in ids)

    updated = await client.update_profiles(
        [
            {"id": ids[0], "Ages": [{"Age": 41}]},
            {"id": 999_999, "Ages": [{"Age": 30}]},  # unknown: skipped by the API
            {"id": ids[2], "PhoneNumbers": [{"PhoneNumber": "555"}]},
        ]
    )
    assert updated[0].complete
    assert updated[1].profile is None
    assert [d.reason for d in updated[1].dropped] == ["not stored"]
    assert [(d.collection, d.reason) for d in updated[2].dropped] == [
        ("PhoneNumbers", "not stored")
    ]
    assert stored_profile(served, ids[0])["Ages"][0]["Age"] == 41
    assert "999999 was not found" in caplog.text  # the server's message is not lost
    with pytest.raises(ValueError, match="has no id"):
        await client.update_profiles([{"Ages": [{"Age": 3}]}])


# --- fields and attributes ---------------------------------------------------------------------


async def test_field_options_with_the_dependency_filter(served, make_crowdskout) -> None:
    client = make_crowdskout()
    every = await client.field_options("AddressCity")
    assert every.collection == "PhysicalAddresses"
    regions = (await client.field_options("AddressRegion")).options
    by_region = [
        await client.field_options("AddressCity", depends_on="AddressRegion", depends_on_id=r.id)
        for r in regions
    ]
    assert all(0 < len(cities.options) < len(every.options) for cities in by_region)
    assert sorted(c.id or "" for cities in by_region for c in cities.options) == sorted(
        c.id or "" for c in every.options
    )
    with pytest.raises(ValueError, match="go together"):
        await client.field_options("AddressCity", depends_on="AddressRegion")
    with pytest.raises(NotFound):
        await client.field_options("NoSuchField")


async def test_iter_attributes_reads_every_attribute_once(served, make_crowdskout) -> None:
    client = make_crowdskout()
    expected = [str(a["id"]) for a in truth(served, "attributes")]
    assert len(expected) > 7
    before = served.sandbox.world.counters["requests"]
    ids = [a.id async for a in client.iter_attributes(page_size=7)]
    assert ids == expected
    assert served.sandbox.world.counters["requests"] - before == -(-len(expected) // 7)
    page = await client.list_attributes(limit=5, offset=5)
    assert page.total == len(expected)
    assert [a.id for a in page.attributes] == expected[5:10]
    assert [a.id for a in (await client.list_attributes()).attributes] == expected


async def test_a_server_ignoring_offset_is_reported_not_truncated_silently() -> None:
    """Were Crowdskout to ignore `offset`, every page would repeat the first: the walk stops with
    TruncatedRead instead of returning the first page as if it were everything. (The sandbox
    honours offset, so a stand-in transport plays the broken server.)"""
    first_page = [{"id": i, "name": f"Attribute {i}", "type": "Text"} for i in range(1, 4)]

    def broken(request: httpx.Request) -> httpx.Response:
        data = {"total": 9, "list": first_page}
        return httpx.Response(200, json={"success": True, "messages": [], "data": data})

    http = ApiClient(
        account="field-team",
        base_url="https://api.crowdskout.com",
        auth=None,
        transport=httpx.MockTransport(broken),
    )
    client = CrowdskoutClient(http)
    read: list[str] = []

    async def walk() -> None:
        async for attribute in client.iter_attributes(page_size=3):
            read.append(attribute.id)

    with pytest.raises(TruncatedRead, match="only 3 of 9"):
        await walk()
    await client.aclose()
    assert read == ["1", "2", "3"]


async def test_attribute_crud(served, make_crowdskout) -> None:
    client = make_crowdskout()
    created = await client.create_attribute("Test Attribute", "Radio", ["Option 1", "Option 2"])
    assert created.type == "Radio"
    assert [o.value for o in created.options] == ["Option 1", "Option 2"]
    assert await client.get_attribute(created.id) == created
    first, second = created.options
    updated = await client.update_attribute(
        created.id,
        name="Test Attribute 2",
        options=[
            {"id": first.id, "value": "Option 3"},
            {"id": second.id, "delete": True, "value": "Option 2"},
            {"id": 0, "value": "Option 4"},
        ],
    )
    assert updated.name == "Test Attribute 2"
    assert [o.value for o in updated.options] == ["Option 3", "Option 4"]
    assert str(created.id) in {str(a["id"]) for a in truth(served, "attributes")}
    text = await client.create_attribute("Favorite Island", "Text")
    assert text.options == []
    await client.delete_attribute(created.id)
    with pytest.raises(NotFound):
        await client.get_attribute(created.id)
    with pytest.raises(ValueError, match="needs options"):
        await client.create_attribute("No Options", "Checkbox")
    with pytest.raises(ValueError, match="needs its id"):
        await client.update_attribute(text.id, options=[{"delete": True}])


async def test_refusals_carry_the_servers_messages(served, make_crowdskout) -> None:
    client = make_crowdskout()
    existing = truth(served, "attributes")
    with pytest.raises(InvalidRequest, match="has already been taken"):
        await client.create_attribute(existing[0]["name"], "Text")
    locked = next(a for a in existing if a["locked"])
    with pytest.raises(InvalidRequest, match="is locked") as caught:
        await client.update_attribute(locked["id"], name="Renamed")
    assert caught.value.status == 403


def test_success_false_in_a_2xx_answer_raises_with_the_messages() -> None:
    """The sandbox sends `success: false` with an error status only; a 200 carrying it must
    raise as well (the docs do not promise the status)."""
    request = httpx.Request("GET", "https://api.crowdskout.com/v1/attribute/1")
    body = {"success": False, "messages": ["Attribute is archived.", "Ask an admin."], "data": None}
    response = httpx.Response(200, json=body, request=request)
    with pytest.raises(InvalidRequest, match=r"Attribute is archived\.; Ask an admin\."):
        unwrap(body, response, account="x", method="GET", path="v1/attribute/1")
    with pytest.raises(Exception, match="envelope"):
        unwrap({"id": 1}, response, account="x", method="GET", path="v1/attribute/1")
    assert unwrap({"success": True, "messages": [], "data": {"id": 1}}, response, account="x",
                  method="GET", path="v1/attribute/1") == {"id": 1}  # fmt: skip


async def test_bad_token_says_what_to_do(served, make_crowdskout) -> None:
    client = make_crowdskout(token="crowdskout-forged-hunter2")
    with pytest.raises(AuthenticationFailed) as caught:
        await client.get_profile(1, ["Names"])
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(client.http._auth)
    assert served.sandbox.world.counters["token_in_url"] == 0


@pytest.mark.parametrize("faults", ["500=0.2,seed=1", "drop=0.15,seed=2", "truncate=0.2,seed=3"])
async def test_reads_are_exact_under_faults(served, make_crowdskout, faults) -> None:
    served.sandbox.world.config.faults = FaultSpec.parse(faults)
    client = make_crowdskout()
    ids = profile_ids(served)
    profiles = await client.get_profiles(ids, ["Names"])
    attributes = [a.id async for a in client.iter_attributes(page_size=5)]
    served.sandbox.world.config.faults = FaultSpec()
    assert list(profiles) == [str(i) for i in ids]
    assert attributes == [str(a["id"]) for a in truth(served, "attributes")]
    fault_counts = {k: v for k, v in served.sandbox.world.counters.items() if k.startswith("fault")}
    assert fault_counts, "the faults were not injected, so this test proved nothing"


# --- the authorization-code flow ---------------------------------------------------------------


class Browser:
    """A stand-in for the person's browser: follows the login and its redirect in a thread.

    `rewrite` lets a test play an attacker or a tampered redirect. `pages()` waits for the
    browser to finish, then gives what it was shown.
    """

    def __init__(self, rewrite: Callable[[str], str] = lambda url: url) -> None:
        self.rewrite = rewrite
        self._shown: list[httpx.Response] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> None:
        def visit() -> None:
            self._shown.append(httpx.get(self.rewrite(url), follow_redirects=True, timeout=30))

        thread = threading.Thread(target=visit, daemon=True)
        self._threads.append(thread)
        thread.start()

    def pages(self) -> list[httpx.Response]:
        for thread in self._threads:
            thread.join(timeout=30)
        return self._shown


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return parts._replace(query=urlencode(query)).geturl()


def watched_http(sent: list[httpx.Request]) -> httpx.AsyncClient:
    async def record(request: httpx.Request) -> None:
        sent.append(request)

    return httpx.AsyncClient(timeout=30, event_hooks={"request": [record]})


def test_authorize_url_is_the_documented_one() -> None:
    url = authorize_url(
        "https://api.crowdskout.com/", "abcd1234", "http://127.0.0.1:8976/callback", "xyz"
    )
    assert url == (
        "https://api.crowdskout.com/oauth/authorize?client_id=abcd1234"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback&response_type=code&state=xyz"
    )


async def test_authorization_code_flow_end_to_end(served) -> None:
    browser = Browser()
    sent: list[httpx.Request] = []
    async with watched_http(sent) as http:
        token = await run_authorization_code_flow(
            served.url("crowdskout"),
            ORG.client_id,
            SecretStr(ORG.client_secret),
            open_browser=browser,
            timeout=30,
            http=http,
        )
    secret = token.access_token.get_secret_value()
    assert token.token_type == "Bearer"
    assert secret not in repr(token)
    assert token.cached(now=1_000.0).expires_at == 1_000.0 + 315_360_000
    # The browser was answered with a page saying it worked, which shows no secret.
    pages = browser.pages()
    assert len(pages) == 1
    assert pages[0].status_code == 200
    assert "Signed in" in pages[0].text
    assert secret not in pages[0].text
    assert ORG.client_secret not in pages[0].text
    # The exchange sent the secret and the code in the body only.
    assert [r.url.path for r in sent] == ["/crowdskout/oauth/access_token"]
    assert not sent[0].url.query
    assert served.sandbox.world.counters["secret_in_url"] == 0
    # The token opens the API.
    client = crowdskout_client(served, token=secret)
    try:
        profile = await client.get_profile(1, ["Names"])
    finally:
        await client.aclose()
    assert profile.id == "1"
    assert served.sandbox.world.counters["token_in_url"] == 0


async def test_state_mismatch_is_refused_and_nothing_is_exchanged(served) -> None:
    browser = Browser(rewrite=lambda url: with_param(url, "state", "forged-state"))
    sent: list[httpx.Request] = []
    async with watched_http(sent) as http:
        with pytest.raises(AuthenticationFailed, match="state") as caught:
            await run_authorization_code_flow(
                served.url("crowdskout"),
                ORG.client_id,
                ORG.client_secret,
                open_browser=browser,
                timeout=30,
                http=http,
            )
    assert sent == []
    assert ORG.client_secret not in str(caught.value)
    assert "Not signed in" in browser.pages()[0].text


async def test_a_forged_callback_is_refused(served) -> None:
    """An attacker's page sending the browser straight to our listener with its own code."""

    def attacker(url: str) -> str:
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        return f"{redirect_uri}?{urlencode({'code': 'attacker-code', 'state': 'guess'})}"

    sent: list[httpx.Request] = []
    async with watched_http(sent) as http:
        with pytest.raises(AuthenticationFailed, match="cross-site request forgery"):
            await run_authorization_code_flow(
                served.url("crowdskout"),
                ORG.client_id,
                ORG.client_secret,
                open_browser=Browser(rewrite=attacker),
                timeout=30,
                http=http,
            )
    assert sent == []


async def test_a_refused_login_and_a_wrong_secret_say_so(served) -> None:
    refused = Browser(rewrite=lambda url: with_param(url, "response_type", "token"))
    with pytest.raises(AuthenticationFailed, match="unsupported_response_type"):
        await run_authorization_code_flow(
            served.url("crowdskout"), ORG.client_id, ORG.client_secret, open_browser=refused
        )
    browser = Browser()
    with pytest.raises(AuthenticationFailed, match="Client authentication failed") as caught:
        await run_authorization_code_flow(
            served.url("crowdskout"),
            ORG.client_id,
            "wrong-secret-hunter2",
            open_browser=browser,
        )
    assert "hunter2" not in str(caught.value)
    assert "Not signed in" in browser.pages()[0].text
    assert "hunter2" not in browser.pages()[0].text


async def test_no_browser_coming_back_times_out(served) -> None:
    with pytest.raises(AuthenticationFailed, match="did not come back"):
        await run_authorization_code_flow(
            served.url("crowdskout"),
            ORG.client_id,
            ORG.client_secret,
            open_browser=lambda url: None,
            timeout=0.3,
        )


async def test_a_registered_redirect_port_is_used(served) -> None:
    port = free_port()
    seen: list[str] = []

    def remember(url: str) -> str:
        seen.append(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        return url

    token = await run_authorization_code_flow(
        served.url("crowdskout"),
        ORG.client_id,
        ORG.client_secret,
        redirect_port=port,
        open_browser=Browser(rewrite=remember),
        timeout=30,
    )
    assert token.access_token.get_secret_value()
    assert seen == [f"http://127.0.0.1:{port}/callback"]
