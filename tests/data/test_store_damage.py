"""A damaged store is found by `store check`, set aside by `store repair`, and never read as data:
foreign part files, cursors no sync wrote, leftovers of killed writes, a full disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.data.test_sync import WALKED, sandbox_settings, stored_ids, truth
from workbench.data.store import Store, StoreError
from workbench.data.sync import sync
from workbench.settings import save_settings

BOUND = 300


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )


@pytest.fixture
def synced(served, tmp_path):
    """A store holding acme-nps, and the environment that runs the CLI on it."""
    import asyncio

    store_dir = tmp_path / "store"
    settings = sandbox_settings(served, store_dir)
    assert asyncio.run(asyncio.wait_for(sync(settings), BOUND)).ok
    config = tmp_path / "config.toml"
    save_settings(settings, config)
    env = {**os.environ, "WORKBENCH_CONFIG": str(config), "NO_COLOR": "1", "COLUMNS": "250"}
    return store_dir, env


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """What the command said on one line: whitespace normalised, and the sync summary's cell
    borders taken out, so that a note the table wrapped across rows (where it wraps depends on
    the length of the temporary path it names) reads as the one sentence it is."""
    said = (result.stdout + result.stderr).strip()
    assert "Traceback" not in said
    assert "This is a bug" not in said
    return " ".join(said.replace("\u2502", " ").split())


def test_a_part_with_a_foreign_schema_is_found_and_set_aside(synced, served) -> None:
    store_dir, env = synced
    parts = store_dir / "acme-nps" / "responses.parts"
    parts.mkdir()
    foreign = pl.DataFrame({"id": ["x1"], "score": ["ten"], "created_at": ["yesterday"]})
    foreign.write_parquet(parts / "part-00000001.parquet")

    check = cli(env, "store", "check")
    assert check.returncode == 1
    assert "does not fit the responses table" in one_line_error(check)
    with pytest.raises(StoreError, match="store repair"):
        Store(store_dir).account("acme-nps").read("responses")
    report = cli(env, "report")
    assert report.returncode != 0
    assert "store repair" in one_line_error(report)

    repaired = cli(env, "store", "repair")
    assert repaired.returncode == 0, repaired.stderr
    assert cli(env, "store", "check").returncode == 0
    assert cli(env, "sync", "--no-progress").returncode == 0
    for table in WALKED:
        assert stored_ids(store_dir, "acme-nps", table) == truth(served, table)


@pytest.mark.parametrize("cursor", [{"through": "abc"}, [1, 2], {"through": 1.5}, "x"])
def test_a_damaged_cursor_is_refused_and_repaired(synced, served, cursor) -> None:
    store_dir, env = synced
    path = store_dir / "acme-nps" / "cursors.json"
    path.write_text(json.dumps({"responses": cursor}))
    check = cli(env, "store", "check")
    assert check.returncode == 1
    assert "cursors.json" in one_line_error(check)
    synced_again = cli(env, "sync", "--no-progress")
    assert synced_again.returncode == 1
    assert "store repair" in one_line_error(synced_again)
    assert cli(env, "store", "repair").returncode == 0
    assert cli(env, "sync", "--no-progress").returncode == 0
    assert stored_ids(store_dir, "acme-nps", "responses") == truth(served, "responses")


def test_leftovers_of_killed_writes_are_found_and_cleaned(synced) -> None:
    store_dir, env = synced
    account = store_dir / "acme-nps"
    (account / ".responses.parquet.abc123.tmp").write_bytes(b"")
    (account / "declines.parts").mkdir()
    (account / "declines.parts" / ".part-00000007.parquet.x.tmp").write_bytes(b"PAR1")
    check = cli(env, "store", "check")
    assert check.returncode == 1
    assert "interrupted write" in one_line_error(check)
    assert cli(env, "sync", "--no-progress").returncode == 0  # a sync holds the lock: it cleans
    assert Store(store_dir).account("acme-nps").leftovers() == []
    assert cli(env, "store", "check").returncode == 0


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare for a small tmpfs")
def test_a_full_disk_says_where_and_how_much_and_keeps_the_store_whole(served, tmp_path) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    config = tmp_path / "config.toml"
    save_settings(sandbox_settings(served, store_dir), config)
    env = {**os.environ, "WORKBENCH_CONFIG": str(config), "NO_COLOR": "1", "COLUMNS": "400"}
    script = (
        f"mount -t tmpfs -o size=160k none {store_dir} && "
        f"{sys.executable} -m workbench sync --no-progress; echo rc=$?; "
        f"{sys.executable} -m workbench store check; echo check=$?"
    )
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this machine does not allow a private mount namespace")
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    said = " ".join((result.stdout + result.stderr).split())
    assert "Traceback" not in said, said
    assert "This is a bug" not in said, said
    assert "rc=1" in said
    assert "is full" in said, said
    assert f"{store_dir}" in said, said
    assert "needed" in said, said
    assert "check=0" in said, said  # whatever was written is whole


def test_disk_full_message_names_directory_and_size(tmp_path: Path) -> None:
    from workbench.data.store_files import os_message as _os_message

    message = _os_message(tmp_path / "a" / "responses.parquet", OSError(28, "No space"))
    assert str(tmp_path / "a") in message
    assert "free" in message
    assert "needed" in message
