"""Each account's time zone: configured in its settings, or for Wootric inferred from the
`nps_summary` answers the store keeps.

Why infer: Wootric computes `/v1/nps_summary` in the zone of the account's settings, which the
API does not tell. A month's totals (responses, promoters, detractors) depend on where its local
midnights fall, so the zone is the one in which the stored responses reproduce the totals of
every month Wootric answered for. Zones are tried by their behaviour, not their names: the ~600
IANA names collapse to a few dozen distinct sets of month boundaries over the months kept, and
every set's counts come from one streaming pass over the responses that counts them per gap
between boundaries (`_before`): the responses themselves are never held, so the inference's
memory does not grow with the account.

The inferred zone is stored in the account's `accounts` table (one row, written atomically like
every table), so every face reads it without asking the API again. A zone in the settings
always wins; the sync only checks it and says when the answers contradict it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

import polars as pl

from workbench.data.schema import ACCOUNTS, SchemaError, conform
from workbench.data.store import AccountStore, Store, StoreError
from workbench.settings import Settings

Source = Literal["settings", "inferred", "default"]

PREFERRED: tuple[str, ...] = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
)
"""Among zones that behave alike over the months checked, the name a person most likely set."""

_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@dataclass(frozen=True)
class AccountZone:
    """An account's zone and where it came from (`default`: nothing known, so UTC)."""

    account: str
    time_zone: str
    source: Source

    def describe(self) -> str:
        if self.source == "settings":
            return f"{self.account}: {self.time_zone} (from the settings)"
        if self.source == "inferred":
            return f"{self.account}: {self.time_zone} (inferred from Wootric's nps_summary)"
        return f"{self.account}: no time zone set, read in UTC"


@dataclass(frozen=True)
class Inference:
    """What the nps_summary answers say about the account's zone."""

    time_zone: str | None
    """The zone whose months reproduce every answer checked; None when none does."""
    months: int
    """Answers (calendar months) checked."""
    alike: tuple[str, ...] = ()
    """Other names with the same boundaries over those months (indistinguishable)."""
    others: tuple[str, ...] = ()
    """Zones with other boundaries that reproduce the answers too (the data cannot tell)."""
    closest: str | None = None
    """When none reproduces them: the zone that reproduces the most months."""
    matched: int = 0
    """Months the chosen (or closest) zone reproduces."""
    days: int = 0
    """Of the answers checked, how many were single days asked to tell zones apart."""
    mismatched: list[date] = field(default_factory=list)
    """First days of the months the closest zone does not reproduce."""

    def note(self, account: str) -> str:
        if self.time_zone is None:
            if self.months == 0:
                return (
                    f"time zone of {account}: no settled nps_summary month to infer it from; "
                    f"dates in UTC until the next sync (or set accounts.{account}.time_zone)"
                )
            near = (
                f"; closest {self.closest} ({self.matched} of {self.months})"
                if self.closest
                else ""
            )
            return (
                f"time zone of {account}: no zone reproduces Wootric's nps_summary for all "
                f"{self.months} months{near}; dates in UTC (set accounts.{account}.time_zone)"
            )
        checked = f"all {self.months - self.days} months checked"
        if self.days:
            checked += f" and {self.days} single days asked to tell zones apart"
        text = (
            f"time zone of {account}: {self.time_zone}, inferred (the stored responses "
            f"reproduce Wootric's nps_summary in it for {checked})"
        )
        if self.others:
            text += (
                f"; {', '.join(self.others[:3])} would too: set accounts.{account}.time_zone "
                "if it is one of them"
            )
        return text


# --- candidates --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


def _rank(name: str) -> tuple[int, int, str]:
    """Lower is a better representative of its behaviour class."""
    if name in PREFERRED:
        return (0, PREFERRED.index(name), name)
    if name.startswith(_AREAS) and name.count("/") == 1:
        return (1, 0, name)
    if name.startswith(_AREAS):
        return (2, 0, name)
    return (3, 0, name)


