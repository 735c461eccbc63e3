"""Each account's time zone: configured in its settings, or for Wootric inferred from the
`nps_summary` answers the store keeps.

Why infer: Wootric computes `/v1/nps_summary` in the zone of the account's settings, which the
API does not tell. A month's totals (responses, promoters, detractors) depend on where its local
midnights fall, so the zone is the one in which the stored responses reproduce the totals of
every month Wootric answered for. Zones are tried by their behaviour, not their names: the ~600
IANA names collapse to a few dozen distinct sets of month boundaries over the months kept, and a
month's counts for one set of boundaries are two binary searches into the sorted creation times.

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

import numpy as np
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


def _counted(responses: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted creation times (UTC µs) of what nps_summary counts, with cumulative promoters and
    detractors (index i: among the first i)."""
    if responses.is_empty():
        empty = np.zeros(0, np.int64)
        return empty, np.zeros(1, np.int64), np.zeros(1, np.int64)
    frame = responses.lazy()
    if "metric" in responses.columns:
        frame = frame.filter(pl.col("metric") == "nps")
    if "excluded_from_calculations" in responses.columns:
        frame = frame.filter(~pl.col("excluded_from_calculations").fill_null(False))
    counted = (
        frame.filter(pl.col("score").is_not_null() & pl.col("created_at").is_not_null())
        .select(
            pl.col("created_at").dt.convert_time_zone("UTC").dt.epoch("us").alias("at"),
            pl.col("score"),
        )
        .sort("at")
        .collect()
    )
    at = counted["at"].to_numpy()
    scores = counted["score"].to_numpy()
    zero = np.zeros(1, np.int64)
    promoters = np.concatenate([zero, np.cumsum(scores >= 9, dtype=np.int64)])
    detractors = np.concatenate([zero, np.cumsum(scores <= 6, dtype=np.int64)])
    return at, promoters, detractors


def settled_months(summaries: pl.DataFrame, responses: pl.DataFrame) -> pl.DataFrame:
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
        responses.select(pl.col("created_at").min()).item()
        if not responses.is_empty() and "created_at" in responses.columns
        else None
    )
    if first is not None:
        frame = frame.filter(pl.col("date_start") > first.date() + timedelta(days=1))
    return frame.sort("date_start")


def infer_time_zone(
    responses: pl.DataFrame, summaries: pl.DataFrame, *, prefer: Iterable[str] = ()
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
    lo_idx = np.array([where[d] for d in starts])
    hi_idx = np.array([where[d] for d in stops])
    want_n = months["responses"].to_numpy()
    want_p = months["promoters"].fill_null(-1).to_numpy()
    want_d = months["detractors"].fill_null(-1).to_numpy()
    at, promoters, detractors = _counted(responses)
    scored: list[tuple[int, list[str], np.ndarray]] = []
    for key, names in candidate_classes(days).items():
        edges = np.searchsorted(at, np.array(key, np.int64), side="left")
        lo, hi = edges[lo_idx], edges[hi_idx]
        ok = (
            (hi - lo == want_n)
            & (promoters[hi] - promoters[lo] == want_p)
            & (detractors[hi] - detractors[lo] == want_d)
        )
        scored.append((int(ok.sum()), names, ok))
    total = len(starts)
    preferred = set(prefer)

    def order(item: tuple[int, list[str], np.ndarray]) -> tuple[int, int, tuple[int, int, str]]:
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


Counts = tuple[int, int, int]
"""responses, promoters, detractors: what an nps_summary answer and a zone's count compare."""


def day_counts(responses: pl.DataFrame, time_zone: str, days: Sequence[date]) -> list[Counts]:
    """What nps_summary would answer for each single day of `days` if the account were in
    `time_zone`."""
    zone = zoneinfo.ZoneInfo(time_zone)
    at, promoters, detractors = _counted(responses)
    edges = [_boundary(day + timedelta(days=d), zone) for day in days for d in (0, 1)]
    found = np.searchsorted(at, np.array(edges, np.int64), side="left")
    return [
        (int(hi - lo), int(promoters[hi] - promoters[lo]), int(detractors[hi] - detractors[lo]))
        for lo, hi in zip(found[0::2], found[1::2], strict=True)
    ]


def telling_day(
    responses: pl.DataFrame, candidates: Sequence[str], first: date, last: date
) -> date | None:
    """The day from `first` through `last` whose nps_summary best tells `candidates` apart
    (the most distinct answers among them; the latest such day); None when no day does."""
    if len(candidates) < 2 or last < first:
        return None
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = [day_counts(responses, zone, days) for zone in candidates]
    best, best_distinct = None, 1
    for i, day in enumerate(days):
        distinct = len({per_zone[i] for per_zone in counts})
        if distinct >= best_distinct and distinct > 1:
            best, best_distinct = day, distinct
    return best


def reproduces(responses: pl.DataFrame, summaries: pl.DataFrame, time_zone: str) -> list[date]:
    """The settled months that `responses` do not reproduce in `time_zone` (empty: all do)."""
    months = settled_months(summaries, responses)
    if months.is_empty():
        return []
    zone = zoneinfo.ZoneInfo(time_zone)
    at, promoters, detractors = _counted(responses)
    missed = []
    for start, end, n, p, d in months.select(
        "date_start", "date_end", "responses", "promoters", "detractors"
    ).iter_rows():
        lo, hi = np.searchsorted(
            at, [_boundary(start, zone), _boundary(end + timedelta(days=1), zone)], side="left"
        )
        if (hi - lo, promoters[hi] - promoters[lo], detractors[hi] - detractors[lo]) != (n, p, d):
            missed.append(start)
    return missed


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
