"""Each account's tables on disk as plain Parquet, written so that no reader sees half a write.

Layout, one directory per account:

    <store>/<account>/meta.json              schema version, platform
    <store>/<account>/cursors.json           where the next incremental sync starts, per table
    <store>/<account>/<table>.parquet        the table: one plain Parquet file
    <store>/<account>/<table>.parts/*.parquet  rows written since the last compaction

A sync appends each checkpoint as a new part (write to a temporary file, fsync, rename), then
moves the cursor. Reading merges the table file with its parts and keeps, per id, the row with
the newest `updated_at` (ties: the later part), dropping tombstones. `compact()` folds the parts
into the table file, so after a sync `<table>.parquet` is the whole table, readable as it is by
polars, DuckDB or Spark. A crash at any point leaves either the old or the new file, never a
torn one; parts a crash left behind are merged on the next read and compaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from workbench.data.lock import AccountLock
from workbench.data.schema import TABLES
from workbench.data.store_compact import compact_sources
from workbench.data.store_files import (
    DELETED,
    StoreError,
    atomic_write,
    open_file,
    sink_table,
    write_table,
)
from workbench.settings.files import fsync_dir as _fsync_dir

SCHEMA_VERSION = 1
PART_PATTERN = re.compile(r"^part-(\d{8})\.parquet$")
TEMP_PATTERN = re.compile(r"^\..+\.tmp$")
"""Temporary files of `atomic_write`; one left behind was written by a process that died."""
COMPACT_ROWS = 25_000
"""Whole rows a compaction holds at a time (see `store_compact`): its memory is about twice
this many rows plus a bucket of key columns, whatever the size of the table."""
ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class AccountStore:
    """One account's tables and cursors."""

    def __init__(self, root: Path, account: str) -> None:
        if not ACCOUNT_NAME.match(account):
            raise StoreError(
                f"{account!r} cannot be a store directory name; use letters, digits, '.', '_' "
                "or '-' in account names"
            )
        self.account = account
        self.path = root / account

    def __repr__(self) -> str:
        return f"AccountStore({str(self.path)!r})"

    def lock(self) -> AccountLock:
        """The lock every writer of this account takes first (see `workbench.data.lock`)."""
        return AccountLock(self.path)

    # --- metadata and cursors -----------------------------------------------------------------

    def _read_json(self, name: str) -> dict[str, Any]:
        path = self.path / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"{path} is unreadable ({type(exc).__name__}); run `workbench store check` to see "
                "what is wrong and `workbench store repair` to rebuild it"
            ) from None
        if not isinstance(data, dict):
            raise StoreError(f"{path} does not hold a JSON object; run `workbench store repair`")
        return data

    def _write_json(self, name: str, data: dict[str, Any]) -> None:
        def write(temp: Path) -> None:
            temp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), "utf-8")

        atomic_write(self.path / name, write)

    def meta(self) -> dict[str, Any]:
        return self._read_json("meta.json")

    def ensure_meta(self, platform: str) -> None:
        meta = self.meta()
        version = meta.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path / 'meta.json'} has schema version {version}, this workbench reads "
                f"{SCHEMA_VERSION}; run `workbench sync {self.account} --full` to rebuild it"
            )
        if meta.get("platform") not in (None, platform):
            raise StoreError(
                f"{self.path} holds a {meta['platform']} account, not {platform}; give the "
                "account another name or remove that directory"
            )
        if not meta:
            self._write_json("meta.json", {"schema_version": SCHEMA_VERSION, "platform": platform})

    def cursors(self) -> dict[str, Any]:
        """Where each table's next sync starts; a StoreError when the file is not what a sync
        wrote (so that a damaged cursor never moves a sync to the wrong place)."""
        cursors = self._read_json("cursors.json")
        for table, value in cursors.items():
            problem = _cursor_problem(value)
            if problem:
                raise StoreError(
                    f"{self.path / 'cursors.json'}: the cursor of {table} {problem}; run "
                    "`workbench store repair` to reset it (the next sync reads that table again)"
                )
        return cursors

    def set_cursor(self, table: str, value: Any) -> None:
        cursors = self.cursors()
        cursors[table] = value
        self._write_json("cursors.json", cursors)

    def reset(self) -> None:
        """Forget cursors (a `--full` sync); tables stay until the sync replaces them."""
        self._write_json("cursors.json", {})

    # --- tables -------------------------------------------------------------------------------

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def _parts_dir(self, table: str) -> Path:
        return self.path / f"{table}.parts"

    def parts(self, table: str) -> list[Path]:
        directory = self._parts_dir(table)
        if not directory.is_dir():
            return []
        return sorted(p for p in directory.iterdir() if PART_PATTERN.match(p.name))

    def tables(self) -> list[str]:
        if not self.path.is_dir():
            return []
        names = {p.stem for p in self.path.glob("*.parquet")}
        names |= {p.name[: -len(".parts")] for p in self.path.glob("*.parts") if p.is_dir()}
        return sorted(names)

    def append(self, table: str, rows: pl.DataFrame, *, deleted: bool = False) -> Path | None:
        """Add rows (or tombstones for their ids) as a new part; None when there is nothing."""
        if rows.is_empty():
            return None
        frame = rows.with_columns(pl.lit(deleted).alias(DELETED))
        if deleted and "updated_at" in frame.columns:
            # A tombstone is the newest version of its row, whatever the row said before.
            now = datetime.now(UTC)
            frame = frame.with_columns(
                pl.lit(now).cast(frame.schema["updated_at"]).alias("updated_at")
            )
        existing = self.parts(table)
        number = _part_number(existing[-1]) + 1 if existing else 1
        while True:
            path = self._parts_dir(table) / f"part-{number:08d}.parquet"
            try:
                atomic_write(path, lambda temp: write_table(frame, temp), exclusive=True)
            except FileExistsError:
                number += 1  # another writer took this number: parts never replace each other
                continue
            return path

    def _scan(self, path: Path) -> pl.LazyFrame:
        try:
            return pl.scan_parquet(path)
        except Exception as exc:  # polars raises several kinds for a foreign file
            raise self._corrupt(path, exc) from None

    def _corrupt(self, path: Path, exc: BaseException) -> StoreError:
        return StoreError(
            f"{path} is not a readable Parquet table ({type(exc).__name__}); run "
            "`workbench store check` to list damaged files and `workbench store repair` to "
            "set them aside and sync them again"
        )

    def sources(self, table: str) -> list[Path]:
        """The files the table is made of now: the table file, then its parts in order."""
        return [p for p in [self.table_path(table)] if p.exists()] + self.parts(table)

    def _source_schemas(self, table: str, sources: list[Path]) -> list[tuple[Path, pl.Schema]]:
        """Each source with its schema, checked against the table's (opened by `open_file`)."""
        checked = []
        for path in sources:
            try:
                schema = pl.read_parquet_schema(path)
            except FileNotFoundError:
                raise StoreError(
                    f"{path} vanished while it was read: another process changed the store; "
                    "run this again"
                ) from None
            except Exception as exc:
                raise self._corrupt(path, exc) from None
            problem = schema_problem(table, schema)
            if problem:
                raise StoreError(
                    f"{path} does not fit the {table} table ({problem}); run "
                    "`workbench store repair` to set it aside and sync it again"
                )
            checked.append((path, pl.Schema(schema)))
        return checked

    def scan(
        self, table: str, *, keep_deleted: bool = False, sources: list[Path] | None = None
    ) -> pl.LazyFrame | None:
        """The table as it stands, lazily: the file merged with its parts, newest row per id
        (None when nothing is stored). `sources` fixes the files read. The merge sorts the
        whole table, so collecting it holds the table in memory; `compact` folds parts in
        without doing so."""
        sources = self.sources(table) if sources is None else sources
        if not sources:
            return None
        frames = [
            open_file(path, schema).with_columns(pl.lit(order, pl.Int32).alias("_order"))
            for order, (path, schema) in enumerate(self._source_schemas(table, sources))
        ]
        merged = pl.concat(frames, how="diagonal_relaxed")
        columns = merged.collect_schema().names()
        if len(frames) > 1 and "id" in columns:
            keys = ["updated_at", "_order"] if "updated_at" in columns else ["_order"]
            merged = merged.sort(keys, nulls_last=False, maintain_order=True).unique(
                subset="id", keep="last", maintain_order=True
            )
        if not keep_deleted:
            merged = merged.filter(~pl.col(DELETED)).drop(DELETED)
        return merged.drop("_order")

    def read(self, table: str, schema: pl.Schema | None = None) -> pl.DataFrame:
        """The table as it stands: the file merged with its parts, newest row per id."""
        lazy = self.scan(table)
        if lazy is None:
            return pl.DataFrame(schema=schema) if schema is not None else pl.DataFrame()
        try:
            merged = lazy.collect()
        except pl.exceptions.ComputeError as exc:
            raise StoreError(
                f"{self.path / table}: cannot read its files ({exc.__class__.__name__}); run "
                "`workbench store check` to list damaged files and `workbench store repair` to "
                "set them aside and sync them again"
            ) from None
        if schema is not None:
            missing = [
                pl.lit(None, dtype=t).alias(n) for n, t in schema.items() if n not in merged.columns
            ]
            merged = merged.with_columns(missing).select(list(schema.keys()))
        return merged

    def ids(self, table: str) -> pl.Series:
        """The ids the table holds, read without the other columns."""
        lazy = self.scan(table)
        if lazy is None:
            return pl.Series("id", [], pl.String)
        return lazy.select("id").collect().get_column("id")

    def replace(self, table: str, rows: pl.DataFrame) -> None:
        """Write the whole table at once and drop its parts (a full sync of a small table)."""
        atomic_write(self.table_path(table), lambda temp: write_table(rows, temp))
        self._drop_parts(table, self.parts(table))

    def compact(self, table: str) -> None:
        """Fold the parts into the table file; a no-op when there are none.

        The file holds what `scan` gives (newest row per id, in the same order), but the merge
        never holds the whole table: `store_compact` chooses each id's winner from the key
        columns, bucket by bucket, gathers the winning rows in one pass over the files into
        runs sorted by the merge key, and merges those into the file, `COMPACT_ROWS` rows at a
        time."""
        parts = self.parts(table)
        if not parts:
            return
        whole = [p for p in [self.table_path(table)] if p.exists()]
        sources = [*whole, *parts]
        schemas = self._source_schemas(table, sources)
        target = self.table_path(table)
        if len(schemas) == 1 or any("id" not in schema for _, schema in schemas):
            merged = self.scan(table, sources=sources)
            assert merged is not None
            atomic_write(target, lambda temp: sink_table(merged, temp))
        else:
            atomic_write(target, lambda temp: compact_sources(schemas, target, temp, COMPACT_ROWS))
        self._drop_parts(table, parts)

    def _drop_parts(self, table: str, parts: list[Path]) -> None:
        for part in parts:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        with contextlib.suppress(OSError):
            self._parts_dir(table).rmdir()

    # --- check and repair ---------------------------------------------------------------------

    def check(self) -> Iterator[tuple[Path, str]]:
        """Each damaged file with what is wrong with it."""
        for name in ("meta.json", "cursors.json"):
            try:
                self.cursors() if name == "cursors.json" else self._read_json(name)
            except StoreError as exc:
                yield self.path / name, str(exc)
        for table in self.tables():
            for path in [self.table_path(table), *self.parts(table)]:
                if not path.exists():
                    continue
                try:
                    schema = pl.read_parquet_schema(path)
                except Exception as exc:
                    yield path, f"not a readable Parquet file ({type(exc).__name__})"
                    continue
                problem = schema_problem(table, schema)
                if problem:
                    yield path, f"does not fit the {table} table ({problem})"
        for path in self.leftovers():
            yield path, "a temporary file left by an interrupted write"

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that never finished (their process died)."""
        if not self.path.is_dir():
            return []
        places = [self.path, *(p for p in self.path.glob("*.parts") if p.is_dir())]
        return sorted(p for d in places for p in d.iterdir() if TEMP_PATTERN.match(p.name))

    def clean_leftovers(self) -> int:
        """Delete the temporary files of dead writers; only safe while holding the lock."""
        removed = 0
        for path in self.leftovers():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    def repair(self) -> list[Path]:
        """Move damaged files into `quarantine/` and forget the cursors, so the next sync
        fetches what they held; returns the files moved. Temporary leftovers are deleted."""
        damaged = [path for path, _ in self.check()]
        if not damaged:
            return []
        leftovers = set(self.leftovers())
        quarantine = self.path / "quarantine"
        quarantine.mkdir(parents=True, exist_ok=True)
        for path in damaged:
            if path in leftovers:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            target = quarantine / path.name
            if path.parent.name.endswith(".parts"):
                target = quarantine / f"{path.parent.name[: -len('.parts')]}.{path.name}"
            os.replace(path, target)
        _fsync_dir(self.path)
        self._write_json("cursors.json", {})
        return damaged


def _part_number(path: Path) -> int:
    match = PART_PATTERN.match(path.name)
    return int(match.group(1)) if match else 0


def _cursor_problem(value: Any) -> str | None:
    """What is wrong with one table's cursor entry, or None when a sync could have written it."""
    if not isinstance(value, dict):
        return f"is {type(value).__name__}, not an object"
    for key in ("through", "full_from_part"):
        item = value.get(key)
        if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
            return f"has {key} {item!r}, not a whole number"
    return None


