"""CSV and Parquet export of any frame, written so that no partial file is ever left behind.

CSV shape, chosen for spreadsheets and for reading back exactly:
- list columns (tags) joined with ";" (an empty list is an empty quoted string, a null list an
  empty cell, so the two stay apart); a tag containing ";" cannot survive this form;
- the properties struct flattened to `property.<name>` columns in name order, in the place the
  struct had (other structs become `<column>.<field>`), so the column order is stable whatever
  order an account's properties arrived in;
- timestamps as ISO 8601 in UTC with a `Z` (`2025-01-31T09:05:00Z`, fractions only when
  present); UTF-8, optionally with a BOM so Excel detects it; RFC 4180 quoting (commas, quotes,
  newlines and emoji in comments survive).

Writing goes to a temporary file in the target directory, is flushed to disk, then renamed over
the target (`os.replace`, atomic on one filesystem). Any failure removes the temporary file and
raises ExportError with one line naming the path and the reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import polars as pl

from workbench.analysis.fields import UnknownNameError

LIST_SEPARATOR = ";"
PROPERTY_PREFIX = "property."
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


class ExportError(Exception):
    """An export that could not be written; the message is one line: the path and the reason."""


def _prefix(column: str) -> str:
    return PROPERTY_PREFIX if column == "properties" else f"{column}."


def flatten(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The frame in CSV shape: lists joined, structs flattened, timestamps in UTC (lazily)."""
    lazy = frame.lazy()
    exprs: list[pl.Expr] = []
    for name, dtype in lazy.collect_schema().items():
        col = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array):
            inner = (
                col.list.eval(pl.element().cast(pl.String)) if isinstance(dtype, pl.List) else col
            )
            exprs.append(inner.list.join(LIST_SEPARATOR).alias(name))
        elif isinstance(dtype, pl.Struct):
            for field in sorted(dtype.fields, key=lambda f: f.name):
                exprs.append(
                    _scalar(col.struct.field(field.name), field.dtype).alias(
                        f"{_prefix(name)}{field.name}"
                    )
                )
        else:
            exprs.append(_scalar(col, dtype).alias(name))
    return lazy.select(exprs)


def _scalar(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        utc = (
            expr.dt.convert_time_zone("UTC")
            if dtype.time_zone
            else expr.dt.replace_time_zone("UTC")
        )
        return utc
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return (
            expr.cast(pl.String)
            if not isinstance(dtype, pl.List)
            else expr.list.join(LIST_SEPARATOR)
        )
    return expr


def select_columns(flat: pl.LazyFrame, columns: Sequence[str] | None) -> pl.LazyFrame:
    """Keep `columns` in the order given; a bare property name means `property.<name>`."""
    if not columns:
        return flat
    available = flat.collect_schema().names()
    chosen: list[str] = []
    for name in columns:
        if name in available:
            chosen.append(name)
        elif f"{PROPERTY_PREFIX}{name}" in available:
            chosen.append(f"{PROPERTY_PREFIX}{name}")
        else:
            raise UnknownNameError("column", name, available)
    return flat.select(chosen)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Run `write(temp)` on a temporary sibling of `path`, fsync it, then rename it over `path`."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory")
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {target}: the directory {target.parent} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    temp = Path(name)
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        if isinstance(exc, pl.exceptions.PolarsError):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ExportError(f"cannot write {target}: {first}") from None
        raise
    return target


def write_csv(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    bom: bool = False,
) -> Path:
    """Write the frame as CSV (see the module docstring for the shape); returns the path."""
    flat = select_columns(flatten(frame), columns).collect()

    def write(temp: Path) -> None:
        flat.write_csv(
            temp, include_bom=bom, datetime_format=DATETIME_FORMAT, quote_style="necessary"
        )

    return atomic_write(path, write)


def write_parquet(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write the frame as Parquet, nested types kept (tags a list, properties a struct).

    `columns` keeps those, in that order (an unknown name is an UnknownNameError naming the
    nearest column, before anything is written). A struct with no fields (responses without any
    property) cannot be stored in Parquet, so such a column is left out; `data.schema.conform`
    puts it back on reading.
    """
    lazy = frame.lazy()
    if columns:
        available = lazy.collect_schema().names()
        for name in columns:
            if name not in available:
                raise UnknownNameError("column", name, available)
        lazy = lazy.select(list(columns))
    data = lazy.collect()
    empty_structs = [c for c, t in data.schema.items() if isinstance(t, pl.Struct) and not t.fields]
    data = data.drop(empty_structs)
    return atomic_write(path, lambda temp: data.write_parquet(temp))


def read_csv(
    path: str | os.PathLike[str], schema: Mapping[str, pl.DataType] | None = None
) -> pl.DataFrame:
    """Read an exported CSV back into nested, typed columns.

    With `schema` (e.g. the exported frame's), columns come back with exactly those types:
    lists split on ";", `property.*` columns reassembled into the struct, timestamps parsed
    from ISO 8601 UTC and converted to the schema's zone. Without it, numbers are inferred,
    `tags` is split, `property.*` become a struct and ISO-UTC text becomes timestamps.
    """
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ExportError(f"cannot read {path}: {str(exc).strip().splitlines()[0]}") from None
    if schema is None:
        return _infer(raw, path)
    out: list[pl.Expr] = []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.Struct):
            prefix = _prefix(name)
            fields = [
                _parse(pl.col(f"{prefix}{f.name}"), f.dtype).alias(f.name)
                if f"{prefix}{f.name}" in raw.columns
                else pl.lit(None, f.dtype).alias(f.name)
                for f in dtype.fields
            ]
            out.append(pl.struct(fields).alias(name) if fields else pl.lit(None, dtype).alias(name))
        elif name in raw.columns:
            out.append(_parse(pl.col(name), dtype).alias(name))
        else:
            out.append(pl.lit(None, dtype).alias(name))
    return raw.select(out)


def _parse(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):
        return (
            pl.when(text == "")
            .then(pl.lit([], dtype))
            .otherwise(text.str.split(LIST_SEPARATOR).cast(dtype))
        )
    if isinstance(dtype, pl.Datetime):
        parsed = text.str.to_datetime(
            DATETIME_FORMAT, time_zone="UTC", time_unit=dtype.time_unit or "us"
        )
        return (
            parsed.dt.convert_time_zone(dtype.time_zone)
            if dtype.time_zone
            else parsed.dt.replace_time_zone(None)
        )
    if isinstance(dtype, pl.Boolean):
        return pl.when(text.is_null()).then(None).otherwise(text == "true")
    if isinstance(dtype, pl.String):
        return text
    return text.cast(dtype)


def _infer(raw: pl.DataFrame, path: str | os.PathLike[str]) -> pl.DataFrame:
    inferred = pl.read_csv(path, infer_schema_length=None) if raw.width else raw
    props = [c for c in raw.columns if c.startswith(PROPERTY_PREFIX)]
    exprs: list[pl.Expr] = []
    for name in raw.columns:
        if name in props:
            if name == props[0]:
                fields = [inferred[p].alias(p[len(PROPERTY_PREFIX) :]) for p in props]
                exprs.append(pl.struct(fields).alias("properties"))
            continue
        values = raw[name].drop_nulls()
        if name == "tags":
            exprs.append(_parse(pl.lit(raw[name]), pl.List(pl.String)).alias(name))
        elif values.len() and values.str.contains(_ISO_UTC.pattern).all():
            exprs.append(_parse(pl.lit(raw[name]), pl.Datetime("us", "UTC")).alias(name))
        else:
            exprs.append(pl.lit(inferred[name]).alias(name))
    return pl.select(exprs) if exprs else raw
