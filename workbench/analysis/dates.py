"""Calendar days in a time zone turned into UTC instants, "today" made injectable, and the one
rule for which zone a selection's figures use (`choose_time_zone`).

Why bounds instead of converting every row: "2025-01-01 to 2025-01-31 in America/Chicago" is
two instants in UTC, so a date filter over ten million responses is two comparisons on the
stored UTC column, with daylight saving handled once by zoneinfo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from workbench.data.time_zones import AccountZone
from workbench.settings.time_zones import time_zone_problem


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a ValueError that says what was wrong (in one line, with the
    nearest known name when there is one)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        problem = time_zone_problem(name) if isinstance(name, str) else None
        raise ValueError(
            problem or f"unknown time zone {name!r}; use an IANA name such as 'Europe/Paris'"
        ) from None


def today_in(time_zone: str, now: datetime | None = None) -> date:
    """The calendar date in `time_zone` at `now` (the current moment unless a test injects one)."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zone(time_zone)).date()


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def local_midnight(day: date, time_zone: str) -> datetime:
    """The UTC instant at which `day` begins in `time_zone`.

    At the ends of the calendar (1 January of year 1 east of UTC, 31 December 9999 west of it)
    that instant is outside what `datetime` holds: it is clamped to the first or last instant,
    which selects the same rows, rather than an OverflowError."""
    try:
        return datetime.combine(day, time(0), tzinfo=zone(time_zone)).astimezone(UTC)
    except OverflowError:
        return EARLIEST if day.year == 1 else LATEST


def day_range(
    start: date | None, end: date | None, time_zone: str, column: str = "created_at"
) -> pl.Expr:
    """`column` falls on a local day from `start` through `end`, both inclusive (None: open)."""
    zone(time_zone)
    condition = pl.lit(True)
    if start is not None:
        condition = condition & (pl.col(column) >= local_midnight(start, time_zone))
    if end is not None and end < date.max:  # through the calendar's last day: no upper bound
        condition = condition & (
            pl.col(column) < local_midnight(end + timedelta(days=1), time_zone)
        )
    return condition


def local_date(column: str, time_zone: str) -> pl.Expr:
    """The calendar date of a UTC timestamp column in `time_zone`."""
    zone(time_zone)
    return pl.col(column).dt.convert_time_zone(time_zone).dt.date()


# --- which zone a selection's figures use ------------------------------------------------------


@dataclass(frozen=True)
class ZoneChoice:
    """The zone a selection's dates and buckets are read in, and why.

    `label` says which zone and why in a few words (for a title or a status line); `note` is
    set when the choice is a fallback a person should know about (accounts in different zones,
    an account with no zone), and says how to pick another."""

    time_zone: str
    label: str
    note: str | None = None


def choose_time_zone(
    zones: Mapping[str, AccountZone],
    accounts: Iterable[str] | None = None,
    *,
    chosen: str | None = None,
    display: str | None = None,
) -> ZoneChoice:
    """The one rule every face uses: a zone the person picked (`chosen`: `--time-zone`,
    `time_zone=`, the TUI's choice; else `display`, the settings' `display.time_zone`) wins;
    otherwise the accounts' own zone when they share one (a single account: its zone), and UTC
    with a note when they differ or none is known.

    `zones` holds each account's zone (`workbench.data.time_zones.account_zones`); `accounts`
    are the selection's (default: all of `zones`)."""
    for picked, why in ((chosen, "as asked"), (display, "display.time_zone")):
        if picked:
            zone(picked)
            return ZoneChoice(picked, f"{picked} ({why})")
    names = sorted(set(accounts) if accounts is not None else set(zones))
    known = [zones[name] for name in names if name in zones]
    if not known:
        return ZoneChoice("UTC", "UTC (no account selected)")
    distinct = {z.time_zone for z in known if z.source != "default"}
    unset = [z.account for z in known if z.source == "default"]
    if len(distinct) == 1 and not unset:
        only = next(iter(distinct))
        whose = known[0].account if len(known) == 1 else f"all {len(known)} accounts"
        how = {z.source for z in known}
        source = ", inferred" if how == {"inferred"} else ""
        return ZoneChoice(only, f"{only} (zone of {whose}{source})")
    pick = "pick a zone with display.time_zone, --time-zone or time_zone="
    if not distinct:
        if len(unset) == 1:
            note = (
                f"{unset[0]} has no time zone: dates in UTC (set accounts.{unset[0]}.time_zone, "
                f"or {pick})"
            )
        else:
            note = f"{', '.join(unset)} have no time zone: dates in UTC ({pick})"
        return ZoneChoice("UTC", "UTC (no account zone known)", note)
    listed = ", ".join(
        f"{z.account} {z.time_zone if z.source != 'default' else 'unset'}" for z in known
    )
    return ZoneChoice(
        "UTC",
        "UTC (accounts in different zones)",
        f"accounts in different zones ({listed}): dates in UTC; {pick}",
    )


def selection_accounts(
    frame: pl.DataFrame | pl.LazyFrame,
    accounts: Iterable[str] = (),
    platforms: Iterable[str] = (),
) -> list[str]:
    """The accounts a selection may hold: those a filter names (`account:`, `platform:`), among
    the accounts present in `frame`."""
    lazy = frame.lazy()
    columns = lazy.collect_schema().names()
    if "account" not in columns:
        return sorted(set(accounts))
    wanted_accounts, wanted_platforms = list(accounts), list(platforms)
    if wanted_accounts:
        lazy = lazy.filter(pl.col("account").is_in(wanted_accounts))
    if wanted_platforms and "platform" in columns:
        lazy = lazy.filter(pl.col("platform").is_in(wanted_platforms))
    found = lazy.select(pl.col("account").unique()).collect()["account"].to_list()
    return sorted(name for name in found if name is not None)
