"""The Wootric NPS sandbox's dataset, ground truth, control routes and nps_summary rules."""

from __future__ import annotations

import calendar
import threading
from collections import Counter
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from tests.conftest import SMALL
from tests.sandbox.test_wootric import ACME, GLOBEX, Api, ids
from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.web import compact_offset_time, naive_utc_time, wootric_time
from workbench.sandbox.wootric.api import Wootric
from workbench.sandbox.wootric.data import CHANNELS
from workbench.sandbox.wootric.writes import round_half_away
from workbench.sandbox.world import SandboxConfig, SandboxConfigError, World

TABLES = ["end_users", "responses", "declines", "page_views", "end_user_settings", "segments"]


@pytest.fixture(scope="module")
def acme(shared_sandbox) -> Any:
    import httpx

    with httpx.Client(timeout=30) as http:
        yield Api(http, shared_sandbox)


@pytest.fixture(scope="module")
def truth(shared_sandbox) -> dict[str, Any]:
    return shared_sandbox.sandbox.wootric.ground_truth()


@pytest.fixture(scope="module")
def large() -> Wootric:
    """Enough rows for the dataset's statistics to show (built, not served)."""
    return Wootric(World(SandboxConfig(seed=5, responses=40_000, rate_limit=None)))


def nps(scores: np.ndarray) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


# --- ground truth ----------------------------------------------------------------------------


def test_ground_truth_holds_every_table_of_every_nps_account(truth, shared_sandbox) -> None:
    assert set(truth) == {ACME.account_token, GLOBEX.account_token}
    wootric = shared_sandbox.sandbox.wootric
    for token, tables in truth.items():
        assert list(tables) == TABLES
        for table in TABLES[:-1]:
            assert ids(tables[table]) == wootric.ids(token, table)
    assert shared_sandbox.sandbox.ground_truth()["wootric"].keys() == truth.keys()


def test_ground_truth_rows_are_what_the_api_answers(acme, truth) -> None:
    rows = truth[ACME.account_token]
    assert acme.rows("/responses", per_page=50) == rows["responses"][::-1][:50]
    assert acme.rows("/declines", sort_order="asc") == rows["declines"][:25]
    user = rows["end_users"][40]
    assert acme.rows(f"/end_users/{user['id']}") == user
    settings = rows["end_user_settings"][40]
    assert acme.rows(f"/end_users/{settings['end_user_id']}/settings") == settings
    view = rows["page_views"][3]
    assert acme.rows(f"/end_users/{view['end_user_id']}/page_views/{view['id']}") == view
    assert acme.rows("/segments") == rows["segments"]


def test_timestamps_are_formatted_as_the_web_helpers_format_them(acme, truth) -> None:
    """The bulk (polars) formatting agrees with web.py's one-row helpers, DST days included."""
    for account in (ACME, GLOBEX):
        frames = {
            t: acme.served.sandbox.wootric.frame(account.account_token, t) for t in TABLES[:-1]
        }
        rows = truth[account.account_token]
        zone = account.time_zone
        for row, raw in zip(
            rows["responses"], frames["responses"].iter_rows(named=True), strict=True
        ):
            assert row["created_at"] == wootric_time(raw["created_at"], zone)
            assert row["updated_at"] == wootric_time(raw["updated_at"], zone)
        for row, raw in zip(
            rows["end_users"], frames["end_users"].iter_rows(named=True), strict=True
        ):
            old = raw["created_at"] < datetime(2025, 1, 1, tzinfo=UTC).timestamp()
            expected = (
                naive_utc_time(raw["created_at"]) if old else wootric_time(raw["created_at"], zone)
            )
            assert row["created_at"] == expected
        settings = zip(
            rows["end_user_settings"],
            frames["end_user_settings"].iter_rows(named=True),
            strict=True,
        )
        for row, raw in settings:
            assert row["updated_at"] == compact_offset_time(raw["updated_at"], zone)


# --- the dataset -----------------------------------------------------------------------------


def test_responses_split_between_the_accounts_and_the_bursts_come_on_top(shared_sandbox) -> None:
    wootric = shared_sandbox.sandbox.wootric
    acme = len(wootric.ids(ACME.account_token, "responses"))
    globex = len(wootric.ids(GLOBEX.account_token, "responses"))
    assert acme == round(0.65 * SMALL["responses"]) + sum(SMALL["bursts"])
    assert globex == SMALL["responses"] - round(0.65 * SMALL["responses"])
    for token, responses in ((ACME.account_token, acme), (GLOBEX.account_token, globex)):
        assert len(wootric.ids(token, "end_users")) == pytest.approx(responses / 3, abs=1)
        assert len(wootric.ids(token, "declines")) == pytest.approx(responses / 4, abs=1)
        assert len(wootric.ids(token, "end_user_settings")) == len(wootric.ids(token, "end_users"))


