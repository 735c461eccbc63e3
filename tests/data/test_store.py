"""The account store on a real disk: upserts, tombstones, compaction, damage and repair."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from workbench.data.store import AccountStore, Store, StoreError


def rows(ids: list[str], day: int | None, score: int) -> pl.DataFrame:
    """Rows of `ids` updated on one January day (None: with no `updated_at`, as a null)."""
    when = None if day is None else datetime(2026, 1, day, tzinfo=UTC)
    return pl.DataFrame(
        {"id": ids, "updated_at": [when] * len(ids), "score": [score] * len(ids)},
        schema_overrides={"updated_at": pl.Datetime("us", "UTC")},
    )


@pytest.fixture
def acme(tmp_path: Path) -> AccountStore:
    store = Store(tmp_path).account("acme")
    store.ensure_meta("wootric")
    return store


def test_upsert_keeps_the_newest_version_of_each_id(acme: AccountStore) -> None:
    acme.append("responses", rows(["1", "2"], 2, 5))
    acme.append("responses", rows(["2", "3"], 3, 9))
    acme.append("responses", rows(["1"], 1, 0))  # an older copy arriving late loses
    table = acme.read("responses").sort("id")
    assert table["id"].to_list() == ["1", "2", "3"]
    assert table["score"].to_list() == [5, 9, 9]


def test_tombstones_remove_rows_and_compaction_leaves_one_plain_file(acme: AccountStore) -> None:
    acme.append("responses", rows(["1", "2"], 2, 5))
    acme.append("responses", rows(["1"], 2, 5), deleted=True)
    acme.compact("responses")
    assert acme.parts("responses") == []
    plain = pl.read_parquet(acme.table_path("responses"))  # as DuckDB or Spark would read it
    assert plain["id"].to_list() == ["2"]
    assert "_deleted" not in plain.columns


def test_a_write_that_fails_leaves_the_old_table_and_no_temp_file(acme: AccountStore) -> None:
    acme.replace("responses", rows(["1"], 1, 7))

    class Boom(Exception):
        pass

    def failing_write(frame: pl.DataFrame) -> None:
        raise Boom

    original = pl.DataFrame.write_parquet
    pl.DataFrame.write_parquet = lambda self, path, **kw: failing_write(self)  # type: ignore[method-assign]
    try:
        with pytest.raises(Boom):
            acme.replace("responses", rows(["9"], 1, 1))
    finally:
        pl.DataFrame.write_parquet = original  # type: ignore[method-assign]
    assert acme.read("responses")["id"].to_list() == ["1"]
    assert not [p for p in acme.path.iterdir() if p.name.endswith(".tmp")]


def test_damaged_file_names_itself_and_the_commands(acme: AccountStore) -> None:
    acme.replace("responses", rows(["1"], 1, 7))
    acme.table_path("responses").write_bytes(b"not parquet at all")
    with pytest.raises(StoreError) as caught:
        acme.read("responses")
    message = str(caught.value)
    assert str(acme.table_path("responses")) in message
    assert "workbench store check" in message
    assert "workbench store repair" in message
    damaged = [path for path, _ in acme.check()]
    assert damaged == [acme.table_path("responses")]
    assert acme.repair() == [acme.table_path("responses")]
    assert (acme.path / "quarantine" / "responses.parquet").exists()
    assert list(acme.check()) == []
    assert acme.cursors() == {}


def test_corrupt_cursor_file_is_reported_not_ignored(acme: AccountStore) -> None:
    acme.set_cursor("responses", {"created": 100})
    (acme.path / "cursors.json").write_text("{oops")
    with pytest.raises(StoreError, match=r"cursors\.json"):
        acme.cursors()


def test_unwritable_store_gets_one_clear_line(acme: AccountStore) -> None:
    # A file where the parts directory should be: unwritable even for root.
    (acme.path / "responses.parts").write_text("in the way")
    with pytest.raises(StoreError, match="cannot write") as caught:
        acme.append("responses", rows(["1"], 1, 1))
    assert "\n" not in str(caught.value)
    assert not acme.table_path("responses").exists()


def test_platform_mismatch_and_bad_names_are_refused(acme: AccountStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="holds a wootric account"):
        acme.ensure_meta("cxi")
    with pytest.raises(StoreError, match="cannot be a store directory name"):
        Store(tmp_path).account("../escape")
    assert Store(tmp_path).accounts() == ["acme"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_a_sliced_compaction_keeps_the_rows_and_order_of_the_merge(
    acme: AccountStore, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """With slices of a few rows (so the winners are gathered over many slices and sources),
    the compacted file is exactly what `scan` gave before it: the same rows in the same order,
    edits and tombstones included, ties in `updated_at` broken by the later part, and (seeds 4
    to 6) parts with a missing `updated_at`, which sorts first."""
    import random

    import workbench.data.store as store_module

    monkeypatch.setattr(store_module, "COMPACT_ROWS", 5)
    pick = random.Random(seed)
    for part in range(8):
        ids = pick.sample([str(n) for n in range(40)], pick.randint(1, 12))
        day = pick.choice([1, 2, 3, None]) if seed > 3 else pick.randint(1, 4)
        acme.append("responses", rows(ids, day, part), deleted=pick.random() < 0.15)
        if part == 3:
            acme.compact("responses")  # a table file beside the later parts
    expected = acme.scan("responses")
    assert expected is not None
    before = expected.collect()
    acme.compact("responses")
    assert acme.parts("responses") == []
    after = pl.read_parquet(acme.table_path("responses"))
    assert after.equals(before)
    assert after["id"].n_unique() == after.height
