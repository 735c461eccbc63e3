"""The sandbox's Wootric CXI API, driven over real HTTP as a client would drive the real one.

Each rule the sandbox enforces has a test here that fails if the rule is dropped: 424 before
onboarding, 401 for foreign or dead tokens, page and per_page caps, CSV validation, the one
export in progress, and the answer shapes the documentation shows.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_sandbox
from workbench.sandbox import ServedSandbox
from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.cxi.api import ANALYSIS_SECONDS, EXPORT_SECONDS, ONBOARDING_MESSAGE
from workbench.sandbox.cxi.catalog import METRIC_SCALES, PROPERTY_KEYS
from workbench.sandbox.cxi.uploads import MAX_CSV_BYTES

ACME = "CXI-c3e5a7b9"
INITECH = "CXI-d4f6b8c0"  # starts un-onboarded, with no data
NPS_ACCOUNT = "NPS-a1c3e5f7"
USER_EMAIL, USER_PASSWORD = "analyst@example.com", "sandbox-password"

MakeClient = Callable[..., httpx.Client]

RESPONSE_KEYS = [
    "id", "project_ids", "feedback", "translated_feedback", "user_id", "feedback_date", "score",
    "metric_type", "custom_properties", "tags", "sentiment", "wootric_response_id",
    "wootric_account_id",
]  # fmt: skip
IMPORT_KEYS = [
    "id", "name", "source", "metric_type", "language", "secondary_product_category_id",
    "response_count", "created_at",
]  # fmt: skip
TAG_KEYS = [
    "id", "name", "display_name", "description", "mode", "enabled", "scope_by_parent",
    "text_match_terms", "filter_rules",
]  # fmt: skip
STATS_KEYS = ["response_count", "usage", "sentiment_breakdown"]
RESPONSE_TAG_KEYS = [
    "id", "name", "display_name", "description", "mode", "sentiment", "text_match_terms",
    "filter_rules",
]  # fmt: skip


def token_for(served: ServedSandbox, account_token: str = ACME) -> str:
    issued = served.sandbox.world.tokens.issue(
        subject=account_token, grant="password", with_refresh=True, prefix="wt"
    )
    return issued.token


@pytest.fixture
def cxi_client() -> Iterator[MakeClient]:
    """Clients for a served sandbox's CXI API, logged in to an account, closed afterwards."""
    opened: list[httpx.Client] = []

    def make(served: ServedSandbox, account_token: str = ACME) -> httpx.Client:
        client = httpx.Client(
            base_url=served.url("cxi"),
            headers={"Authorization": f"Bearer {token_for(served, account_token)}"},
            timeout=30,
        )
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def truth(served: ServedSandbox, account_token: str = ACME) -> dict[str, list[dict[str, Any]]]:
    return served.sandbox.cxi.ground_truth()[account_token]


def csv_upload(client: httpx.Client, text: str | bytes, name: str = "data.csv") -> httpx.Response:
    raw = text.encode() if isinstance(text, str) else text
    return client.post("/v1/imports", files={"file": (name, raw, "text/csv")})


# --- onboarding ---------------------------------------------------------------------------------

NON_ONBOARDING_CALLS = [
    ("GET", "/v1/projects", None),
    ("POST", "/v1/projects", {"project[name]": "x"}),
    ("PUT", "/v1/projects/5", {"project[name]": "x"}),
    ("GET", "/v1/tags", None),
    ("POST", "/v1/tags", {"tag[name]": "x"}),
    ("PUT", "/v1/tags/40", {"tag[name]": "x"}),
    ("DELETE", "/v1/tags/40", None),
    ("GET", "/v1/imports", None),
    ("POST", "/v1/imports", None),
    ("GET", "/v1/imports/3", None),
    ("PUT", "/v1/imports/3", {"import[name]": "x"}),
    ("DELETE", "/v1/imports/3", None),
    ("GET", "/v1/responses", None),
    ("POST", "/v1/exports", None),
]


def assert_all_refused_until_onboarding(client: httpx.Client) -> None:
    for method, path, form in NON_ONBOARDING_CALLS:
        answer = client.request(method, path, data=form)
        assert answer.status_code == 424, (method, path, answer.text)
        assert answer.json() == {"message": ONBOARDING_MESSAGE}


