"""How every write command goes: show the plan, ask, run it with progress, report each account.

`--dry-run` prints the plan and changes nothing. Without `--yes` the command asks first: y/N for
an action that can be undone, the account's name typed out for one that cannot (delete, erase).
A command not on a terminal and without `--yes` refuses rather than guess. Exit 0 only when
every planned call succeeded.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.progress import Progress, TaskID

from workbench.cli.context import load
from workbench.cli.export import filtered
from workbench.cli.output import console, fail, warn
from workbench.cli.time_zone import TimeZoneOption
from workbench.data.actions.plan import Plan
from workbench.data.actions.run import Outcome, run_plan
from workbench.data.lock import LockBusy
from workbench.data.store import StoreError
from workbench.settings import SettingsError
from workbench.sources.errors import SourceError

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be done and change nothing.")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (for scripts).")]
ResendOption = Annotated[
    bool,
    typer.Option(
        "--resend-unknown",
        help="Send again the calls an interrupted run may or may not have made (see the log).",
    ),
]
FilterOption = Annotated[
    str,
    typer.Option(
        "--filter", "-f", help="The responses to act on, e.g. 'account:acme-nps \"test\"'."
    ),
]
AccountOption = Annotated[
    list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
]


def show(plans: Sequence[Plan]) -> None:
    for plan in plans:
        console.print(f"[bold]{escape(plan.account)}[/] ({plan.platform})")
        for line in plan.lines():
            console.print(escape(line), soft_wrap=True)


def confirmed(plans: Sequence[Plan], *, yes: bool) -> bool:
    """Whether to go on: --yes, or the person's answer (the account name for a destructive
    plan). Off a terminal without --yes the command stops with one line."""
    if yes:
        return True
    if not sys.stdin.isatty():
        fail(
            "this changes data in the platform; add --yes to go on without asking, or "
            "--dry-run to see the plan",
            code=2,
        )
    for plan in plans:
        if plan.destructive:
            typed = typer.prompt(
                f"This cannot be undone. Type the account name ({plan.account}) to go on"
            )
            if typed.strip() != plan.account:
                return False
    if all(plan.destructive for plan in plans):
        return True
    return typer.confirm("Go on?", default=False)


def carry_out(
    plans: Sequence[Plan], *, dry_run: bool, yes: bool, resend_unknown: bool = False
) -> None:
    """The whole flow for a write command, ending in its exit status."""
    plans = [plan for plan in plans if plan.calls or plan.skipped]
    if not plans:
        fail(
            "the filter selects no rows this action applies to; check it with "
            "`workbench export responses --filter ... -o rows.csv`",
            code=2,
        )
    show(plans)
    todo = [plan for plan in plans if plan.calls]
    if dry_run:
        console.print("Dry run: nothing was changed.")
        return
    if not todo:
        console.print("Nothing to do: every selected row is already as asked.")
        return
    if not confirmed(todo, yes=yes):
        console.print("Nothing was changed.")
        raise typer.Exit(1)
    settings = load()
    outcomes: list[Outcome] = []
    try:
        with Progress(console=console, transient=True) as progress:
            for plan in todo:
                task = progress.add_task(
                    escape(f"{plan.account}: {plan.action}"), total=len(plan.calls)
                )

                def advance(finished: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, completed=finished, total=total)

                outcomes.append(
                    asyncio.run(
                        run_plan(settings, plan, on_progress=advance, resend_unknown=resend_unknown)
                    )
                )
    except (SettingsError, SourceError, StoreError, LockBusy) as exc:
        fail(escape(str(exc).splitlines()[0]))
    except KeyboardInterrupt:
        fail(
            "stopped; what was sent is in `workbench log`, and running the same command again "
            "finishes the rest without doing any row twice",
            code=130,
        )
    for outcome in outcomes:
        for line in outcome.lines():
            console.print(escape(line), soft_wrap=True)
    if not all(outcome.ok for outcome in outcomes):
        raise typer.Exit(1)


def rows_command(
    name: str,
    doc: str,
    *,
    plans: Callable[[pl.DataFrame], Sequence[Plan]],
    left_alone: Callable[[pl.DataFrame], Mapping[str, int]],
    why: str,
) -> Callable[..., None]:
    """A write command on the responses `--filter` selects (exclude, include, archive,
    unarchive): `plans` turns the rows into plans; the rows of platforms it does not apply to
    (`left_alone`, counted by platform) get one warning each, `why` saying why ("{platform}"
    in it is filled in). `name` and `doc` are the function's name and docstring, which Typer
    shows as the command's name and help."""

    def command(
        filter_text: FilterOption,
        account: AccountOption = None,
        dry_run: DryRunOption = False,
        yes: YesOption = False,
        resend_unknown: ResendOption = False,
        time_zone: TimeZoneOption = None,
    ) -> None:
        rows = filtered("responses", filter_text, account, time_zone=time_zone)
        for platform, n in left_alone(rows).items():
            warn(f"{n:,} {platform} responses left alone: {why.format(platform=platform)}")
        carry_out(plans(rows), dry_run=dry_run, yes=yes, resend_unknown=resend_unknown)

    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    return command
