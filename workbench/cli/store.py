"""`workbench store ...`: find damaged files in the local store, and set them aside."""

from __future__ import annotations

import typer
from rich.markup import escape

from workbench.cli.context import load
from workbench.cli.context import store as open_store
from workbench.cli.output import console, fail
from workbench.data.store import StoreError

app = typer.Typer(help="The local store of synced tables.", no_args_is_help=True)


@app.command()
def check() -> None:
    """List damaged files; exit 1 if there are any."""
    store = open_store(load())
    damaged = [
        (path, why) for name in store.accounts() for path, why in store.account(name).check()
    ]
    if not damaged:
        console.print(f"The store at {escape(str(store.root))} is sound.")
        return
    for path, why in damaged:
        console.print(f"[red]damaged[/] {escape(str(path))}: {escape(why)}")
    fail(f"{len(damaged)} damaged file(s); `workbench store repair` sets them aside")


@app.command()
def repair() -> None:
    """Move damaged files to each account's quarantine/ and reset its sync cursors."""
    store = open_store(load())
    moved = []
    try:
        for name in store.accounts():
            moved += [(name, path) for path in store.account(name).repair()]
    except (StoreError, OSError) as exc:
        fail(escape(str(exc)))
    if not moved:
        console.print("Nothing to repair.")
        return
    for name, path in moved:
        console.print(f"set aside {escape(str(path))} ({name})")
    console.print("Run `workbench sync` to fetch what they held again.")
