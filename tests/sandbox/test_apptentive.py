"""The Apptentive sandbox against its documentation, over real HTTP."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.conftest import SMALL
from workbench.sandbox import SandboxConfig, ServedSandbox, vocabulary
from workbench.sandbox.accounts import APPTENTIVE_APPS
from workbench.sandbox.apptentive.api import Apptentive, etag_of
from workbench.sandbox.apptentive.data import DEVICE_FIELDS, FEEDBACK_TYPES, USER_FIELDS
from workbench.sandbox.web import rfc1123_time
from workbench.sandbox.world import World

APP, OTHER = APPTENTIVE_APPS
REVALIDATE = "max-age=0, private, must-revalidate"
DOC_CREATE_BODY = (
    '{"data": {"my_app_id": 123}, "feedback": {"feedback": "Great app!", "type": "praise"}, '
    '"user": {"name": "Sample User", "email": "sample@example.com"}, '
    '"device": {"os_name": "iOS", "os_version": "5.0.1"}, "client": {"language": "curl"}}'
)


def url(served: ServedSandbox, path: str) -> str:
    return f"{served.url('apptentive')}{path}"


def auth(app: Any = APP) -> dict[str, str]:
    return {"Authorization": f"OAuth {app.token}"}


def truth(served: ServedSandbox, app: Any = APP) -> dict[str, list[dict[str, Any]]]:
    return served.sandbox.apptentive.ground_truth()[app.app_id]


def replay_curl(http: httpx.Client, command: str, base: str) -> httpx.Response:
    """Run a documented curl command with httpx, the base URL swapped for the sandbox's."""
    words = shlex.split(command)
    assert words[0] == "curl"
    method, headers, body, target = None, {}, None, None
    position = 1
    while position < len(words):
        word = words[position]
        if word == "-i":
            pass
        elif word == "-X":
            position += 1
            method = words[position]
        elif word == "-H":
            position += 1
            name, _, value = words[position].partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            position += 1
            body = words[position]
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            target = word
        position += 1
    assert target is not None
    target = target.replace("https://api.apptentive.com", base)
    return http.request(
        method or ("POST" if body else "GET"), target, headers=headers, content=body
    )


# --- auth ------------------------------------------------------------------------------------


