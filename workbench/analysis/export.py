"""CSV, Parquet and Excel export of any frame, written so that no partial file is ever left behind.

CSV shape, chosen for spreadsheets and for reading back exactly:
- list columns (tags) joined with ";" (an empty list is an empty quoted string, a null list an
  empty cell, so the two stay apart); a tag containing ";" cannot survive this form;
- the properties struct flattened to `property.<name>` columns in name order, in the place the
  struct had (other structs become `<column>.<field>`), so the column order is stable whatever
  order an account's properties arrived in;
- timestamps as ISO 8601 in UTC with a `Z` (`2025-01-31T09:05:00Z`, fractions only when
  present); UTF-8, optionally with a BOM so Excel detects it; RFC 4180 quoting (commas, quotes,
  newlines and emoji in comments survive).

Excel (.xlsx, by xlsxwriter) takes the CSV shape and its column names, with timestamps as Excel
dates and times in UTC (Excel has no time zones). `export_format` picks the format from a file
name and refuses a name it cannot honour, so no file is ever written in one format under
another's name.

Writing goes to a temporary file in the target directory, is flushed to disk, then renamed over
the target (`settings.files.write_atomic`). Any failure removes the temporary file and raises
ExportError with one line naming the path and the reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import polars as pl
from polars._typing import PolarsDataType

from workbench.analysis.fields import UnknownNameError
from workbench.settings.files import write_atomic

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


def _scalar(expr: pl.Expr, dtype: PolarsDataType) -> pl.Expr:
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


ExportFormat = Literal["csv", "parquet", "xlsx"]
FORMATS: dict[str, ExportFormat] = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
"""The file name endings export understands, and the format each one means."""
EXCEL_ROWS = 1_048_575
"""The most data rows an Excel sheet holds (its 1,048,576 rows less the header)."""


def export_format(path: str | os.PathLike[str], chosen: str | None = None) -> ExportFormat:
    """The format to write `path` in: `chosen` (csv, parquet or xlsx), else the one its name
    ends in. An ending that is none of those, or that names another format than `chosen`, is an
    ExportError naming the supported ones (never CSV under an .xlsx name)."""
    suffix = Path(path).suffix.lower()
    supported = ", ".join(FORMATS)
    if chosen is not None:
        if chosen not in FORMATS.values():
            raise ExportError(f"there is no format {chosen!r}; the formats are csv, parquet, xlsx")
        if suffix in FORMATS and FORMATS[suffix] != chosen:
            raise ExportError(
                f"{Path(path).name} ends in {suffix} but the format is {chosen}; "
                f"name the file .{chosen} or leave out the format"
            )
        return FORMATS[f".{chosen}"]
    if suffix not in FORMATS:
        ending = f"ends in {suffix}" if suffix else "has no ending"
        raise ExportError(
            f"cannot tell the format of {Path(path).name}: it {ending}; the supported endings "
            f"are {supported}"
        )
    return FORMATS[suffix]


class DuplicateColumnError(ValueError):
    """A column asked for twice (`--columns id,id`); the message names it."""


def _no_repeats(chosen: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in chosen:
        if name in seen:
            raise DuplicateColumnError(f"column {name!r} is named twice; name each column once")
        seen.add(name)


def select_columns(flat: pl.LazyFrame, columns: Sequence[str] | None) -> pl.LazyFrame:
    """Keep `columns` in the order given; a bare property name means `property.<name>`, and
    `properties` means all the `property.*` columns. An unknown name is an UnknownNameError with
    the nearest column, a name given twice a DuplicateColumnError."""
    if not columns:
        return flat
    available = flat.collect_schema().names()
    chosen: list[str] = []
    for name in columns:
        if name in available:
            chosen.append(name)
        elif f"{PROPERTY_PREFIX}{name}" in available:
            chosen.append(f"{PROPERTY_PREFIX}{name}")
        elif name == "properties" and any(c.startswith(PROPERTY_PREFIX) for c in available):
            chosen.extend(c for c in available if c.startswith(PROPERTY_PREFIX))
        else:
            raise UnknownNameError("column", name, available)
    _no_repeats(chosen)
    return flat.select(chosen)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """`settings.files.write_atomic` with the export's errors: one ExportError line naming the
    path and the reason."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory")
    if not target.parent.is_dir():
        raise ExportError(f"cannot write {target}: the directory {target.parent} does not exist")
    try:
        write_atomic(target, write, suffix=".partial")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"cannot write {target}: {first}") from None
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

    `columns` keeps those, in that order; a property (`plan` or `property.plan`) becomes a
    column of its own (an unknown name is an UnknownNameError naming the nearest column, a name
    given twice a DuplicateColumnError, both before anything is written). A struct with no
    fields (responses without any property) cannot be stored in Parquet, so such a column is
    left out; `data.schema.conform` puts it back on reading.
    """
    lazy = frame.lazy()
    if columns:
        schema = lazy.collect_schema()
        available = schema.names()
        props = schema.get("properties")
        fields = [f.name for f in props.fields] if isinstance(props, pl.Struct) else []
        chosen: list[pl.Expr] = []
        names: list[str] = []
        for name in columns:
            field = name.removeprefix(PROPERTY_PREFIX)
            if name in available:
                chosen.append(pl.col(name))
                names.append(name)
            elif field in fields:  # a property, by its name or as property.<name>
                alias = f"{PROPERTY_PREFIX}{field}"
                chosen.append(pl.col("properties").struct.field(field).alias(alias))
                names.append(alias)
            else:
                known = [*available, *(f"{PROPERTY_PREFIX}{f}" for f in fields)]
                raise UnknownNameError("column", name, known)
        _no_repeats(names)
        lazy = lazy.select(chosen)
    data = lazy.collect()
    empty_structs = [c for c, t in data.schema.items() if isinstance(t, pl.Struct) and not t.fields]
    data = data.drop(empty_structs)
    return atomic_write(path, lambda temp: data.write_parquet(temp))


def write_excel(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write the frame as an Excel workbook (.xlsx): one sheet, the CSV's columns (lists joined
    with ";", properties flattened), timestamps as Excel dates and times in UTC. Needs the
    xlsxwriter package; without it, or with more rows than a sheet holds, an ExportError."""
    flat = select_columns(flatten(frame), columns).collect()
    if flat.height > EXCEL_ROWS:
        raise ExportError(
            f"cannot write {path}: {flat.height:,} rows is more than an Excel sheet holds "
            f"({EXCEL_ROWS:,}); write .csv or .parquet instead"
        )
    try:
        import xlsxwriter  # noqa: F401  (polars imports it itself; this only checks)
    except ImportError:
        raise ExportError(
            f"cannot write {path}: Excel files need the xlsxwriter package "
            "(pip install xlsxwriter); or write .csv or .parquet"
        ) from None
    zoned = [c for c, t in flat.schema.items() if isinstance(t, pl.Datetime) and t.time_zone]
    sheet = flat.with_columns(
        [pl.col(c).dt.convert_time_zone("UTC").dt.replace_time_zone(None) for c in zoned]
    )

    def write(temp: Path) -> None:
        sheet.write_excel(
            temp,
            worksheet="export",
            dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss"},
            autofit=sheet.height <= 10_000,
            autofilter=True,
            include_header=True,
        )

    return atomic_write(path, write)


def write_export(
    frame: pl.DataFrame | pl.LazyFrame,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    columns: Sequence[str] | None = None,
    bom: bool = False,
) -> Path:
    """Write the frame in the format `export_format` picks for `path` (and `format`): the one
    entry point for every face's export, so they all refuse the same names."""
    kind = export_format(path, format)
    if kind == "parquet":
        return write_parquet(frame, path, columns=columns)
    if kind == "xlsx":
        return write_excel(frame, path, columns=columns)
    return write_csv(frame, path, columns=columns, bom=bom)


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
        raw = pl.read_csv(Path(path), infer_schema=False)
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


def _parse(text: pl.Expr, dtype: PolarsDataType) -> pl.Expr:
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
    inferred = pl.read_csv(Path(path), infer_schema_length=None) if raw.width else raw
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
