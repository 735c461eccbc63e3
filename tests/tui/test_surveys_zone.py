"""The Surveys pane on a synced demo store: per month, the store's NPS and n beside Wootric's
nps_summary in the account's (inferred) zone, months that differ marked; the filter's dates and
the trend's buckets in the zone the one rule picks; the palette's zone pick applies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest

from tests.tui.conftest import settle
from workbench.analysis import Filter
from workbench.data.sync import sync
from workbench.demo import Demo, start_demo
from workbench.tui import WorkbenchApp
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.widgets.grid import FrameView


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with start_demo(tmp_path_factory.mktemp("demo"), responses=3_000) as started:
        summary = asyncio.run(sync(started.settings))
        assert summary.ok, summary
        yield started


def app_for(demo: Demo) -> WorkbenchApp:
    return WorkbenchApp(demo.settings, config_file=demo.config_path, offer_welcome=False)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_store_months_beside_nps_summary_in_the_accounts_zone(demo: Demo, size) -> None:  # type: ignore[no-untyped-def]
    app = app_for(demo)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        pane = app.query_one(SurveysPane)
        months = pane.query_one("#wootric-summaries", FrameView).table
        assert months is not None
        rows = months.to_pylist()
        assert rows, "no months shown"
        assert {row["zone"] for row in rows} == {"America/Los_Angeles"}
        assert all(row[""] == "=" for row in rows), [r for r in rows if r[""] != "="]
        for row in rows:
            assert row["n (store)"] == row["n (Wootric)"]
        # with no filter the demo's accounts are in different zones: the trend says UTC, why
        title = str(pane.query_one("#wootric-trend-title").render())
        assert "UTC" in title
        notes = str(pane.query_one("#wootric-notes").render())
        assert "different zones" in notes


async def test_a_single_accounts_filter_uses_its_zone_and_a_pick_overrides_it(demo: Demo) -> None:
    app = app_for(demo)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.set_filter(Filter.parse("account:acme-nps since:2026-09-01 until:2026-09-30"))
        await settle(pilot)
        assert app.zone_choice().time_zone == "America/Los_Angeles"
        # since:/until: as calendar days in Los Angeles: nps_summary's September
        summaries = demo.settings.store_dir / "acme-nps" / "nps_summaries.parquet"
        september = pl.read_parquet(summaries).filter(pl.col("date_start") == date(2026, 9, 1))
        counted = app.selected.filter(~pl.col("excluded_from_calculations"))
        assert counted.height == september["responses"].item()
        pane = app.query_one(SurveysPane)
        title = str(pane.query_one("#wootric-trend-title").render())
        assert "America/Los_Angeles" in title
        app.pick_time_zone("UTC")
        await settle(pilot)
        assert app.zone_choice().time_zone == "UTC"
        assert "UTC" in str(pane.query_one("#wootric-trend-title").render())
        # the comparison stays in the account's own zone whatever is picked
        rows = pane.query_one("#wootric-summaries", FrameView).table
        assert rows is not None
        assert set(rows.column("zone").to_pylist()) == {"America/Los_Angeles"}
