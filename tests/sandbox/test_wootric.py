"""The Wootric NPS sandbox over real HTTP: OAuth, auth and rate limits, listing rules, bursts.

Each test would fail if the rule it names were dropped. Endpoint-by-endpoint reads and writes
are in test_wootric_endpoints.py, the dataset and nps_summary in test_wootric_data.py, and the
documented curl commands in test_wootric_curl.py.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import numpy as np
import pytest

from tests.conftest import make_sandbox
from workbench.sandbox import ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS, WootricAccount

ACME, GLOBEX = (a for a in WOOTRIC_ACCOUNTS if a.product == "nps")
CXI = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi")
USER = WOOTRIC_USERS[0]
TOKEN_KEYS = ["access_token", "token_type", "expires_in", "refresh_token", "scope"]


# --- helpers the other Wootric test modules share -------------------------------------------


def oauth(
    http: httpx.Client,
    served: ServedSandbox,
    fields: dict[str, str],
    *,
    account: WootricAccount | None = None,
    **kwargs: Any,
) -> httpx.Response:
    params = {"account_token": account.account_token} if account else None
    return http.post(f"{served.url('wootric')}/oauth/token", params=params, data=fields, **kwargs)


def password_fields() -> dict[str, str]:
    return {"grant_type": "password", "username": USER.email, "password": USER.password}


def login(http: httpx.Client, served: ServedSandbox, account: WootricAccount = ACME) -> str:
    answer = oauth(http, served, password_fields(), account=account)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


class Api:
    """One logged-in account's /v1, through the served sandbox."""

    def __init__(
        self, http: httpx.Client, served: ServedSandbox, account: WootricAccount = ACME
    ) -> None:
        self.http = http
        self.served = served
        self.account = account
        self.base = served.url("wootric") + "/v1"
        self.login()

    def login(self) -> None:
        self.token = login(self.http, self.served, self.account)
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.call("GET", path, params=params)

    def rows(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def every_page(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Pages 1..30 of 50 until a short page (what one query can reach)."""
        found: list[dict[str, Any]] = []
        for page in range(1, 31):
            rows = self.rows(path, page=page, per_page=50, **params)
            found += rows
            if len(rows) < 50:
                break
        return found

    def truth(self, table: str) -> Any:
        return self.served.sandbox.wootric.frame(self.account.account_token, table)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


@pytest.fixture(scope="module")
def acme(shared_sandbox: ServedSandbox) -> Any:
    with httpx.Client(timeout=30) as http:
        yield Api(http, shared_sandbox)


# --- OAuth -----------------------------------------------------------------------------------


@pytest.fixture
def lobby(shared_sandbox: ServedSandbox) -> ServedSandbox:
    """The shared sandbox, for tests that only log in and read: tokens change no data."""
    return shared_sandbox


def test_password_grant_answers_exactly_the_documented_keys(lobby, http) -> None:
    answer = oauth(http, lobby, password_fields())
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["scope"] == "public"
    assert body["expires_in"] == lobby.sandbox.world.config.token_ttl == 7200
    assert answer.headers["cache-control"] == "no-store"
    assert "x-rate-limit-limit" not in answer.headers  # the token endpoint is not limited


def test_password_grant_without_account_token_opens_the_users_first_account(lobby, http):
    token = oauth(http, lobby, password_fields()).json()["access_token"]
    issued = lobby.sandbox.world.tokens.check(token)
    assert issued is not None
    assert issued.subject == USER.account_tokens[0] == ACME.account_token


def test_account_token_in_the_query_selects_the_account(lobby, http) -> None:
    token = login(http, lobby, GLOBEX)
    assert lobby.sandbox.world.tokens.check(token).subject == GLOBEX.account_token
    rows = http.get(
        lobby.url("wootric") + "/v1/responses", headers={"Authorization": f"Bearer {token}"}
    ).json()
    globex = set(lobby.sandbox.wootric.ids(GLOBEX.account_token, "responses"))
    assert rows
    assert {r["id"] for r in rows} <= globex


def test_multipart_form_as_curl_F_sends_it(lobby, http) -> None:
    files = {k: (None, v) for k, v in password_fields().items()}
    answer = http.post(
        f"{lobby.url('wootric')}/oauth/token",
        params={"account_token": GLOBEX.account_token},
        files=files,
    )
    assert answer.status_code == 200, answer.text
    assert lobby.sandbox.world.tokens.check(answer.json()["access_token"]).subject == (
        GLOBEX.account_token
    )


@pytest.mark.parametrize(
    ("fields", "account_token"),
    [
        ({"password": "wrong-horse"}, None),
        ({"username": "nobody@example.com"}, None),
        ({}, "NPS-00000000"),
    ],
)
def test_bad_password_grant_is_invalid_grant(lobby, http, fields, account_token) -> None:
    params = {"account_token": account_token} if account_token else None
    answer = http.post(
        f"{lobby.url('wootric')}/oauth/token",
        params=params,
        data={**password_fields(), **fields},
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_grant"
    assert body["error_description"]


def test_missing_password_is_invalid_request(lobby, http) -> None:
    answer = oauth(http, lobby, {"grant_type": "password", "username": USER.email})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: password.",
    }


def test_client_credentials_answer_has_no_refresh_token(lobby, http) -> None:
    fields = {
        "grant_type": "client_credentials",
        "client_id": GLOBEX.client_id,
        "client_secret": GLOBEX.client_secret,
    }
    answer = oauth(http, lobby, fields)
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "scope"]
    assert lobby.sandbox.world.tokens.check(body["access_token"]).subject == GLOBEX.account_token


def test_client_credentials_by_http_basic(lobby, http) -> None:
    basic = base64.b64encode(f"{ACME.client_id}:{ACME.client_secret}".encode()).decode()
    answer = oauth(
        http,
        lobby,
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()


@pytest.mark.parametrize(
    ("secret", "account"), [("not-the-secret", None), (ACME.client_secret, GLOBEX)]
)
def test_bad_client_credentials_are_401_invalid_client(lobby, http, secret, account) -> None:
    fields = {"grant_type": "client_credentials", "client_id": ACME.client_id}
    answer = oauth(http, lobby, {**fields, "client_secret": secret}, account=account)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert 'error="invalid_client"' in answer.headers["www-authenticate"]


def test_refresh_token_works_once_and_answers_a_new_one(lobby, http) -> None:
    first = oauth(http, lobby, password_fields()).json()
    fields = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    renewed = oauth(http, lobby, fields)
    assert renewed.status_code == 200
    body = renewed.json()
    assert list(body) == TOKEN_KEYS
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert lobby.sandbox.world.tokens.check(body["access_token"]).subject == ACME.account_token
    again = oauth(http, lobby, fields)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    chained = oauth(http, lobby, {**fields, "refresh_token": body["refresh_token"]})
    assert chained.status_code == 200


@pytest.mark.parametrize(
    ("grant", "error"), [("authorization_code", "unsupported_grant_type"), ("", "invalid_request")]
)
def test_other_grants_are_refused(lobby, http, grant, error) -> None:
    answer = oauth(http, lobby, {"grant_type": grant} if grant else {})
    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_cxi_accounts_log_in_here_but_nps_endpoints_refuse_their_tokens(lobby, http) -> None:
    token = login(http, lobby, CXI)
    assert lobby.sandbox.world.tokens.check(token).subject == CXI.account_token
    answer = http.get(
        lobby.url("wootric") + "/v1/segments", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"


# --- bearer tokens on /v1 --------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer", "Basic abc"])
def test_missing_or_unknown_token_is_401(lobby, http, header) -> None:
    headers = {"Authorization": header} if header else {}
    answer = http.get(lobby.url("wootric") + "/v1/end_users", headers=headers)
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_token"
    assert body["error_description"]
    assert answer.headers["www-authenticate"].startswith('Bearer realm="Doorkeeper"')
    assert "x-rate-limit-limit" not in answer.headers


def test_expired_token_is_401(served, http) -> None:
    api = Api(http, served)
    assert api.get("/segments").status_code == 200
    served.sandbox.world.clock.advance(served.sandbox.world.config.token_ttl - 5)
    assert api.get("/segments").status_code == 200
    served.sandbox.world.clock.advance(10)
    answer = api.get("/segments")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"


def test_access_token_in_the_url_is_accepted_and_counted(served, http) -> None:
    token = login(http, served)
    before = served.sandbox.world.counters["token_in_url"]
    answer = http.get(served.url("wootric") + "/v1/end_users.json", params={"access_token": token})
    assert answer.status_code == 200
    assert len(answer.json()) == 25
    assert served.sandbox.world.counters["token_in_url"] == before + 1


def test_access_token_in_a_form_body_is_accepted_and_not_counted_as_in_url(served, http):
    token = login(http, served)
    answer = http.post(
        served.url("wootric") + "/v1/email_survey",
        data={"access_token": token, "emails[]": "someone@example.com"},
    )
    assert answer.status_code == 201, answer.text
    assert served.sandbox.world.counters["token_in_url"] == 0


def test_unknown_path_is_404_before_auth(lobby, http) -> None:
    answer = http.get(lobby.url("wootric") + "/v1/surveys")
    assert answer.status_code == 404
    assert answer.json() == {"error": "Not Found"}


# --- rate limits -----------------------------------------------------------------------------


@pytest.fixture
def limited() -> Any:
    with ServedSandbox(make_sandbox(rate_limit=5, rate_window=60)) as served:
        yield served


def test_rate_limit_headers_then_429_then_reset(limited, http) -> None:
    world = limited.sandbox.world
    api = Api(http, limited)
    remaining = []
    for _ in range(5):
        answer = api.get("/responses", per_page=1)
        assert answer.status_code == 200
        assert answer.headers["x-rate-limit-limit"] == "5"
        remaining.append(int(answer.headers["x-rate-limit-remaining"]))
        reset = int(answer.headers["x-rate-limit-reset"])
        assert world.clock.now() < reset <= world.clock.now() + 61
    assert remaining == [4, 3, 2, 1, 0]
    refused = api.get("/responses", per_page=1)
    assert refused.status_code == 429
    assert refused.json()["error"]
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert refused.headers["x-rate-limit-limit"] == "5"
    assert world.counters["status_429"] == 1
    world.clock.advance(61)
    again = api.get("/responses", per_page=1)
    assert again.status_code == 200
    assert again.headers["x-rate-limit-remaining"] == "4"


def test_errors_after_auth_carry_the_headers_and_count(limited, http) -> None:
    api = Api(http, limited)
    missing = api.get("/end_users/1")
    assert missing.status_code == 404
    assert missing.headers["x-rate-limit-remaining"] == "4"
    bad_page = api.get("/responses", page=31)
    assert bad_page.status_code == 400
    assert bad_page.headers["x-rate-limit-remaining"] == "3"


def test_rate_limits_are_per_account(limited, http) -> None:
    acme, globex = Api(http, limited), Api(http, limited, GLOBEX)
    for _ in range(5):
        acme.get("/segments")
    assert acme.get("/segments").status_code == 429
    assert globex.get("/segments").status_code == 200


def test_the_token_endpoint_is_not_limited(limited, http) -> None:
    for _ in range(8):
        answer = oauth(http, limited, password_fields())
        assert answer.status_code == 200
        assert "x-rate-limit-limit" not in answer.headers


# --- listing rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": 31}, "page does not have a valid value"),
        ({"page": 0}, "page does not have a valid value"),
        ({"page": "two"}, "page does not have a valid value"),
        ({"per_page": 51}, "per_page does not have a valid value"),
        ({"per_page": 0}, "per_page does not have a valid value"),
        (
            {"page": 31, "per_page": 51},
            "page does not have a valid value, per_page does not have a valid value",
        ),
        ({"sort_order": "newest"}, "sort_order does not have a valid value"),
        ({"created[gt]": "yesterday"}, "created[gt] does not have a valid value"),
    ],
)
@pytest.mark.parametrize("path", ["/responses", "/declines", "/end_users"])
def test_invalid_list_parameters_are_400_with_the_message(acme, path, params, message) -> None:
    answer = acme.get(path, **params)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}


def test_end_users_sort_key_is_checked(acme) -> None:
    answer = acme.get("/end_users", sort_key="score")
    assert answer.status_code == 400
    assert answer.json() == {"error": "sort_key does not have a valid value"}


def test_page_30_of_50_is_the_last_reachable_page(acme) -> None:
    rows = acme.rows("/responses", page=30, per_page=50)
    assert len(rows) == 50
    newest_first = acme.truth("responses")["id"].to_list()[::-1]
    assert ids(rows) == newest_first[29 * 50 : 30 * 50]


def test_per_page_defaults_to_25(acme) -> None:
    assert len(acme.rows("/responses")) == 25
    assert len(acme.rows("/declines")) == 25
    assert len(acme.rows("/end_users")) == 25
    assert len(acme.rows("/responses", per_page=50)) == 50


def test_default_orders(acme) -> None:
    responses = acme.truth("responses")["id"].to_list()
    declines = acme.truth("declines")["id"].to_list()
    assert ids(acme.rows("/responses")) == responses[::-1][:25]  # newest first
    assert ids(acme.rows("/declines")) == declines[::-1][:25]
    users = acme.truth("end_users").sort("email", "id")
    assert ids(acme.rows("/end_users")) == users["id"].to_list()[:25]  # by email
    assert ids(acme.rows("/responses", sort_order="asc")) == responses[:25]


@pytest.mark.parametrize(
    ("op", "keep"),
    [
        ("eq", lambda c, t: c == t),
        ("lt", lambda c, t: c < t),
        ("lte", lambda c, t: c <= t),
        ("gt", lambda c, t: c > t),
        ("gte", lambda c, t: c >= t),
    ],
)
def test_created_filters_in_unix_seconds(acme, op, keep) -> None:
    frame = acme.truth("responses")
    created = frame["created_at"].to_numpy()
    # A second holding a row, near the old end so lt/lte stay under one query's reach.
    second = int(created[400])
    expected = frame["id"].to_numpy()[keep(created, second)]
    if len(expected) > 1500:  # gt/gte: bound the other side to stay reachable
        bound = int(created[900])
        rows = acme.every_page("/responses", **{f"created[{op}]": second, "created[lt]": bound})
        expected = frame["id"].to_numpy()[keep(created, second) & (created < bound)]
    else:
        rows = acme.every_page("/responses", **{f"created[{op}]": second})
    assert sorted(ids(rows)) == sorted(expected.tolist())
    assert len(ids(rows)) == len(set(ids(rows)))


def test_created_filter_in_a_get_form_body(acme) -> None:
    """The docs' `curl -X GET ... -d "created[lt]=$TIMESTAMP"` sends the filter in the body."""
    frame = acme.truth("responses")
    second = int(frame["created_at"][300])
    answer = acme.call(
        "GET",
        "/responses",
        content=f"created[lt]={second}&per_page=50",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    older = frame.filter(frame["created_at"] < second)["id"].to_list()
    assert ids(answer.json()) == older[::-1][:50]


def burst_seconds(api: Api) -> dict[int, int]:
    """Size -> second of each same-second burst of the first account."""
    counts = api.truth("responses")["created_at"].value_counts().sort("count", descending=True)
    top = counts.head(2).rows()
    return {count: second for second, count in top}


def test_the_bursts_hold_the_configured_numbers_of_rows(acme, shared_sandbox) -> None:
    bursts = burst_seconds(acme)
    assert sorted(bursts) == sorted(shared_sandbox.sandbox.world.config.bursts) == [400, 2200]


def test_one_query_reaches_at_most_1500_rows_of_the_big_burst(acme) -> None:
    second = burst_seconds(acme)[2200]
    every = sorted(acme.truth("responses").filter(created_at=second)["id"].to_list())
    ascending = acme.every_page("/responses", **{"created[eq]": second, "sort_order": "asc"})
    assert len(ascending) == 1500
    assert acme.get("/responses", **{"created[eq]": second, "page": 31}).status_code == 400
    descending = acme.every_page("/responses", **{"created[eq]": second, "sort_order": "desc"})
    assert ids(ascending) == every[:1500]  # ties ordered by id
    assert ids(descending) == every[::-1][:1500]
    assert set(ids(ascending)) | set(ids(descending)) == set(every)  # asc + desc reach all 2,200


def test_asc_and_desc_of_one_second_mirror_each_other(acme) -> None:
    second = burst_seconds(acme)[400]
    ascending = acme.every_page("/responses", **{"created[eq]": second, "sort_order": "asc"})
    descending = acme.every_page("/responses", **{"created[eq]": second, "sort_order": "desc"})
    assert len(ascending) == 400
    assert ids(ascending) == ids(descending)[::-1]
    assert ids(ascending) == sorted(ids(ascending))


def test_walking_by_gt_last_second_loses_rows_of_the_burst(acme) -> None:
    """Why clients must split windows: created[gt] = the last row's second skips the rest."""
    second = burst_seconds(acme)[2200]
    before = acme.every_page("/responses", **{"created[gte]": second - 1, "sort_order": "asc"})
    last = max(r["id"] for r in before)
    after = acme.every_page("/responses", **{"created[gt]": second, "sort_order": "asc"})
    seen = set(ids(before)) | set(ids(after))
    every = set(acme.truth("responses").filter(created_at=second)["id"].to_list())
    assert last in every
    assert not every <= seen


def test_end_users_by_created_and_updated(acme) -> None:
    frame = acme.truth("end_users")
    by_created = acme.rows("/end_users", sort_key="created_at", sort_order="desc", per_page=50)
    assert ids(by_created) == frame["id"].to_list()[::-1][:50]
    updated = frame["updated_at"].to_numpy()
    low = int(np.sort(updated)[-120])
    rows = acme.every_page("/end_users", sort_key="updated_at", **{"updated[gte]": low})
    expected = frame.filter(frame["updated_at"] >= low).sort("updated_at", "id")["id"]
    assert ids(rows) == expected.to_list()


def test_end_users_email_filter(acme) -> None:
    email = acme.truth("end_users")["email"][7]
    rows = acme.rows("/end_users", email=email)
    assert [r["email"] for r in rows] == [email]
    assert acme.rows("/end_users", email="nobody@nowhere.example") == []


def test_promoters_passives_detractors_split_an_end_users_responses(acme) -> None:
    frame = acme.truth("responses")
    busiest = frame["end_user_id"].value_counts().sort("count", descending=True)[0, 0]
    path = f"/end_users/{busiest}/responses"
    every = acme.every_page(path)
    assert sorted(ids(every)) == sorted(frame.filter(end_user_id=busiest)["id"].to_list())
    bands = {"promoters": (9, 10), "passives": (7, 8), "detractors": (0, 6)}
    split = []
    for scope, (low, high) in bands.items():
        rows = acme.every_page(f"{path}/{scope}")
        assert all(low <= r["score"] <= high for r in rows)
        split += ids(rows)
    assert sorted(split) == sorted(ids(every))
    assert acme.get("/responses/promoters").status_code == 404  # only under an end user
