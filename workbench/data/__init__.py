"""API records to canonical frames to disk: schemas, normalizers, the store and sync.

Everything above this layer reads frames in the shapes `schema` declares, so a table's columns
are defined in exactly one place; the schema names are re-exported here.
"""

from workbench.data.schema import (
    METRICS,
    PLATFORMS,
    TABLES,
    TIMESTAMP,
    SchemaError,
    Table,
    conform,
    empty,
    properties_struct,
    property_names,
    table,
)

__all__ = [
    "METRICS",
    "PLATFORMS",
    "TABLES",
    "TIMESTAMP",
    "SchemaError",
    "Table",
    "conform",
    "empty",
    "properties_struct",
    "property_names",
    "table",
]
