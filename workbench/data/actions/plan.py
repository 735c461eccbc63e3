"""A plan: what an action will do, call by call, before it does anything.

A plan is data a person can read (`lines`, `frame`) plus, on each call, the coroutine that sends
it and the one that reads its effect back. Its `id` is a digest of what it would change, so the
same action on the same rows, run again after a crash, finds the journal the first run left.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.data.store import AccountStore

Send = Callable[[Any], Awaitable[Any]]
"""Sends one call with the account's client; returns whatever the API answered (or None)."""
Check = Callable[[Any], Awaitable[bool | None]]
"""Reads a call's effect back: True when it is in place, False when not, None when the API
offers no way to tell."""
Follow = Callable[[AccountStore, Sequence["Call"]], None]
"""Brings the store in line with the calls that succeeded."""


@dataclass(frozen=True)
class Call:
    """One API call: which endpoint, which rows, what it changes."""

    key: str
    """Unique within its plan and stable across runs ("response:123")."""
    method: str
    path: str
    rows: tuple[str, ...]
    change: str
    send: Send = field(compare=False, repr=False)
    check: Check | None = field(default=None, compare=False, repr=False)
    """None when the API cannot tell whether the call took effect (the email survey): after a
    run stopped while it was in flight, such a call is reported and never sent again."""


def row_call(
    kind: str, row: str, method: str, path: str, change: str, send: Send, check: Check | None
) -> Call:
    """The call on one row (a response, an end user, a record, a tag): keyed "<kind>:<row>",
    which stays the same across runs."""
    return Call(f"{kind}:{row}", method, path, (row,), change, send, check)


@dataclass(frozen=True)
class Skipped:
    """A selected row the action leaves alone, and why ("already excluded")."""

    row: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """What one action will do in one account."""

    action: str
    account: str
    platform: str
    table: str
    summary: str
    calls: tuple[Call, ...]
    skipped: tuple[Skipped, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    destructive: bool = False
    """Deleting or erasing: the faces ask for the account's name typed out (or --yes)."""
    undo: str | None = None
    """The action that undoes this one on the same rows, when the API allows it."""
    follow: Follow | None = field(default=None, compare=False, repr=False)
    undoes: str | None = None
    """The id of the plan this one undoes (`workbench undo`), recorded in the audit log."""
    made: float = field(default_factory=time.time, compare=False, repr=False)
    """When the plan was built (Unix seconds): a run that waited for the account's lock while
    another run of the same plan finished it finds that run's audit record newer than this."""

    @property
    def id(self) -> str:
        digest = hashlib.sha256()
        head = {"action": self.action, "account": self.account, "params": dict(self.params)}
        digest.update(json.dumps(head, sort_keys=True, default=str).encode())
        for call in self.calls:
            digest.update(f"\n{call.key}\t{call.method}\t{call.path}\t{call.change}".encode())
        return digest.hexdigest()[:16]

    @property
    def rows(self) -> list[str]:
        """Every row the plan changes, once each, in call order."""
        return list(dict.fromkeys(row for call in self.calls for row in call.rows))

    def frame(self) -> pl.DataFrame:
        """One row per call: what the notebook's `plan=True` returns."""
        return pl.DataFrame(
            {
                "account": [self.account] * len(self.calls),
                "action": [self.action] * len(self.calls),
                "method": [c.method for c in self.calls],
                "path": [c.path for c in self.calls],
                "rows": [len(c.rows) for c in self.calls],
                "row_ids": [list(c.rows) for c in self.calls],
                "change": [c.change for c in self.calls],
            },
            schema={
                "account": pl.String,
                "action": pl.String,
                "method": pl.String,
                "path": pl.String,
                "rows": pl.Int64,
                "row_ids": pl.List(pl.String),
                "change": pl.String,
            },
        )

    def lines(self, *, limit: int = 5) -> list[str]:
        """The plan in words: the summary, the calls (the first few), what is skipped."""
        calls = len(self.calls)
        out = [
            f"{self.summary}: {calls:,} call{'s' if calls != 1 else ''} to {self.platform} "
            f"for {len(self.rows):,} row{'s' if len(self.rows) != 1 else ''}"
        ]
        for call in self.calls[:limit]:
            out.append(f"  {call.method} {call.path}  {call.change}")
        if calls > limit:
            out.append(f"  … and {calls - limit:,} more")
        if self.skipped:
            reasons: dict[str, int] = {}
            for skipped in self.skipped:
                reasons[skipped.reason] = reasons.get(skipped.reason, 0) + 1
            for reason, n in reasons.items():
                out.append(f"  skipped {n:,} row{'s' if n != 1 else ''}: {reason}")
        if self.undo and not self.undoes:
            out.append(f"  undo: `workbench undo` (`workbench {self.undo}` on the same rows)")
        return out


def account_plan(
    action: str,
    account: str,
    platform: str,
    table: str,
    summary: str,
    calls: Iterable[Call],
    skipped: Iterable[Skipped] = (),
    **more: Any,
) -> Plan:
    """An action's plan in one account, from the lists its calls and skipped rows were
    gathered in (actions over a filter make one per account); `more`: Plan's other fields."""
    return Plan(action, account, platform, table, summary, tuple(calls), tuple(skipped), **more)


def plans_frame(plans: Sequence[Plan]) -> pl.DataFrame:
    """Several accounts' plans as one frame (an action over a filter spanning accounts)."""
    frames = [plan.frame() for plan in plans]
    return pl.concat(frames) if frames else Plan("", "", "", "", "", ()).frame()
