"""`workbench log`: what the write commands did, from the store's append-only audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from workbench.cli.context import load, store
from workbench.cli.output import console
from workbench.data.actions import audit


def log(
    account: Annotated[
        str | None, typer.Option("--account", "-a", help="Only this account.")
    ] = None,
    last: Annotated[int, typer.Option("--last", "-n", help="How many records, newest last.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """What the write commands (exclude, include, push, import, ...) did: when, where, which
    rows, how it ended and what the API answered."""
    frame = audit.read(store(load()).root, account=account).tail(max(last, 0))
    if as_json:
        for record in frame.iter_rows(named=True):
            console.print_json(data={**record, "time": record["time"].isoformat()})
        return
    if frame.is_empty():
        console.print("No actions yet: `workbench exclude --filter ... --dry-run` shows one.")
        return
    table = Table("time", "account", "action", "result", "calls", "rows", "summary", "problems")
    for r in frame.iter_rows(named=True):
        problems = r["problems"] or []
        table.add_row(
            f"{r['time']:%Y-%m-%d %H:%M:%S}",
            escape(r["account"] or ""),
            escape(r["action"] or ""),
            r["result"] or "",
            f"{r['done']:,}/{r['calls']:,}",
            f"{len(r['rows'] or []):,}",
            escape(r["summary"] or ""),
            escape("; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")),
        )
    console.print(table)
