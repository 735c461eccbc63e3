"""`--time-zone` for the commands that bucket or filter by date: the zone the analysis core's
one rule picks (`choose_time_zone`), with its note on stderr when the choice is a fallback."""

from __future__ import annotations

from typing import Annotated

import polars as pl
import typer
from rich.markup import escape

from workbench.analysis import Filter
from workbench.analysis.dates import ZoneChoice, choose_time_zone, selection_accounts
from workbench.cli.context import load, store
from workbench.cli.output import fail, warn
from workbench.data.time_zones import settings_zones

TimeZoneOption = Annotated[
    str | None,
    typer.Option(
        "--time-zone",
        help=(
            "IANA zone for since:/until:/last: and trend buckets (default: display.time_zone, "
            "else the account's own zone, else UTC)."
        ),
    ),
]


def time_zone_for(
    frame: pl.DataFrame,
    filter_text: str | None,
    accounts: list[str] | None,
    picked: str | None,
    *,
    dated: bool,
) -> ZoneChoice:
    """The zone for these rows; `dated` says whether dates are used (a trend, or a filter with
    since:/until:/last:), and only then is a fallback's note printed."""
    settings = load()
    parsed: Filter | None = None
    if filter_text:
        try:
            parsed = Filter.parse(filter_text)
        except ValueError:
            parsed = None  # the filter's own check reports it, with its position
    names = selection_accounts(
        frame,
        [*(accounts or []), *(parsed.accounts if parsed else [])],
        parsed.platforms if parsed else [],
    )
    try:
        choice = choose_time_zone(
            settings_zones(settings, store(settings), names),
            names,
            chosen=picked,
            display=settings.display.time_zone,
        )
    except ValueError as exc:
        fail(escape(f"--time-zone: {exc}"), code=2)
    uses_dates = dated or bool(parsed and (parsed.since or parsed.until or parsed.last_days))
    if choice.note and uses_dates:
        warn(escape(choice.note))
    return choice