def local_days(frame: pl.DataFrame, zone: str) -> pl.DataFrame:
    """Responses per local day of the account, busiest first."""
    day = pl.from_epoch("created_at").dt.convert_time_zone(zone).dt.date().alias("day")
    return frame.group_by(day).len().sort("len", descending=True)


def test_dense_days_pack_their_responses_into_one_local_day_each() -> None:
    """Issue 14's days of 4,000 rows: each configured size on a day of its own, in the first
    account, on top of the sampled responses and the bursts."""
    config = SandboxConfig(**{**SMALL, "dense_days": (4_000, 4_500)})  # type: ignore[arg-type]
    wootric = Wootric(World(config))
    frame = wootric.frame(ACME.account_token, "responses")
    assert frame.height == round(0.65 * SMALL["responses"]) + sum(SMALL["bursts"]) + 8_500
    busiest = local_days(frame, ACME.time_zone)
    assert busiest["len"][0] >= 4_500
    assert busiest["len"][1] >= 4_000
    assert busiest["len"][2] < 4_000  # two dense days, no more
    # Office hours of that day, not one second: no second of it holds a query's worth.
    seconds = frame.group_by("created_at").len()["len"]
    assert sorted(seconds.to_list())[-3] < 50
    # The other account is left as it was (but for its ids, which continue the first's).
    plain = Wootric(World(SandboxConfig(**SMALL)))  # type: ignore[arg-type]
    own = ["score", "text", "created_at", "updated_at", "origin_url", "tags"]
    other = wootric.frame(GLOBEX.account_token, "responses").select(own)
    assert other.equals(plain.frame(GLOBEX.account_token, "responses").select(own))


def test_without_dense_days_the_dataset_is_unchanged(truth, shared_sandbox) -> None:
    assert shared_sandbox.sandbox.world.config.dense_days == ()
    frame = shared_sandbox.sandbox.wootric.frame(ACME.account_token, "responses")
    assert local_days(frame, ACME.time_zone)["len"][0] < 2_000 + max(SMALL["bursts"])


@pytest.mark.parametrize("field", ["bursts", "dense_days"])
@pytest.mark.parametrize("sizes", [(0,), (-5,), (4_000, "many"), tuple([10] * 101)])
def test_burst_and_day_sizes_are_checked_with_one_line(field: str, sizes: tuple) -> None:
    with pytest.raises(SandboxConfigError) as caught:
        SandboxConfig(**{field: sizes})  # type: ignore[arg-type]
    assert caught.value.field == field
    assert "\n" not in str(caught.value)
    assert "give" in str(caught.value)


def test_two_years_ending_just_before_the_configured_end(large) -> None:
    end = int(large.world.config.end.timestamp())
    for token in (ACME.account_token, GLOBEX.account_token):
        for table in ("responses", "declines"):
            frame = large.frame(token, table)
            assert frame["created_at"].max() < end
            assert frame["created_at"].min() >= end - 731 * 86400
            assert (frame["updated_at"] >= frame["created_at"]).all()
            assert frame["created_at"].is_sorted()
        users = large.frame(token, "end_users")
        assert (users["updated_at"] >= users["created_at"]).all()
        assert users["created_at"].min() < datetime(2025, 1, 1, tzinfo=UTC).timestamp()


def test_comments_fit_their_scores_and_carry_their_tags(truth) -> None:
    templates = {c.text: c for c in vocab.COMMENTS if c.text}
    for row in truth[ACME.account_token]["responses"]:
        assert 0 <= row["score"] <= 10
        if row["text"] is None:
            assert row["tags"] == []
            continue
        template = templates[row["text"]]
        assert template.low <= row["score"] <= template.high
        assert row["tags"] == list(template.tags)


