"""The Crowdskout sandbox against its documentation, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from workbench.sandbox import SandboxConfig, ServedSandbox
from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS
from workbench.sandbox.crowdskout.api import Crowdskout
from workbench.sandbox.crowdskout.data import COLLECTIONS
from workbench.sandbox.world import World

ORG = CROWDSKOUT_ORGANIZATIONS[0]
REDIRECT = "http://127.0.0.1:8123/callback"
TEN_YEARS = 315_360_000


def api(served: ServedSandbox, path: str) -> str:
    return f"{served.url('crowdskout')}{path}"


def authorize(
    http: httpx.Client, served: ServedSandbox, redirect_uri: str = REDIRECT, **extra: str
) -> httpx.Response:
    query = {
        "client_id": ORG.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        **extra,
    }
    return http.get(api(served, "/oauth/authorize"), params=query)


def code_from(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def exchange(
    http: httpx.Client, served: ServedSandbox, code: str, redirect_uri: str = REDIRECT, **extra: str
) -> httpx.Response:
    body = {
        "client_id": ORG.client_id,
        "client_secret": ORG.client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
        "grant_type": "authorization_code",
        **extra,
    }
    return http.post(api(served, "/oauth/access_token"), data=body)


def login(http: httpx.Client, served: ServedSandbox) -> dict[str, str]:
    code = code_from(authorize(http, served, state="s"))["code"]
    token = exchange(http, served, code).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def shared_auth(shared_sandbox: ServedSandbox) -> Iterator[dict[str, str]]:
    with httpx.Client(timeout=30) as client:
        yield login(client, shared_sandbox)


def truth(served: ServedSandbox) -> dict[str, list[dict[str, Any]]]:
    return served.sandbox.crowdskout.ground_truth()[str(ORG.organization_id)]


def ok(response: httpx.Response) -> Any:
    """The envelope's data, after checking the envelope."""
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True
    assert body["messages"] == []
    return body["data"]


def failed(response: httpx.Response, status: int) -> list[str]:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"success", "messages", "data"}
    assert body["success"] is False
    assert body["data"] is None
    assert body["messages"]
    assert all(isinstance(m, str) for m in body["messages"])
    return body["messages"]


# --- OAuth authorization code ----------------------------------------------------------------


def test_authorization_code_flow_as_documented(served, http) -> None:
    redirect = authorize(http, served, state="csrf-123")
    assert redirect.headers["Location"].startswith(REDIRECT + "?")
    query = code_from(redirect)
    assert query["state"] == "csrf-123"
    token = exchange(http, served, query["code"])
    assert token.status_code == 200
    assert token.json() == {
        "access_token": token.json()["access_token"],
        "token_type": "Bearer",
        "expires_in": TEN_YEARS,
    }
    assert token.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert ok(http.get(api(served, "/v1/profile/1?collections=Names"), headers=headers))["id"] == 1
    assert served.sandbox.world.counters["token_in_url"] == 0
    assert served.sandbox.world.counters["secret_in_url"] == 0


def test_state_is_optional_and_not_invented(shared_sandbox, http) -> None:
    query = code_from(authorize(http, shared_sandbox))
    assert set(query) == {"code"}


def test_redirect_keeps_the_redirect_uris_own_query(shared_sandbox, http) -> None:
    query = code_from(
        authorize(http, shared_sandbox, redirect_uri=REDIRECT + "?next=profile", state="x")
    )
    assert query["next"] == "profile"
    assert query["state"] == "x"


@pytest.mark.parametrize("uri", ["http://localhost/cb", "http://127.0.0.1:9/a/b"])
def test_any_loopback_redirect_is_accepted_without_registered_uris(
    shared_sandbox, http, uri
) -> None:
    assert ORG.redirect_uris == ()
    assert "code" in code_from(authorize(http, shared_sandbox, redirect_uri=uri))


