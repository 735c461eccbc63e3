"""The Wootric client against the served sandbox: auth, every endpoint, and reading every row
exactly once past the page cap, with and without faults."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from pydantic import SecretStr

from tests.clients import ACME, password_grant, wootric_client
from tests.conftest import make_sandbox
from workbench.sandbox import FaultSpec, ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS
from workbench.sources.auth import TokenCache, WootricGrant
from workbench.sources.errors import AuthenticationFailed, InvalidRequest, NotFound
from workbench.sources.paging import CAP

TOKEN = ACME.account_token


async def read_ids(client, table: str = "responses", **kwargs) -> list[str]:
    batches = {
        "responses": client.response_batches,
        "declines": client.decline_batches,
        "end_users": client.end_user_batches,
    }[table]
    return [str(row["id"]) for batch in [b async for b in batches(**kwargs)] for row in batch.rows]


def truth(served: ServedSandbox, table: str = "responses") -> list[str]:
    return [str(i) for i in served.sandbox.wootric.ids(TOKEN, table)]


async def test_reads_every_response_exactly_once_past_the_cap(served, make_wootric) -> None:
    client = make_wootric()
    ids = await read_ids(client)
    assert len(ids) > CAP  # the dataset needs paging past the cap to be a real test
    assert Counter(ids).most_common(1)[0][1] == 1, "a row was read twice"
    assert sorted(ids) == sorted(truth(served))
    assert client.shortfalls == []
    assert served.sandbox.world.counters["token_in_url"] == 0


async def test_a_second_with_more_rows_than_one_query_reaches_is_read_both_ways(
    served, make_wootric
) -> None:
    frame_ids = truth(served)
    client = make_wootric()
    ids = set(await read_ids(client))
    assert ids == set(frame_ids)
    # The sandbox's biggest burst is larger than one query can reach.
    assert max(served.sandbox.world.config.bursts) > CAP


@pytest.mark.parametrize("table", ["declines", "end_users"])
async def test_reads_other_lists_exactly_once(served, make_wootric, table) -> None:
    ids = await read_ids(make_wootric(), table)
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(truth(served, table))


async def test_end_users_by_updated_window_find_touched_rows(served, make_wootric, http) -> None:
    now = int(served.sandbox.world.clock.now())
    created = http.post(
        f"{served.base_url}/_sandbox/wootric/{TOKEN}/responses", data={"count": "3"}
    ).json()
    assert created
    client = make_wootric()
    since = now - 1
    updated = [e async for e in client.iter_end_users(since=since, by="updated")]
    assert all(e.updated_at is not None and e.updated_at.timestamp() >= since for e in updated)


@pytest.mark.parametrize(
    "faults",
    [
        "500=0.15,seed=1",
        "429=0.03,seed=2",
        "drop=0.1,seed=3",
        "truncate=0.1,seed=4",
        "expire=0.05,seed=5",
        "latency=2ms,500=0.05,429=0.01,drop=0.03,truncate=0.03,expire=0.02,seed=6",
    ],
)
async def test_exact_under_faults(served, make_wootric, faults) -> None:
    served.sandbox.world.config.faults = FaultSpec.parse(faults)
    client = make_wootric()
    ids = await read_ids(client)
    served.sandbox.world.config.faults = FaultSpec()
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(truth(served))
    assert served.sandbox.world.counters["token_in_url"] == 0
    fault_counts = {k: v for k, v in served.sandbox.world.counters.items() if k.startswith("fault")}
    assert fault_counts, "the faults were not injected, so this test proved nothing"


async def test_rate_limited_read_waits_instead_of_failing() -> None:
    with ServedSandbox(make_sandbox(rate_limit=40, rate_window=1.0)) as served:
        client = wootric_client(served)
        try:
            ids = await read_ids(client)
        finally:
            await client.aclose()
        assert sorted(ids) == sorted(truth(served))
        assert client.http.budget.waits > 0
        # Pacing by the headers keeps 429s to the rare window-boundary race.
        assert served.sandbox.world.counters["status_429"] <= 2


async def test_client_credentials_relogin_after_expiry(served, make_wootric) -> None:
    grant = WootricGrant(
        client_id=ACME.client_id, client_secret=SecretStr(ACME.client_secret), account_token=TOKEN
    )
    client = make_wootric(grant=grant)
    await client.segments()
    served.sandbox.world.clock.advance(8000)  # past the 7200 s lifetime
    await client.segments()
    assert client.http._auth.logins == 2  # no refresh token: logged in again


async def test_refresh_before_expiry_uses_the_refresh_token(served, make_wootric) -> None:
    client = make_wootric()
    await client.segments()
    auth = client.http._auth
    auth._clock = lambda: served.sandbox.world.clock.now() + 7150  # inside the renewal margin
    await client.segments()
    assert auth.logins == 2
    assert auth._token.refresh_token is not None


async def test_401_renews_once(served, make_wootric) -> None:
    client = make_wootric()
    await client.segments()
    served.sandbox.world.tokens.expire_all()
    await client.segments()
    assert client.http.stats.renewed_tokens == 1


async def test_bad_password_says_what_to_do(served, make_wootric) -> None:
    grant = WootricGrant(email="analyst@example.com", password=SecretStr("wrong-horse"))
    client = make_wootric(grant=grant)
    with pytest.raises(AuthenticationFailed) as caught:
        await client.segments()
    message = str(caught.value)
    assert "workbench accounts add" in message
    assert "wrong-horse" not in message
    assert "wrong-horse" not in repr(client.http._auth)


async def test_token_cache_skips_login_in_a_new_session(served, tmp_path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    first = wootric_client(served, cache=cache)
    await first.segments()
    await first.aclose()
    assert (tmp_path / "tokens.json").stat().st_mode & 0o777 == 0o600
    second = wootric_client(served, cache=cache)
    await second.segments()
    await second.aclose()
    assert second.http._auth.logins == 0


async def test_corrupt_token_cache_only_costs_a_login(served, tmp_path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    client = wootric_client(served, cache=TokenCache(path))
    await client.segments()
    await client.aclose()
    assert client.http._auth.logins == 1


async def test_end_user_endpoints(served, make_wootric) -> None:
    client = make_wootric()
    created = await client.create_end_user(
        "new.person@example.com", external_id="ext-new-1", properties={"plan": "Enterprise"}
    )
    assert created.properties.get("plan") == "Enterprise"  # answered as a Ruby-hash string
    fetched = await client.get_end_user(created.id)
    assert fetched.email == "new.person@example.com"
    assert (await client.end_user_by_email("new.person@example.com")).id == created.id
    assert (await client.end_user_by_external_id("ext-new-1")).id == created.id
    updated = await client.update_end_user(created.id, properties={"plan": "Lite"})
    assert updated.properties.get("plan") == "Lite"
    settings = await client.update_settings(created.id, email_nps=False)
    assert settings.email_nps is False
    assert (await client.get_settings(created.id)).email_nps is False
    response = await client.create_response(created.id, 9, text="Love it", origin_url="https://x")
    responses = await client.end_user_responses(created.id)
    assert [r.score for r in responses] == [9]
    assert [r.id for r in await client.end_user_responses(created.id, "promoters")] == [
        r.id for r in responses
    ]
    assert await client.end_user_responses(created.id, "detractors") == []
    if response is not None:
        await client.update_response(response.id, excluded_from_calculations=True)
    await client.delete_response(created.id, responses[0].id)
    assert await client.end_user_responses(created.id) == []
    await client.create_decline(created.id, origin_url="https://x")
    declines = await client.end_user_declines(created.id)
    assert len(declines) == 1
    assert (await client.get_decline(created.id, declines[0].id)).id == declines[0].id
    await client.delete_decline(created.id, declines[0].id)
    view = await client.create_page_view(
        created.id, url="https://example.com/pricing", at=1423751367
    )
    assert [v.id for v in await client.end_user_page_views(created.id)] == [view.id]
    await client.export_end_user(created.id)
    await client.delete_end_user(created.id)


async def test_errors_carry_the_server_message(served, make_wootric) -> None:
    client = make_wootric()
    with pytest.raises(NotFound):
        await client.get_end_user(999_999_999)
    with pytest.raises(InvalidRequest, match="page does not have a valid value"):
        await client.list_responses(page=31)
    with pytest.raises(ValueError, match="0 to 10"):
        await client.create_response(1, 11)


async def test_nps_summary_and_segments(served, make_wootric) -> None:
    client = make_wootric()
    summary = await client.nps_summary(date(2026, 1, 1), date(2026, 6, 30))
    assert summary.responses == summary.promoters + summary.passives + summary.detractors
    assert summary.responses > 0
    names = {s.name for s in await client.segments()}
    assert names


async def test_an_nps_token_is_refused_by_cxi_and_vice_versa(served, make_wootric) -> None:
    cxi_account = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi")
    client = make_wootric(grant=password_grant(cxi_account.account_token))
    with pytest.raises(AuthenticationFailed):
        await client.segments()


async def counted_first_read(served: ServedSandbox, table: str) -> tuple[list[str], int, list]:
    """A first read of `table` as the sync does it: its ids, the requests the sandbox counted
    for it (after logging in, so the count is the read's alone), and the client's shortfalls."""
    client = wootric_client(served)
    try:
        await client.segments()
        before = served.sandbox.world.counters["requests"]
        kwargs = {"by": "updated"} if table == "end_users" else {}
        ids = await read_ids(client, table, **kwargs)
        return ids, served.sandbox.world.counters["requests"] - before, client.shortfalls
    finally:
        await client.aclose()


@pytest.mark.parametrize("table", ["responses", "declines", "end_users"])
async def test_a_small_accounts_first_read_costs_at_most_1_10_x_its_pages(table) -> None:
    """Issue 14: few windows for a small account (each window ends on a short page), and the
    2,200-row burst read without reading its rows twice; requests counted at the sandbox."""
    with ServedSandbox(make_sandbox(responses=20_000)) as served:
        ids, used, _ = await counted_first_read(served, table)
        assert sorted(ids) == sorted(truth(served, table))
    pages = -(-len(ids) // 50)
    assert pages > 2 * 30  # more than two queries' worth, so the walk needs windows
    assert used <= 1.10 * pages, f"{used} requests for {pages} pages of rows"


@pytest.mark.parametrize("table", ["responses", "declines", "end_users"])
async def test_a_first_read_with_bursts_and_dense_days_costs_at_most_1_10_x_its_pages(
    table,
) -> None:
    """Issue 14: same-second bursts of 2,000 rows (beyond one query's 1,500) and days of 4,000
    rows in the first account: every id once, in at most 1.10 x ceil(rows / 50) requests."""
    sandbox = make_sandbox(responses=20_000, bursts=(2_000, 2_000), dense_days=(4_000, 4_000))
    with ServedSandbox(sandbox) as served:
        ids, used, shortfalls = await counted_first_read(served, table)
        assert Counter(ids).most_common(1)[0][1] == 1, "a row was read twice"
        assert sorted(ids) == sorted(truth(served, table))
        assert shortfalls == []
    pages = -(-len(ids) // 50)
    print(f"{table}: {used} requests for {pages} pages ({used / pages:.3f}x)")
    assert used <= 1.10 * pages, f"{used} requests for {pages} pages of rows"


async def test_a_walk_offered_one_lane_reads_every_row_in_fewer_requests() -> None:
    """When the rate budget says one request in flight keeps its windows busy (`lanes`, a
    throttled account), the walker splits no window for idle slots: every id once, and fewer
    requests than walking 8 windows at once (each window ends on a short page)."""
    with ServedSandbox(make_sandbox(responses=20_000)) as served:
        used = {}
        for lanes in (None, 1):
            client = wootric_client(served, concurrency=8)
            client.http.budget.lanes = lambda lanes=lanes: lanes  # type: ignore[method-assign]
            try:
                await client.segments()
                before = served.sandbox.world.counters["requests"]
                ids = await read_ids(client)
                used[lanes] = served.sandbox.world.counters["requests"] - before
            finally:
                await client.aclose()
            assert sorted(ids) == sorted(truth(served))
    pages = -(-len(ids) // 50)
    assert used[1] < used[None]
    assert used[1] <= 1.01 * pages, f"{used[1]} requests for {pages} pages of rows"
