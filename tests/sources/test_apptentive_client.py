"""The Apptentive client against the served sandbox: every endpoint, conditional requests (an
unchanged list costs a 304, a changed one is read again), and reading every record once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from tests.clients import FAST_RETRY
from workbench.sandbox import FaultSpec, ServedSandbox
from workbench.sandbox.accounts import APPTENTIVE_APPS
from workbench.sources.apptentive import ApptentiveClient, ConditionalCache, _next_link
from workbench.sources.auth import StaticToken
from workbench.sources.errors import AuthenticationFailed, InvalidRequest, NotFound
from workbench.sources.http import ApiClient

IOS = APPTENTIVE_APPS[0]
ANDROID = APPTENTIVE_APPS[1]


def apptentive_client(
    served: ServedSandbox,
    token: str = IOS.token,
    *,
    cache: ConditionalCache | None = None,
    account: str = "acme-ios",
) -> ApptentiveClient:
    auth = StaticToken(SecretStr(token), "OAuth", account=account, hint="the app's API token")
    http = ApiClient(
        account=account, base_url=served.url("apptentive"), auth=auth, retry=FAST_RETRY
    )
    return ApptentiveClient(http, cache=cache)


@pytest.fixture
async def make_apptentive(
    served: ServedSandbox,
) -> AsyncIterator[Callable[..., ApptentiveClient]]:
    made: list[ApptentiveClient] = []

    def make(**kwargs: object) -> ApptentiveClient:
        client = apptentive_client(served, **kwargs)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def truth(served: ServedSandbox, table: str, app_id: str = IOS.app_id) -> list[dict]:
    return served.sandbox.ground_truth()["apptentive"][app_id][table]


def statuses(client: ApptentiveClient) -> dict[int, int]:
    return dict(client.http.stats.by_status)


async def test_reads_every_record_exactly_once(served, make_apptentive) -> None:
    client = make_apptentive()
    records = await client.list_records()
    ids = [r.id for r in records]
    assert len(ids) >= 200
    assert Counter(ids).most_common(1)[0][1] == 1
    assert ids == [r["id"] for r in truth(served, "records")]
    # RFC 1123 dates become aware UTC datetimes, the nested `_id`s become `id`.
    first = records[0]
    assert first.date is not None
    assert first.date.tzinfo is not None
    assert first.user is not None
    assert first.user.id
    assert served.sandbox.world.counters["token_in_url"] == 0


async def test_each_token_sees_its_own_app(served, make_apptentive) -> None:
    ios = {r.id for r in await make_apptentive().list_records()}
    android = {r.id for r in await make_apptentive(token=ANDROID.token).list_records()}
    assert ios
    assert android
    assert not ios & android
    assert android == {r["id"] for r in truth(served, "records", ANDROID.app_id)}


async def test_unchanged_list_answers_304_and_returns_equal_data(served, make_apptentive) -> None:
    client = make_apptentive()
    first = await client.list_records()
    assert statuses(client).get(304, 0) == 0
    second = await client.list_records()
    assert statuses(client)[304] == 1
    assert client.not_modified == 1
    assert second == first

    # A record added on the server changes the list: read in full again, with the new record.
    control = f"{served.base_url}/_sandbox/apptentive/{IOS.app_id}/records"
    async with httpx.AsyncClient() as http:
        added = (await http.post(control, data={"count": "1"})).json()
    third = await client.list_records()
    assert statuses(client)[304] == 1  # no second 304
    assert [r.id for r in third] == [r.id for r in first] + added
    fourth = await client.list_records()
    assert statuses(client)[304] == 2
    assert fourth == third


async def test_conditional_gets_for_single_resources_and_survey_lists(
    served, make_apptentive
) -> None:
    client = make_apptentive()
    records = await client.list_records()
    one = await client.get_record(records[0].id)
    assert await client.get_record(records[0].id) == one
    surveys = await client.list_surveys()
    assert await client.list_surveys() == surveys
    survey = await client.get_survey(surveys[0].id)
    assert await client.get_survey(surveys[0].id) == survey
    assert statuses(client)[304] == 3
    # Different parameters are a different URL: no ETag of the full list is sent for them.
    await client.list_surveys(active=True)
    assert statuses(client)[304] == 3


async def test_on_disk_cache_revalidates_in_a_new_session(served, tmp_path) -> None:
    path = tmp_path / "apptentive-etags.json"
    first = apptentive_client(served, cache=ConditionalCache(path))
    records = await first.list_records()
    await first.aclose()
    assert path.stat().st_mode & 0o777 == 0o600
    assert IOS.token not in path.read_text()

    second = apptentive_client(served, cache=ConditionalCache(path))
    again = await second.list_records()
    await second.aclose()
    assert statuses(second) == {304: 1}
    assert again == records


async def test_a_corrupt_cache_file_only_costs_a_download(served, tmp_path) -> None:
    path = tmp_path / "apptentive-etags.json"
    path.write_text("{not json")
    client = apptentive_client(served, cache=ConditionalCache(path))
    records = await client.list_records()
    await client.aclose()
    assert len(records) == len(truth(served, "records"))
    assert statuses(client) == {200: 1}


async def test_cache_is_per_account(served, tmp_path) -> None:
    """Two apps sharing a cache file never get each other's records from it."""
    path = tmp_path / "etags.json"
    ios = apptentive_client(served, cache=ConditionalCache(path), account="ios")
    await ios.list_records()
    await ios.aclose()
    android = apptentive_client(
        served, token=ANDROID.token, cache=ConditionalCache(path), account="android"
    )
    records = await android.list_records()
    await android.aclose()
    assert statuses(android) == {200: 1}
    assert {r.id for r in records} == {r["id"] for r in truth(served, "records", ANDROID.app_id)}


