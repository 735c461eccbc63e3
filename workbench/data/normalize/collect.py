"""The one collector: rows in, a conformed frame and the rows it could not read out.

Every normalizer hands `collect` its entries (each row with the id a rejection would name) and
a `read` that turns one row into one record, or many (an Apptentive survey gives a row per
answer choice, a CXI tag brings its children). Each record is then checked once against its
table's column types (`fit`), so that a value of the wrong kind rejects its own row, naming the
field, instead of failing the whole batch when the frame is conformed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import polars as pl

from workbench.data.normalize.fields import INT64, Bad, Row, integer, shown, shown_id
from workbench.data.normalize.ints import Bounds
from workbench.data.normalize.ints import parse_column as ints_column
from workbench.data.normalize.times import TIMESTAMP, parse_column
from workbench.data.schema import TABLES, conform, empty

Record = dict[str, Any]
Entry = tuple[str, "Row | Bad"]
"""A row with the id its rejection names, or the reason it is no row at all."""
Read = Callable[[Row], "Record | list[Record]"]


@dataclass(frozen=True)
class Rejected:
    """One record the normalizer could not read, with the field at fault."""

    table: str
    id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.table} {self.id}: {self.field}: {self.reason}"


@dataclass
class Normalized:
    frame: pl.DataFrame
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What was kept in another form than it came (integers past 64 bits stored as text, ...),
    for the sync summary's notes."""


def entries(
    rows: Iterable[object], key: str = "id", *, named: Callable[[Row], str] | None = None
) -> Iterator[Entry]:
    """Each row with the id a rejection would show (`fields.shown_id`, or `named`); what is
    not an object (a mapping: the API's JSON) is no row (field `row`)."""
    for item in rows:
        if isinstance(item, Mapping):
            yield (named(item) if named else shown_id(item, key)), item
        else:
            yield "?", Bad("row", f"not an object: {shown(item)}")


def collect(
    table: str,
    found: Iterable[tuple[str, Any]],
    read: Callable[[Any], Record | list[Record]],
    *,
    quick: Callable[[Any], Record] | None = None,
    ints: Mapping[str, Bounds] | None = None,
) -> Normalized:
    """Every entry read into a record of `table`, or rejected naming its field.

    `quick`, when given, is `read` with its timestamps left as text (`times.lazy_time`) and the
    columns of `ints` (name -> bounds) left as they came (`ints.lazy_score`): those are then
    parsed a column at a time, and a row with a value the column parse does not read (or that
    fails in any other way) is read again by `read`, so the answer is `read`'s in every case.
    """
    if quick is not None:
        return _collect_quickly(table, found, read, quick, ints or {})
    check = fit_for(table)
    records: list[Record] = []
    rejected: list[Rejected] = []
    for shown_as, payload in found:
        try:
            if isinstance(payload, Bad):
                raise payload
            made = read(payload)
            for record in made if isinstance(made, list) else [made]:
                records.append(check(record))
        except Bad as bad:
            rejected.append(Rejected(table, shown_as, bad.field, bad.reason))
    built, notes = frame_and_notes(table, records)
    return Normalized(built, rejected, notes)


def _collect_quickly(
    table: str,
    found: Iterable[Entry],
    read: Read,
    quick: Callable[[Any], Record],
    ints: Mapping[str, Bounds],
) -> Normalized:
    check = fit_for(table)
    times = [n for n, dtype in TABLES[table].schema.items() if isinstance(dtype, pl.Datetime)]
    records: list[Record | None] = []
    rows: list[tuple[int, str, Any]] = []
    put_aside: dict[str, list[Any]] = {name: [] for name in [*times, *ints]}
    """Per column parsed apart, each row's value (None where the record holds it already)."""
    rejected: list[tuple[int, Rejected]] = []

    def exactly(place: int, shown_as: str, row: Any) -> Record | None:
        try:
            made = read(row)
            assert not isinstance(made, list), "a quick read gives one record per row"
            return check(made)
        except Bad as bad:
            rejected.append((place, Rejected(table, shown_as, bad.field, bad.reason)))
            return None

    for place, (shown_as, payload) in enumerate(found):
        if isinstance(payload, Bad):
            rejected.append((place, Rejected(table, shown_as, payload.field, payload.reason)))
            continue
        try:
            record: Record | None = quick(payload)
            assert record is not None
            for name in times:
                value = record.get(name)
                text = type(value) is str
                put_aside[name].append(value if text else None)
                if text:
                    record[name] = None
            for name in ints:
                put_aside[name].append(record.get(name))
                record[name] = None
            check(record)
        except Bad:
            record = exactly(place, shown_as, payload)
            for values in put_aside.values():
                if len(values) == len(records):
                    values.append(None)
                else:
                    values[-1] = None
        records.append(record)
        rows.append((place, shown_as, payload))
    parsed: dict[str, pl.Series] = {}
    unread: set[int] = set()
    for name in times:
        column = parse_column(pl.Series(name, put_aside[name], pl.String))
        parsed[name] = column
        unread.update(_unread(put_aside[name], column))
    for name, bounds in ints.items():
        parsed[name], missed = ints_column(name, put_aside[name], bounds)
        unread.update(missed)
    for index in sorted(unread):
        # The record read exactly holds every value itself; where a column parse read this
        # row's value too, the two agree (the record's comes first).
        records[index] = exactly(*rows[index])
    kept = pl.Series([r is not None for r in records], dtype=pl.Boolean)
    built, notes = frame_and_notes(
        table,
        [r for r in records if r is not None],
        parsed={name: column.filter(kept) for name, column in parsed.items()},
    )
    return Normalized(built, [r for _, r in sorted(rejected, key=lambda x: x[0])], notes)