@pytest.mark.parametrize(
    "uri", ["https://evil.example/cb", "http://192.168.1.5:80/cb", "http://127.0.0.1/cb#frag", ""]
)
def test_unregistered_redirect_uri_is_refused_without_redirecting(
    shared_sandbox, http, uri
) -> None:
    response = authorize(http, shared_sandbox, redirect_uri=uri)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json()["error"] == "invalid_request"


def test_unknown_client_is_refused_at_authorize(shared_sandbox, http) -> None:
    response = http.get(
        api(shared_sandbox, "/oauth/authorize"),
        params={"client_id": "nobody", "redirect_uri": REDIRECT, "response_type": "code"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(("response_type", "error"), [("token", "unsupported_response_type")])
def test_wrong_response_type_redirects_with_the_error(
    shared_sandbox, http, response_type, error
) -> None:
    response = authorize(http, shared_sandbox, state="s1", response_type=response_type)
    query = code_from(response)
    assert query == {"error": error, "state": "s1"}


def test_code_works_once_and_reuse_revokes_its_token(served, http) -> None:
    code = code_from(authorize(http, served))["code"]
    first = exchange(http, served, code)
    assert first.status_code == 200
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert http.get(api(served, "/v1/attribute"), headers=headers).status_code == 200
    second = exchange(http, served, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    failed(http.get(api(served, "/v1/attribute"), headers=headers), 401)


def test_code_is_bound_to_its_redirect_uri(shared_sandbox, http) -> None:
    code = code_from(authorize(http, shared_sandbox))["code"]
    wrong = exchange(http, shared_sandbox, code, redirect_uri="http://127.0.0.1:8123/other")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes_of_sandbox_time(served, http) -> None:
    fresh = code_from(authorize(http, served))["code"]
    stale = code_from(authorize(http, served))["code"]
    served.sandbox.world.clock.advance(599)
    assert exchange(http, served, fresh).status_code == 200
    served.sandbox.world.clock.advance(2)
    expired = exchange(http, served, stale)
    assert expired.status_code == 400
    assert expired.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired.",
    }


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
        ({"redirect_uri": ""}, 400, "invalid_request"),
        ({"client_secret": ""}, 400, "invalid_request"),
    ],
)
def test_token_errors_follow_rfc_6749(shared_sandbox, http, change, status, error) -> None:
    code = code_from(authorize(http, shared_sandbox))["code"]
    body = {
        "client_id": ORG.client_id,
        "client_secret": ORG.client_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        "grant_type": "authorization_code",
        **change,
    }
    response = http.post(api(shared_sandbox, "/oauth/access_token"), data=body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_client_may_authenticate_with_http_basic(shared_sandbox, http) -> None:
    code = code_from(authorize(http, shared_sandbox))["code"]
    body = {"code": code, "redirect_uri": REDIRECT, "grant_type": "authorization_code"}
    response = http.post(
        api(shared_sandbox, "/oauth/access_token"),
        data=body,
        auth=(ORG.client_id, ORG.client_secret),
    )
    assert response.status_code == 200


def test_documented_token_request_body_works_verbatim(shared_sandbox, http) -> None:
    code = code_from(authorize(http, shared_sandbox, redirect_uri="http://localhost:8000/cb"))[
        "code"
    ]
    body = (
        f"client_id={ORG.client_id}&client_secret={ORG.client_secret}&code={code}"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcb&grant_type=authorization_code"
    )
    response = http.post(
        api(shared_sandbox, "/oauth/access_token"),
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_documented_authorize_url_works_verbatim(shared_sandbox, http) -> None:
    url = (
        "https://api.crowdskout.com/oauth/authorize?client_id={client_id}"
        "&redirect_uri={redirect_url}&response_type=code&state={state}"
    ).format(client_id=ORG.client_id, redirect_url=REDIRECT, state="abc")
    response = http.get(url.replace("https://api.crowdskout.com", shared_sandbox.url("crowdskout")))
    assert code_from(response)["state"] == "abc"


# --- bearer tokens and the envelope ----------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Token nonsense"},
    ],
)
def test_v1_needs_a_bearer_token(shared_sandbox, http, headers) -> None:
    response = http.get(api(shared_sandbox, "/v1/attribute"), headers=headers)
    failed(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_access_token_in_the_query_is_not_accepted(shared_sandbox, http) -> None:
    token = login(http, shared_sandbox)["Authorization"].split()[1]
    failed(http.get(api(shared_sandbox, "/v1/attribute"), params={"access_token": token}), 401)


def test_tokens_last_the_documented_ten_years(served, http) -> None:
    headers = login(http, served)
    served.sandbox.world.clock.advance(TEN_YEARS - 60)
    ok(http.get(api(served, "/v1/attribute"), headers=headers))
    served.sandbox.world.clock.advance(120)
    failed(http.get(api(served, "/v1/attribute"), headers=headers), 401)


def test_expired_tokens_are_refused(served, http) -> None:
    headers = login(http, served)
    http.post(f"{served.base_url}/_sandbox/tokens/expire")
    failed(http.get(api(served, "/v1/profile/1?collections=Names"), headers=headers), 401)


def test_wootric_tokens_do_not_open_crowdskout(shared_sandbox, http) -> None:
    issued = shared_sandbox.sandbox.world.tokens.issue(
        "NPS-a1c3e5f7", "password", with_refresh=False, prefix="wootric"
    )
    response = http.get(
        api(shared_sandbox, "/v1/attribute"), headers={"Authorization": f"Bearer {issued.token}"}
    )
    failed(response, 401)


def test_errors_are_enveloped_too(shared_sandbox, shared_auth, http) -> None:
    failed(
        http.get(api(shared_sandbox, "/v1/profile/999999?collections=Names"), headers=shared_auth),
        404,
    )
    failed(http.get(api(shared_sandbox, "/v1/attribute/999"), headers=shared_auth), 404)
    failed(http.get(api(shared_sandbox, "/v1/fields/Shoe/options"), headers=shared_auth), 404)
    failed(http.get(api(shared_sandbox, "/v1/everything"), headers=shared_auth), 404)
    failed(http.delete(api(shared_sandbox, "/v1/profile/1"), headers=shared_auth), 405)
    failed(http.post(api(shared_sandbox, "/v1/profile"), headers=shared_auth, content=b"{"), 400)


# --- profiles --------------------------------------------------------------------------------


def test_there_is_no_profile_listing(shared_sandbox, shared_auth, http) -> None:
    response = http.get(api(shared_sandbox, "/v1/profile"), headers=shared_auth)
    failed(response, 405)
    assert response.headers["Allow"] == "POST"


def test_profile_ids_are_sequential_from_one(shared_sandbox, http) -> None:
    profiles = truth(shared_sandbox)["profiles"]
    assert [p["id"] for p in profiles] == list(range(1, 3_000 // 20 + 1))
    ids = http.get(
        f"{shared_sandbox.base_url}/_sandbox/crowdskout/{ORG.organization_id}/profiles/ids"
    )
    assert ids.json() == [p["id"] for p in profiles]


def test_get_profile_answers_only_the_requested_collections(
    shared_sandbox, shared_auth, http
) -> None:
    for expected in truth(shared_sandbox)["profiles"][:40]:
        response = http.get(
            api(shared_sandbox, f"/v1/profile/{expected['id']}"),
            params={"collections": "Names,EmailAddresses,Ages"},
            headers=shared_auth,
        )
        profile = ok(response)
        assert list(profile) == ["id", "Names", "EmailAddresses", "Ages"]
        assert profile == {k: expected[k] for k in profile}


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("", 400, "collections is required"),
        ("?collections=", 400, "collections is required"),
        ("?collections=Names,Donations", 400, "Unknown collection(s): Donations"),
        ("?collections=names", 400, "Unknown collection(s): names"),
    ],
)
def test_get_profile_needs_known_collections(
    shared_sandbox, shared_auth, http, query, status, words
) -> None:
    messages = failed(
        http.get(api(shared_sandbox, f"/v1/profile/1{query}"), headers=shared_auth), status
    )
    assert words in messages[0]


def test_dataset_is_realistic(shared_sandbox) -> None:
    profiles = truth(shared_sandbox)["profiles"]
    assert all(len(p["Names"]) == 1 for p in profiles)
    share = lambda c: sum(bool(p[c]) for p in profiles) / len(profiles)  # noqa: E731
    assert 0.7 < share("EmailAddresses") < 0.95
    assert 0.5 < share("PhysicalAddresses") < 0.9
    assert 0.2 < share("SurveyResponses") < 0.7
    for profile in profiles:
        for address in profile["PhysicalAddresses"]:
            region = address["AddressRegion"]["id"]
            cities = {o["id"] for o in options_of("AddressCity", shared_sandbox, region)}
            assert address["AddressCity"]["id"] in cities
        for answer in profile["SurveyResponses"]:
            assert 0 <= answer["SurveyScore"] <= 10
    assert len(truth(shared_sandbox)["attributes"]) >= 25


def options_of(
    field: str, served: ServedSandbox, parent: int | None = None
) -> list[dict[str, Any]]:
    book = served.sandbox.crowdskout.organizations[ORG.organization_id].book
    return [o.json() for o in book.visible(field, parent)]


VALID_AND_INVALID = {
    "id": 77,  # ignored on create
    "Names": [
        {"id": 5, "FirstName": "Ana", "LastName": "Silva", "NameTitle": "Dr."},
        {"MiddleName": "Q."},  # no first, last or full name: insufficient
        "Ana Silva",  # not an object
    ],
    "EmailAddresses": [
        {"EmailAddress": "ana@example.com", "EmailType": {"value": "Work"}},
        {"EmailAddress": "not-an-email"},
        {"EmailAddress": "ana@example.org", "EmailType": {"id": 99}},  # unknown option
    ],
    "PhoneNumbers": [
        {"PhoneNumber": "(312) 555-0199", "PhoneType": "Mobile"},
        {"PhoneNumber": "555"},
    ],
    "Ages": [{"Age": 200}, {"Age": "41"}],
    "Genders": [{"Gender": {"value": "Robot"}}, {"Gender": 1}],
    "PhysicalAddresses": [
        {"AddressLine1": "1 Main St", "AddressRegion": {"id": 1}, "AddressCity": "Peoria"},
        {"AddressLine1": "2 Main St", "AddressRegion": 1, "AddressCounty": {"value": "King"}},
        {"AddressLine1": "3 Main St"},  # no region
        {"AddressRegion": 1, "AddressPostalCode": "ABCDE"},
    ],
    "Notes": [
        {"Note": "Met at the town hall.", "NoteWhen": "2026-01-02T03:04:05Z"},
        {"Note": "  "},
    ],
    "SurveyResponses": [
        {"SurveyQuestion": "NPS", "SurveyScore": 11},
        {"SurveyQuestion": "NPS", "SurveyScore": 9, "SurveyAnswer": "Great service."},
    ],
    "Donations": [{"DonationAmount": 100}],  # not a collection here: ignored
}


def test_create_drops_invalid_items_silently(served, http) -> None:
    headers = login(http, served)
    response = http.post(
        api(served, "/v1/profile"), headers=headers, json={"profile": VALID_AND_INVALID}
    )
    created = ok(response)  # success, and not a word about what was dropped
    assert created["id"] == 3_000 // 20 + 1
    assert [n["FullName"] for n in created["Names"]] == ["Dr. Ana Silva"]
    assert [e["EmailAddress"] for e in created["EmailAddresses"]] == ["ana@example.com"]
    assert created["EmailAddresses"][0]["EmailType"] == {"id": 2, "value": "Work"}
    assert [p["PhoneNumber"] for p in created["PhoneNumbers"]] == ["(312) 555-0199"]
    assert [a["Age"] for a in created["Ages"]] == [41]
    assert [g["Gender"]["value"] for g in created["Genders"]] == ["Female"]
    assert [a["AddressLine1"] for a in created["PhysicalAddresses"]] == ["1 Main St"]
    assert created["PhysicalAddresses"][0]["AddressCity"]["value"] == "Peoria"
    assert [n["Note"] for n in created["Notes"]] == ["Met at the town hall."]
    assert created["Notes"][0]["NoteWhen"] == "2026-01-02T03:04:05Z"
    assert [s["SurveyScore"] for s in created["SurveyResponses"]] == [9]
    assert "Donations" not in created
    assert created["Names"][0]["id"] != 5, "ids in a create body are ignored"
    stored = ok(
        http.get(
            api(served, f"/v1/profile/{created['id']}"),
            params={"collections": ",".join(COLLECTIONS)},
            headers=headers,
        )
    )
    assert stored == {k: created.get(k, []) for k in stored} | {"id": created["id"]}
    assert stored in truth(served)["profiles"]


def test_a_new_open_option_is_created_under_its_parent(served, http) -> None:
    headers = login(http, served)
    body = {
        "PhysicalAddresses": [
            {"AddressRegion": "Illinois", "AddressCity": "Peoria", "AddressLine1": "1 A St"}
        ]
    }
    ok(http.post(api(served, "/v1/profile"), headers=headers, json=body))
    illinois = ok(
        http.get(api(served, "/v1/fields/AddressCity/options?AddressRegion=1"), headers=headers)
    )
    assert "Peoria" in [o["value"] for o in illinois["options"]]
    ohio = ok(
        http.get(api(served, "/v1/fields/AddressCity/options?AddressRegion=6"), headers=headers)
    )
    assert "Peoria" not in [o["value"] for o in ohio["options"]]
    closed = {
        "PhysicalAddresses": [
            {"AddressRegion": "Illinois", "AddressCounty": "Nowhere", "AddressLine1": "1 A St"}
        ]
    }
    assert (
        ok(http.post(api(served, "/v1/profile"), headers=headers, json=closed))["PhysicalAddresses"]
        == []
    )


def test_bulk_create_takes_an_array_or_the_named_parameter(served, http) -> None:
    headers = login(http, served)
    first_new = 3_000 // 20 + 1
    plain = ok(
        http.post(
            api(served, "/v1/profile/bulk"),
            headers=headers,
            json=[
                {"Names": [{"FirstName": "Ben"}]},
                {"Names": [{"FirstName": ""}], "Ages": [{"Age": 30}]},
            ],
        )
    )
    assert [p["id"] for p in plain] == [first_new, first_new + 1]
    assert plain[1]["Names"] == []  # the invalid name was dropped, the profile was still made
    assert plain[1]["Ages"][0]["Age"] == 30
    named = ok(
        http.post(
            api(served, "/v1/profile/bulk"),
            headers=headers,
            json={"profiles": [{"Ages": [{"Age": 50}]}]},
        )
    )
    assert named[0]["id"] == first_new + 2
    failed(http.post(api(served, "/v1/profile/bulk"), headers=headers, json={"profiles": "x"}), 400)
    failed(http.post(api(served, "/v1/profile/bulk"), headers=headers, json=[1, 2]), 400)


def test_update_changes_adds_and_deletes_items(served, http) -> None:
    headers = login(http, served)
    original = truth(served)["profiles"][4]
    profile_id = original["id"]
    name_id = original["Names"][0]["id"]
    body = {
        "Names": [{"id": name_id, "FirstName": "Zed", "NameTitle": None, "MiddleName": None}],
        "Notes": [{"Note": "Called back."}, {"id": 0, "Note": "Sent the brochure."}],
        "EmailAddresses": [
            {"id": e["id"], "delete": True, "EmailAddress": "ignored"}
            for e in original["EmailAddresses"]
        ],
        "Ages": [{"id": 123456, "Age": 33}],  # not this profile's item: ignored
    }
    updated = ok(
        http.put(api(served, f"/v1/profile/{profile_id}"), headers=headers, json={"profile": body})
    )
    assert list(updated) == ["id", "Names", "Notes", "EmailAddresses", "Ages"]
    assert updated["Names"] == [
        {
            "id": name_id,
            "FullName": f"Zed {original['Names'][0]['LastName']}",
            "NameTitle": None,
            "FirstName": "Zed",
            "MiddleName": None,
            "LastName": original["Names"][0]["LastName"],
            "NameSuffix": None,
        }
    ]
    assert [n["Note"] for n in updated["Notes"]][-2:] == ["Called back.", "Sent the brochure."]
    assert updated["Notes"][:-2] == original["Notes"]
    assert updated["EmailAddresses"] == []
    assert updated["Ages"] == original["Ages"]
    stored = next(p for p in truth(served)["profiles"] if p["id"] == profile_id)
    assert stored["PhoneNumbers"] == original["PhoneNumbers"], "untouched collections stay"
    assert stored["Names"] == updated["Names"]


def test_an_invalid_update_leaves_the_item_as_it_was(served, http) -> None:
    headers = login(http, served)
    original = next(
        p for p in truth(served)["profiles"] if p["PhysicalAddresses"] and p["EmailAddresses"]
    )
    address, email = original["PhysicalAddresses"][0], original["EmailAddresses"][0]
    other_region = 1 if address["AddressRegion"]["id"] != 1 else 2
    body = {
        "EmailAddresses": [{"id": email["id"], "EmailAddress": "broken"}],
        # a new region with the old city: the city does not belong to it, so nothing changes
        "PhysicalAddresses": [{"id": address["id"], "AddressRegion": {"id": other_region}}],
    }
    updated = ok(http.put(api(served, f"/v1/profile/{original['id']}"), headers=headers, json=body))
    assert updated["EmailAddresses"] == original["EmailAddresses"]
    assert updated["PhysicalAddresses"] == original["PhysicalAddresses"]


def test_update_of_an_unknown_profile_is_404(shared_sandbox, http) -> None:
    headers = login(http, shared_sandbox)
    failed(
        http.put(api(shared_sandbox, "/v1/profile/99999"), headers=headers, json={"Ages": []}), 404
    )


def test_bulk_update_applies_each_and_reports_skips(served, http) -> None:
    headers = login(http, served)
    profiles = truth(served)["profiles"][:2]
    body = [
        {"id": profiles[0]["id"], "Ages": [{"Age": 20}]},
        {"id": profiles[1]["id"], "Ages": [{"Age": 21}]},
        {"id": 99999, "Ages": [{"Age": 22}]},
        {"Ages": [{"Age": 23}]},
    ]
    response = http.put(api(served, "/v1/profile/bulk"), headers=headers, json={"profile": body})
    envelope = response.json()
    assert envelope["success"] is True
    assert [p["id"] for p in envelope["data"]] == [profiles[0]["id"], profiles[1]["id"]]
    assert envelope["data"][0]["Ages"][-1]["Age"] == 20
    assert len(envelope["messages"]) == 2
    assert "99999" in envelope["messages"][0]


# --- field options ---------------------------------------------------------------------------


def test_field_options_and_the_dependency_filter(shared_sandbox, shared_auth, http) -> None:
    every = ok(http.get(api(shared_sandbox, "/v1/fields/AddressCity/options"), headers=shared_auth))
    assert every["collection"] == "PhysicalAddresses"
    chicago = {"id": 1, "value": "Chicago"}
    assert chicago in every["options"]
    illinois = ok(
        http.get(
            api(shared_sandbox, "/v1/fields/AddressCity/options?AddressRegion=1"),
            headers=shared_auth,
        )
    )
    assert chicago in illinois["options"]
    assert 0 < len(illinois["options"]) < len(every["options"])
    counties = ok(
        http.get(
            api(shared_sandbox, "/v1/fields/AddressCounty/options?AddressRegion=8"),
            headers=shared_auth,
        )
    )
    assert [o["value"] for o in counties["options"]] == ["King", "Pierce", "Spokane"]
    regions = ok(
        http.get(api(shared_sandbox, "/v1/fields/AddressRegion/options"), headers=shared_auth)
    )
    assert regions["options"][0] == {"id": 1, "value": "Illinois"}
    nothing = ok(
        http.get(
            api(shared_sandbox, "/v1/fields/AddressCity/options?AddressRegion=abc"),
            headers=shared_auth,
        )
    )
    assert nothing["options"] == []
    unrelated = ok(
        http.get(
            api(shared_sandbox, "/v1/fields/AddressCity/options?Gender=1"), headers=shared_auth
        )
    )
    assert unrelated == every
    free_text = ok(
        http.get(api(shared_sandbox, "/v1/fields/FirstName/options"), headers=shared_auth)
    )
    assert free_text == {"collection": "Names", "options": []}
    failed(http.get(api(shared_sandbox, "/v1/fields/Nope/options"), headers=shared_auth), 404)


# --- attributes ------------------------------------------------------------------------------


def test_attributes_page_by_limit_and_offset(shared_sandbox, shared_auth, http) -> None:
    expected = truth(shared_sandbox)["attributes"]
    seen, offset = [], 0
    for _ in range(len(expected) + 2):  # bounded: a broken offset must fail, not hang
        page = ok(
            http.get(
                api(shared_sandbox, "/v1/attribute"),
                params={"limit": 7, "offset": offset},
                headers=shared_auth,
            )
        )
        assert page["total"] == len(expected)
        assert len(page["list"]) <= 7
        if not page["list"]:
            break
        seen += page["list"]
        offset += 7
    else:
        pytest.fail("paging never reached an empty page")
    assert seen == expected
    everything = ok(http.get(api(shared_sandbox, "/v1/attribute"), headers=shared_auth))
    assert everything["list"] == expected


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=x", "offset=-1"])
def test_attribute_paging_parameters_are_checked(shared_sandbox, shared_auth, http, query) -> None:
    failed(http.get(api(shared_sandbox, f"/v1/attribute?{query}"), headers=shared_auth), 400)


def test_attribute_examples_from_the_docs(served, http) -> None:
    headers = login(http, served)
    created = ok(
        http.post(
            api(served, "/v1/attribute"),
            headers=headers,
            json={
                "name": "Test Attribute",
                "type": "Radio",
                "options": [{"value": "Option 1"}, {"value": "Option 2"}],
            },
        )
    )
    attribute_id = created["id"]
    assert created == {
        "id": attribute_id,
        "name": "Test Attribute",
        "type": "Radio",
        "locked": False,
        "options": [{"id": 1, "value": "Option 1"}, {"id": 2, "value": "Option 2"}],
    }
    assert ok(http.get(api(served, f"/v1/attribute/{attribute_id}"), headers=headers)) == created
    updated = ok(
        http.put(
            api(served, f"/v1/attribute/{attribute_id}"),
            headers=headers,
            json={
                "name": "Test Attribute 2",
                "options": [
                    {"id": 1, "value": "Option 3"},
                    {"id": 2, "delete": True, "value": "Option 2"},
                    {"id": 0, "value": "Option 4"},
                ],
            },
        )
    )
    assert updated == {
        "id": attribute_id,
        "name": "Test Attribute 2",
        "type": "Radio",
        "locked": False,
        "options": [{"id": 1, "value": "Option 3"}, {"id": 3, "value": "Option 4"}],
    }
    again = ok(
        http.put(
            api(served, f"/v1/attribute/{attribute_id}"),
            headers=headers,
            json={"options": [{"id": 3, "delete": True}, {"value": "Option 5"}]},
        )
    )
    assert again["options"] == [{"id": 1, "value": "Option 3"}, {"id": 4, "value": "Option 5"}]
    deleted = http.delete(api(served, f"/v1/attribute/{attribute_id}"), headers=headers)
    assert deleted.json() == {"success": True, "messages": [], "data": {}}
    failed(http.get(api(served, f"/v1/attribute/{attribute_id}"), headers=headers), 404)
    assert attribute_id not in [a["id"] for a in truth(served)["attributes"]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "Text"}, "The name field is required."),
        ({"name": "X", "type": "Slider"}, "The type must be one of"),
        ({"name": "X"}, "The type field is required."),
        ({"name": "X", "type": "Radio"}, "options must be an array"),
        ({"name": "X", "type": "Checkbox", "options": []}, "at least one option"),
        ({"name": "X", "type": "Radio", "options": [{"value": ""}]}, "Each option needs a value."),
        ({"name": "VIP", "type": "Tag"}, "The name has already been taken."),
    ],
)
def test_attribute_create_validation(shared_sandbox, shared_auth, http, body, words) -> None:
    messages = failed(
        http.post(api(shared_sandbox, "/v1/attribute"), headers=shared_auth, json=body), 422
    )
    assert words in messages[0]


