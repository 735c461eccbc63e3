"""Every Wootric NPS endpoint through real HTTP: reads, writes, their shapes and their errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.sandbox.test_wootric import ACME, Api, ids
from workbench.sandbox.web import iso_millis_time, naive_utc_time, wootric_time

ISO_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$")
WOOTRIC = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
COMPACT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
END_USER_KEYS = [
    "id",
    "created_at",
    "updated_at",
    "email",
    "last_surveyed",
    "external_created_at",
    "last_seen_at",
    "properties",
    "phone_number",
    "external_id",
    "last_response",
    "settings",
    "page_views_count",
]
RESPONSE_KEYS = [
    "id",
    "end_user_id",
    "survey_id",
    "score",
    "text",
    "completed",
    "excluded_from_calculations",
    "ip_address",
    "origin_url",
    "created_at",
    "updated_at",
    "tags",
    "notes",
    "end_user",
]
WRITTEN_END_USER_KEYS = [
    "id",
    "email",
    "last_surveyed",
    "external_created_at",
    "created_at",
    "updated_at",
    "user_id",
    "properties",
]


@pytest.fixture
def api(served, http) -> Api:
    return Api(http, served)


def create_user(api: Api, body: str) -> dict[str, Any]:
    answer = api.call("POST", "/end_users", content=body, headers=FORM)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def now(api: Api) -> int:
    return int(api.served.sandbox.world.clock.now())


# --- end users -------------------------------------------------------------------------------


def test_end_user_shapes_and_timestamp_eras(api) -> None:
    frame = api.truth("end_users")
    old, new = (
        frame.filter(frame["created_at"] < 1735689600),
        frame.filter(frame["created_at"] >= 1735689600),
    )
    assert old.height
    assert new.height
    for row in (old.row(0, named=True), new.row(-1, named=True)):
        shown = api.rows(f"/end_users/{row['id']}")
        assert list(shown) == END_USER_KEYS
        if row["created_at"] < 1735689600:
            assert shown["created_at"] == naive_utc_time(row["created_at"])
            assert NAIVE.match(shown["updated_at"])
        else:
            assert shown["created_at"] == wootric_time(row["created_at"], ACME.time_zone)
            assert WOOTRIC.match(shown["updated_at"])
        assert isinstance(shown["properties"], dict)
        assert list(shown["settings"]) == [
            "email_nps",
            "mobile_nps",
            "web_nps",
            "force_mobile_survey",
            "force_web_survey",
            "surveys_disabled_by_end_user",
        ]


def test_last_response_is_the_newest_one(api) -> None:
    responses = api.truth("responses")
    newest = responses.row(-1, named=True)
    shown = api.rows(f"/end_users/{newest['end_user_id']}")
    assert shown["last_response"]["id"] == newest["id"]
    assert shown["last_response"]["score"] == newest["score"]
    assert set(shown["last_response"]["survey"]) == {"channel"}


def test_create_end_user_answers_properties_as_a_string(api) -> None:
    created = create_user(
        api,
        "email=enduser@example.com&last_surveyed=1423732280"
        "&properties[company]=TestCompany&properties[city]=San Francisco",
    )
    assert list(created) == WRITTEN_END_USER_KEYS
    assert created["properties"] == "{'company':'TestCompany', 'city':'San Francisco'}"
    assert created["last_surveyed"] == iso_millis_time(1423732280, ACME.time_zone)
    assert ISO_MILLIS.match(created["created_at"])
    assert created["external_created_at"] is None
    assert created["user_id"] == 16
    shown = api.rows(f"/end_users/{created['id']}")
    assert shown["properties"] == {"company": "TestCompany", "city": "San Francisco"}
    assert shown["created_at"] == wootric_time(now(api), ACME.time_zone)
    assert shown["settings"]["email_nps"] is True
    assert shown["page_views_count"] == 0


def test_legacy_semicolons_separate_fields(api) -> None:
    created = create_user(
        api,
        "email=legacy@example.com;last_surveyed=1423732280;properties[company]=TestCompany"
        "&properties[city]=San Francisco",
    )
    assert created["email"] == "legacy@example.com"
    assert created["properties"] == "{'company':'TestCompany', 'city':'San Francisco'}"


def test_a_quote_in_a_property_stays_readable(api) -> None:
    created = create_user(api, "email=q@example.com&properties[team]=O'Brien's")
    assert created["properties"] == "{'team':'O\\'Brien\\'s'}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("last_surveyed=1", "email is missing"),
        ("email=not-an-email", "email does not have a valid value"),
        ("email=a@example.com&last_surveyed=soon", "last_surveyed does not have a valid value"),
    ],
)
def test_create_end_user_checks_its_parameters(api, body, message) -> None:
    answer = api.call("POST", "/end_users", content=body, headers=FORM)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}


def test_email_and_external_id_are_unique(api) -> None:
    taken = api.truth("end_users").row(0, named=True)
    answer = api.call("POST", "/end_users", data={"email": taken["email"].upper()})
    assert answer.status_code == 400
    assert answer.json() == {"error": "email has already been taken"}
    external = api.truth("end_users").drop_nulls("external_id")["external_id"][0]
    answer = api.call("POST", "/end_users", data={"email": "x@y.z", "external_id": external})
    assert answer.json() == {"error": "external_id has already been taken"}


def test_lookups_by_email_external_id_and_phone(api) -> None:
    created = create_user(api, "email=look.me.up@example.com&external_id=my-external-id-1234")
    api.call("PUT", f"/end_users/{created['id']}", data={"phone_number": "+14155554131"})
    key = created["id"]
    assert api.rows("/end_users/look.me.up@example.com", lookup_by_email="true")["id"] == key
    assert api.rows("/end_users/my-external-id-1234", lookup_by_external_id="true")["id"] == key
    assert api.rows("/end_users/phone_number/+14155554131")["id"] == key
    assert api.rows(f"/end_users/phone_number/{key}")["id"] == key  # digits: an id
    posted = api.call("POST", "/end_users/look.me.up@example.com", data={"lookup_by_email": "true"})
    assert posted.status_code == 200  # the docs' curl -d without -X GET
    assert posted.json()["id"] == key
    assert api.get("/end_users/look.me.up@example.com").status_code == 404  # no lookup flag
    assert api.get("/end_users/phone_number/+10000000000").status_code == 404
    assert api.get("/end_users/999999999").json() == {"error": "EndUser not found"}


def test_update_end_user_merges_properties(api) -> None:
    created = create_user(api, "email=u@example.com&properties[company]=TestCompany")
    api.served.sandbox.world.clock.advance(5)
    answer = api.call(
        "PUT",
        f"/end_users/{created['id']}",
        content="email=enduser_new@example.com&properties[city]=New Reno",
        headers=FORM,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == WRITTEN_END_USER_KEYS
    assert body["email"] == "enduser_new@example.com"
    assert body["properties"] == "{'company':'TestCompany', 'city':'New Reno'}"
    assert body["updated_at"] > body["created_at"]


def test_delete_marks_and_the_deletion_happens_next_day_at_7_utc(api) -> None:
    world = api.served.sandbox.world
    user = api.truth("end_users").row(3, named=True)
    owned = api.truth("responses").filter(end_user_id=user["id"]).height
    answer = api.call("DELETE", f"/end_users/{user['email']}")
    assert answer.status_code == 200
    assert list(answer.json()) == WRITTEN_END_USER_KEYS
    assert api.get(f"/end_users/{user['id']}").status_code == 200  # only marked
    due = (now(api) // 86400 + 1) * 86400 + 7 * 3600
    world.clock.advance(due - world.clock.now() - 2)
    api.login()  # a day later the token has expired
    assert api.get(f"/end_users/{user['id']}").status_code == 200
    world.clock.advance(3)
    assert api.get(f"/end_users/{user['id']}").status_code == 404
    assert user["id"] not in api.served.sandbox.wootric.ids(ACME.account_token, "end_users")
    truth = api.served.sandbox.wootric.ground_truth()[ACME.account_token]
    assert owned == 0 or all(r["end_user_id"] != user["id"] for r in truth["responses"])
    assert all(s["end_user_id"] != user["id"] for s in truth["end_user_settings"])


def test_delete_by_id_and_unknown(api) -> None:
    user = api.truth("end_users").row(5, named=True)
    assert api.call("DELETE", f"/end_users/{user['id']}").json()["id"] == user["id"]
    assert api.call("DELETE", "/end_users/nobody@example.com").status_code == 404


def test_export_is_202_with_an_empty_json_body(api) -> None:
    user = api.truth("end_users")["id"][0]
    answer = api.get(f"/end_users/{user}/export")
    assert answer.status_code == 202
    assert answer.json() == {}
    assert api.get("/end_users/1/export").status_code == 404


# --- settings --------------------------------------------------------------------------------


def test_settings_get_and_update(api) -> None:
    user = api.truth("end_users")["id"][10]
    shown = api.rows(f"/end_users/{user}/settings")
    assert list(shown)[:4] == ["id", "end_user_id", "created_at", "updated_at"]
    assert shown["end_user_id"] == user
    assert COMPACT.match(shown["created_at"])
    answer = api.call(
        "PUT", f"/end_users/{user}/settings", content="email_nps=false&force_web_survey=true",
        headers=FORM,
    )  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert list(body)[:3] == ["end_user_id", "id", "email_nps"]
    assert body["email_nps"] is False
    assert body["force_web_survey"] is True
    assert ISO_MILLIS.match(body["updated_at"])
    assert api.rows(f"/end_users/{user}/settings")["email_nps"] is False
    assert api.rows(f"/end_users/{user}")["settings"]["force_web_survey"] is True
    bad = api.call("PUT", f"/end_users/{user}/settings", data={"web_nps": "maybe"})
    assert bad.json() == {"error": "web_nps does not have a valid value"}


# --- responses -------------------------------------------------------------------------------


def test_response_shape(api) -> None:
    row = api.truth("responses").row(-1, named=True)
    shown = api.rows(f"/end_users/{row['end_user_id']}/responses/{row['id']}")
    assert list(shown) == RESPONSE_KEYS
    assert shown["created_at"] == wootric_time(row["created_at"], ACME.time_zone)
    assert shown["notes"] == []
    assert set(shown["end_user"]) == {"properties"}
    other = row["end_user_id"] + 1
    assert api.get(f"/end_users/{other}/responses/{row['id']}").status_code == 404


def test_create_response(api) -> None:
    user = create_user(api, "email=r@example.com&properties[plan]=Lite")
    answer = api.call(
        "POST",
        f"/end_users/{user['id']}/responses",
        content="score=5&text=test response, the app is slow&ip_address=192.168.0.1"
        "&origin_url=http://example.com&end_user[properties][plan]=Enterprise",
        headers=FORM,
    )
    assert answer.status_code == 201
    body = answer.json()
    assert list(body) == RESPONSE_KEYS
    assert body["score"] == 5
    assert body["tags"] == ["PERFORMANCE"]  # text-match tagging
    assert body["end_user"]["properties"] == {"plan": "Enterprise"}
    assert ISO_MILLIS.match(body["created_at"])
    assert api.rows(f"/end_users/{user['id']}")["properties"] == {"plan": "Enterprise"}
    listed = api.rows(f"/end_users/{user['id']}/responses")
    assert ids(listed) == [body["id"]]
    assert listed[0]["created_at"] == wootric_time(now(api), ACME.time_zone)
    assert api.rows(f"/end_users/{user['id']}")["last_response"]["id"] == body["id"]


def test_create_response_with_created_at_and_defaults(api) -> None:
    user = api.truth("end_users")["id"][0]
    answer = api.call(
        "POST", f"/end_users/{user}/responses", data={"score": "10", "created_at": "1700000000"}
    )
    body = answer.json()
    assert body["created_at"] == iso_millis_time(1700000000, ACME.time_zone)
    assert body["ip_address"] == "127.0.0.1"  # the caller's address
    assert body["origin_url"] is None
    assert body["completed"] is False
    rows = api.rows("/responses", **{"created[eq]": 1700000000})
    assert body["id"] in ids(rows)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (None, "score is missing"),
        ("11", "score does not have a valid value"),
        ("-1", "score does not have a valid value"),
        ("nine", "score does not have a valid value"),
    ],
)
def test_create_response_checks_the_score(api, score, message) -> None:
    user = api.truth("end_users")["id"][0]
    data = {"text": "hi"} if score is None else {"score": score}
    answer = api.call("POST", f"/end_users/{user}/responses", data=data)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}
    assert api.call("POST", "/end_users/1/responses", data={"score": "5"}).status_code == 404


def test_update_response_is_204_and_changes_the_flags(api) -> None:
    row = api.truth("responses").row(0, named=True)
    api.served.sandbox.world.clock.advance(1)
    answer = api.call(
        "PUT",
        f"/responses/{row['id']}",
        data={"completed": "true", "excluded_from_calculations": "true"},
    )
    assert answer.status_code == 204
    assert answer.content == b""
    changed = api.truth("responses").filter(id=row["id"]).row(0, named=True)
    assert changed["completed"] is True
    assert changed["excluded_from_calculations"] is True
    assert changed["updated_at"] == now(api)
    assert api.call("PUT", "/responses/1", data={"completed": "true"}).status_code == 404


def test_editing_historical_properties_is_423_unless_enabled(api, http) -> None:
    row = api.truth("responses").row(0, named=True)
    user_before = api.rows(f"/end_users/{row['end_user_id']}")["properties"]
    edit = {"end_user[properties][persona]": "Individual"}
    answer = api.call("PUT", f"/responses/{row['id']}", data=edit)
    assert answer.status_code == 423
    assert "not enabled" in answer.json()["error"]
    decline = api.truth("declines")["id"][0]
    assert api.call("PUT", f"/declines/{decline}", data=edit).status_code == 423
    control = f"{api.served.base_url}/_sandbox/wootric/{ACME.account_token}/features"
    assert http.put(control, data={"historical_properties": "true"}).json() == {
        "historical_properties": True
    }
    assert api.call("PUT", f"/responses/{row['id']}", data=edit).status_code == 204
    shown = api.rows(f"/end_users/{row['end_user_id']}/responses/{row['id']}")
    assert shown["end_user"]["properties"]["persona"] == "Individual"
    assert api.rows(f"/end_users/{row['end_user_id']}")["properties"] == user_before


def test_delete_response(api) -> None:
    row = api.truth("responses").row(1, named=True)
    path = f"/end_users/{row['end_user_id']}/responses/{row['id']}"
    assert (
        api.call("DELETE", f"/end_users/{row['end_user_id'] + 1}/responses/{row['id']}").status_code
        == 404
    )
    answer = api.call("DELETE", path)
    assert answer.status_code == 204
    assert api.get(path).status_code == 404
    assert row["id"] not in api.served.sandbox.wootric.ids(ACME.account_token, "responses")


def test_legacy_respones_path_deletes_too(api) -> None:
    row = api.truth("responses").row(2, named=True)
    answer = api.call("DELETE", f"/end_users/{row['end_user_id']}/respones/{row['id']}")
    assert answer.status_code == 204


# --- declines --------------------------------------------------------------------------------


def test_declines(api) -> None:
    user = create_user(api, "email=d@example.com")
    path = f"/end_users/{user['id']}/declines"
    answer = api.call(
        "POST", path, data={"origin_url": "https://x.example", "created_at": "1700000000"}
    )
    assert answer.status_code == 201
    made = answer.json()
    assert made["created_at"] == iso_millis_time(1700000000, ACME.time_zone)
    assert api.call("POST", path).status_code == 201  # every parameter is optional
    listed = api.rows(path)
    assert len(listed) == 2
    assert ids(listed)[1] == made["id"]  # newest first: the one created now comes first
    shown = api.rows(f"{path}/{made['id']}")
    assert list(shown) == [
        "id", "end_user_id", "survey_id", "ip_address", "origin_url", "created_at",
        "updated_at", "end_user",
    ]  # fmt: skip
    assert shown["created_at"] == wootric_time(1700000000, ACME.time_zone)
    assert api.call("DELETE", f"{path}/{made['id']}").status_code == 204
    assert api.get(f"{path}/{made['id']}").status_code == 404
    assert api.call("PUT", f"/declines/{made['id']}").status_code == 404


# --- page views (legacy) ---------------------------------------------------------------------


def test_page_views(api) -> None:
    user = create_user(api, "email=p@example.com")
    path = f"/end_users/{user['id']}/page_views"
    answer = api.call("POST", path, content="at=1423751367;url=http://example.com", headers=FORM)
    assert answer.status_code == 201
    view = answer.json()
    assert list(view) == ["id", "end_user_id", "url", "at", "created_at", "updated_at"]
    assert view["at"] == iso_millis_time(1423751367, ACME.time_zone)
    assert view["url"] == "http://example.com"
    assert ids(api.rows(path)) == [view["id"]]
    assert api.rows(f"{path}/{view['id']}")["url"] == "http://example.com"
    assert api.rows(f"/end_users/{user['id']}")["page_views_count"] == 1
    deleted = api.call("DELETE", f"{path}/{view['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == view["id"]
    assert api.rows(path) == []


def test_generated_page_views_list_oldest_first(api) -> None:
    frame = api.truth("page_views")
    user = frame["end_user_id"].value_counts().sort("count", descending=True)[0, 0]
    rows = api.rows(f"/end_users/{user}/page_views")
    assert ids(rows) == frame.filter(end_user_id=user)["id"].to_list()
    assert api.rows(f"/end_users/{user}")["page_views_count"] == len(rows)


# --- account-wide ----------------------------------------------------------------------------


def test_segments_are_the_documented_list(api) -> None:
    segments = api.rows("/segments")
    assert [(s["name"], s["data_type"]) for s in segments] == [
        ("persona", "string"),
        ("pricing_plan", "string"),
        ("product_plan", "string"),
        ("purchase_date", "date"),
        ("revenue_amount", "integer"),
    ]
    assert all(WOOTRIC.match(s["created_at"]) for s in segments)


def test_email_survey(api) -> None:
    existing = api.truth("end_users")["email"][0]
    answer = api.call(
        "POST",
        "/email_survey",
        content=f"emails[]={existing}&emails[]=new.one@example.com,new.two@example.com"
        "&external_ids[]=ext-a&survey_immediately=true"
        "&end_user[properties][campaign_name]=Spring",
        headers=FORM,
    )
    assert answer.status_code == 201
    assert len(answer.json()["end_user_ids"]) == 3
    made = api.rows("/end_users/new.one@example.com", lookup_by_email="true")
    assert made["properties"] == {"campaign_name": "Spring"}
    too_many = "&".join(f"emails[]=p{i}@example.com" for i in range(101))
    answer = api.call("POST", "/email_survey", content=too_many, headers=FORM)
    assert answer.json() == {"error": "emails does not have a valid value"}
    answer = api.call("POST", "/email_survey", data={"emails[]": "a@b.c", "delay": "32"})
    assert answer.json() == {"error": "delay does not have a valid value"}
    assert api.call("POST", "/email_survey").json() == {"error": "emails is missing"}


def test_json_bodies_are_read_like_forms(api) -> None:
    answer = api.call(
        "POST",
        "/end_users",
        json={"email": "json@example.com", "properties": {"plan": "Lite", "seats": 3}},
    )
    assert answer.status_code == 201
    assert answer.json()["properties"] == "{'plan':'Lite', 'seats':'3'}"