def test_oauth_header_opens_only_its_own_app(shared_sandbox, http) -> None:
    mine = http.get(url(shared_sandbox, "/records"), headers=auth(APP))
    theirs = http.get(url(shared_sandbox, "/records"), headers=auth(OTHER))
    assert mine.status_code == theirs.status_code == 200
    assert [r["id"] for r in mine.json()] == [
        r["id"] for r in truth(shared_sandbox, APP)["records"]
    ]
    assert not {r["id"] for r in mine.json()} & {r["id"] for r in theirs.json()}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "OAuth not-a-token"},
        {"Authorization": f"Bearer {APP.token}"},  # the docs show the OAuth scheme only
        {"Authorization": APP.token},
    ],
)
def test_missing_or_wrong_token_is_401(shared_sandbox, http, headers) -> None:
    response = http.get(url(shared_sandbox, "/records"), headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"]
    assert response.headers["WWW-Authenticate"].startswith("OAuth")
    assert "ETag" not in response.headers


def test_oauth_token_parameter_is_accepted_and_counted(served, http) -> None:
    response = http.get(url(served, "/records"), params={"oauth_token": APP.token})
    assert response.status_code == 200
    assert len(response.json()) == len(truth(served)["records"])
    assert served.sandbox.world.counters["token_in_url"] == 1


def test_another_apps_record_is_401_and_an_unknown_one_404(shared_sandbox, http) -> None:
    foreign = truth(shared_sandbox, OTHER)["records"][0]["id"]
    assert http.get(url(shared_sandbox, f"/records/{foreign}"), headers=auth()).status_code == 401
    unknown = "0" * 24
    response = http.get(url(shared_sandbox, f"/records/{unknown}"), headers=auth())
    assert response.status_code == 404
    assert response.json() == {"errors": ["Not Found"]}


def test_wrong_method_is_405_and_unknown_path_404(shared_sandbox, http) -> None:
    record = truth(shared_sandbox)["records"][0]["id"]
    response = http.delete(url(shared_sandbox, f"/records/{record}"), headers=auth())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert http.post(url(shared_sandbox, "/surveys"), headers=auth()).status_code == 405
    assert http.get(url(shared_sandbox, "/responses"), headers=auth()).status_code == 404


# --- records ---------------------------------------------------------------------------------


def test_records_listing_is_every_record_in_the_documented_shape(shared_sandbox, http) -> None:
    response = http.get(url(shared_sandbox, "/records"), headers=auth())
    records = response.json()
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-UA-Compatible"] == "IE=Edge"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert records == truth(shared_sandbox)["records"]
    assert len(records) == 3_000 // 10  # responses // 10 per app
    for record in records:
        assert list(record)[:6] == ["id", "summary", "device", "user", "feedback", "date"]
        assert list(record)[-1] == "archived"
        assert list(record["device"]) == ["_id", *DEVICE_FIELDS]
        assert list(record["user"]) == ["_id", *USER_FIELDS]
        assert list(record["feedback"]) == ["_id", "feedback", "source", "type"]
        assert re.fullmatch(r"[0-9a-f]{24}", record["id"])
        # sub-documents take the next ObjectId counters, as in the documented example
        counter = int(record["id"][-6:], 16)
        assert [int(record[k]["_id"][-6:], 16) for k in ("device", "user", "feedback")] == [
            counter + 1,
            counter + 2,
            counter + 3,
        ]


def test_records_listing_ignores_paging_parameters(shared_sandbox, http) -> None:
    """The docs list no parameters for the listing: it answers every record regardless."""
    everything = http.get(url(shared_sandbox, "/records"), headers=auth()).json()
    paged = http.get(
        url(shared_sandbox, "/records"), params={"page": 2, "per_page": 5}, headers=auth()
    )
    assert paged.json() == everything


def test_record_dates_are_rfc_1123(shared_sandbox, http) -> None:
    for record in truth(shared_sandbox)["records"][:50]:
        moment = parsedate_to_datetime(record["date"])
        assert format_datetime(moment, usegmt=True) == record["date"]
    created_second = int(truth(shared_sandbox)["records"][0]["id"][:8], 16)
    assert rfc1123_time(created_second).endswith("GMT")


def test_get_record_equals_the_listing_row(shared_sandbox, http) -> None:
    records = truth(shared_sandbox)["records"]
    for record in (records[0], records[len(records) // 2], records[-1]):
        response = http.get(url(shared_sandbox, f"/records/{record['id']}"), headers=auth())
        assert response.status_code == 200
        assert response.json() == record
        assert response.headers["Cache-Control"] == REVALIDATE


def test_records_tell_a_consistent_story(shared_sandbox) -> None:
    texts = {c.text for c in vocabulary.COMMENTS if c.text}
    for app in APPTENTIVE_APPS:
        records = truth(shared_sandbox, app)["records"]
        assert {r["feedback"]["feedback"] for r in records} <= texts
        assert {r["feedback"]["type"] for r in records} <= set(FEEDBACK_TYPES)
        assert len({r["feedback"]["type"] for r in records}) >= 4
        archived = sum(r["archived"] for r in records)
        assert 0 < archived < len(records)
        android = "Android" in app.name
        assert {r["device"]["os_name"] for r in records} == {"Android" if android else "iOS"}
        for r in records:
            if r["user"]["name"]:
                assert r["summary"].endswith(f" from {r['user']['name']}")
            if r["user"]["email"]:
                assert r["user"]["name"], "an email comes with the name it was made from"
        dates = [parsedate_to_datetime(r["date"]).timestamp() for r in records]
        end = SandboxConfig().end.timestamp()
        assert end - 2 * 365 * 86_400 - 3 * 86_400 <= min(dates)
        assert max(dates) < end


def test_small_worlds_still_hold_200_records() -> None:
    apptentive = Apptentive(World(SandboxConfig(responses=100)))
    assert all(len(app.columns) == 200 for app in apptentive.apps.values())


def test_a_million_response_world_keeps_ids_sorted_and_unique() -> None:
    apptentive = Apptentive(World(SandboxConfig(responses=1_000_000)))
    for app in apptentive.apps.values():
        ids = app.columns.ids
        assert len(ids) == 100_000
        assert (ids[1:] > ids[:-1]).all()  # searchsorted needs this


def test_create_record_as_documented(served, http) -> None:
    before = http.get(url(served, "/records"), headers=auth())
    response = http.post(
        url(served, "/records"),
        headers={**auth(), "Content-type": "application/json"},
        content=DOC_CREATE_BODY,
    )
    assert response.status_code == 201
    record = response.json()
    assert response.headers["Location"] == url(served, f"/records/{record['id']}")
    assert response.headers["ETag"] == f'"{hashlib.md5(response.content).hexdigest()}"'
    assert response.headers["Cache-Control"] == REVALIDATE
    assert record["summary"] == "Great app! from Sample User"
    assert record["feedback"]["feedback"] == "Great app!"
    assert record["feedback"]["type"] == "praise"
    assert record["user"]["email"] == "sample@example.com"
    assert record["device"]["os_name"] == "iOS"
    assert record["device"]["model"] is None
    assert record["data"] == {"my_app_id": 123}
    assert record["archived"] is False
    assert list(record) == [
        "id", "summary", "device", "user", "feedback", "date", "data", "archived",
    ]  # fmt: skip
    stored = int(record["id"][:8], 16)
    assert abs(stored - served.sandbox.world.clock.now()) < 5
    assert record["date"] == rfc1123_time(stored)
    assert http.get(url(served, f"/records/{record['id']}"), headers=auth()).json() == record
    after = http.get(url(served, "/records"), headers=auth())
    assert after.json()[-1] == record
    assert after.headers["ETag"] != before.headers["ETag"]
    assert record in truth(served)["records"]
    other = http.get(url(served, f"/records/{record['id']}"), headers=auth(OTHER))
    assert other.status_code == 401


def test_create_record_stores_user_and_device_values_as_strings(served, http) -> None:
    body = {
        "feedback": {"feedback": "Where is the export button", "type": "question"},
        "user": {"name": "Ana", "zip_code": 60606, "phone_number": 5551234, "shoe": "42"},
        "device": {"os_version": 17, "uuid": "ABC", "rooted": True},
        "date": "03/23/2012 08:26PM-0700",
    }
    record = http.post(url(served, "/records"), headers=auth(), json=body).json()
    assert record["user"]["zip"] == "60606"
    assert record["user"]["phone_number"] == "5551234"
    assert "shoe" not in record["user"]
    assert "rooted" not in record["device"]
    assert record["device"]["os_version"] == "17"
    assert record["date"] == "Sat, 24 Mar 2012 03:26:00 GMT"
    assert record["summary"] == "Where is the export button. from Ana"
    assert "data" not in record


def test_create_record_with_a_date_in_another_format_uses_the_server_time(served, http) -> None:
    served.sandbox.world.clock.advance(3_600)
    body = {"feedback": {"feedback": "Hi"}, "date": "2012-03-23T20:26:00Z"}
    record = http.post(url(served, "/records"), headers=auth(), json=body).json()
    assert record["date"] == rfc1123_time(int(record["id"][:8], 16))
    assert abs(int(record["id"][:8], 16) - served.sandbox.world.clock.now()) < 5


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("feedback=hi", "application/x-www-form-urlencoded", "JSON"),
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "JSON object"),
        ("{}", "application/json", "at least one of"),
        ('{"client": {"language": "curl"}}', "application/json", "at least one of"),
        ('{"feedback": "Great app!"}', "application/json", "feedback must be a JSON object"),
        ('{"feedback": {"feedback": 5}}', "application/json", "feedback.feedback"),
        ('{"file": {"screenshot": "not base64!"}}', "application/json", "base64"),
    ],
)
def test_create_record_refuses_what_it_cannot_store(
    shared_sandbox, http, body, content_type, message
) -> None:
    response = http.post(
        url(shared_sandbox, "/records"),
        headers={**auth(), "Content-Type": content_type},
        content=body,
    )
    assert response.status_code == 422
    assert message in response.json()["errors"][0]
    assert len(http.get(url(shared_sandbox, "/records"), headers=auth()).json()) == 300


