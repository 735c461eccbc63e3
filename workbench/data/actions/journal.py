"""The journal of one plan's run: a line before each call is sent and a line after it answers.

It is what makes an action exactly-once. A call whose last line is `sending` may have reached
the server (the run was killed, or the connection dropped after the request went out); the next
run reads its effect back before it sends anything again. Each line is appended and flushed to
disk before the call it announces goes out. A plan whose every call succeeded has its journal
removed (the audit log keeps the record), so the same action later starts afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from workbench.settings.files import append_line

State = Literal["sending", "done", "failed", "unknown"]

DIRECTORY = ".actions"


class Journal:
    """Append-only lines `{"key", "state", "status", "message"}` in `<account>/.actions/<id>`."""

    def __init__(self, account_dir: Path, plan_id: str) -> None:
        self.path = account_dir / DIRECTORY / f"{plan_id}.jsonl"

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def states(self) -> dict[str, State]:
        """Each call's last recorded state (a torn last line, from a kill mid-write, is ignored:
        its call had not been sent yet, since a line is on disk before its call goes out)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        states: dict[str, State] = {}
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("key"), str):
                states[record["key"]] = record.get("state", "sending")
        return states

    def record(
        self, key: str, state: State, *, status: int | None = None, message: str | None = None
    ) -> None:
        line = json.dumps({"key": key, "state": state, "status": status, "message": message})
        append_line(self.path, line)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