def test_the_data_has_the_patterns_an_analyst_should_find(large) -> None:
    frame = large.frame(ACME.account_token, "responses")
    data = large._accounts[ACME.account_token]
    plans = np.array([data.properties(s)["pricing_plan"] for s in frame["snapshot"].to_list()])
    scores = frame["score"].to_numpy()
    by_plan = {plan: nps(scores[plans == plan]) for plan in vocab.PLANS}
    assert by_plan["Free"] < by_plan["Lite"] < by_plan["Small Business"] < by_plan["Enterprise"]
    created = frame["created_at"].to_numpy()
    middle = (created.min() + created.max()) / 2
    assert nps(scores[created >= middle]) > nps(scores[created < middle]) + 5  # upward trend
    excluded = frame["excluded_from_calculations"].mean()
    assert 0.01 < excluded < 0.03
    weekday = pl.from_epoch(frame["created_at"]).dt.weekday().to_numpy()  # 1 = Monday
    assert (weekday >= 6).mean() < 2 / 7 * 0.75  # quieter weekends
    assert frame["text"].null_count() / frame.height == pytest.approx(0.3, abs=0.03)


def test_responses_carry_the_properties_at_answer_time(large) -> None:
    """Upgraded end users answered on their old plan first, then on the new one."""
    frame = large.frame(ACME.account_token, "responses")
    data = large._accounts[ACME.account_token]
    plans = pl.Series([data.properties(s)["pricing_plan"] for s in frame["snapshot"].to_list()])
    per_user = (
        frame.with_columns(plan=plans)
        .group_by("end_user_id")
        .agg(pl.col("plan").first().alias("first"), pl.col("plan").last().alias("last"))
        .filter(pl.col("first") != pl.col("last"))
    )
    assert per_user.height > 0
    for first, last in per_user.select("first", "last").iter_rows():
        assert vocab.PLANS.index(last) == vocab.PLANS.index(first) + 1


def test_end_users_have_the_documented_properties(truth) -> None:
    users = truth[ACME.account_token]["end_users"]
    keys = {"country", "persona", "pricing_plan", "product_plan", "purchase_date", "revenue_amount"}
    assert all(set(u["properties"]) == keys | {"plan", "revenue"} for u in users)
    assert Counter(u["external_id"] is not None for u in users)[True] / len(users) > 0.7
    phones = [u["phone_number"] for u in users if u["phone_number"]]
    assert 0.15 < len(phones) / len(users) < 0.45
    assert len(set(phones)) == len(phones)
    assert all(p.startswith("+") for p in phones)
    assert len({u["email"] for u in users}) == len(users)


def test_plan_and_revenue_are_what_the_readme_segments_by(large) -> None:
    """`plan` is the pricing plan (so plans differ in NPS), `revenue` a yearly amount in dollars
    that grows with the plan and varies within it; both travel with each response."""
    frame = large.frame(ACME.account_token, "responses")
    data = large._accounts[ACME.account_token]
    props = pl.DataFrame([data.properties(s) for s in frame["snapshot"].to_list()])
    assert props["plan"].to_list() == props["pricing_plan"].to_list()
    assert props["revenue"].dtype == pl.Int64
    scores = frame["score"].to_numpy()
    plans = props["plan"].to_numpy()
    by_plan = {plan: nps(scores[plans == plan]) for plan in vocab.PLANS}
    assert by_plan["Free"] < by_plan["Lite"] < by_plan["Small Business"] < by_plan["Enterprise"]
    revenue = props.group_by("plan").agg(
        pl.col("revenue").median().alias("median"), pl.col("revenue").n_unique().alias("values")
    )
    medians = dict(revenue.select("plan", "median").iter_rows())
    assert medians["Free"] == 0
    assert medians["Lite"] < medians["Small Business"] < medians["Enterprise"]
    assert revenue.filter(pl.col("plan") == "Enterprise")["values"][0] > 100  # not a price list
    assert 0.2 < (props["revenue"] >= 5_000).mean() < 0.6
    assert props["country"].n_unique() == len(vocab.COUNTRIES)


def test_added_properties_change_nothing_else(monkeypatch) -> None:
    """`revenue` comes from a stream of its own: reseeding it moves no score, date, tag or id,
    and no other property."""
    from workbench.sandbox.wootric import data as wootric_data

    config = SandboxConfig(**{**SMALL, "seed": 11})  # type: ignore[arg-type]
    first, first_ids = wootric_data.generate(config)
    monkeypatch.setattr(wootric_data, "PROPERTY_STREAM", wootric_data.PROPERTY_STREAM + 1)
    other, other_ids = wootric_data.generate(config)
    assert first_ids.next == other_ids.next
    for (_, a), (_, b) in zip(first, other, strict=True):
        for table in ("end_users", "responses", "declines", "page_views", "settings"):
            assert getattr(a, table).equals(getattr(b, table))
        parsed_a = pl.Series(a.snapshots).str.json_decode()
        parsed_b = pl.Series(b.snapshots).str.json_decode()
        kept_a, kept_b = (p.struct.unnest().drop("revenue") for p in (parsed_a, parsed_b))
        assert kept_a.equals(kept_b)
        assert not parsed_a.struct.field("revenue").equals(parsed_b.struct.field("revenue"))