def _boundary(day: date, zone: zoneinfo.ZoneInfo) -> int:
    """Local midnight of `day` in `zone` as UTC microseconds."""
    moment = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    return int(moment.timestamp()) * 1_000_000


def candidate_classes(days: Sequence[date]) -> dict[tuple[int, ...], list[str]]:
    """Every known zone grouped by the UTC instants of the local midnights of `days`; each
    group's names sorted best representative first."""
    classes: dict[tuple[int, ...], list[str]] = {}
    for name in _names():
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
        key = tuple(_boundary(day, zone) for day in days)
        classes.setdefault(key, []).append(name)
    for names in classes.values():
        names.sort(key=_rank)
    return classes


# --- inference ---------------------------------------------------------------------------------


Counts = tuple[int, int, int]
"""responses, promoters, detractors: what an nps_summary answer and a zone's count compare."""


Responses = pl.DataFrame | pl.LazyFrame
"""A Wootric account's responses, held or (from the store) scanned."""


def _counted(responses: Responses) -> pl.LazyFrame | None:
    """What nps_summary counts (NPS responses not excluded, with a score and a creation time),
    as UTC µs (`at`) and the score; None when the frame has no such columns at all."""
    frame = responses.lazy()
    names = frame.collect_schema().names()
    if not {"created_at", "score"} <= set(names):
        return None
    if "metric" in names:
        frame = frame.filter(pl.col("metric") == "nps")
    if "excluded_from_calculations" in names:
        frame = frame.filter(~pl.col("excluded_from_calculations").fill_null(False))
    return frame.filter(pl.col("score").is_not_null() & pl.col("created_at").is_not_null()).select(
        pl.col("created_at").dt.convert_time_zone("UTC").dt.epoch("us").alias("at"),
        pl.col("score"),
    )


def _before(responses: Responses, edges: Iterable[int]) -> dict[int, Counts]:
    """For each edge (UTC µs), the counted responses created before it: (responses, promoters,
    detractors). One streaming pass that keeps a count per gap between edges."""
    ordered = sorted(set(edges))
    counted = _counted(responses)
    gaps: dict[int, Counts] = {}
    if counted is not None and ordered:
        breaks = pl.Series("edge", ordered, pl.Int64)
        per_gap = (
            counted.group_by(pl.lit(breaks).search_sorted(pl.col("at"), side="right").alias("gap"))
            .agg(
                pl.len().alias("n"),
                (pl.col("score") >= 9).sum().alias("p"),
                (pl.col("score") <= 6).sum().alias("d"),
            )
            .collect(engine="streaming")
        )
        # A response in gap k has exactly k edges at or before it: it is before edges k onwards.
        gaps = {int(g): (int(n), int(p), int(d)) for g, n, p, d in per_gap.iter_rows()}
    found: dict[int, Counts] = {}
    n = p = d = 0
    for k, edge in enumerate(ordered):
        more = gaps.get(k, (0, 0, 0))
        n, p, d = n + more[0], p + more[1], d + more[2]
        found[edge] = (n, p, d)
    return found


def _between(found: dict[int, Counts], lo: int, hi: int) -> Counts:
    """The counts from `lo` (included) to `hi` (excluded), both edges `_before` counted at."""
    (n0, p0, d0), (n1, p1, d1) = found[lo], found[hi]
    return n1 - n0, p1 - p0, d1 - d0


def settled_months(summaries: pl.DataFrame, responses: Responses) -> pl.DataFrame:
    """The answers worth checking: months that had ended when fetched (a month in progress can
    gain responses between the answer and the walk) and that begin after the first stored
    response (a store synced `--since` a date lacks the months before it)."""
    if summaries.is_empty():
        return summaries
    frame = summaries.filter(
        pl.col("date_start").is_not_null()
        & pl.col("date_end").is_not_null()
        & pl.col("responses").is_not_null()
    )
    if "fetched_at" in frame.columns:
        frame = frame.filter(
            pl.col("fetched_at").is_null()
            | (pl.col("date_end") < pl.col("fetched_at").dt.date() - pl.duration(days=1))
        )
    first = (
        responses.lazy().select(pl.col("created_at").min()).collect().item()
        if "created_at" in responses.lazy().collect_schema().names()
        else None
    )
    if first is not None:
        frame = frame.filter(pl.col("date_start") > first.date() + timedelta(days=1))
    return frame.sort("date_start")