def _family(dtype: PolarsDataType) -> str:
    if dtype.is_numeric():
        return "number"
    if isinstance(dtype, pl.Datetime | pl.Date):
        return "time"
    if isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
        return "text"
    return type(dtype).__name__


def _compatible(found: PolarsDataType, expected: PolarsDataType) -> bool:
    """Close enough that the store's merge casts without loss of meaning: numbers of any width
    for a number, any struct of properties, lists of compatible items."""
    if isinstance(found, pl.Null) or found == expected:
        return True
    if isinstance(expected, pl.List) and isinstance(found, pl.List):
        return _compatible(found.inner, expected.inner)
    return _family(found) == _family(expected)


def schema_problem(table: str, schema: pl.Schema | dict[str, pl.DataType]) -> str | None:
    """Why a file's columns cannot belong to `table` (None when they can, or when the table is
    not one of the canonical ones): a foreign file would otherwise be folded in as strings."""
    spec = TABLES.get(table)
    if spec is None:
        return None
    if "id" in spec.schema and "id" not in schema:
        return "it has no id column"
    for column, dtype in schema.items():
        if column == DELETED:
            if not isinstance(dtype, pl.Boolean):
                return f"column {DELETED} is {dtype}, not Boolean"
            continue
        expected = spec.schema.get(column)
        if expected is None:
            return f"column {column!r} is not one of its columns"
        if not _compatible(dtype, expected):
            return f"column {column!r} is {dtype}, not {expected}"
    return None


class Store:
    """The store directory: one `AccountStore` per account."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def account(self, name: str) -> AccountStore:
        return AccountStore(self.root, name)

    def accounts(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "meta.json").exists())