def test_same_seed_same_data_other_seed_other_data() -> None:
    def build(seed: int) -> Wootric:
        return Wootric(World(SandboxConfig(**{**SMALL, "seed": seed})))  # type: ignore[arg-type]

    first, again, other = build(11), build(11), build(12)
    for token in (ACME.account_token, GLOBEX.account_token):
        for table in TABLES[:-1]:
            assert first.frame(token, table).equals(again.frame(token, table))
        assert first._accounts[token].snapshots == again._accounts[token].snapshots
        assert not first.frame(token, "responses").equals(other.frame(token, "responses"))
    assert first.ground_truth() == again.ground_truth()


# --- nps_summary -----------------------------------------------------------------------------


def expected_summary(
    served: Any, account: Any, start: date | None, end: date | None, *, utc: bool = False
) -> dict[str, Any]:
    """Counted from the ground truth, independently of the sandbox's code."""
    zone = ZoneInfo("UTC" if utc else account.time_zone)
    token = account.account_token

    def days(table: str) -> tuple[list[date], pl.DataFrame]:
        frame = served.sandbox.wootric.frame(token, table)
        local = [datetime.fromtimestamp(t, zone).date() for t in frame["created_at"].to_list()]
        return local, frame

    def inside(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    response_days, responses = days("responses")
    decline_days, declines = days("declines")
    counted = [
        (score, CHANNELS[channel])
        for day, score, excluded, channel in zip(
            response_days,
            responses["score"].to_list(),
            responses["excluded_from_calculations"].to_list(),
            responses["channel"].to_list(),
            strict=True,
        )
        if inside(day) and not excluded
    ]
    declined = [
        CHANNELS[c] for d, c in zip(decline_days, declines["channel"], strict=True) if inside(d)
    ]
    n = len(counted)
    promoters = sum(1 for s, _ in counted if s >= 9)
    detractors = sum(1 for s, _ in counted if s <= 6)
    email = sum(1 for _, c in counted if c == "email")
    email_declines = sum(1 for c in declined if c == "email")

    def rounded(part: int, whole: int) -> int:
        value = (Decimal(part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(value)

    return {
        "nps": rounded(100 * (promoters - detractors), n) if n else None,
        "responses": n,
        "detractors": detractors,
        "passives": n - promoters - detractors,
        "promoters": promoters,
        "response_rate": rounded(100 * n, n + len(declined)) if n + len(declined) else 0,
        "email_response_rate": rounded(100 * email, email + email_declines)
        if email + email_declines
        else 0,
    }


RANGES = [
    (date(2026, 1, 1), date(2026, 6, 30)),
    (date(2025, 3, 9), date(2025, 3, 9)),  # a DST change in Los Angeles
    (date(2025, 10, 26), date(2025, 11, 2)),  # DST ends in London, then in Los Angeles
    (date(2026, 9, 1), None),
    (None, date(2025, 1, 31)),
]


@pytest.mark.parametrize("account", [ACME, GLOBEX])
@pytest.mark.parametrize(("start", "end"), RANGES)
def test_nps_summary_counts_days_in_the_account_time_zone(acme, account, start, end) -> None:
    api = acme if account is ACME else Api(acme.http, acme.served, account)
    params = {}
    if start:
        params["date[start]"] = f"'{start.isoformat()}'"  # quoted, as the doc's example
    if end:
        params["date[end]"] = end.isoformat()
    assert api.rows("/nps_summary", **params) == expected_summary(acme.served, account, start, end)


def test_nps_summary_is_sensitive_to_the_time_zone(acme) -> None:
    """At least one range counts differently by UTC days, so the test above proves the zone."""
    differs = [
        expected_summary(acme.served, ACME, s, e)
        != expected_summary(acme.served, ACME, s, e, utc=True)
        for s, e in RANGES
    ]
    assert any(differs)


def test_nps_summary_without_a_range_is_the_last_month(served, http) -> None:
    api = Api(http, served)
    zone = ZoneInfo(ACME.time_zone)
    end = int(served.sandbox.world.config.end.timestamp())
    # Move the clock to a day inside the data, so that "the last month" holds responses.
    served.sandbox.world.clock.advance(end - 10 * 86400 - served.sandbox.world.clock.now())
    api.login()
    today = datetime.fromtimestamp(served.sandbox.world.clock.now(), zone).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    month_ago = date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    summary = api.rows("/nps_summary")
    assert summary == expected_summary(served, ACME, month_ago, today)
    assert summary["responses"] > 0


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "'2026/01/01'"])
def test_nps_summary_checks_its_dates(acme, value) -> None:
    answer = acme.get("/nps_summary", **{"date[start]": value})
    assert answer.status_code == 400
    assert answer.json() == {"error": "date[start] does not have a valid value"}


def test_round_half_away_from_zero() -> None:
    assert [round_half_away(n, 8) for n in (4, 12, -4, -12, 3, -3, 5)] == [1, 2, -1, -2, 0, 0, 1]
    assert round_half_away(100 * 1, 8) == 13  # 12.5 -> 13, where Python's round() gives 12


# --- control routes --------------------------------------------------------------------------


def control(served: Any, path: str) -> str:
    return f"{served.base_url}/_sandbox/wootric/{ACME.account_token}{path}"


def test_control_route_adds_new_responses(served, http) -> None:
    world = served.sandbox.world
    before = set(served.sandbox.wootric.ids(ACME.account_token, "responses"))
    now = int(world.clock.now())
    made = http.post(control(served, "/responses"), data={"count": "4"}).json()
    assert len(made) == 4
    assert not set(made) & before
    frame = served.sandbox.wootric.frame(ACME.account_token, "responses").filter(
        pl.col("id").is_in(made)
    )
    assert (frame["created_at"] >= now).all()
    users = served.sandbox.wootric.frame(ACME.account_token, "end_users").filter(
        pl.col("id").is_in(frame["end_user_id"].implode())
    )
    assert (users["updated_at"] >= now).all()
    at = 1_790_000_000
    dated = http.post(control(served, "/responses"), data={"count": "3", "created_at": str(at)})
    api = Api(http, served)
    assert sorted(ids(api.rows("/responses", **{"created[eq]": at}))) == sorted(dated.json())


def test_control_route_touches_existing_responses(served, http) -> None:
    world = served.sandbox.world
    frame = served.sandbox.wootric.frame(ACME.account_token, "responses")
    world.clock.advance(30)
    touched = http.post(control(served, "/responses/touch"), data={"count": "6"}).json()
    assert len(touched) == 6
    after = served.sandbox.wootric.frame(ACME.account_token, "responses")
    assert after.height == frame.height
    for response_id in touched:
        old = frame.filter(id=response_id).row(0, named=True)
        new = after.filter(id=response_id).row(0, named=True)
        assert new["updated_at"] == int(world.clock.now())
        assert (new["tags"], new["excluded_from_calculations"]) != (
            old["tags"],
            old["excluded_from_calculations"],
        )


def test_control_routes_answer_ids_and_rows(served, http, truth) -> None:
    wootric = served.sandbox.wootric
    for table in TABLES[:-1]:
        answer = http.get(control(served, f"/{table}/ids"))
        assert answer.json() == wootric.ids(ACME.account_token, table)
    rows = http.get(control(served, "/responses"), params={"offset": 10, "limit": 5}).json()
    assert rows == truth[ACME.account_token]["responses"][10:15]
    assert http.get(control(served, "/segments")).json() == truth[ACME.account_token]["segments"]
    assert http.get(control(served, "/surveys/ids")).status_code == 404
    unknown = f"{served.base_url}/_sandbox/wootric/NPS-unknown/responses/ids"
    assert http.get(unknown).status_code == 404


def test_ground_truth_can_be_read_from_another_thread_during_writes(served, http) -> None:
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                truth = served.sandbox.wootric.ground_truth()[ACME.account_token]
                assert len(truth["end_users"]) == len(truth["end_user_settings"])
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        api = Api(http, served)
        for n in range(5):
            made = api.call("POST", "/end_users", data={"email": f"t{n}@example.com"}).json()
            api.call("POST", f"/end_users/{made['id']}/responses", data={"score": "9"})
            http.post(control(served, "/responses/touch"), data={"count": "2"})
    finally:
        done.set()
        reader.join()
    assert failures == []