def infer_time_zone(
    responses: Responses, summaries: pl.DataFrame, *, prefer: Iterable[str] = ()
) -> Inference:
    """The zone in which `responses` reproduce every settled `summaries` month (n, promoters,
    detractors); among zones that all do, one of `prefer` (the zone stored before), else the
    most common name. `responses` are one Wootric account's stored responses."""
    months = settled_months(summaries, responses)
    if months.is_empty():
        return Inference(None, 0)
    starts = months["date_start"].to_list()
    stops = [end + timedelta(days=1) for end in months["date_end"].to_list()]
    days = sorted(set(starts) | set(stops))
    where = {day: i for i, day in enumerate(days)}
    wanted = list(
        zip(
            months["responses"].to_list(),
            months["promoters"].fill_null(-1).to_list(),
            months["detractors"].fill_null(-1).to_list(),
            strict=True,
        )
    )
    classes = candidate_classes(days)
    found = _before(responses, (edge for key in classes for edge in key))
    scored: list[tuple[int, list[str], list[bool]]] = []
    for key, names in classes.items():
        ok = [
            _between(found, key[where[start]], key[where[stop]]) == want
            for start, stop, want in zip(starts, stops, wanted, strict=True)
        ]
        scored.append((sum(ok), names, ok))
    total = len(starts)
    preferred = set(prefer)

    def order(item: tuple[int, list[str], list[bool]]) -> tuple[int, int, tuple[int, int, str]]:
        matched, names, _ = item
        return (-matched, 0 if preferred & set(names) else 1, _rank(names[0]))

    scored.sort(key=order)
    best_matched, best_names, best_ok = scored[0]
    if best_matched < total:
        missed = [s for s, ok in zip(starts, best_ok, strict=True) if not ok]
        return Inference(
            None, total, closest=best_names[0], matched=best_matched, mismatched=missed
        )
    chosen = next((n for n in best_names if n in preferred), best_names[0])
    others = tuple(names[0] for matched, names, _ in scored[1:] if matched == total)
    alike = tuple(n for n in best_names if n != chosen)
    days_asked = int((months["date_start"] == months["date_end"]).sum())
    return Inference(chosen, total, alike=alike, others=others, matched=total, days=days_asked)


def day_counts(
    responses: Responses, time_zones: Sequence[str], days: Sequence[date]
) -> list[list[Counts]]:
    """What nps_summary would answer for each single day of `days` if the account were in each
    of `time_zones` (a list of days' counts per zone), from one pass over the responses."""
    edges = [
        [(_boundary(day, zone), _boundary(day + timedelta(days=1), zone)) for day in days]
        for zone in map(zoneinfo.ZoneInfo, time_zones)
    ]
    found = _before(responses, (edge for per_zone in edges for pair in per_zone for edge in pair))
    return [[_between(found, lo, hi) for lo, hi in per_zone] for per_zone in edges]


def telling_day(
    responses: Responses, candidates: Sequence[str], first: date, last: date
) -> date | None:
    """The day from `first` through `last` whose nps_summary best tells `candidates` apart
    (the most distinct answers among them; the latest such day); None when no day does."""
    if len(candidates) < 2 or last < first:
        return None
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = day_counts(responses, candidates, days)
    best, best_distinct = None, 1
    for i, day in enumerate(days):
        distinct = len({per_zone[i] for per_zone in counts})
        if distinct >= best_distinct and distinct > 1:
            best, best_distinct = day, distinct
    return best


