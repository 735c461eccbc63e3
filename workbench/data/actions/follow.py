"""How the store follows an action: the changed rows written again as a new part, so the next
view shows the change without a sync (the part is the newest version of each row it holds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from workbench.data.actions.plan import Call, Follow
from workbench.data.store import AccountStore


def _stored(store: AccountStore, table: str, calls: Sequence[Call], by: str) -> pl.DataFrame | None:
    ids = sorted({row for call in calls for row in call.rows})
    frame = store.scan(table)
    if frame is None or not ids:
        return None
    rows = frame.filter(pl.col(by).is_in(ids)).collect()
    return None if rows.is_empty() else rows


def set_columns(table: str, values: Mapping[str, Any], *, by: str = "id") -> Follow:
    """The rows of `table` whose `by` column holds one of the calls' row ids get `values`
    (column -> new value)."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        rows = _stored(store, table, calls, by)
        if rows is None:
            return
        changes = [
            pl.lit(value).cast(rows.schema[name]).alias(name) for name, value in values.items()
        ]
        if "updated_at" in rows.columns:
            now = pl.lit(datetime.now(UTC)).cast(rows.schema["updated_at"])
            changes.append(pl.max_horizontal(pl.col("updated_at"), now).alias("updated_at"))
        store.append(table, rows.with_columns(changes))

    return follow


def remove_rows(table: str, *, by: str = "id") -> Follow:
    """The rows of `table` whose `by` column holds one of the calls' row ids are gone (a
    tombstone per row, as a sync writes them)."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        rows = _stored(store, table, calls, by)
        if rows is not None:
            store.append(table, rows, deleted=True)

    return follow


def chain(*follows: Follow) -> Follow:
    """Several tables follow one action (erasing an end user removes their responses too)."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        for one in follows:
            one(store, calls)

    return follow


def set_properties(table: str, values: Mapping[str, Any], *, by: str = "id") -> Follow:
    """The rows of `table` whose `by` column holds one of the calls' row ids get these
    properties (name -> value) in their `properties` struct; a name the struct lacks is added
    as text, a value is cast to its field's type."""

    def follow(store: AccountStore, calls: Sequence[Call]) -> None:
        rows = _stored(store, table, calls, by)
        if rows is None:
            return
        dtype = rows.schema.get("properties")
        fields = {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else {}
        changed = [
            pl.lit(value).cast(fields.get(name, pl.String)).alias(name)
            for name, value in values.items()
        ]
        if fields:
            properties = pl.col("properties").struct.with_fields(changed)
        else:
            properties = pl.struct(changed)
        changes = [properties.alias("properties")]
        if "updated_at" in rows.columns:
            now = pl.lit(datetime.now(UTC)).cast(rows.schema["updated_at"])
            changes.append(pl.max_horizontal(pl.col("updated_at"), now).alias("updated_at"))
        store.append(table, rows.with_columns(changes))

    return follow