def test_the_onboarding_flow_unlocks_an_account_that_answered_424_everywhere(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served, INITECH)
    assert_all_refused_until_onboarding(client)

    status = client.get("/v1/onboarding").json()
    assert status["onboarded"] is False
    assert status["mode"] == "full"
    assert status["product_category_id"] is None
    assert status["tags"] == []
    assert "project" not in status
    assert {"id": 15, "name": "Politicians Review"} in status["product_categories"]
    assert [c["id"] for c in status["product_categories"]][7] == 15  # the docs' order

    early = client.put("/v1/onboarding", data={"onboarded": "true"})
    assert early.status_code == 422
    assert "product category" in early.json()["message"]
    assert client.put("/v1/onboarding", data={"product_category_id": "99"}).status_code == 422
    assert client.put("/v1/onboarding", data={"product_category_id": "x"}).status_code == 400

    chosen = client.put("/v1/onboarding", files={"product_category_id": (None, "9")}).json()
    assert chosen["onboarded"] is False
    assert chosen["product_category_id"] == 9
    assert chosen["project"] == {"name": None, "responses": []}
    names = {t["name"] for t in chosen["tags"]}
    assert {"RETURNS", "SHIPPING_PACKAGING", "PRODUCT_QUALITY"} <= names
    assert all(t["mode"] == "smart" and t["response_ids"] == [] for t in chosen["tags"])
    assert list(chosen["tags"][0]) == ["id", "mode", "name", "response_ids"]

    drafted = client.put(
        "/v1/onboarding",
        files={
            "project[name]": (None, "Enterprise"),
            "import[name]": (None, "important.csv"),
            "import[source]": (None, "Survey Monkey"),
            "import[metric_type]": (None, "NPS"),
        },
    ).json()
    assert drafted["project"] == {"name": "Enterprise", "responses": []}
    assert drafted["import"] == {
        "name": "important.csv",
        "source": "Survey Monkey",
        "metric_type": "nps",
        "sample_analyzed": True,
    }
    assert_all_refused_until_onboarding(client)  # drafting is not finishing

    done = client.put("/v1/onboarding", data={"onboarded": "true"})
    assert done.status_code == 200
    assert done.json() == {"onboarded": True, "mode": "full"}
    assert client.get("/v1/onboarding").json() == {"onboarded": True, "mode": "full"}

    assert client.get("/v1/responses").json() == {"total_count": 0, "items": []}
    assert [p["name"] for p in client.get("/v1/projects").json()] == ["Enterprise"]
    (imported,) = client.get("/v1/imports").json()
    assert (imported["name"], imported["metric_type"], imported["response_count"]) == (
        "important.csv",
        "nps",
        0,
    )
    tags = client.get("/v1/tags", params={"per_page": 50}).json()
    assert {t["name"] for t in tags} == names
    again = client.put("/v1/onboarding", data={"product_category_id": "1"})
    assert again.status_code == 422
    assert "already been completed" in again.json()["message"]


