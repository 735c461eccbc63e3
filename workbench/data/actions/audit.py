"""The audit log: one line per action run, appended to `<store>/audit.jsonl`, never rewritten.

A record says when, which account and platform, which action, which rows, how it ended and what
the API answered. It holds no secret: the plans' paths carry ids, never a token or a password.
`workbench log` and the notebook's `log()` read it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

AUDIT_NAME = "audit.jsonl"

SCHEMA = pl.Schema(
    {
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
    }
)


def audit_path(store_root: Path) -> Path:
    return Path(store_root) / AUDIT_NAME


def append(store_root: Path, record: Mapping[str, Any]) -> None:
    """Append one record as a line, flushed to disk (O_APPEND: two writers never interleave
    within a line of this size)."""
    path = audit_path(store_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"time": datetime.now(UTC).isoformat(), **record}, default=str)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read(store_root: Path, *, account: str | None = None) -> pl.DataFrame:
    """The log as a frame, oldest first (empty, with its columns, when nothing was done yet)."""
    path = audit_path(store_root)
    records: list[dict[str, Any]] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line torn by a kill mid-write: the action's journal still has it
            if not isinstance(record, dict):
                continue
            if account is not None and record.get("account") != account:
                continue
            record["time"] = datetime.fromisoformat(record["time"])
            record["statuses"] = json.dumps(record.get("statuses") or {}, sort_keys=True)
            records.append({name: record.get(name) for name in SCHEMA})
    return pl.DataFrame(records, schema=SCHEMA)