def reproduces(responses: Responses, summaries: pl.DataFrame, time_zone: str) -> list[date]:
    """The settled months that `responses` do not reproduce in `time_zone` (empty: all do)."""
    months = settled_months(summaries, responses)
    if months.is_empty():
        return []
    zone = zoneinfo.ZoneInfo(time_zone)
    rows = months.select("date_start", "date_end", "responses", "promoters", "detractors")
    edges = [
        (_boundary(start, zone), _boundary(end + timedelta(days=1), zone))
        for start, end, *_ in rows.iter_rows()
    ]
    found = _before(responses, (edge for pair in edges for edge in pair))
    return [
        start
        for (start, _, n, p, d), (lo, hi) in zip(rows.iter_rows(), edges, strict=True)
        if _between(found, lo, hi) != (n, p, d)
    ]


# --- the stored zone ---------------------------------------------------------------------------


def stored_time_zone(store: AccountStore) -> str | None:
    """The zone a sync inferred for this account, if it did."""
    if store.scan("accounts") is None:
        return None
    frame = store.read("accounts")
    if frame.is_empty() or "time_zone" not in frame.columns:
        return None
    zones = [z for z in frame["time_zone"].to_list() if z]
    return zones[-1] if zones else None


def store_time_zone(store: AccountStore, platform: str, account_id: str, time_zone: str) -> None:
    """Keep the inferred zone in the account's `accounts` table (one row, atomic write)."""
    now = datetime.now(UTC)
    row = pl.DataFrame(
        {
            "account": [store.account],
            "platform": [platform],
            "id": [account_id],
            "name": [store.account],
            "time_zone": [time_zone],
            "created_at": [now],
            "updated_at": [now],
        }
    )
    store.replace("accounts", conform(row, ACCOUNTS))


def store_account(store: AccountStore, platform: str, account_id: str) -> pl.DataFrame:
    """Write the account's one `accounts` row (atomic), keeping the zone a sync inferred and
    the row's first `created_at`; `name` is the configured account name (no platform's API
    names the account). The row written is returned."""
    held = store.read("accounts") if store.scan("accounts") is not None else pl.DataFrame()
    now = datetime.now(UTC)
    created = now
    if not held.is_empty() and "created_at" in held.columns:
        created = held["created_at"].drop_nulls().min() or now  # type: ignore[assignment]
    row = pl.DataFrame(
        {
            "account": [store.account],
            "platform": [platform],
            "id": [account_id],
            "name": [store.account],
            "time_zone": [stored_time_zone(store)],
            "created_at": [created],
            "updated_at": [now],
        },
        schema_overrides={"time_zone": pl.String},
    )
    frame = conform(row, ACCOUNTS)
    store.replace("accounts", frame)
    return frame


def account_zones(
    configured: Mapping[str, str | None], store: Store, accounts: Iterable[str]
) -> dict[str, AccountZone]:
    """Each account's zone: `configured` (from the settings) first, else the one a sync
    inferred and stored, else UTC marked `default`."""
    zones: dict[str, AccountZone] = {}
    for name in accounts:
        if configured.get(name):
            zones[name] = AccountZone(name, str(configured[name]), "settings")
            continue
        inferred = None
        if name in store.accounts():
            try:
                inferred = stored_time_zone(store.account(name))
            except (StoreError, SchemaError, pl.exceptions.PolarsError):
                # a damaged accounts table: `store check` says so; meanwhile read in UTC
                inferred = None
        if inferred:
            zones[name] = AccountZone(name, inferred, "inferred")
        else:
            zones[name] = AccountZone(name, "UTC", "default")
    return zones


def settings_zones(
    settings: Settings, store: Store | None = None, accounts: Iterable[str] | None = None
) -> dict[str, AccountZone]:
    """`account_zones` for every configured and stored account (or `accounts`), with the zones
    the settings give."""
    store = store or Store(settings.store_dir)
    names = (
        list(accounts) if accounts is not None else sorted({*settings.accounts, *store.accounts()})
    )
    configured = {name: account.time_zone for name, account in settings.accounts.items()}
    return account_zones(configured, store, names)
