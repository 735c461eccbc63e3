"""Folding a table's files into one in memory that does not grow with the table.

`AccountStore.compact` must write exactly what `AccountStore.scan` gives (the newest row per id,
tombstones dropped, in the merge's order: `updated_at`, then the later file, then the later row),
but `scan`'s sort holds the whole table. Here the work is done in three passes, each holding a
bounded slice (`rows`, the store's `COMPACT_ROWS`):

1. `winners`: each id's newest row, chosen from the key columns alone (id, `updated_at`,
   `_deleted`, where the row lies), ids split into buckets by hash so that only one bucket's ids
   are sorted at a time; what is kept is where each winner lies and its final position.
2. `runs`: one pass over the files in order, each read once (a large one in slices), its
   winning rows gathered with their final positions, and every `rows`-odd gathered rows sorted
   by position into a temporary run file: linear in the files, never files x slices.
3. `merged`: a k-way merge of the runs by position (each run read a few rows at a time),
   handed to polars as a lazy source (`register_io_source`) and streamed into the table's file
   by `sink_parquet`, about `rows` rows at a time.

Polars alone: pyarrow and numpy would add ~40 MB to every sync's resident memory just by being
imported, more than a compaction's own slices.

Temporary files are named like every interrupted write (`.<table>.parquet.run-*.tmp`), so a
crash leaves nothing a later `clean_leftovers` does not remove, and the table file itself is
only replaced, whole, by the caller's atomic rename.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from workbench.data.store_files import DELETED, StoreError, disk_full, os_message, write_table

Sources = list[tuple[pl.LazyFrame, pl.Schema]]
"""Each file of the table lazily (with a `_deleted` column) and its schema, oldest first."""

EARLIEST = -(2**63)
"""A missing `updated_at`, which sorts before every other (`scan` puts nulls first)."""
KEY_BUCKET_SHARE = 8
"""Keys sorted at once, as a multiple of `rows`: keys are ~40 bytes, whole rows ~10 times that."""
RUN_SHARE = 2
"""Whole rows gathered into one run, as a multiple of `rows`."""


def compact_sources(sources: Sources, target: Path, temp: Path, rows: int) -> None:
    """Write into `temp` (the caller renames it onto `target`) what `scan` gives of `sources`,
    holding about `rows` whole rows at a time plus a bucket of keys."""
    columns = pl.concat([frame.head(0) for frame, _ in sources], how="diagonal_relaxed")
    schema = columns.drop(DELETED).collect_schema()
    chosen = winners(sources, rows)
    if chosen.is_empty():
        write_table(pl.DataFrame(schema=schema), temp)
        return
    made: list[Path] = []
    try:
        runs(sources, chosen, schema, target, rows, made)
        del chosen
        merged(made, temp, rows)
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                path.unlink()


def winners(sources: Sources, rows: int) -> pl.DataFrame:
    """Where each surviving id's newest row lies (`_order`: which file, `_row`: which row) and
    its position in the table (`_pos`), sorted by file and row."""
    dated = any("updated_at" in schema for _, schema in sources)
    keys = pl.concat(
        [
            frame.select("id", *(["updated_at"] if "updated_at" in schema else []), DELETED)
            .with_row_index("_row")
            .with_columns(pl.lit(order, pl.Int32).alias("_order"))
            for order, (frame, schema) in enumerate(sources)
        ],
        how="diagonal_relaxed",
    )
    total = sum(_height(frame) for frame, _ in sources)
    buckets = max(1, math.ceil(total / (KEY_BUCKET_SHARE * rows)))
    # One integer per row for where it lies (file, then row), one for `updated_at` (nulls first,
    # as in `scan`), so that the winners' ranking is two sorts of two integer columns.
    where = (pl.col("_order").cast(pl.Int64) * (1 << 32) + pl.col("_row")).alias("_at")
    when = (
        pl.col("updated_at").cast(pl.Int64).fill_null(EARLIEST) if dated else pl.lit(0, pl.Int64)
    ).alias("_when")
    found: list[pl.DataFrame] = []
    for bucket in range(buckets):
        # All rows of an id fall in one bucket, so each bucket's winners are final.
        share = keys if buckets == 1 else keys.filter(pl.col("id").hash() % buckets == bucket)
        # Collected, then sorted: a lazy sort of the same keys peaks ~25% higher.
        kept = (
            share.select("id", DELETED, where, when)
            .collect(engine="streaming")
            .sort(["id", "_when", "_at"], nulls_last=False)  # the newest row of an id last
            .filter(pl.col("id").ne_missing(pl.col("id").shift(-1)) & ~pl.col(DELETED))
            .select("_when", "_at")
        )
        found.append(kept)
        del kept
    chosen = pl.concat(found, rechunk=True)
    found.clear()
    # The merge's order: `updated_at` (nulls first), then the later file, then the later row; a
    # row's position is its rank in that order (the inverse of the order's permutation).
    ranked = chosen.select(
        "_at", pl.arg_sort_by("_when", "_at").arg_sort().cast(pl.Int64).alias("_pos")
    )
    del chosen
    return ranked.sort("_at").select(
        (pl.col("_at") // (1 << 32)).cast(pl.Int32).alias("_order"),
        (pl.col("_at") % (1 << 32)).cast(pl.get_index_type()).alias("_row"),
        "_pos",
    )


def _height(frame: pl.LazyFrame) -> int:
    return int(frame.select(pl.len()).collect().item())


def runs(
    sources: Sources,
    chosen: pl.DataFrame,
    schema: pl.Schema,
    target: Path,
    rows: int,
    made: list[Path],
) -> None:
    """Each file read once, in slices of `RUN_SHARE * rows`; its winning rows, with their
    positions, collected into runs of about that many rows, each sorted by position and
    written to a temporary file (appended to `made` as soon as it exists)."""
    size = RUN_SHARE * rows
    step = merge_step(chosen.height, rows)
    empty = pl.DataFrame(schema=schema)
    orders = chosen.get_column("_order")
    held: list[pl.DataFrame] = []
    count = 0
    for order, (frame, _) in enumerate(sources):
        lo, hi = orders.search_sorted(order, "left"), orders.search_sorted(order, "right")
        mine = chosen.slice(lo, hi - lo).select("_row", "_pos")
        rows_of = mine.get_column("_row")
        start = 0
        while start < mine.height:
            first = int(rows_of[start])
            stop = int(rows_of.search_sorted(first + size, "left"))
            wanted = mine.slice(start, stop - start)
            piece = (
                frame.slice(first, size)
                .with_row_index("_row", offset=first)
                .join(wanted.lazy(), on="_row", how="inner")
                .drop("_row", DELETED)
                .collect(engine="streaming")
            )
            held.append(piece)
            count += piece.height
            start = stop
            if count >= size:
                made.append(_run(held, empty, target, step))
                held, count = [], 0
    if held:
        made.append(_run(held, empty, target, step))


def _run(pieces: list[pl.DataFrame], empty: pl.DataFrame, target: Path, step: int) -> Path:
    """The pieces as one run sorted by position, in row groups of `step` (what the merge
    reads of it at a time)."""
    run = pl.concat([empty, *pieces], how="diagonal_relaxed").sort("_pos")
    pieces.clear()
    return _temp_file(target, run.drop(_hollow(run.schema)), step)


def merge_step(height: int, rows: int) -> int:
    """Rows the merge reads of each run at a time: `rows` over all the runs together."""
    return max(1, rows // max(1, math.ceil(height / (RUN_SHARE * rows))))


def _hollow(schema: pl.Schema) -> list[str]:
    """Struct columns with no fields, which Parquet cannot hold (see `write_table`)."""
    return [c for c, t in schema.items() if isinstance(t, pl.Struct) and not t.fields]


def merged(made: list[Path], temp: Path, rows: int) -> None:
    """The runs merged by position into `temp`, about `rows` rows at a time; each run is read
    a row group (`merge_step` rows) at a time, so the merge holds about twice `rows`."""
    readers = [_RunReader(path) for path in made]
    step = merge_step(sum(reader.total for reader in readers), rows)
    first = pl.Schema({c: t for c, t in readers[0].schema.items() if c != "_pos"})

    def chunks() -> Iterator[pl.DataFrame]:
        start = 0
        while True:
            stop = start + rows
            pieces = [taken for reader in readers if (taken := reader.below(stop, step)).height]
            if not pieces:
                return
            chunk = pl.concat(pieces, how="vertical_relaxed").sort("_pos").drop("_pos")
            yield chunk if chunk.schema == first else chunk.cast(first)
            start = stop

    def source(
        columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, _: int | None
    ) -> Iterator[pl.DataFrame]:
        # `sink_parquet` asks for everything; the arguments are honoured all the same.
        left = n_rows
        for chunk in chunks():
            chunk = chunk if columns is None else chunk.select(columns)
            chunk = chunk if predicate is None else chunk.filter(predicate)
            if left is not None:
                chunk, left = chunk.head(left), left - min(left, chunk.height)
            yield chunk
            if left == 0:
                return

    register_io_source(source, schema=first).sink_parquet(temp, row_group_size=rows)


class _RunReader:
    """One run read forward a row group (`step` rows, `below`'s) at a time (a run is sorted by
    `_pos`). Read by polars, not pyarrow: pyarrow's buffers beside polars' took the merge ~80 MB
    higher."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.total = _height(pl.scan_parquet(path))
        self.schema = pl.read_parquet_schema(path)
        self.held = pl.DataFrame()

    def below(self, stop: int, step: int) -> pl.DataFrame:
        """The run's rows with a position before `stop` that are not yet taken."""
        while self.offset < self.total and (
            self.held.is_empty() or int(self.held.get_column("_pos")[-1]) < stop
        ):
            more = pl.scan_parquet(self.path).slice(self.offset, step).collect()
            self.offset += more.height
            self.held = more if self.held.is_empty() else pl.concat([self.held, more])
        if self.held.is_empty():
            return self.held
        cut = int(self.held.get_column("_pos").search_sorted(stop, "left"))
        taken, self.held = self.held.slice(0, cut), self.held.slice(cut)
        return taken


def _temp_file(target: Path, frame: pl.DataFrame, row_group: int) -> Path:
    """`frame` in a temporary file beside `target` (a leftover if the process dies)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.run-", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise StoreError(os_message(target, exc)) from None
    path = Path(name)
    try:
        frame.write_parquet(path, row_group_size=row_group)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        if isinstance(exc, OSError):
            raise StoreError(os_message(target, exc)) from None
        if isinstance(exc, Exception) and disk_full(exc):
            raise StoreError(os_message(target, OSError(28, "No space left on device"))) from None
        raise
    return path
