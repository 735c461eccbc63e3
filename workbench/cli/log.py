"""`workbench log`: what the write commands did, from the store's append-only audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

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
    for r in frame.iter_rows(named=True):
        problems = r["problems"] or []
        console.print(
            escape(
                f"{r['time']:%Y-%m-%d %H:%M:%S}  {r['account']}  {r['action']}  {r['result']}  "
                f"{r['done']:,}/{r['calls']:,} calls  {len(r['rows'] or []):,} rows  "
                f"plan {r['plan']}"
            ),
            soft_wrap=True,
        )
        console.print(escape(f"  {r['summary'] or ''}"), soft_wrap=True)
        for problem in problems[:3]:
            console.print(escape(f"  ! {problem}"), soft_wrap=True)
        if len(problems) > 3:
            console.print(f"  … and {len(problems) - 3:,} more (`workbench log --json`)")
