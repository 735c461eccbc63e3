"""`workbench sync`: fetch what changed into the local store, with a progress bar per table."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from workbench.cli.context import load
from workbench.cli.output import console, errors, fail
from workbench.data.progress import KIND_TITLES, Failure, SyncEvent, SyncSummary
from workbench.data.sync import SyncError, optional_names
from workbench.data.sync import sync as run_sync

REJECTS_SHOWN = 10
"""Rejected rows listed one by one in the summary; the rest are counted."""


class SyncBars:
    """One rich progress line per account and table, fed by sync events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def __call__(self, event: SyncEvent) -> None:
        if event.phase == "start" and event.message:  # what a table will cost, before it starts
            self.progress.console.print(
                f"{escape(event.account)} {escape(event.table)}: {escape(event.message)}"
            )
        if event.phase == "waiting" and event.table == "*":
            errors.print(f"{escape(event.account)}: {escape(event.message or 'waiting')}")
            return
        key = (event.account, event.table)
        if key not in self.tasks:
            label = f"{event.account} {event.table}" if event.table != "*" else event.account
            self.tasks[key] = self.progress.add_task(escape(label), total=event.total, status="")
        task = self.tasks[key]
        status = f"{event.requests:,} requests"
        if event.waited:
            status += f", {event.waited:.0f} s waiting for the rate limit"
        if event.phase == "waiting":
            status += f", {escape(event.message or 'waiting')}"
        if event.phase == "failed":
            title = f" ({KIND_TITLES[event.kind]})" if event.kind else ""
            status = f"[red]failed{escape(title)}[/]: {escape(event.message or '')}"
        self.progress.update(task, completed=event.rows, total=event.total, status=status)
        if event.phase in ("done", "failed", "skipped"):
            total = event.total if event.total is not None else max(event.rows, 1)
            self.progress.update(task, total=total, completed=total if event.rows else 0)


def sync(
    accounts: Annotated[
        list[str] | None, typer.Argument(help="Accounts to sync (default: all configured).")
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Read everything again and remove what the platform deleted."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(help="Read rows from this date on (YYYY-MM-DD), whatever the cursor says."),
    ] = None,
    refresh: Annotated[
        int | None,
        typer.Option(
            metavar="DAYS",
            min=0,
            help="Read this many days of Wootric responses again, for edits (tags, exclusion); "
            "default: the sync.refresh_days setting (30).",
        ),
    ] = None,
    with_tables: Annotated[
        list[str] | None,
        typer.Option(
            "--with",
            metavar="TABLE",
            help="Also read a table that costs a request per end user (repeatable): "
            f"{', '.join(optional_names())}. Its request count is shown before it starts.",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Fetch new and changed rows from every account into the local store."""
    extra = list(dict.fromkeys(with_tables or []))
    unknown = [name for name in extra if name not in optional_names()]
    if unknown:
        fail(
            f"--with {escape(unknown[0])}: no such table; choose from "
            f"{', '.join(optional_names())}",
            code=2,
        )
    settings = load()
    if not settings.accounts:
        fail(
            "no accounts configured; add one with `workbench accounts add` "
            "(or try `workbench demo`)"
        )
    start: datetime | None = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            fail(f"--since {since!r} is not a date; write it as YYYY-MM-DD", code=2)
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", style="bold"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=errors,
        disable=not progress,
    )
    try:
        with bars:
            summary = asyncio.run(
                run_sync(
                    settings,
                    accounts or None,
                    full=full,
                    since=start,
                    refresh_days=refresh,
                    on_event=SyncBars(bars),
                    extra=extra,
                )
            )
    except SyncError as exc:
        fail(escape(str(exc)), code=2)
    except KeyboardInterrupt:
        fail(
            "interrupted; what was fetched is kept, and the next `workbench sync` goes on "
            "from there",
            code=130,
        )
    show_summary(summary)
    if not summary.ok:
        raise typer.Exit(1)


def failure_note(failure: Failure) -> str:
    """A failure in the summary: its kind's title, then its line (which says what to do)."""
    return f"[red]{escape(KIND_TITLES[failure.kind])}[/]: {escape(failure.message)}"


def show_summary(summary: SyncSummary) -> None:
    table = Table(title="Sync summary", title_justify="left")
    for column in ("account", "table", "rows", "removed", "rejected", "requests", "note"):
        table.add_column(
            column,
            justify="right" if column in ("rows", "removed", "rejected", "requests") else "left",
        )
    for account in summary.accounts:
        if account.failure:
            table.add_row(
                account.account,
                "",
                "",
                "",
                "",
                f"{account.requests:,}",
                failure_note(account.failure),
            )
            continue
        for index, result in enumerate(account.tables):
            note = (
                failure_note(result.failure) if result.failure else escape("; ".join(result.notes))
            )
            table.add_row(
                account.account if index == 0 else "",
                result.table,
                f"{result.rows:,}",
                f"{result.deleted:,}",
                f"{len(result.rejected):,}",
                f"{result.requests:,}",
                note,
            )
    console.print(table)
    rejected = [r for a in summary.accounts for r in a.rejected]
    for item in rejected[:REJECTS_SHOWN]:
        console.print(f"[yellow]rejected[/] {escape(str(item))}")
    if len(rejected) > REJECTS_SHOWN:
        console.print(f"[yellow]... and {len(rejected) - REJECTS_SHOWN:,} more rejected rows[/]")
    for account in summary.accounts:
        if account.failure:
            errors.print(f"[bold red]error:[/] {failure_note(account.failure)}")