def test_toggle_archive_flips_and_changes_the_list(served, http) -> None:
    record = truth(served)["records"][10]
    before = http.get(url(served, "/records"), headers=auth())
    response = http.put(url(served, f"/records/{record['id']}/toggle_archive"), headers=auth())
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Cache-Control"] == "no-cache"
    flipped = http.get(url(served, f"/records/{record['id']}"), headers=auth()).json()
    assert flipped["archived"] is not record["archived"]
    after = http.get(url(served, "/records"), headers=auth())
    assert after.headers["ETag"] != before.headers["ETag"]
    http.put(url(served, f"/records/{record['id']}/toggle_archive"), headers=auth())
    again = http.get(url(served, "/records"), headers=auth())
    assert again.json() == before.json()
    foreign = truth(served, OTHER)["records"][0]["id"]
    path = f"/records/{foreign}/toggle_archive"
    assert http.put(url(served, path), headers=auth()).status_code == 401
    assert (
        http.put(url(served, f"/records/{'f' * 24}/toggle_archive"), headers=auth()).status_code
        == 404
    )
    assert (
        http.get(url(served, f"/records/{foreign}"), headers=auth(OTHER)).json()["archived"]
        is (truth(served, OTHER)["records"][0]["archived"])
    )


# --- ETag and 304 ----------------------------------------------------------------------------


