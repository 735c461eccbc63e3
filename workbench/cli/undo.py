"""`workbench undo [PLAN]`: the inverse of an earlier action, on exactly the rows it changed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from workbench.cli.act import Write, write_command
from workbench.cli.context import load, store
from workbench.cli.output import fail, warn
from workbench.data.actions.undoing import UndoError, undo_plans


@write_command(resend=True)
def undo(
    plan_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[PLAN]",
            help="The plan id `workbench log --json` shows (default: the newest action that "
            "can be undone and was not undone yet).",
        ),
    ] = None,
    *,
    write: Write,
) -> None:
    """Undo an earlier action (exclude <-> include) on exactly the rows it changed."""
    try:
        undo = undo_plans(store(load()), plan_id)
    except UndoError as exc:
        fail(escape(str(exc)), code=2)
    if undo.missing:
        warn(f"{undo.missing:,} of the rows are no longer in the store (deleted since); left alone")
    write.carry_out(undo.plans)
