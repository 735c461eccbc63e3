"""Folding a table's files into one in memory that does not grow with the table.

`AccountStore.compact` must write exactly what `AccountStore.scan` gives (the newest row per id,
tombstones dropped, in the merge's order: `updated_at`, then the later file, then the later row),
but `scan`'s sort holds the whole table. Here the work is done in three passes, each holding a
bounded slice (`rows`, the store's `COMPACT_ROWS`):

1. `winners`: each id's newest row, chosen from the key columns alone (id, `updated_at`,
   `_deleted`, where the row lies), ids split into buckets by hash so that only one bucket's ids
   are sorted at a time; what is kept is a bitmap per file of its winning rows (one bit a row).
2. `runs`: one pass over the files in order, each read once (a large one in slices), its
   winning rows gathered with their merge key (`updated_at`, then where the row lies), and
   every `rows`-odd gathered rows written in the key's order to a temporary run file (the key
   sorted, the rows taken a row group at a time): linear in the files, never files x slices.
3. `merged`: a k-way merge of the runs by that key (each run read a row group at a time),
   handed to polars as a lazy source (`register_io_source`) and streamed into the table's file
   by `sink_parquet`, about `rows` rows at a time.

No pass holds a table-wide ranking: the merge key travels with the rows, so what grows with the
table is the winners' bitmaps alone (125 KB for a million rows).

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

from workbench.data.store_files import (
    DELETED,
    StoreError,
    disk_full,
    open_file,
    os_message,
    write_table,
)

Sources = list[tuple[Path, pl.Schema]]
"""Each file of the table and its schema, oldest first; each pass opens them afresh
(`store_files.open_file`, which adds the `_deleted` column)."""

EARLIEST = -(2**63)
"""A missing `updated_at`, which sorts before every other (`scan` puts nulls first)."""
KEY = ["_when", "_at"]
"""The merge key: `updated_at` as an integer (nulls `EARLIEST`), then where the row lies
(`_order` * 2**32 + `_row`: the later file, then the later row)."""
KEY_BUCKET_SHARE = 8
"""Keys sorted at once, as a multiple of `rows`: keys are ~40 bytes, whole rows ~10 times that."""
RUN_SHARE = 2
"""Whole rows gathered into one run, as a multiple of `rows`."""
SLICE_ROWS = 6_000
"""Rows at least that are gathered at a time in the key's order on their way to a file."""


def compact_sources(sources: Sources, target: Path, temp: Path, rows: int) -> None:
    """Write into `temp` (the caller renames it onto `target`) what `scan` gives of `sources`,
    holding about `rows` whole rows at a time plus a bucket of keys."""
    columns = pl.concat(
        [pl.DataFrame(schema=schema) for _, schema in sources], how="diagonal_relaxed"
    )
    schema = columns.drop(DELETED, strict=False).schema
    chosen = winners(sources, rows)
    kept = sum(int(mask.sum()) for mask in chosen)
    if not kept:
        write_table(pl.DataFrame(schema=schema), temp)
        return
    step = merge_step(kept, rows)
    made: list[Path] = []
    try:
        runs(sources, chosen, schema, target, rows, step, made)
        del chosen
        merged(made, temp, rows, step)
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                path.unlink()