def _unread(texts: list[str | None], parsed: pl.Series) -> list[int]:
    """Places whose text `parse_column` did not read."""
    given = pl.Series(texts, dtype=pl.String).is_not_null()
    return (given & parsed.is_null()).arg_true().to_list()


# --- the column check ---------------------------------------------------------------------------


def fit_for(table: str) -> Callable[[Record], Record]:
    """The check of `table`'s records: every value against its column's type, numbers read
    from text. Values that conform casts cleanly (numbers in a text column, digits in a count)
    are left to it; anything else (a list where text belongs, "x" or 2**70 where a count
    belongs) is `Bad`, naming the field."""
    checks = _checks(table)

    def fit(record: Record) -> Record:
        for name, value in record.items():
            if value is not None:
                check = checks.get(name)
                if check is not None:
                    record[name] = check(name, value)
        return record

    return fit


Check = Callable[[str, Any], Any]


@cache
def _checks(table: str) -> dict[str, Check]:
    schema = TABLES[table].schema
    return {name: _check(dtype) for name, dtype in schema.items() if name != "properties"}


_BOUNDS: dict[str, tuple[int, int]] = {"Int16": (-(2**15), 2**15 - 1), "Int64": INT64}


def _check(dtype: pl.DataType) -> Check:
    if dtype == pl.String:
        return _text
    bounds = _BOUNDS.get(str(dtype))
    if bounds is not None:
        return lambda name, value: _whole(name, value, bounds, dtype)
    if dtype == pl.Float64:
        return _float
    if dtype == pl.Boolean:
        return _bool
    if isinstance(dtype, pl.Datetime):
        return _datetime
    if dtype == pl.Date:
        return _date
    if isinstance(dtype, pl.List):
        return _names
    return lambda name, value: value


def _text(name: str, value: Any) -> Any:
    if type(value) is str or isinstance(value, str | int | float):
        return value
    raise Bad(name, f"not text: {shown(value)}")


def _whole(name: str, value: Any, bounds: tuple[int, int], dtype: pl.DataType) -> int:
    number = value if type(value) is int else integer(value)
    low, high = bounds
    if number is None or not low <= number <= high:
        raise Bad(name, f"not an integer of {dtype}: {shown(value)}")
    return number


def _float(name: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise Bad(name, f"not a number: {shown(value)}")


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Bad(name, f"not true or false: {shown(value)}")


def _datetime(name: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    raise Bad(name, f"not a timestamp: {shown(value)}")


def _date(name: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise Bad(name, f"not a date: {shown(value)}")


def _names(name: str, value: Any) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise Bad(name, f"not a list of names: {shown(value)}")


# --- records to a frame -------------------------------------------------------------------------


def frame(table: str, records: list[Record]) -> pl.DataFrame:
    """Checked records as a conformed frame; properties become a struct of their own."""
    return frame_and_notes(table, records)[0]


def frame_and_notes(
    table: str, records: list[Record], *, parsed: Mapping[str, pl.Series] | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """The conformed frame, and notes on what was kept in another form. `parsed` are columns
    parsed apart (`times.parse_column`, `ints.parse_column`), filling the records' nulls in
    those columns."""
    if not records:
        return empty(table), []
    notes: list[str] = []
    properties = (
        [r.pop("properties", None) for r in records] if "properties" in records[0] else None
    )
    built = pl.DataFrame(records, infer_schema_length=None, strict=False)
    if parsed:
        built = built.with_columns(
            pl.coalesce(_as(built, name, column.dtype), column).alias(name)
            for name, column in parsed.items()
        )
    if properties is not None:
        if any(properties):
            properties, notes = wide_integers(properties)
            built = built.with_columns(pl.Series("properties", properties, strict=False))
        else:
            built = built.with_columns(pl.lit(None, pl.Struct([])).alias("properties"))
    return conform(built, table), notes


def _as(built: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    """A record column (its values, or nulls) in the type of the column parsed apart:
    timestamps as aware UTC microseconds."""
    if not isinstance(dtype, pl.Datetime):
        return pl.col(name).cast(dtype)
    return _utc(built, name)


def _utc(built: pl.DataFrame, name: str) -> pl.Expr:
    """A record column of timestamps (or nulls) as aware UTC microseconds."""
    dtype = built.schema.get(name)
    column = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            column = column.dt.replace_time_zone("UTC")
        return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    return column.cast(TIMESTAMP)


def wide_integers(properties: list[Any]) -> tuple[list[Any], list[str]]:
    """Property integers past Int64 turned to text, with a note naming each property.

    Why: polars would store them as Int128 (or, past 128 bits, as floats that lose digits), and
    pyarrow, pandas and most Parquet readers cannot read an Int128 column. Text keeps every
    digit; the property's other values become text too (a column has one type)."""
    wide: dict[str, int] = {}
    for props in properties:
        if not isinstance(props, dict):
            continue
        for key, value in props.items():
            wide_int = isinstance(value, int) and not isinstance(value, bool)
            if wide_int and not INT64[0] <= value <= INT64[1]:
                wide.setdefault(key, value)
    if not wide:
        return properties, []
    changed = [
        {k: (str(v) if k in wide and v is not None else v) for k, v in props.items()}
        if isinstance(props, dict)
        else props
        for props in properties
    ]
    notes = [
        f"property {key!r} holds integers outside the 64-bit range (such as {value}); it "
        "is stored as text, every digit kept, so that every Parquet reader can read it"
        for key, value in wide.items()
    ]
    return changed, notes
