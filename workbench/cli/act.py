"""How every write command goes: show the plan, ask, run it with progress, report each account.

`--dry-run` prints the plan and changes nothing. Without `--yes` the command asks first: y/N for
an action that can be undone, the account's name typed out for one that cannot (delete, erase).
A command not on a terminal and without `--yes` refuses rather than guess. Exit 0 only when
every planned call succeeded.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

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


@dataclass(frozen=True)
class Write:
    """The options every write command ends with (`write_command` declares them once)."""

    account: list[str] | None = None
    dry_run: bool = False
    yes: bool = False
    resend_unknown: bool = False
    time_zone: str | None = None

    def carry_out(self, plans: Sequence[Plan]) -> None:
        carry_out(plans, dry_run=self.dry_run, yes=self.yes, resend_unknown=self.resend_unknown)


_WRITE_OPTIONS: dict[str, tuple[Any, Any]] = {
    "account": (AccountOption, None),
    "dry_run": (DryRunOption, False),
    "yes": (YesOption, False),
    "resend_unknown": (ResendOption, False),
    "time_zone": (TimeZoneOption, None),
}


def write_command(
    *, account: bool = False, resend: bool = False, time_zone: bool = False
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A write command's trailing options, declared once: the decorated function takes its own
    arguments and options plus `write: Write`, and Typer sees its signature followed by
    --account (with `account`), --dry-run, --yes, --resend-unknown (with `resend`) and
    --time-zone (with `time_zone`), in that order."""
    wanted = {"account": account, "dry_run": True, "yes": True}
    wanted |= {"resend_unknown": resend, "time_zone": time_zone}
    names = [name for name in _WRITE_OPTIONS if wanted[name]]

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(function, eval_str=True)
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=_WRITE_OPTIONS[name][1],
                annotation=_WRITE_OPTIONS[name][0],
            )
            for name in names
        ]
        kept = [p for p in own.parameters.values() if p.name != "write"]

        @functools.wraps(function)
        def command(**given: Any) -> None:
            flags = {name: given.pop(name) for name in names}
            function(**given, write=Write(**flags))

        command.__signature__ = own.replace(  # type: ignore[attr-defined]
            parameters=[*kept, *added]
        )
        return command

    return decorate


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

    def command(filter_text: FilterOption, write: Write) -> None:
        rows = filtered("responses", filter_text, write.account, time_zone=write.time_zone)
        for platform, n in left_alone(rows).items():
            warn(f"{n:,} {platform} responses left alone: {why.format(platform=platform)}")
        write.carry_out(plans(rows))

    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    return write_command(account=True, resend=True, time_zone=True)(command)