def winners(sources: Sources, rows: int) -> list[pl.Series]:
    """Each file's winning rows as a bitmap (True where a row is its id's newest and not a
    tombstone), one per source in order."""
    dated = any("updated_at" in schema for _, schema in sources)
    keys = pl.concat(
        [
            open_file(path, schema)
            .select("id", *(["updated_at"] if "updated_at" in schema else []), DELETED)
            .with_row_index("_row")
            .with_columns(pl.lit(order, pl.Int32).alias("_order"))
            for order, (path, schema) in enumerate(sources)
        ],
        how="diagonal_relaxed",
    )
    heights = [_height(pl.scan_parquet(path)) for path, _ in sources]
    masks = [pl.repeat(False, height, dtype=pl.Boolean, eager=True) for height in heights]
    buckets = max(1, math.ceil(sum(heights) / (KEY_BUCKET_SHARE * rows)))
    # One integer per row for where it lies (file, then row), one for `updated_at` (nulls first,
    # as in `scan`), so that choosing the winners is one sort of three columns.
    where = _where(pl.col("_order"))
    when = _when(dated)
    for bucket in range(buckets):
        # All rows of an id fall in one bucket, so each bucket's winners are final.
        share = keys if buckets == 1 else keys.filter(pl.col("id").hash() % buckets == bucket)
        # Collected, then sorted: a lazy sort of the same keys peaks ~25% higher.
        kept = (
            share.select("id", DELETED, where, when)
            .collect(engine="streaming")
            .sort(["id", "_when", "_at"], nulls_last=False)  # the newest row of an id last
            .filter(pl.col("id").ne_missing(pl.col("id").shift(-1)) & ~pl.col(DELETED))
            .select(
                (pl.col("_at") // (1 << 32)).alias("_order"),
                (pl.col("_at") % (1 << 32)).alias("_row"),
            )
        )
        for (order,), won in kept.partition_by("_order", as_dict=True).items():
            masks[int(order)].scatter(won.get_column("_row"), True)
        del kept
    return masks


def _where(order: pl.Expr) -> pl.Expr:
    """Where a row lies as one integer: its file (`order`), then its row (`_row`)."""
    return (order.cast(pl.Int64) * (1 << 32) + pl.col("_row").cast(pl.Int64)).alias("_at")


def _when(dated: bool) -> pl.Expr:
    """`updated_at` as an integer, nulls first as in `scan` (all equal where no file has one)."""
    if not dated:
        return pl.lit(EARLIEST, pl.Int64).alias("_when")
    return pl.col("updated_at").cast(pl.Int64).fill_null(EARLIEST).alias("_when")


def _height(frame: pl.LazyFrame) -> int:
    return int(frame.select(pl.len()).collect().item())


def runs(
    sources: Sources,
    chosen: list[pl.Series],
    schema: pl.Schema,
    target: Path,
    rows: int,
    step: int,
    made: list[Path],
) -> None:
    """Each file read once, in slices of `RUN_SHARE * rows`; its winning rows, with their merge
    key, collected into runs of about that many rows, each sorted by the key and written to a
    temporary file (appended to `made` as soon as it exists), in row groups of `step`."""
    size = RUN_SHARE * rows
    empty = pl.DataFrame(schema=schema)
    held: list[pl.DataFrame] = []
    count = 0
    for order, ((path, columns), mask) in enumerate(zip(sources, chosen, strict=True)):
        key = [_where(pl.lit(order)), _when("updated_at" in columns)]
        frame = open_file(path, columns)
        for first in range(0, mask.len(), size):
            won = mask.slice(first, size).arg_true()
            if won.is_empty():
                continue
            wanted = (won + first).cast(pl.get_index_type()).alias("_row").to_frame()
            piece = (
                frame.slice(first, size)
                .with_row_index("_row", offset=first)
                .join(wanted.lazy(), on="_row", how="inner")
                .with_columns(key)
                .drop("_row", DELETED)
                .collect(engine="streaming")
            )
            held.append(piece)
            count += piece.height
            if count >= size:
                made.append(_run(held, empty, target, step))
                held, count = [], 0
    if held:
        made.append(_run(held, empty, target, step))


def _run(pieces: list[pl.DataFrame], empty: pl.DataFrame, target: Path, step: int) -> Path:
    """The pieces as one run sorted by the merge key, in row groups of `step` (what the merge
    reads of it at a time). Only the key is sorted; the rows are gathered a row group at a
    time on their way to the file, so the run is not held twice (a whole sorted copy was the
    compaction's peak: ~25 MB at 50,000 responses)."""
    run = pl.concat([empty, *pieces], how="diagonal_relaxed")
    pieces.clear()
    run = run.drop(_hollow(run.schema))
    return _temp_file(target, _in_key_order(run, _slice_rows(step)), run.schema, step)


def _slice_rows(step: int) -> int:
    """Rows gathered at a time on their way to a file: a row group, or `SLICE_ROWS` where row
    groups are smaller (each gather has a fixed cost per column)."""
    return max(step, SLICE_ROWS)


def _in_key_order(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    """`frame`'s rows in the merge key's order, `size` at a time: the key is sorted and the
    rows are gathered slice by slice, so that the frame is never held twice."""
    order = frame.select(pl.arg_sort_by(KEY)).to_series()
    for start in range(0, frame.height, size):
        yield frame[order.slice(start, size)]


def merge_step(height: int, rows: int) -> int:
    """Rows the merge reads of each run at a time: `rows` over all the runs together."""
    return max(1, rows // max(1, math.ceil(height / (RUN_SHARE * rows))))


def _hollow(schema: pl.Schema) -> list[str]:
    """Struct columns with no fields, which Parquet cannot hold (see `write_table`)."""
    return [c for c, t in schema.items() if isinstance(t, pl.Struct) and not t.fields]


def merged(made: list[Path], temp: Path, rows: int, step: int) -> None:
    """The runs merged by the key into `temp`. Each round takes from every run its rows up to
    the smallest of the last keys held by the runs with rows still unread (no run has an unread
    row below it). The run that set that cut gives up all it held and is read again up to what
    the others leave of `rows` plus a row group of each run (`merge_step`, which the others
    keep at least): about twice `rows` in all. Runs cut from files in time order barely
    overlap, and a round is then mostly one run's rows: the limiting run's large read keeps the
    rounds near `rows`, not a row group."""
    readers = [_RunReader(path) for path in made]
    first = pl.Schema({c: t for c, t in readers[0].schema.items() if c not in KEY})

    def chunks() -> Iterator[pl.DataFrame]:
        limiting: _RunReader | None = None
        budget = rows + step * len(readers)  # a round of `rows`, and a row group of each run
        while True:
            for reader in readers:
                if reader is limiting:
                    others = sum(other.held.height for other in readers)
                    reader.fill(max(step, budget - others))
                elif reader.held.height < step:
                    reader.fill(step)
            held = [reader for reader in readers if reader.held.height]
            if not held:
                return
            open_ = [(reader.last(), reader) for reader in held if reader.unread()]
            cut, limiting = min(open_, key=lambda pair: pair[0]) if open_ else (None, None)
            pieces = [taken for reader in held if (taken := reader.upto(cut)).height]
            for chunk in _in_key_order(
                pl.concat(pieces, how="vertical_relaxed"), _slice_rows(step)
            ):
                chunk = chunk.drop(KEY)
                yield chunk if chunk.schema == first else chunk.cast(first)

    _sink(chunks(), first, temp, rows)


def _sink(chunks: Iterator[pl.DataFrame], schema: pl.Schema, path: Path, row_group: int) -> None:
    """`chunks` streamed into a Parquet file by polars (a lazy source read by `sink_parquet`),
    holding a chunk at a time."""

    def source(
        columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, _: int | None
    ) -> Iterator[pl.DataFrame]:
        # `sink_parquet` asks for everything; the arguments are honoured all the same.
        left = n_rows
        for chunk in chunks:
            chunk = chunk if columns is None else chunk.select(columns)
            chunk = chunk if predicate is None else chunk.filter(predicate)
            if left is not None:
                chunk, left = chunk.head(left), left - min(left, chunk.height)
            yield chunk
            if left == 0:
                return

    register_io_source(source, schema=schema).sink_parquet(path, row_group_size=row_group)


class _RunReader:
    """One run (sorted by the merge key) read forward a row group (`step` rows) at a time.
    Read by polars, not pyarrow: pyarrow's buffers beside polars' took the merge ~80 MB
    higher."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.total = _height(pl.scan_parquet(path))
        self.schema = pl.read_parquet_schema(path)
        self.held = pl.DataFrame()

    def unread(self) -> bool:
        return self.offset < self.total

    def fill(self, count: int) -> None:
        """Hold at least `count` rows, while the run has them."""
        while self.unread() and self.held.height < count:
            wanted = count - self.held.height
            more = pl.scan_parquet(self.path).slice(self.offset, wanted).collect()
            self.offset += more.height
            self.held = more if self.held.is_empty() else pl.concat([self.held, more])

    def last(self) -> tuple[int, int]:
        """The merge key of the last row held."""
        when, at = self.held.select(pl.col(KEY).last()).row(0)
        return int(when), int(at)

    def upto(self, cut: tuple[int, int] | None) -> pl.DataFrame:
        """The rows held with a key at or before `cut` (all of them for None), taken out."""
        if cut is None:
            taken, self.held = self.held, pl.DataFrame()
            return taken
        when, at = cut
        below = (pl.col("_when") < when) | ((pl.col("_when") == when) & (pl.col("_at") <= at))
        count = int(self.held.select(below.sum()).item())
        taken, self.held = self.held.slice(0, count), self.held.slice(count)
        return taken


def _temp_file(
    target: Path, chunks: Iterator[pl.DataFrame], schema: pl.Schema, row_group: int
) -> Path:
    """`chunks` in a temporary file beside `target` (a leftover if the process dies)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.run-", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise StoreError(os_message(target, exc)) from None
    path = Path(name)
    try:
        _sink(chunks, schema, path, row_group)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        if isinstance(exc, OSError):
            raise StoreError(os_message(target, exc)) from None
        if isinstance(exc, Exception) and disk_full(exc):
            raise StoreError(os_message(target, OSError(28, "No space left on device"))) from None
        raise
    return path
