"""Names a person types (`plan`, `score`, `country`) resolved to columns or properties.

Why one resolver: `by=` in every metric, the filter's conditions and the export's column list
all accept the same names, so `plan` means `properties.plan` everywhere and an unknown name gets
the same message, with the nearest known name, wherever it was typed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import polars as pl
from polars._typing import PolarsDataType

from workbench.data.schema import property_names

PROPERTY_PREFIXES = ("properties.", "property.")


class UnknownNameError(ValueError):
    """A name that is neither a column nor a property; the message suggests the nearest one."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.suggestion = nearest(name, known)
        super().__init__(unknown_message(kind, name, known))


def nearest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name`: an exact case-insensitive match first, then difflib."""
    candidates = list(dict.fromkeys(known))
    folded = {k.casefold(): k for k in candidates}
    if name.casefold() in folded:
        return folded[name.casefold()]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return close[0]
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def unknown_message(kind: str, name: str, known: Iterable[str]) -> str:
    """`unknown property 'plna'; did you mean 'plan'?` (or the known names when none is close)."""
    candidates = sorted(set(known))
    guess = nearest(name, candidates)
    if guess is not None:
        return f"unknown {kind} {name!r}; did you mean {guess!r}?"
    if not candidates:
        return f"unknown {kind} {name!r}; there are none to choose from"
    shown = ", ".join(candidates[:12]) + (", ..." if len(candidates) > 12 else "")
    return f"unknown {kind} {name!r}; known: {shown}"


def schema_of(frame: pl.DataFrame | pl.LazyFrame | pl.Schema) -> pl.Schema:
    return frame if isinstance(frame, pl.Schema) else frame.lazy().collect_schema()


def field_names(schema: pl.Schema) -> list[str]:
    """Every name `resolve` accepts: columns (but not the properties struct) and properties."""
    columns = [c for c in schema.names() if c != "properties"]
    return columns + [p for p in property_names(schema) if p not in columns]


def _strip_prefix(name: str) -> tuple[str, bool]:
    for prefix in PROPERTY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :], True
    return name, False


def resolve(name: str, schema: pl.Schema) -> tuple[pl.Expr, PolarsDataType]:
    """The expression and type for `name`: a column, else a property (`plan` or `property.plan`).

    A column wins over a property of the same name; the property stays reachable as
    `property.<name>`.
    """
    bare, forced = _strip_prefix(name)
    if not forced and bare in schema and bare != "properties":
        return pl.col(bare), schema[bare]
    props = schema.get("properties")
    if isinstance(props, pl.Struct):
        for field in props.fields:
            if field.name == bare:
                return pl.col("properties").struct.field(bare).alias(bare), field.dtype
    raise UnknownNameError("property" if forced else "field", name, field_names(schema))


def resolve_many(names: str | Sequence[str] | None, schema: pl.Schema) -> list[pl.Expr]:
    """`by=` in every metric: None, one name or several, each resolved and named as typed."""
    if names is None:
        return []
    listed = [names] if isinstance(names, str) else list(names)
    exprs = []
    for name in listed:
        expr, _ = resolve(name, schema)
        exprs.append(expr.alias(name))
    return exprs


def group_names(names: str | Sequence[str] | None) -> list[str]:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)