def test_etag_is_the_quoted_md5_and_if_none_match_answers_304(shared_sandbox, http) -> None:
    first = http.get(url(shared_sandbox, "/records"), headers=auth())
    etag = first.headers["ETag"]
    assert etag == f'"{hashlib.md5(first.content).hexdigest()}"'
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        again = http.get(
            url(shared_sandbox, "/records"), headers={**auth(), "If-None-Match": header}
        )
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == REVALIDATE
    stale = http.get(url(shared_sandbox, "/records"), headers={**auth(), "If-None-Match": '"x"'})
    assert stale.status_code == 200
    assert stale.content == first.content


@pytest.mark.parametrize("path", ["/records/{record}", "/surveys", "/surveys/{survey}"])
def test_every_read_honours_if_none_match(shared_sandbox, http, path) -> None:
    target = url(
        shared_sandbox,
        path.format(
            record=truth(shared_sandbox)["records"][3]["id"],
            survey=truth(shared_sandbox)["surveys"][0]["id"],
        ),
    )
    first = http.get(target, headers=auth())
    assert first.headers["ETag"] == f'"{hashlib.md5(first.content).hexdigest()}"'
    second = http.get(target, headers={**auth(), "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304


def test_etags_are_stable_across_sandboxes_with_the_same_seed(shared_sandbox, http) -> None:
    served_tag = http.get(url(shared_sandbox, "/records"), headers=auth()).headers["ETag"]
    for _ in range(2):
        rebuilt = Apptentive(World(SandboxConfig(**SMALL)))  # type: ignore[arg-type]
        assert etag_of(rebuilt.apps[APP.app_id].list_body()) == served_tag


# --- surveys ---------------------------------------------------------------------------------


def surveys(served: ServedSandbox, http: httpx.Client, **query: Any) -> httpx.Response:
    return http.get(url(served, "/surveys"), params=query, headers=auth())


def test_survey_listing_shape_and_cache_control(shared_sandbox, http) -> None:
    response = surveys(shared_sandbox, http)
    assert response.headers["Cache-Control"] == "max-age=86400, private"
    listed = response.json()["surveys"]
    detailed = truth(shared_sandbox)["surveys"]
    assert [s["id"] for s in listed] == [s["id"] for s in detailed]
    assert 3 <= len(listed) <= 4
    assert {s["active"] for s in listed} == {True, False}
    for survey in listed:
        assert "responses" not in survey
        assert "response_count" not in survey
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", survey["date"])
        for question in survey["questions"]:
            assert question["type"] in {"singleline", "multichoice", "multiselect"}
            assert ("answer_choices" in question) is (question["type"] != "singleline")


def test_survey_filters(shared_sandbox, http) -> None:
    every = surveys(shared_sandbox, http).json()["surveys"]
    active = [s["id"] for s in every if s["active"]]
    inactive = [s["id"] for s in every if not s["active"]]
    ids = lambda response: [s["id"] for s in response.json()["surveys"]]  # noqa: E731
    assert ids(surveys(shared_sandbox, http, active=1)) == active
    assert ids(surveys(shared_sandbox, http, inactive=1)) == inactive
    # "1 to only return active surveys. (All other values are ignored)"
    assert ids(surveys(shared_sandbox, http, active="true")) == [s["id"] for s in every]
    assert ids(surveys(shared_sandbox, http, active=1, inactive=1)) == []
    assert ids(surveys(shared_sandbox, http, limit=2)) == [s["id"] for s in every][:2]
    assert len(ids(surveys(shared_sandbox, http, limit="lots"))) == len(every)
    tagged = every[0]["tags"]
    wanted = [s["id"] for s in every if set(tagged) <= set(s["tags"])]
    assert ids(surveys(shared_sandbox, http, tags=",".join(tagged))) == wanted
    as_array = http.get(
        url(shared_sandbox, "/surveys"), params=[("tags[]", t) for t in tagged], headers=auth()
    )
    assert ids(as_array) == wanted
    assert ids(surveys(shared_sandbox, http, tags=f"{tagged[0]},no-such-tag")) == []
    active_path = http.get(url(shared_sandbox, "/surveys/active"), headers=auth())
    assert ids(active_path) == active


def test_survey_retrieval_aggregates_answers(shared_sandbox, http) -> None:
    for survey in truth(shared_sandbox)["surveys"]:
        response = http.get(url(shared_sandbox, f"/surveys/{survey['id']}"), headers=auth())
        assert response.headers["Cache-Control"] == REVALIDATE
        detail = response.json()
        assert detail == survey
        assert list(detail)[:5] == ["id", "questions", "date", "response_count", "responses"]
        assert len(detail["responses"]) == len(detail["questions"])
        for question, answered in zip(detail["questions"], detail["responses"], strict=True):
            assert answered["question"] == question["value"]
            assert answered["type"] == question["type"]
            counts = [c["count"] for c in answered["responses"]]
            if question["type"] == "singleline":
                assert sum(counts) <= detail["response_count"]
                continue
            assert [c["choice"] for c in answered["responses"]] == [
                c["value"] for c in question["answer_choices"]
            ]
            if question["type"] == "multichoice":
                assert sum(counts) <= detail["response_count"]
            assert max(counts) >= 1.5 * max(min(counts), 1), "answers are skewed, not uniform"


def test_satisfaction_answers_lean_positive(shared_sandbox) -> None:
    for app in APPTENTIVE_APPS:
        for survey in truth(shared_sandbox, app)["surveys"]:
            for answered in survey["responses"]:
                if answered["question"] == vocabulary.SURVEY_QUESTIONS[0][0]:
                    counts = [c["count"] for c in answered["responses"]]
                    assert counts[0] + counts[1] > counts[3] + counts[4]


def test_another_apps_survey_is_401(shared_sandbox, http) -> None:
    foreign = truth(shared_sandbox, OTHER)["surveys"][0]["id"]
    assert http.get(url(shared_sandbox, f"/surveys/{foreign}"), headers=auth()).status_code == 401
    assert http.get(url(shared_sandbox, f"/surveys/{'a' * 24}"), headers=auth()).status_code == 404


@pytest.mark.parametrize("path", ["/surveys/{id}/deactivate", "/surveys/{id}"])
def test_deactivate_at_both_documented_uris(served, http, path) -> None:
    active = [s for s in truth(served)["surveys"] if s["active"]]
    target = url(served, path.format(id=active[0]["id"]))
    before = surveys(served, http)
    response = http.put(target, headers=auth())
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-cache"
    detail = http.get(url(served, f"/surveys/{active[0]['id']}"), headers=auth()).json()
    assert detail["active"] is False
    assert active[0]["id"] not in [
        s["id"] for s in surveys(served, http, active=1).json()["surveys"]
    ]
    assert surveys(served, http).headers["ETag"] != before.headers["ETag"]
    assert http.put(target, headers=auth()).status_code == 204  # twice is fine
    foreign = truth(served, OTHER)["surveys"][0]["id"]
    assert http.put(url(served, path.format(id=foreign)), headers=auth()).status_code == 401
    assert http.put(url(served, path.format(id="b" * 24)), headers=auth()).status_code == 404


# --- the documented curl examples ------------------------------------------------------------


def test_documented_curl_examples_work(served, http) -> None:
    base = served.url("apptentive")
    token = APP.token
    record = truth(served)["records"][0]["id"]
    survey = truth(served)["surveys"][-1]["id"]
    examples = [
        (f'curl -H "Authorization: OAuth {token}" https://api.apptentive.com/surveys/active', 200),
        (f"curl https://api.apptentive.com/surveys/active?oauth_token={token}", 200),
        (f'curl -i -H "Authorization: OAuth {token}" https://api.apptentive.com/records', 200),
        (
            f'curl -i -H "Authorization: OAuth {token}" '
            f"https://api.apptentive.com/records/{record}",
            200,
        ),
        (
            f'curl -i -X POST -H "Content-type: application/json" '
            f"-H \"Authorization: OAuth {token}\"  -d '{DOC_CREATE_BODY}' "
            "https://api.apptentive.com/records",
            201,
        ),
        (
            f'curl -i -X PUT -H "Authorization: OAuth {token}" '
            f"https://api.apptentive.com/records/{record}/toggle_archive",
            204,
        ),
        (
            f'curl -i -H "Authorization: OAuth {token}" '
            f"https://api.apptentive.com/surveys/{survey}",
            200,
        ),
        (
            f'curl -i -X PUT -H "Authorization: OAuth {token}" '
            f"https://api.apptentive.com/surveys/{survey}/deactivate",
            204,
        ),
    ]
    for command, status in examples:
        response = replay_curl(http, command, base)
        assert response.status_code == status, command
        if status in {200, 201}:
            assert response.headers["ETag"].startswith('"')
            json.loads(response.content)


def test_get_with_a_form_body_carries_filters_like_the_query(served, http) -> None:
    """`curl -X GET ... -d "limit=1"`: the form body of a GET is read like the query string."""
    command = (
        f'curl -X GET -H "Authorization: OAuth {APP.token}" -d "limit=1&active=1" '
        "https://api.apptentive.com/surveys"
    )
    response = replay_curl(http, command, served.url("apptentive"))
    active = [s["id"] for s in truth(served)["surveys"] if s["active"]]
    assert [s["id"] for s in response.json()["surveys"]] == active[:1]
    by_body_token = replay_curl(
        http,
        f'curl -X GET -d "oauth_token={APP.token}" https://api.apptentive.com/records',
        served.url("apptentive"),
    )
    assert by_body_token.status_code == 200


# --- control routes and determinism ----------------------------------------------------------


def test_control_routes_list_ids_and_add_records(served, http) -> None:
    control = f"{served.base_url}/_sandbox/apptentive/{APP.app_id}"
    ids = http.get(f"{control}/records/ids").json()
    assert ids == [r["id"] for r in truth(served)["records"]]
    assert http.get(f"{control}/surveys/ids").json() == [s["id"] for s in truth(served)["surveys"]]
    before = http.get(url(served, "/records"), headers=auth())
    added = http.post(f"{control}/records", data={"count": "3"})
    assert added.status_code == 201
    new_ids = added.json()
    assert len(new_ids) == 3
    after = http.get(url(served, "/records"), headers=auth())
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [r["id"] for r in after.json()] == ids + new_ids
    now = served.sandbox.world.clock.now()
    assert all(abs(int(i[:8], 16) - now) < 5 for i in new_ids)
    stamped = http.post(f"{control}/records", data={"count": "1", "created_at": "1700000000"})
    assert int(stamped.json()[0][:8], 16) == 1_700_000_000
    assert http.get(f"{served.base_url}/_sandbox/apptentive/nope/records/ids").status_code == 404
    assert http.get(f"{control}/nope/ids").status_code == 404


def test_same_seed_same_data_and_another_seed_other_data() -> None:
    def world(seed: int) -> dict[str, Any]:
        return Apptentive(World(SandboxConfig(seed=seed, responses=3_000))).ground_truth()

    assert world(5) == world(5)
    assert world(5) != world(6)


def test_ids_match_ground_truth(shared_sandbox) -> None:
    apptentive = shared_sandbox.sandbox.apptentive
    for app in APPTENTIVE_APPS:
        assert apptentive.ids(app.app_id, "records") == [
            r["id"] for r in truth(shared_sandbox, app)["records"]
        ]


def test_new_record_clock_follows_the_sandbox_clock(served, http) -> None:
    served.sandbox.world.clock.advance(86_400)
    body = {"feedback": {"feedback": "x"}}
    record = http.post(url(served, "/records"), headers=auth(), json=body).json()
    assert abs(int(record["id"][:8], 16) - served.sandbox.world.clock.now()) < 5
