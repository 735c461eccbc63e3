"""A walked table that fails half-way keeps what it read: its rows are on disk, its cursor covers
exactly the windows that were complete, and the next run starts after them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from workbench.data import normalize
from workbench.data.progress import TableSummary
from workbench.data.store import Store
from workbench.data.sync_tables import TableRun, walk
from workbench.settings import settings_from
from workbench.sources.connect import open_client
from workbench.sources.errors import ServerError
from workbench.sources.paging import Batch, Window


def row(n: int, second: int) -> dict[str, object]:
    return {
        "id": n,
        "end_user_id": 1,
        "score": n % 11,
        "text": None,
        "created_at": second,
        "updated_at": second,
        "survey_id": 1,
        "tags": [],
        "excluded_from_calculations": False,
    }


async def test_a_failed_walk_keeps_the_rows_it_read(tmp_path) -> None:
    settings = settings_from(
        {
            "store_dir": str(tmp_path),
            "accounts": {
                "acme": {
                    "platform": "wootric",
                    "base_url": "http://127.0.0.1:9/wootric",
                    "email": "a@example.com",
                    "password": "x",
                }
            },
        }
    )
    client = open_client("acme", settings.account("acme"), settings.http)
    store = Store(tmp_path).account("acme")
    store.ensure_meta("wootric")
    run = TableRun(
        "acme",
        "wootric",
        "responses",
        client,
        store,
        TableSummary("responses"),
        False,
        None,
        lambda _event: None,
        settings.account("acme"),
    )
    start = 1_700_000_000

    async def batches(_since: int | None) -> AsyncIterator[Batch]:
        yield Batch(Window(start, start + 9), [row(i, start + i) for i in range(10)], done=True)
        yield Batch(Window(start + 10, start + 19), [row(10, start + 10)], done=False)
        raise ServerError("the platform went away", account="acme")

    with pytest.raises(ServerError):
        await walk(run, batches, lambda rows: normalize.wootric_responses(rows, "acme"))
    await client.aclose()
    stored = store.read("responses")
    assert sorted(stored["id"].to_list()) == sorted(str(i) for i in range(11))
    # the cursor covers the complete window only: the half-read one is read again
    assert store.cursors()["responses"]["through"] == start + 9
    assert run.summary.rows == 11