def test_attribute_type_cannot_change_and_locked_ones_cannot_change_at_all(served, http) -> None:
    headers = login(http, served)
    attributes = truth(served)["attributes"]
    unlocked = next(a for a in attributes if not a["locked"] and a["type"] == "Text")
    locked = next(a for a in attributes if a["locked"])
    messages = failed(
        http.put(
            api(served, f"/v1/attribute/{unlocked['id']}"), headers=headers, json={"type": "Number"}
        ),
        422,
    )
    assert messages == ["The type of an attribute cannot be changed."]
    renamed = ok(
        http.put(
            api(served, f"/v1/attribute/{unlocked['id']}"),
            headers=headers,
            json={"name": "Employer"},
        )
    )
    assert renamed["name"] == "Employer"
    assert "options" not in renamed
    failed(
        http.put(api(served, f"/v1/attribute/{locked['id']}"), headers=headers, json={"name": "Y"}),
        403,
    )
    failed(http.delete(api(served, f"/v1/attribute/{locked['id']}"), headers=headers), 403)
    failed(http.delete(api(served, "/v1/attribute/9999"), headers=headers), 404)


# --- control routes and determinism ----------------------------------------------------------


def test_control_routes_list_ids_and_add_profiles(served, http) -> None:
    control = f"{served.base_url}/_sandbox/crowdskout/{ORG.organization_id}"
    attribute_ids = http.get(f"{control}/attributes/ids").json()
    assert attribute_ids == [a["id"] for a in truth(served)["attributes"]]
    added = http.post(f"{control}/profiles", data={"count": "4"})
    assert added.status_code == 201
    first_new = 3_000 // 20 + 1
    assert added.json() == list(range(first_new, first_new + 4))
    headers = login(http, served)
    profile = ok(
        http.get(
            api(served, f"/v1/profile/{first_new + 3}"),
            params={"collections": "Names,Notes"},
            headers=headers,
        )
    )
    assert profile["Names"][0]["FirstName"]
    every_item = [
        i["id"]
        for p in truth(served)["profiles"]
        for c in COLLECTIONS
        for i in p[c]
        if c == "Names"
    ]
    assert len(every_item) == len(set(every_item)), "item ids stay unique per collection"
    assert http.get(f"{control}/profiles/ids").json()[-4:] == added.json()
    assert http.post(f"{served.base_url}/_sandbox/crowdskout/5/profiles").status_code == 404
    assert http.get(f"{control}/nope/ids").status_code == 404


def test_same_seed_same_data_and_another_seed_other_data() -> None:
    def world(seed: int) -> dict[str, Any]:
        return Crowdskout(World(SandboxConfig(seed=seed, responses=3_000))).ground_truth()

    assert world(5) == world(5)
    assert world(5) != world(6)


def test_small_worlds_still_hold_100_profiles() -> None:
    crowdskout = Crowdskout(World(SandboxConfig(responses=100)))
    assert crowdskout.ids(ORG.organization_id, "profiles") == list(range(1, 101))


def test_redirect_target_is_reachable_with_query_encoding(shared_sandbox, http) -> None:
    """A state with characters that need encoding comes back exactly as sent."""
    state = "a b&c=d/é"
    query = code_from(authorize(http, shared_sandbox, state=state))
    assert query["state"] == state
    assert (
        urlencode({"state": state})
        in urlparse(authorize(http, shared_sandbox, state=state).headers["Location"]).query
    )
