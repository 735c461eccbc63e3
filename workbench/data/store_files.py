"""Writing the store's files so that no reader sees half a write, with errors a person can
act on (the file, the disk, the command). Below `store`, which writes through them."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl

from workbench.settings.files import write_atomic

DELETED = "_deleted"
"""Tombstone column in parts: a row with `_deleted` true removes that id from the table."""


def open_file(path: Path, schema: pl.Schema) -> pl.LazyFrame:
    """A table file or part lazily, with a `_deleted` column (false where it has none).

    Opened afresh for each pass that reads it: a LazyFrame keeps what it resolved of its file
    (about 100 KB each, measured), so a compaction holding one per part for its whole run held
    ~10 MB more at a hundred parts."""
    frame = pl.scan_parquet(path)
    return frame if DELETED in schema else frame.with_columns(pl.lit(False).alias(DELETED))


class StoreError(Exception):
    """A store problem a person can act on; the message names the file and the command."""


def atomic_write(path: Path, write: Callable[[Path], None], *, exclusive: bool = False) -> None:
    """`settings.files.write_atomic` with the store's errors: a StoreError naming the file and
    what to do (a full disk included, which polars reports in its own words).

    With `exclusive`, the file is linked into place only if `path` does not exist yet
    (`FileExistsError` otherwise), so that two writers can never replace each other's part.
    """

    def written(temp: Path) -> None:
        try:
            write(temp)
        except OSError:
            raise
        except Exception as exc:  # polars says "No space left on device" in a ComputeError
            if disk_full(exc):
                raise OSError(28, "No space left on device") from None
            raise

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(os_message(path, exc)) from None
    try:
        write_atomic(path, written, exclusive=exclusive)
    except FileExistsError:
        raise
    except OSError as exc:
        raise StoreError(os_message(path, exc)) from None


def disk_full(exc: BaseException) -> bool:
    return "no space left on device" in str(exc).lower() or "os error 28" in str(exc).lower()


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """Parquet cannot hold a struct with no fields (responses of an account without any
    property), so such a column is left out; `schema.conform` puts it back on reading."""
    hollow = [c for c, t in frame.schema.items() if isinstance(t, pl.Struct) and not t.fields]
    frame.drop(hollow).write_parquet(path)


def sink_table(frame: pl.LazyFrame, path: Path) -> None:
    """`write_table` for a lazy frame, streamed to the file."""
    hollow = [
        c for c, t in frame.collect_schema().items() if isinstance(t, pl.Struct) and not t.fields
    ]
    frame.drop(hollow).sink_parquet(path)


def os_message(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == 28:  # ENOSPC
        return (
            f"cannot write {path}: the disk holding {path.parent} is full "
            f"({_free(path.parent)} free, about {_needed(path)} needed); free some space "
            "there, or point store_dir elsewhere, and sync again"
        )
    if exc.errno in (13, 30):  # EACCES, EROFS
        return (
            f"cannot write {path}: {reason}; point the store elsewhere "
            "(store_dir in the config, or WORKBENCH_STORE_DIR)"
        )
    return f"cannot write {path}: {reason}"


def _free(directory: Path) -> str:
    try:
        return _size(shutil.disk_usage(directory).free)
    except OSError:
        return "no space"


def _needed(path: Path) -> str:
    """What the write that failed would take: the file it replaces and its parts, at least
    a megabyte (a first write has nothing to measure)."""
    total = 0
    for candidate in [path, *path.with_suffix(".parts").glob("*.parquet")]:
        with contextlib.suppress(OSError):
            total += candidate.stat().st_size
    return _size(max(total, 1 << 20))


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"