async def test_record_endpoints(served, make_apptentive) -> None:
    client = make_apptentive()
    when = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)
    created = await client.create_record(
        feedback="Great app, but sync is slow",
        feedback_type="praise",
        user={"name": "Sample User", "email": "sample.user@example.com", "zip_code": "94107"},
        device={"os_name": "iOS", "os_version": "18.1.1", "model": "iPhone 15"},
        data={"my_app_id": 123},
        files={"crash_log": b"trace\n"},
        date=when,
    )
    assert created.feedback is not None
    assert created.feedback.feedback == "Great app, but sync is slow"
    assert created.feedback.type == "praise"
    assert created.user is not None
    assert created.user.zip == "94107"
    assert created.device is not None
    assert created.device.model == "iPhone 15"
    assert created.data == {"my_app_id": 123}
    assert created.date == when
    assert created.archived is False
    assert created.id in served.sandbox.apptentive.ids(IOS.app_id, "records")

    fetched = await client.get_record(created.id)
    assert fetched == created
    await client.toggle_archive(created.id)
    assert (await client.get_record(created.id)).archived is True
    await client.toggle_archive(created.id)
    assert (await client.get_record(created.id)).archived is False
    assert (await client.set_archived(created.id, True)).archived is True
    assert (await client.set_archived(created.id, True)).archived is True
    stored = next(r for r in truth(served, "records") if r["id"] == created.id)
    assert stored["archived"] is True


async def test_create_needs_content_and_keeps_the_servers_message(served, make_apptentive) -> None:
    client = make_apptentive()
    with pytest.raises(InvalidRequest, match="at least one of data, feedback"):
        await client.create_record()


async def test_survey_endpoints(served, make_apptentive) -> None:
    client = make_apptentive()
    expected = truth(served, "surveys")
    surveys = await client.list_surveys()
    assert [s.id for s in surveys] == [s["id"] for s in expected]
    active = await client.list_surveys(active=True)
    inactive = await client.list_surveys(active=False)
    assert active
    assert inactive
    assert all(s.active for s in active)
    assert not any(s.active for s in inactive)
    assert {s.id for s in active} | {s.id for s in inactive} == {s.id for s in surveys}
    assert len(await client.list_surveys(limit=1)) == 1
    tagged = surveys[0].tags[0]
    by_tag = await client.list_surveys(tags=[tagged])
    assert by_tag
    assert all(tagged in s.tags for s in by_tag)
    assert await client.list_surveys(tags=[tagged, "no-such-tag"]) == []

    detail = await client.get_survey(surveys[0].id)
    assert detail.questions
    assert detail.response_count is not None
    assert detail.response_count > 0
    counts = detail.responses[0].responses
    assert counts
    assert sum(c.count for c in counts if not isinstance(c, str)) > 0
    choices = {c.value for c in detail.questions[0].answer_choices}
    if detail.questions[0].type != "singleline":
        assert {c.choice for c in counts if not isinstance(c, str)} <= choices
    assert detail.date is not None

    running = active[0]
    await client.deactivate_survey(running.id)
    assert (await client.get_survey(running.id)).active is False
    assert running.id not in {s.id for s in await client.list_surveys(active=True)}


async def test_errors(served, make_apptentive) -> None:
    client = make_apptentive()
    with pytest.raises(NotFound):
        await client.get_record("000000000000000000000000")
    with pytest.raises(NotFound):
        await client.get_survey("000000000000000000000000")
    bad = make_apptentive(token="not-a-token-hunter2")
    with pytest.raises(AuthenticationFailed) as caught:
        await bad.list_records()
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(bad.http._auth)
    assert "hunter2" not in repr(bad)
    assert served.sandbox.world.counters["token_in_url"] == 0


@pytest.mark.parametrize(
    "faults",
    ["500=0.2,seed=1", "drop=0.15,seed=2", "truncate=0.2,seed=3"],
)
async def test_exact_under_faults(served, make_apptentive, faults, caplog) -> None:
    caplog.set_level(logging.INFO, logger="workbench.sources")
    served.sandbox.world.config.faults = FaultSpec.parse(faults)
    client = make_apptentive()
    expected = truth(served, "records")
    for round_ in range(6):  # full reads and 304 revalidations both meet faults
        if round_ % 2 == 0:
            client.cache = ConditionalCache()
        records = await client.list_records()
        assert [r.id for r in records] == [r["id"] for r in expected]
        surveys = await client.list_surveys()
        assert [s.id for s in surveys] == [s["id"] for s in truth(served, "surveys")]
        for record in records[:10]:
            assert (await client.get_record(record.id)) == record
    served.sandbox.world.config.faults = FaultSpec()
    fault_counts = {k: v for k, v in served.sandbox.world.counters.items() if k.startswith("fault")}
    assert fault_counts, "the faults were not injected, so this test proved nothing"
    assert served.sandbox.world.counters["token_in_url"] == 0
    assert IOS.token not in caplog.text


def test_a_next_link_is_followed_only_on_the_apis_own_host() -> None:
    """The docs show one unpaged list; should Apptentive page it with `Link` headers, the
    client follows them, but never to another host (the token would go with the request)."""
    base = "https://api.apptentive.com"
    request = httpx.Request("GET", f"{base}/records")

    def link(target: str) -> str | None:
        response = httpx.Response(200, headers={"Link": f'<{target}>; rel="next"'}, request=request)
        return _next_link(response, base)

    assert link("/records?page=2") == "records?page=2"
    assert link(f"{base}/records?page=3") == "records?page=3"
    assert link("https://evil.example.com/records?page=2") is None
    assert _next_link(httpx.Response(200, request=request), base) is None