def test_reset_control_route_puts_an_account_back_before_onboarding(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    total = client.get("/v1/responses").json()["total_count"]
    reset = httpx.post(f"{served.base_url}/_sandbox/cxi/{ACME}/onboarding/reset")
    assert reset.status_code == 200
    assert reset.json()["onboarded"] is False
    assert client.get("/v1/imports").status_code == 424
    client.put("/v1/onboarding", data={"product_category_id": "1", "onboarded": "true"})
    assert client.get("/v1/responses").json()["total_count"] == total  # rows were kept


# --- authentication -----------------------------------------------------------------------------


def _assert_401(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_token"
    assert "Bearer" in answer.headers["WWW-Authenticate"]


def test_tokens_of_other_accounts_unknown_tokens_and_no_token_answer_401(
    shared_sandbox: ServedSandbox, http: httpx.Client
) -> None:
    url = f"{shared_sandbox.url('cxi')}/v1/imports"
    nps_token = token_for(shared_sandbox, NPS_ACCOUNT)
    _assert_401(http.get(url, headers={"Authorization": f"Bearer {nps_token}"}))
    _assert_401(http.get(url, headers={"Authorization": "Bearer wt-not-a-token"}))
    _assert_401(http.get(url))
    _assert_401(http.get(f"{shared_sandbox.url('cxi')}/v1/onboarding"))  # onboarding too


def test_the_legacy_access_token_parameter_is_accepted(
    shared_sandbox: ServedSandbox, http: httpx.Client
) -> None:
    token = token_for(shared_sandbox)
    answer = http.get(f"{shared_sandbox.url('cxi')}/v1/imports", params={"access_token": token})
    assert answer.status_code == 200


def test_an_expired_token_answers_401(served: ServedSandbox, cxi_client: MakeClient) -> None:
    client = cxi_client(served)
    assert client.get("/v1/projects").status_code == 200
    served.sandbox.world.clock.advance(served.sandbox.world.config.token_ttl + 1)
    _assert_401(client.get("/v1/projects"))


def test_a_token_from_the_wootric_oauth_endpoint_opens_the_cxi_api(
    served: ServedSandbox, http: httpx.Client
) -> None:
    if not served.sandbox.wootric.routes():
        pytest.skip("POST /wootric/oauth/token is written by the Wootric helper; not merged yet")
    issued = http.post(
        f"{served.url('wootric')}/oauth/token",
        params={"account_token": ACME},
        data={"grant_type": "password", "username": USER_EMAIL, "password": USER_PASSWORD},
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    answer = http.get(
        f"{served.url('cxi')}/v1/imports", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.json()


# --- projects -----------------------------------------------------------------------------------


def test_projects_are_listed_created_and_renamed(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    listed = client.get("/v1/projects").json()
    assert [list(p) for p in listed] == [["id", "name", "response_count", "created_at"]] * 3
    facts = truth(served)
    for project in listed:
        expected = sum(project["id"] in r["project_ids"] for r in facts["responses"])
        assert project["response_count"] == expected > 0

    created = client.post("/v1/projects", data={"project[name]": "My new Project"})
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["response_count"]) == ("My new Project", 0)
    assert isinstance(body["created_at"], int)
    renamed = client.put(
        f"/v1/projects/{body['id']}", data={"project[name]": "Updated name for the Project"}
    )
    assert renamed.json() == {**body, "name": "Updated name for the Project"}
    assert client.get("/v1/projects").json()[-1]["name"] == "Updated name for the Project"

    assert client.post("/v1/projects", data={"project[name]": " "}).status_code == 422
    missing = client.post("/v1/projects", data={"name": "x"})
    assert (missing.status_code, missing.json()) == (400, {"error": "project is missing"})
    unknown = client.put("/v1/projects/999999", data={"project[name]": "x"})
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Couldn't find Project with 'id'=999999"}


# --- tags ---------------------------------------------------------------------------------------


def _all_tags(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return client.get("/v1/tags", params={"per_page": "50", **params}).json()


def test_tags_come_as_a_hierarchy_with_stats_computed_from_the_responses(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    facts = truth(shared_sandbox)
    total = len(facts["responses"])
    tagged: dict[int, set[int]] = {}
    mentions: dict[int, list[str | None]] = {}
    for response in facts["responses"]:
        for tag in response["tags"]:
            tagged.setdefault(tag["id"], set()).add(response["id"])
            mentions.setdefault(tag["id"], []).append(tag["sentiment"])

    tree = _all_tags(client)
    assert {t["name"] for t in tree} >= {"PRODUCT", "SERVICE", "COMMERCIAL"}
    product = next(t for t in tree if t["name"] == "PRODUCT")
    assert list(product) == TAG_KEYS + STATS_KEYS + ["children"]
    children = {c["name"] for c in product["children"]}
    assert children == {s.name for s in vocab.TAGS if s.parent == "PRODUCT"}
    for child in product["children"]:
        assert child["response_count"] == len(tagged.get(child["id"], ()))
        assert child["usage"] == pytest.approx(child["response_count"] / total * 100)
        breakdown = child["sentiment_breakdown"]
        assert list(breakdown) == ["positive", "neutral", "negative", "null"]
        assert sum(breakdown.values()) == pytest.approx(100, abs=0.05)
        shown = mentions[child["id"]]  # the breakdown is that of the mentions' sentiment
        for key, value in breakdown.items():
            share = shown.count(None if key == "null" else key) / len(shown) * 100
            assert value == round(share, 2)
    rolled_up = set().union(*(tagged.get(c["id"], set()) for c in product["children"]))
    assert product["response_count"] == len(rolled_up | tagged.get(product["id"], set()))
    counts = [t["response_count"] for t in tree]
    assert counts == sorted(counts, reverse=True)  # default: response_count descending
    flat = _all_tags(client, flat="true")
    modes = {t["name"]: t["mode"] for t in flat}
    assert all(modes[spec.name] == "smart" for spec in vocab.TAGS)
    assert len(flat) == len(facts["tags"]) > len(tree)
    assert all(t["children"] == [] for t in flat)


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"sort": "name_asc"}, lambda names, _: names == sorted(names)),
        ({"sort": "name_desc"}, lambda names, _: names == sorted(names, reverse=True)),
        ({"sort": "responses_asc"}, lambda _, counts: counts == sorted(counts)),
        ({"search": "pric"}, lambda names, _: names == ["PRICING"]),
        ({"exclude_disabled": "true"}, lambda names, _: "COMPETITORS" not in names),
        ({}, lambda names, _: "COMPETITORS" in names),
    ],
)
def test_tag_sorting_search_and_disabled_filter(
    shared_sandbox: ServedSandbox,
    cxi_client: MakeClient,
    params: dict[str, str],
    check: Callable[[list[str], list[int]], bool],
) -> None:
    flat = _all_tags(cxi_client(shared_sandbox), flat="true", **params)
    assert check([t["name"] for t in flat], [t["response_count"] for t in flat])


def test_tag_search_in_the_hierarchy_keeps_the_parent_and_no_stats_drops_the_numbers(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    (commercial,) = _all_tags(client, search="billing")
    assert commercial["name"] == "COMMERCIAL"
    assert [c["name"] for c in commercial["children"]] == ["BILLING"]
    bare = _all_tags(client, no_stats="true")
    assert list(bare[0]) == [*TAG_KEYS, "children"]
    assert list(bare[0]["children"][0]) == [*TAG_KEYS, "children"]


def test_tag_pages_are_capped(shared_sandbox: ServedSandbox, cxi_client: MakeClient) -> None:
    client = cxi_client(shared_sandbox)
    everything = [t["id"] for t in _all_tags(client, flat="true")]
    paged = [
        t["id"]
        for page in (1, 2, 3, 4)
        for t in client.get("/v1/tags", params={"flat": "true", "per_page": 5, "page": page}).json()
    ]
    assert paged == everything
    assert len(client.get("/v1/tags", params={"flat": "true"}).json()) == min(25, len(everything))
    for params, message in (
        ({"page": 31}, "page does not have a valid value"),
        ({"per_page": 51}, "per_page does not have a valid value"),
        ({"sort": "newest"}, "sort does not have a valid value"),
    ):
        answer = client.get("/v1/tags", params=params)
        assert (answer.status_code, answer.json()) == (400, {"error": message})


def test_text_match_and_manual_tags_are_created_updated_and_deleted(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    created = client.post(
        "/v1/tags",
        files=[
            ("tag[name]", (None, "my-tag")),
            ("tag[description]", (None, "the descrition")),
            ("tag[mode]", (None, "text_match")),
            ("tag[text_match_terms][]", (None, "invoice")),
            ("tag[text_match_terms][]", (None, "hold")),
        ],
    )
    assert created.status_code == 201, created.text
    tag = created.json()
    assert tag == {
        "id": tag["id"],
        "name": "MY-TAG",
        "display_name": "MY-TAG",
        "description": "the descrition",
        "mode": "text_match",
        "enabled": True,
        "scope_by_parent": False,
        "text_match_terms": ["invoice", "hold"],
        "filter_rules": {},
    }

    def tagged_ids() -> set[int]:
        return {
            r["id"] for r in truth(served)["responses"] if tag["id"] in {t["id"] for t in r["tags"]}
        }

    def feedback_with(*terms: str) -> set[int]:
        return {
            r["id"]
            for r in truth(served)["responses"]
            if r["feedback"] and any(t in r["feedback"].lower() for t in terms)
        }

    assert tagged_ids() == feedback_with("invoice", "hold") != set()
    updated = client.put(
        f"/v1/tags/{tag['id']}",
        data={"tag[name]": "my-updated-tag", "tag[text_match_terms][]": "outage"},
    )
    assert updated.json()["name"] == "MY-UPDATED-TAG"
    assert updated.json()["text_match_terms"] == ["outage"]
    assert tagged_ids() == feedback_with("outage") != set()
    listed = next(t for t in _all_tags(client, flat="true") if t["id"] == tag["id"])
    assert listed["response_count"] == len(feedback_with("outage"))

    ruled = client.put(
        f"/v1/tags/{tag['id']}",
        data={"tag[filter_rules][sentiment]": "negative"},
    ).json()
    assert ruled["filter_rules"] == {"sentiment": "negative"}
    negative = {r["id"] for r in truth(served)["responses"] if r["sentiment"] == "negative"}
    assert tagged_ids() == feedback_with("outage") & negative

    parent = next(t for t in _all_tags(client, flat="true") if t["name"] == "SERVICE")
    manual = client.post(  # a JSON body reads as the same Rails parameters
        "/v1/tags", json={"tag": {"name": "vip", "mode": "manual", "parent_id": parent["id"]}}
    )
    assert manual.status_code == 201
    assert manual.json()["text_match_terms"] == []
    service = next(t for t in _all_tags(client) if t["name"] == "SERVICE")
    assert "VIP" in [c["name"] for c in service["children"]]

    deleted = client.delete(f"/v1/tags/{tag['id']}")
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert tagged_ids() == set()
    assert tag["id"] not in {t["id"] for t in _all_tags(client, flat="true")}
    assert client.delete(f"/v1/tags/{tag['id']}").status_code == 404


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ({"tag[name]": ""}, "Name can't be blank"),
        ({"tag[name]": "pricing"}, "Name has already been taken"),
        ({"tag[name]": "x", "tag[mode]": "smart"}, "Mode must be manual or text_match"),
        ({"tag[name]": "x", "tag[mode]": "text_match"}, "Text match terms can't be blank"),
        ({"tag[name]": "x", "tag[parent_id]": "999999"}, "Parent must exist"),
        ({"tag[name]": "x", "tag[parent_id]": "41"}, "Parent must be a top-level tag"),
    ],
)
def test_invalid_tags_answer_422(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient, form: dict[str, str], fragment: str
) -> None:
    answer = cxi_client(shared_sandbox).post("/v1/tags", data=form)
    assert answer.status_code == 422, answer.text
    assert fragment in answer.json()["message"]


def test_more_than_100_text_match_terms_answer_422(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    terms = [("tag[text_match_terms][]", f"term{i}") for i in range(101)]
    form = [("tag[name]", "many"), ("tag[mode]", "text_match"), *terms]
    body = "&".join(f"{k}={v}" for k, v in form)
    answer = cxi_client(shared_sandbox).post(
        "/v1/tags", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 422
    assert "maximum is 100" in answer.json()["message"]


# --- imports and responses ----------------------------------------------------------------------


def test_each_import_lists_every_response_and_together_they_exceed_one_query(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    listed = client.get("/v1/imports", params={"per_page": 50}).json()
    assert all(list(i) == IMPORT_KEYS for i in listed)
    created = [i["created_at"] for i in listed]
    assert created == sorted(created, reverse=True)
    assert {i["metric_type"] for i in listed} == {"nps", "csat", "ces", "other"}
    total = client.get("/v1/responses").json()["total_count"]
    assert total > 30 * 50  # /v1/responses alone cannot reach them all
    seen: set[int] = set()
    for summary in listed:
        detail = client.get(f"/v1/imports/{summary['id']}").json()
        assert list(detail) == [*IMPORT_KEYS, "sample_analyzed", "responses"]
        assert detail["sample_analyzed"] is True
        assert len(detail["responses"]) == detail["response_count"] == summary["response_count"]
        assert all(r["metric_type"] == summary["metric_type"] for r in detail["responses"])
        seen |= {r["id"] for r in detail["responses"]}
    assert seen == {r["id"] for r in truth(shared_sandbox)["responses"]}
    assert len(seen) == total
    missing = client.get("/v1/imports/999999")
    assert (missing.status_code, missing.json()) == (
        404,
        {"message": "Couldn't find Import with 'id'=999999"},
    )
    assert client.get("/v1/imports", params={"page": 31}).status_code == 400
    assert client.get("/v1/imports", params={"per_page": 51}).status_code == 400


def test_responses_are_capped_at_page_30_of_50_and_sorted_by_feedback_date(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    first = client.get("/v1/responses").json()
    assert list(first) == ["total_count", "items"]
    assert first["total_count"] == len(truth(shared_sandbox)["responses"])
    assert len(first["items"]) == 25
    assert list(first["items"][0]) == RESPONSE_KEYS
    dates = [r["feedback_date"] for r in first["items"]]
    assert dates == sorted(dates, reverse=True)  # desc by default

    ascending = [
        r
        for page in (1, 2)
        for r in client.get(
            "/v1/responses", params={"sort_order": "asc", "per_page": 50, "page": page}
        ).json()["items"]
    ]
    keys = [(r["feedback_date"], r["id"]) for r in ascending]
    assert keys == sorted(keys)
    assert len({r["id"] for r in ascending}) == 100
    last = client.get("/v1/responses", params={"page": 30, "per_page": 50}).json()["items"]
    assert len(last) == 50
    for params, message in (
        ({"page": 31}, "page does not have a valid value"),
        ({"page": 0}, "page does not have a valid value"),
        ({"per_page": 51}, "per_page does not have a valid value"),
        ({"page": "two"}, "page is invalid"),
        ({"sort_order": "newest"}, "sort_order does not have a valid value"),
    ):
        answer = client.get("/v1/responses", params=params)
        assert (answer.status_code, answer.json()) == (400, {"error": message})


def test_responses_look_like_the_docs_and_agree_with_the_vocabulary(
    shared_sandbox: ServedSandbox,
) -> None:
    facts = truth(shared_sandbox)
    by_text = {c.text: c for c in vocab.COMMENTS if c.text}
    extra = {"EXPORT_REQUESTS", "FOLLOW_UP"}
    metric_of = {i["id"]: i["metric_type"] for i in facts["imports"]}
    assert {m for m in metric_of.values()} == {"nps", "csat", "ces", "other"}
    for response in facts["responses"]:
        assert list(response) == RESPONSE_KEYS
        assert isinstance(response["feedback_date"], int)
        assert all(list(t) == RESPONSE_TAG_KEYS for t in response["tags"])
        assert {p["key"] for p in response["custom_properties"]} <= set(PROPERTY_KEYS)
        assert all(p["data_type"] == "string" for p in response["custom_properties"])
        low, high = METRIC_SCALES[response["metric_type"]]
        if response["sentiment"] != "neutral":  # a clear comment colours every mention
            assert all(t["sentiment"] == response["sentiment"] for t in response["tags"])
        if response["feedback"] is None:
            assert response["sentiment"] is None
            continue
        template = by_text[response["feedback"]]
        names = {t["name"] for t in response["tags"]}
        assert names - extra == set(template.tags)
        if response["score"] is not None:
            lowest = vocab.rescale(template.low, low, high)
            highest = vocab.rescale(template.high, low, high)
            assert lowest <= response["score"] <= highest, response
    mixed = [
        r
        for r in facts["responses"]
        if r["sentiment"] == "neutral" and {t["sentiment"] for t in r["tags"]} - {"neutral"}
    ]
    assert mixed  # a mixed comment mentions aspects with their own leaning


def test_a_valid_csv_upload_creates_responses_with_custom_properties(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    before = client.get("/v1/responses").json()["total_count"]
    csv = (
        "feedback,feedback_date,score,user_id,pricing_plan,persona\n"
        "Checkout is slow and the price is high,2020-07-16 15:45:00,3,mitsu@example.mx,Lite,\n"
        "Support was helpful,2020-07-16 15:45,9,,Enterprise,Administrator\n"
        ",2020-07-16,,anon@example.mx,,\n"
        '"Multi\nline, quoted",1504948149,10,,Free,Developer\n'
    )
    created = csv_upload(client, csv)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["source"], body["metric_type"]) == ("data.csv", None, None)
    assert (body["response_count"], body["sample_analyzed"]) == (0, False)  # as documented
    rows = body["responses"]
    assert [r["feedback_date"] for r in rows] == [1594914300, 1594914300, 1594857600, 1504948149]
    assert [r["score"] for r in rows] == [3, 9, None, 10]
    assert rows[0]["custom_properties"] == [
        {"key": "pricing_plan", "data_type": "string", "value": "Lite"}
    ]
    assert rows[1]["custom_properties"][1] == {
        "key": "persona",
        "data_type": "string",
        "value": "Administrator",
    }
    assert rows[1]["user_id"] is None
    assert rows[2]["feedback"] is None
    assert rows[3]["feedback"] == "Multi\nline, quoted"
    assert all(r["tags"] == [] and r["sentiment"] is None for r in rows)
    assert client.get("/v1/responses").json()["total_count"] == before + 4

    served.sandbox.world.clock.advance(ANALYSIS_SECONDS + 1)
    analyzed = client.get(f"/v1/imports/{body['id']}").json()
    assert (analyzed["response_count"], analyzed["sample_analyzed"]) == (4, True)
    first = analyzed["responses"][0]
    assert {"PERFORMANCE", "PRICING"} <= {t["name"] for t in first["tags"]}
    assert first["sentiment"] == "negative"
    assert analyzed["responses"][1]["sentiment"] == "positive"
    assert analyzed["responses"][2]["sentiment"] is None  # no feedback, no sentiment


def test_uploaded_text_comes_back_exactly_on_both_read_paths(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    """Rows are rendered by polars, not json.dumps; what was uploaded must read back unchanged."""
    client = cxi_client(served)
    tricky = 'He said "fine" \\ then\ttabbed, \x01 beeped, \u2028 split, 👍 and café; </script>'
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["feedback", "feedback_date", "user_id", "ünïcode key"], [tricky, "0", "a\\b", "日本語"]]
    )
    created = csv_upload(client, buffer.getvalue())
    assert created.status_code == 201, created.text
    (row,) = created.json()["responses"]
    assert (row["feedback"], row["user_id"]) == (tricky, "a\\b")
    assert row["custom_properties"] == [
        {"key": "ünïcode key", "data_type": "string", "value": "日本語"}
    ]
    oldest = client.get("/v1/responses", params={"sort_order": "asc", "per_page": 1}).json()
    assert oldest["items"] == [row]
    assert truth(served)["responses"][-1] == row


HEADER = "feedback,feedback_date,score\n"


@pytest.mark.parametrize(
    ("csv", "row", "column", "fragment"),
    [
        ("feedback,score\nhi,5\n", 1, "feedback_date", 'mandatory column "feedback_date"'),
        (HEADER + "fine,2020-01-01,5\nhi,,5\n", 3, "feedback_date", "a value is required"),
        (HEADER + "hi,yesterday,5\n", 2, "feedback_date", '"yesterday" is not a valid date'),
        (HEADER + "hi,2020-02-30,5\n", 2, "feedback_date", '"2020-02-30" is not a valid date'),
        (HEADER + "hi,2020-07-16T15:45:00Z,5\n", 2, "feedback_date", "not a valid date"),
        (HEADER + "hi,١٢٣,5\n", 2, "feedback_date", '"١٢٣" is not a valid date'),
        (HEADER + "hi,2020-07-16,7.5\n", 2, "score", '"7.5" is not an integer'),
        (HEADER + "hi,2020-07-16,٧\n", 2, "score", '"٧" is not an integer'),
        (HEADER + "hi,2020-07-16,five\n", 2, "score", '"five" is not an integer'),
        ("feedback,feedback_date,tags\nhi,2020-07-16,x\n", 1, "tags", "reserved"),
        ("wootric_response_id,feedback_date\n1,2020-07-16\n", 1, "wootric_response_id", "reserved"),
        (HEADER, 2, None, "no rows"),
    ],
)
def test_csv_uploads_breaking_a_rule_answer_422_naming_row_and_column(
    shared_sandbox: ServedSandbox,
    cxi_client: MakeClient,
    csv: str,
    row: int,
    column: str | None,
    fragment: str,
) -> None:
    answer = csv_upload(cxi_client(shared_sandbox), csv)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert fragment in body["message"]
    assert body["errors"][0]["row"] == row
    assert body["errors"][0]["column"] == column
    if column is not None and row > 1:
        assert f"Row {row}" in body["message"]
        assert f'column "{column}"' in body["message"]


def test_csv_uploads_of_10_mb_or_without_a_file_are_refused(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    padding = "x" * (MAX_CSV_BYTES - len(HEADER) - len(",2020-01-01,1\n"))
    too_big = csv_upload(client, HEADER + padding + ",2020-01-01,1\n")
    assert too_big.status_code == 422
    assert "less than 10 MB" in too_big.json()["message"]
    assert client.post("/v1/imports").json() == {"error": "file is missing"}
    assert csv_upload(client, b"\xff\xfe" + HEADER.encode()).status_code == 422


def test_an_import_update_relabels_its_responses(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    imported = client.get("/v1/imports").json()[-1]
    project = client.post("/v1/projects", data={"project[name]": "Q3"}).json()
    updated = client.put(
        f"/v1/imports/{imported['id']}",
        files={
            "import[name]": (None, "My second import"),
            "import[metric_type]": (None, "CES"),
            "import[source]": (None, "Intercom"),
            "import[tag_names][0]": (None, "follow_up"),
            "import[project_ids][0]": (None, str(project["id"])),
        },
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["name"], body["metric_type"], body["source"]) == (
        "My second import",
        "ces",
        "Intercom",
    )
    assert len(body["responses"]) == imported["response_count"]
    for response in body["responses"]:
        assert response["metric_type"] == "ces"
        assert project["id"] in response["project_ids"]
        assert "FOLLOW_UP" in {t["name"] for t in response["tags"]}
    listed = next(p for p in client.get("/v1/projects").json() if p["id"] == project["id"])
    assert listed["response_count"] == imported["response_count"]

    for form, fragment in (
        ({"import[metric_type]": "promoters"}, "Metric type is not included in the list"),
        ({"import[tag_names][]": "NO_SUCH_TAG"}, "NO_SUCH_TAG"),
        ({"import[project_ids][]": "999999"}, "999999"),
    ):
        refused = client.put(f"/v1/imports/{imported['id']}", data=form)
        assert refused.status_code == 422
        assert fragment in refused.json()["message"]
    assert client.put(f"/v1/imports/{imported['id']}", data={"x": "1"}).status_code == 400


def test_deleting_an_import_answers_202_and_removes_its_responses(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    imported = client.get("/v1/imports").json()[0]
    before = client.get("/v1/responses").json()["total_count"]
    deleted = client.delete(f"/v1/imports/{imported['id']}")
    assert (deleted.status_code, deleted.content) == (202, b"")
    assert client.get("/v1/responses").json()["total_count"] == before - imported["response_count"]
    assert client.get(f"/v1/imports/{imported['id']}").status_code == 404
    facts = truth(served)
    assert imported["id"] not in {i["id"] for i in facts["imports"]}
    assert all(r["metric_type"] is not None for r in facts["responses"])
    assert len(facts["responses"]) == before - imported["response_count"]


# --- exports ------------------------------------------------------------------------------------


def test_only_one_export_is_in_progress_at_a_time(
    served: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(served)
    first = client.post("/v1/exports")
    assert (first.status_code, first.content) == (201, b"")
    second = client.post("/v1/exports", data={"export_type": "users"})
    assert second.status_code == 422
    assert "already in progress" in second.json()["message"]
    assert client.post("/v1/exports", data={"export_type": "pdf"}).status_code == 400
    served.sandbox.world.clock.advance(EXPORT_SECONDS + 1)
    assert client.post("/v1/exports", data={"export_type": "users"}).status_code == 201
    exports = truth(served)["exports"]
    assert [(e["export_type"], e["status"]) for e in exports] == [
        ("responses", "completed"),
        ("users", "in_progress"),
    ]


# --- the documented curl examples ---------------------------------------------------------------

ONBOARDING_EXAMPLES = """\
curl -i -H "Authorization: Bearer myaccesstoken" -X GET "$AI_SERVER/v1/imports"

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/onboarding" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X PUT "https://cxi-api.wootric.com/v1/onboarding" \\
  -F product_category_id=9
  | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X PUT "https://cxi-api.wootric.com/v1/onboarding" \\
  -F project[name]=Enterprise \\
  -F import[name]=important.csv \\
  -F import[source]="Survey Monkey" \\
  -F import[metric_type]=NPS \\
  | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X PUT "https://cxi-api.wootric.com/v1/onboarding" -F onboarded=true | jq
"""  # noqa: E501
"""The onboarding page's examples, verbatim, in order; examples are separated by blank lines."""

API_EXAMPLES = """\
curl -X GET -H "Authorization: Bearer <youraccesstoken>" https://cxi-api.wootric.com/v1/imports

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/projects" | jq

curl -X POST -H "Authorization: Bearer myaccesstoken" "https://cxi-api.wootric.com/v1/projects" \\
  -F project[name]="My new Project"

curl -X PUT -H "Authorization: Bearer myaccesstoken" "https://cxi-api.wootric.com/v1/projects/8" \\
  -F project[name]="Updated name for the Project"

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/tags" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X POST "https://cxi-api.wootric.com/v1/tags" \\
  -F tag[name]=my-tag \\
  -F tag[description]="the descrition" \\
  -F tag[mode]=text_match \\
  -F tag[text_match_terms][]="term1" \\
  -F tag[text_match_terms][]="term2" \\
  -F tag[text_match_terms][]="term3" \\
  | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X PUT "https://cxi-api.wootric.com/v1/tags/78" \\
  -F tag[name]=my-updated-tag \\
  -F tag[description]="the updated descrition" \\
  -F tag[text_match_terms][]="term3" \\
  -F tag[text_match_terms][]="term4" \\
  | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X DELETE "https://cxi-api.wootric.com/v1/tags/78" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/imports" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/imports/6" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -XPOST "https://cxi-api.wootric.com/v1/imports" -F "file=@data.csv" | jq

curl -s -H "Authorization: Bearer myaccesstoken" -X PUT "https://cxi-api.wootric.com/v1/imports/11" \\
  -F import[name]="My second import" \\
  -F import[metric_type]=CES \\
  -F import[source]=Intercom \\
  -F import[tag_names][0]=TEST \\
  -F import[project_ids][0]=5 | jq

curl -i -s -X DELETE -H "Authorization: Bearer myaccesstoken" "https://cxi-api.wootric.com/v1/imports/10"

curl -s -H "Authorization: Bearer myaccesstoken" -X GET "https://cxi-api.wootric.com/v1/responses" | jq

curl -i -s -X POST -H "Authorization: Bearer myaccesstoken" "https://cxi-api.wootric.com/v1/exports"
"""  # noqa: E501
"""Every other CXI example, verbatim, in the order of the docs."""

FORM_BODY_GET_EXAMPLE = (
    'curl -X GET -H "Authorization: Bearer myaccesstoken" '
    '"https://cxi-api.wootric.com/v1/responses" -d "page=2" -d "per_page=10" -d "sort_order=asc"'
)
"""The Wootric docs' GET-with-form-body style, which the CXI API accepts as well."""


def examples(block: str) -> list[str]:
    return [e.strip() for e in block.split("\n\n") if e.strip()]


def replay(
    http: httpx.Client, command: str, base: str, token: str, workdir: Path
) -> httpx.Response:
    """Send what curl would send for a documented example, at the sandbox instead of the host."""
    command = command.replace("\\\n", " ").replace("\n", " ").split(" | ")[0]
    command = command.replace("$AI_SERVER", "https://cxi-api.wootric.com")
    args = shlex.split(command.replace("myaccesstoken", token).replace("<youraccesstoken>", token))
    method, url, headers = None, "", {}
    fields: list[tuple[str, tuple[str | None, Any]]] = []
    body: list[str] = []
    words = iter(args[1:])
    for word in words:
        if word in ("-s", "-i"):
            continue
        if word == "-X" or word.startswith("-X"):
            method = word[2:] or next(words)
        elif word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-F":
            name, _, value = next(words).partition("=")
            if value.startswith("@"):
                path = workdir / value[1:]
                fields.append((name, (path.name, path.read_bytes())))
            else:
                fields.append((name, (None, value)))
        elif word == "-d":
            body.append(next(words))
        else:
            url = word.replace("https://cxi-api.wootric.com", base)
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return http.request(method or "POST", url, headers=headers, content="&".join(body))
    if fields:
        return http.request(method or "POST", url, headers=headers, files=fields)
    return http.request(method or "GET", url, headers=headers)


def test_every_documented_curl_example_works_against_the_sandbox(
    served: ServedSandbox, http: httpx.Client, tmp_path: Path
) -> None:
    base = served.url("cxi")
    token = token_for(served, INITECH)

    ids: dict[str, str] = {}
    """Documented ids (as they appear in the commands) -> the sandbox's, replaced in one pass."""

    def run(command: str) -> httpx.Response:
        if ids:
            pattern = "|".join(re.escape(k) for k in sorted(ids, key=len, reverse=True))
            command = re.sub(pattern, lambda m: ids[m.group(0)], command)
        return replay(http, command, base, token, tmp_path)

    refused, status, category, drafted, finished = (run(c) for c in examples(ONBOARDING_EXAMPLES))
    assert (refused.status_code, refused.json()) == (424, {"message": ONBOARDING_MESSAGE})
    assert status.json()["onboarded"] is False
    assert category.json()["product_category_id"] == 9
    assert drafted.json()["import"]["metric_type"] == "nps"
    assert finished.json() == {"onboarded": True, "mode": "full"}

    (tmp_path / "data.csv").write_text(
        "feedback,feedback_date,score,user_id,platform,country,pricing_plan,persona\n"
        "I wish your pricing model worked better for me. I need a custom plan.,1504948149,7,"
        "mitsu.takasu@example1434.mx,Solaris,Ecuador,Lite,Business User\n"
    )
    http.post(
        f"{base}/v1/tags",
        headers={"Authorization": f"Bearer {token}"},
        data={"tag[name]": "TEST", "tag[mode]": "manual"},
    )
    answers: list[httpx.Response] = []
    for command in [*examples(API_EXAMPLES), FORM_BODY_GET_EXAMPLE]:
        answer = run(command)
        answers.append(answer)
        assert answer.status_code < 300, (command, answer.status_code, answer.text)
        if '/v1/projects"' in command and "POST" in command:
            ids["/v1/projects/8"] = f"/v1/projects/{answer.json()['id']}"
            ids["import[project_ids][0]=5"] = f"import[project_ids][0]={answer.json()['id']}"
        if '/v1/tags"' in command and "POST" in command:
            ids["/v1/tags/78"] = f"/v1/tags/{answer.json()['id']}"
        if command.endswith('/v1/imports" | jq') and "GET" in command:
            ids["/v1/imports/6"] = f"/v1/imports/{answer.json()[0]['id']}"
            ids["/v1/imports/10"] = f"/v1/imports/{answer.json()[0]['id']}"
        if "file=@data.csv" in command:
            ids["/v1/imports/11"] = f"/v1/imports/{answer.json()['id']}"

    by_path = dict(enumerate(answers))
    assert by_path[2].json()["name"] == "My new Project"
    assert by_path[3].json()["name"] == "Updated name for the Project"
    assert by_path[5].json()["name"] == "MY-TAG"
    assert by_path[6].json()["text_match_terms"] == ["term3", "term4"]
    assert by_path[7].status_code == 200
    upload = by_path[10].json()
    assert upload["responses"][0]["custom_properties"][0] == {
        "key": "platform",
        "data_type": "string",
        "value": "Solaris",
    }
    relabelled = by_path[11].json()
    assert relabelled["metric_type"] == "ces"
    assert [t["name"] for t in relabelled["responses"][0]["tags"]] == ["TEST"]
    assert by_path[12].status_code == 202
    assert by_path[14].status_code == 201
    paged = by_path[15].json()
    direct = http.get(
        f"{base}/v1/responses",
        params={"page": 2, "per_page": 10, "sort_order": "asc"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert paged == direct


def test_a_get_with_an_untyped_form_body_is_read_as_a_form(
    shared_sandbox: ServedSandbox, http: httpx.Client
) -> None:
    token = token_for(shared_sandbox)
    answer = http.request(
        "GET",
        f"{shared_sandbox.url('cxi')}/v1/responses",
        headers={"Authorization": f"Bearer {token}"},
        content=b"per_page=3",
    )
    assert len(answer.json()["items"]) == 3


def test_unknown_paths_and_methods_answer_json(
    shared_sandbox: ServedSandbox, cxi_client: MakeClient
) -> None:
    client = cxi_client(shared_sandbox)
    unknown = client.get("/v1/surveys")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not Found"})
    wrong = client.delete("/v1/responses")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "405 Not Allowed"}


# --- control routes, ground truth, determinism --------------------------------------------------


def test_control_routes_list_ids_and_add_a_generated_import(
    served: ServedSandbox, cxi_client: MakeClient, http: httpx.Client
) -> None:
    control = f"{served.base_url}/_sandbox/cxi/{ACME}"
    before = http.get(f"{control}/responses/ids").json()
    assert before["ids"] == sorted(r["id"] for r in truth(served)["responses"])
    newest = max(r["feedback_date"] for r in truth(served)["responses"])
    added = http.post(f"{control}/imports", data={"count": "120", "metric_type": "csat"})
    assert added.status_code == 201
    imported = added.json()
    assert (imported["response_count"], imported["metric_type"]) == (120, "csat")

    client = cxi_client(served)
    assert client.get("/v1/imports").json()[0]["id"] == imported["id"]  # newest first
    rows = client.get(f"/v1/imports/{imported['id']}").json()["responses"]
    assert len(rows) == 120
    assert all(r["feedback_date"] > newest for r in rows)
    assert all(1 <= r["score"] <= 5 for r in rows if r["score"] is not None)
    after = http.get(f"{control}/responses/ids").json()
    assert after["count"] == before["count"] + 120
    assert http.get(f"{control}/imports/ids").json()["ids"][-1] == imported["id"]
    assert http.get(f"{control}/nothing/ids").status_code == 404
    assert http.post(f"{control}/imports", data={"count": "0"}).status_code == 422


def test_the_dataset_is_deterministic_from_the_seed_and_sized_from_the_config() -> None:
    first = make_sandbox().cxi.ground_truth()
    again = make_sandbox().cxi.ground_truth()
    other = make_sandbox(seed=12).cxi.ground_truth()
    assert first == again
    assert first[ACME]["responses"] != other[ACME]["responses"]
    assert len(first[ACME]["responses"]) == 2_000  # max(2,000, responses // 4)
    assert first[INITECH] == {
        "responses": [],
        "imports": [],
        "tags": [],
        "projects": [],
        "exports": [],
    }
    bigger = make_sandbox(responses=12_000).cxi.ground_truth()
    assert len(bigger[ACME]["imports"]) == 8
    assert len(bigger[ACME]["responses"]) == 3_000
    tied = [
        r["feedback_date"] for r in first[ACME]["responses"] if r["feedback_date"] % 86_400 == 0
    ]
    assert len(tied) > len(set(tied))  # day-resolution imports give same-second ties
    emails = [r["user_id"] for r in first[ACME]["responses"] if r["user_id"] is not None]
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d+@[a-z.]+", email) for email in emails)
