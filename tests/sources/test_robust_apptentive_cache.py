"""The Apptentive ETag cache stays bounded: one file per URL on disk (an update rewrites that
entry and a small index, never the other bodies), no bodies held in memory for a disk cache,
and bounds on entries and bytes; 304s keep working. Real client against the served sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.sources.test_apptentive_client import IOS, apptentive_client, statuses
from workbench.sandbox import ServedSandbox
from workbench.sources.apptentive import ConditionalCache


def body_files(cache: ConditionalCache) -> dict[str, int]:
    assert cache.bodies is not None
    return {p.name: p.stat().st_ino for p in cache.bodies.iterdir() if p.suffix == ".json"}


async def add_record(served: ServedSandbox) -> None:
    control = f"{served.base_url}/_sandbox/apptentive/{IOS.app_id}/records"
    async with httpx.AsyncClient() as http:
        (await http.post(control, data={"count": "1"})).raise_for_status()


async def test_an_update_rewrites_only_its_own_entry(served: ServedSandbox, tmp_path: Path) -> None:
    path = tmp_path / "etags-acme-ios.json"
    cache = ConditionalCache(path)
    client = apptentive_client(served, cache=cache)
    try:
        async with asyncio.timeout(60):
            records = await client.list_records()
            await client.get_record(records[0].id)
            await client.list_surveys()
            before = body_files(cache)
            assert len(before) == 3 == len(cache)
            index = path.read_text()
            assert records[1].id not in index  # the index holds URLs and ETags, not bodies
            assert len(index) < 2_000
            assert path.stat().st_mode & 0o777 == 0o600
            assert all(
                (cache.bodies / name).stat().st_mode & 0o777 == 0o600  # type: ignore[operator]
                for name in before
            )
            assert IOS.token not in index

            await add_record(served)
            again = await client.list_records()
            assert len(again) == len(records) + 1
            after = body_files(cache)
            changed = {name for name in before if after.get(name) != before[name]}
            assert len(changed) == 1, "an update rewrote other entries' bodies"
    finally:
        await client.aclose()

    fresh = apptentive_client(served, cache=ConditionalCache(path))
    try:
        async with asyncio.timeout(60):
            assert await fresh.list_records() == again
            assert statuses(fresh) == {304: 1}
    finally:
        await fresh.aclose()


async def test_a_body_over_the_bound_is_not_kept_and_small_ones_still_revalidate(
    served: ServedSandbox, tmp_path: Path
) -> None:
    cache = ConditionalCache(tmp_path / "etags.json", max_bytes=20_000)
    client = apptentive_client(served, cache=cache)
    try:
        async with asyncio.timeout(60):
            records = await client.list_records()
            await client.get_record(records[0].id)
            assert await client.list_records() == records
            await client.get_record(records[0].id)
            # the record list is larger than the bound: read whole each time; one record: 304
            assert statuses(client) == {200: 3, 304: 1}
            assert cache.size <= 20_000
            assert len(body_files(cache)) == len(cache) == 1
    finally:
        await client.aclose()


async def test_entries_past_the_bound_leave_with_their_files(
    served: ServedSandbox, tmp_path: Path
) -> None:
    cache = ConditionalCache(tmp_path / "etags.json", max_entries=2)
    client = apptentive_client(served, cache=cache)
    try:
        async with asyncio.timeout(60):
            records = await client.list_records()
            for record in records[:4]:
                await client.get_record(record.id)
            assert len(cache) == 2
            assert len(body_files(cache)) == 2
    finally:
        await client.aclose()


def test_a_memory_cache_is_bounded_by_bytes() -> None:
    cache = ConditionalCache(max_bytes=1_000)
    for number in range(20):
        cache.put(f"k{number}", f'"{number}"', {"text": "x" * 100})
    assert cache.size <= 1_000
    assert cache.get("k19") is not None
    assert cache.get("k0") is None
    cache.put("big", '"big"', {"text": "x" * 2_000})
    assert cache.get("big") is None
