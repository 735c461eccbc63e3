"""The audit log: one line per action run, appended to `<store>/audit.jsonl`, never rewritten.

A record says when, which account and platform, which action, which rows, how it ended and what
the API answered. It holds no secret: the plans' paths carry ids, never a token or a password.
`workbench log` and the notebook's `log()` read it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from polars._typing import PolarsDataType

from workbench.settings.files import append_line

AUDIT_NAME = "audit.jsonl"

_COLUMNS: dict[str, PolarsDataType] = {
    "time": pl.Datetime("us", "UTC"),
    "account": pl.String,
    "platform": pl.String,
    "action": pl.String,
    "plan": pl.String,
    "summary": pl.String,
    "result": pl.String,
    "calls": pl.Int64,
    "done": pl.Int64,
    "failed": pl.Int64,
    "statuses": pl.String,
    "rows": pl.List(pl.String),
    "problems": pl.List(pl.String),
    "table": pl.String,
    "undo": pl.String,
    "undoes": pl.String,
    "params": pl.String,
}
SCHEMA = pl.Schema(_COLUMNS)
"""`table`, `undo` (the action that undoes this one), `undoes` (the plan this one undid) and
`params` (JSON) are absent from records written before `workbench undo` existed: null."""


def audit_path(store_root: Path) -> Path:
    return Path(store_root) / AUDIT_NAME


def append(store_root: Path, record: Mapping[str, Any]) -> None:
    """Append one record as a line, flushed to disk (O_APPEND: two writers never interleave
    within a line of this size)."""
    line = json.dumps({"time": datetime.now(UTC).isoformat(), **record}, default=str)
    append_line(audit_path(store_root), line)


def records(store_root: Path, *, account: str | None = None) -> list[dict[str, Any]]:
    """The records as written, oldest first (a line torn by a kill mid-write is skipped: the
    action's journal still has its calls)."""
    path = audit_path(store_root)
    found: list[dict[str, Any]] = []
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not isinstance(record.get("time"), str):
            continue
        if account is not None and record.get("account") != account:
            continue
        found.append(record)
    return found


def read(store_root: Path, *, account: str | None = None) -> pl.DataFrame:
    """The log as a frame, oldest first (empty, with its columns, when nothing was done yet)."""
    rows: list[dict[str, Any]] = []
    for record in records(store_root, account=account):
        record = {
            **record,
            "time": datetime.fromisoformat(record["time"]),
            "statuses": json.dumps(record.get("statuses") or {}, sort_keys=True),
            "params": json.dumps(record["params"], sort_keys=True, default=str)
            if record.get("params")
            else None,
        }
        rows.append({name: record.get(name) for name in SCHEMA})
    return pl.DataFrame(rows, schema=SCHEMA)


def undoable(store_root: Path, plan_id: str | None = None) -> dict[str, Any] | None:
    """The record `workbench undo` undoes: the one of `plan_id` (its newest run), or else the
    newest record that changed rows, has an undo, is not itself an undo, and was not undone."""
    found = records(store_root)
    if plan_id is not None:
        mine = [r for r in found if r.get("plan") == plan_id and r.get("rows")]
        return mine[-1] if mine else None
    undone: set[str] = set()  # plans undone by a later record
    for record in reversed(found):
        if record.get("undoes"):
            undone.add(str(record["undoes"]))
            continue
        if record.get("plan") in undone:
            undone.discard(str(record["plan"]))
            continue
        if record.get("undo") and record.get("rows"):
            return record
    return None
