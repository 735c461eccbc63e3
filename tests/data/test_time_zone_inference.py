"""Each sandbox Wootric account's zone, inferred at sync from its nps_summary answers, and the
store's monthly NPS in that zone equal to the API's, month by month (real HTTP, real store)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.analysis.dates import choose_time_zone
from workbench.analysis.trend import nps_against_summaries, trend
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.data.tables import load_table
from workbench.data.time_zones import (
    infer_time_zone,
    settings_zones,
    store_time_zone,
    stored_time_zone,
)
from workbench.sandbox import ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS
from workbench.settings import Settings, settings_from

NPS_ACCOUNTS = [a for a in WOOTRIC_ACCOUNTS if a.product == "nps"]
USER = WOOTRIC_USERS[0]


def wootric_settings(
    served: ServedSandbox, store_dir: Path, zones: dict[str, str] | None = None
) -> Settings:
    """Every sandbox Wootric NPS account, configured as a person would, with no zone unless
    `zones` gives one."""
    accounts = {
        account.name.lower().replace(" ", "-"): {
            "platform": "wootric",
            "base_url": served.url("wootric"),
            "email": USER.email,
            "password": USER.password,
            "account_token": account.account_token,
            **({"time_zone": zones[account.account_token]} if zones else {}),
        }
        for account in NPS_ACCOUNTS
    }
    return settings_from({"store_dir": str(store_dir), "accounts": accounts})


def names(settings: Settings) -> dict[str, str]:
    """Configured account name -> the sandbox account's zone."""
    return {
        name: next(a.time_zone for a in NPS_ACCOUNTS if a.account_token == account.account_token)
        for name, account in settings.accounts.items()
    }


@pytest.fixture(scope="module")
def synced(shared_sandbox: ServedSandbox, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import asyncio

    store_dir = tmp_path_factory.mktemp("zones")
    settings = wootric_settings(shared_sandbox, store_dir)
    summary = asyncio.run(sync(settings))
    assert summary.ok, summary
    return settings, summary


def test_the_sync_infers_each_sandbox_accounts_zone_and_says_so(synced) -> None:  # type: ignore[no-untyped-def]
    settings, summary = synced
    store = Store(settings.store_dir)
    for name, zone in names(settings).items():
        assert stored_time_zone(store.account(name)) == zone
        account = next(a for a in summary.accounts if a.account == name)
        notes = [n for t in account.tables for n in t.notes if n.startswith("time zone")]
        assert len(notes) == 1
        assert f"{zone}, inferred" in notes[0]
    zones = settings_zones(settings, store)
    assert {n: (z.time_zone, z.source) for n, z in zones.items()} == {
        n: (zone, "inferred") for n, zone in names(settings).items()
    }


def test_store_monthly_nps_equals_nps_summary_in_the_accounts_zone_with_no_zone_passed(
    synced,  # type: ignore[no-untyped-def]
) -> None:
    settings, _ = synced
    store = Store(settings.store_dir)
    zones = settings_zones(settings, store)
    for name in settings.accounts:
        responses = load_table(store, "responses", [name])
        summaries = load_table(store, "nps_summaries", [name])
        months = summaries.filter(pl.col("responses") > 0)
        assert months.height >= 6, f"{name}: too few months with responses to mean anything"
        # the zone every face would pick for this single account, with none passed
        choice = choose_time_zone(zones, [name])
        assert choice.time_zone == names(settings)[name]
        assert choice.note is None
        points = trend(responses, "nps", every="month", time_zone=choice.time_zone, min_n=0)
        ours = {row["period"]: row for row in points.iter_rows(named=True)}
        for row in summaries.iter_rows(named=True):
            mine = ours.get(row["date_start"])
            n = 0 if mine is None else mine["n"]
            assert n == row["responses"], f"{name} {row['date_start']}: n"
            if n:
                margin = 100 * (mine["promoters"] - mine["detractors"])
                rounded = (2 * abs(margin) + n) // (2 * n) * (1 if margin >= 0 else -1)
                assert rounded == row["nps"], f"{name} {row['date_start']}: NPS"
        # the Surveys pane's comparison says the same: no month differs
        compared = nps_against_summaries(
            responses, summaries, {n: z.time_zone for n, z in zones.items()}
        )
        assert compared.height == summaries.height
        assert not compared["differs"].any()


def test_in_utc_the_months_differ_from_nps_summary(synced) -> None:  # type: ignore[no-untyped-def]
    """The defect this fixes: bucketing in UTC does not give Wootric's months."""
    settings, _ = synced
    store = Store(settings.store_dir)
    responses = load_table(store, "responses")
    summaries = load_table(store, "nps_summaries")
    compared = nps_against_summaries(responses, summaries, {})
    assert compared["differs"].any()


def test_a_configured_zone_wins_and_a_wrong_one_is_reported(shared_sandbox, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    wrong = {a.account_token: "Asia/Tokyo" for a in NPS_ACCOUNTS}
    settings = wootric_settings(shared_sandbox, tmp_path, wrong)
    summary = asyncio.run(sync(settings))
    assert summary.ok, summary
    store = Store(settings.store_dir)
    zones = settings_zones(settings, store)
    for name, zone in names(settings).items():
        assert zones[name].time_zone == "Asia/Tokyo"
        assert zones[name].source == "settings"
        assert stored_time_zone(store.account(name)) is None  # a configured zone is not stored
        account = next(a for a in summary.accounts if a.account == name)
        notes = [n for t in account.tables for n in t.notes if n.startswith("time zone")]
        assert len(notes) == 1
        assert "Asia/Tokyo" in notes[0]
        assert f"{zone} does" in notes[0]


def test_no_zone_reproducing_the_months_means_utc_and_a_note(synced) -> None:  # type: ignore[no-untyped-def]
    settings, _ = synced
    store = Store(settings.store_dir)
    name = next(iter(settings.accounts))
    responses = load_table(store, "responses", [name])
    summaries = load_table(store, "nps_summaries", [name]).with_columns(
        pl.col("responses") + 1000  # a month count no zone gives
    )
    found = infer_time_zone(responses, summaries)
    assert found.time_zone is None
    assert "dates in UTC" in found.note(name)
    assert "\n" not in found.note(name)


def test_account_zones_default_to_utc_with_a_note(tmp_path) -> None:
    settings = settings_from(
        {
            "store_dir": str(tmp_path),
            "accounts": {"app": {"platform": "apptentive", "token": "t"}},
        }
    )
    zones = settings_zones(settings)
    assert zones["app"].source == "default"
    choice = choose_time_zone(zones, ["app"])
    assert choice.time_zone == "UTC"
    assert choice.note is not None
    assert "accounts.app.time_zone" in choice.note


def test_the_stored_zone_is_one_row_of_the_accounts_table(tmp_path) -> None:
    account = Store(tmp_path).account("acme")
    account.ensure_meta("wootric")
    store_time_zone(account, "wootric", "NPS-1", "Europe/Paris")
    store_time_zone(account, "wootric", "NPS-1", "America/Chicago")
    table = pl.read_parquet(tmp_path / "acme" / "accounts.parquet")
    assert table.select("account", "time_zone").rows() == [("acme", "America/Chicago")]
