"""Nothing stale: an incremental sync reads recent Wootric responses again, so edits made after
creation (exclusion, here) reach the store; `refresh_days` sets how far back."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from tests.clients import wootric_client
from tests.data.test_sync import sandbox_settings
from workbench.data.store import Store
from workbench.data.sync import sync


def stored(store_dir, response_id: str) -> dict:
    frame = Store(store_dir).account("acme-nps").read("responses")
    return frame.filter(pl.col("id") == response_id).row(0, named=True)


def aged(store_dir, days: int) -> str:
    """A stored, counted response created about `days` before the newest one."""
    frame = Store(store_dir).account("acme-nps").read("responses")
    newest = frame["created_at"].max()
    chosen = (
        frame.filter(
            (pl.col("created_at") <= newest - timedelta(days=days))
            & ~pl.col("excluded_from_calculations").fill_null(False)
        )
        .sort("created_at", descending=True)
        .row(0, named=True)
    )
    return chosen["id"]


async def exclude(served, response_id: str) -> None:
    client = wootric_client(served)
    try:
        await client.update_response(response_id, excluded_from_calculations=True)
    finally:
        await client.aclose()


async def test_an_edit_to_a_ten_day_old_response_is_seen_by_the_next_incremental_sync(
    served, tmp_path
) -> None:
    settings = sandbox_settings(served, tmp_path)
    assert settings.sync.refresh_days == 30
    assert (await sync(settings)).ok
    recent, old = aged(tmp_path, 10), aged(tmp_path, 45)
    await exclude(served, recent)
    await exclude(served, old)

    # Without a refresh window only new rows are read: the edit stays unseen.
    assert (await sync(settings, refresh_days=0)).ok
    assert stored(tmp_path, recent)["excluded_from_calculations"] is False

    # The default window (30 days) sees the ten-day-old edit, not the 45-day-old one.
    assert (await sync(settings)).ok
    assert stored(tmp_path, recent)["excluded_from_calculations"] is True
    assert stored(tmp_path, old)["excluded_from_calculations"] is False

    # Reaching further back (`workbench sync --refresh 60`) sees the older edit too.
    assert (await sync(settings, refresh_days=60)).ok
    assert stored(tmp_path, old)["excluded_from_calculations"] is True
    frame = Store(tmp_path).account("acme-nps").read("responses")
    assert frame["id"].n_unique() == frame.height
