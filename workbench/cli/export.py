"""`workbench export` and `workbench report`: the stored tables, filtered, as a file or a report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
import typer
from rich.markup import escape

from workbench.analysis import (
    ExportError,
    Filter,
    FilterError,
    FilterSyntaxError,
    UnknownNameError,
)
from workbench.analysis.export import DuplicateColumnError, export_format, write_export
from workbench.analysis.filter_names import validate_filter
from workbench.analysis.filters import apply_filter
from workbench.analysis.report import render_report, report_frames, report_json, report_long
from workbench.analysis.small_n import MIN_N
from workbench.cli.context import load, store
from workbench.cli.output import console, fail
from workbench.cli.time_zone import TimeZoneOption, time_zone_for
from workbench.data.schema import TABLES, SchemaError
from workbench.data.store import StoreError
from workbench.data.tables import load_table
from workbench.settings.model import unknown_account


def stored_table(table: str, accounts: list[str] | None) -> pl.DataFrame:
    """A stored table (of these accounts), or one line saying why it cannot be read: an account
    that is neither configured nor stored is unknown (with the nearest name); one configured
    but not synced yet says to run `workbench sync` for it."""
    settings = load()
    stored = store(settings)
    try:
        known = sorted({*settings.accounts, *stored.accounts()})
        for name in accounts or []:
            if name not in known:
                fail(escape(unknown_account(name, known)), code=2)
        return load_table(stored, table, accounts or None)
    except (StoreError, SchemaError) as exc:
        fail(escape(str(exc)))


def checked_filter(
    frame: pl.DataFrame,
    filter_text: str | None,
    *,
    time_zone: str = "UTC",
    today: date | None = None,
) -> tuple[Filter | None, pl.DataFrame]:
    """The `--filter` text parsed, checked against the stored responses and applied: the one
    way `export` and `report` take a filter, so they refuse the same filters with the same
    line and exit status (2). Returns the filter (None without one) and the rows it selects."""
    if not filter_text:
        return None, frame
    try:
        chosen = validate_filter(Filter.parse(filter_text), frame)
        return chosen, apply_filter(chosen, frame, time_zone=time_zone, today=today)
    except (FilterSyntaxError, FilterError) as exc:
        fail(escape(f"--filter: {exc}"), code=2)
    except ValueError as exc:  # e.g. an unknown time zone
        fail(escape(str(exc).splitlines()[0]), code=2)


def filtered(
    table: str,
    filter_text: str | None,
    accounts: list[str] | None,
    *,
    time_zone: str | None = None,
    today: date | None = None,
) -> pl.DataFrame:
    """The rows of a stored table that a filter selects: what every face exports for it.
    Dates are in `time_zone` if given, else in the zone `choose_time_zone` picks."""
    frame = stored_table(table, accounts)
    if not filter_text:
        return frame
    if table != "responses":
        fail(f"--filter applies to the responses table; {table} has no scores or comments", code=2)
    zone = time_zone_for(frame, filter_text, accounts, time_zone, dated=False).time_zone
    return checked_filter(frame, filter_text, time_zone=zone, today=today)[1]


def export(
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(TABLES)}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    filter_text: Annotated[
        str | None,
        typer.Option(
            "--filter", "-f", help="e.g. 'tag:PRICING score:detractors plan=Enterprise \"slow\"'"
        ),
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="Comma-separated columns, in order (default: all).")
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
    ] = None,
    file_format: Annotated[
        Literal["csv", "parquet", "xlsx"] | None,
        typer.Option("--format", help="csv, parquet or xlsx (default: from the file name)."),
    ] = None,
    bom: Annotated[bool, typer.Option(help="Start the CSV with a BOM, for Excel.")] = False,
    time_zone: TimeZoneOption = None,
) -> None:
    """Write a stored table, filtered, to CSV, Parquet or Excel (the same rows the TUI exports).

    The format comes from the file name (.csv, .parquet, .xlsx) or --format; any other name is
    refused before anything is read."""
    if table not in TABLES:
        fail(f"there is no table {table!r}; the tables are {', '.join(TABLES)}", code=2)
    try:
        kind = export_format(output, file_format)
    except ExportError as exc:
        fail(escape(f"-o: {exc}"), code=2)
    frame = filtered(table, filter_text, account, time_zone=time_zone)
    chosen = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    try:
        written = write_export(frame, output, format=kind, columns=chosen, bom=bom)
    except ExportError as exc:
        fail(escape(str(exc)))
    except (UnknownNameError, DuplicateColumnError) as exc:
        fail(escape(f"--columns: {exc}"), code=2)
    except pl.exceptions.PolarsError as exc:  # e.g. a name polars refuses: still one line
        fail(escape(f"--columns: {str(exc).strip().splitlines()[0]}"), code=2)
    console.print(f"Wrote {frame.height:,} rows of {table} to {escape(str(written))}")


def report(
    filter_text: Annotated[str | None, typer.Option("--filter", "-f", help="A filter.")] = None,
    by: Annotated[str | None, typer.Option(help="A property or column to break down by.")] = None,
    every: Annotated[
        Literal["day", "week", "month", "quarter"] | None,
        typer.Option(help="Trend bucket."),
    ] = "month",
    metric: Annotated[Literal["nps", "csat", "ces"], typer.Option(help="The metric.")] = "nps",
    account: Annotated[
        list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
    ] = None,
    time_zone: TimeZoneOption = None,
    min_n: Annotated[
        int, typer.Option(min=1, help="Below this n a segment, tag or point is 'too small'.")
    ] = MIN_N,
    p_adjust: Annotated[
        Literal["holm", "bh"],
        typer.Option(help="How p-values across segments and tags are adjusted: Holm or BH."),
    ] = "holm",
    output_format: Annotated[
        Literal["table", "json", "csv"],
        typer.Option(
            "--format",
            help="table (for people), or json or csv (for scripts: every figure with its "
            "interval; csv is one long table with a section column).",
        ),
    ] = "table",
) -> None:
    """Print the metric for the filtered responses: overall, by segment, over time, tags.

    All three formats are the same figures (`analysis.report.report_frames`)."""
    frame = stored_table("responses", account)
    zone = time_zone_for(frame, filter_text, account, time_zone, dated=True).time_zone
    chosen, _ = checked_filter(frame, filter_text, time_zone=zone)
    if frame.is_empty():
        fail("no responses are stored yet; run `workbench sync` first")
    try:
        figures = report_frames(
            frame,
            filter=chosen,
            metric=metric,
            by=by,
            every=every,
            time_zone=zone,
            min_n=min_n,
            p_adjust=p_adjust,
        )
    except (FilterSyntaxError, FilterError) as exc:
        fail(escape(f"--filter: {exc}"), code=2)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        fail(escape(str(exc).splitlines()[0]), code=2)
    if output_format == "json":
        typer.echo(json.dumps(report_json(figures), indent=2, ensure_ascii=False, allow_nan=False))
    elif output_format == "csv":
        typer.echo(report_long(figures).write_csv(), nl=False)
    else:
        console.print(render_report(figures, width=min(console.width, 120)))
