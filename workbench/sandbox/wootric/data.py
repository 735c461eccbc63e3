"""The Wootric NPS sandbox's synthetic dataset, generated vectorised from the world's seed.

Each NPS account gets five tables as polars frames (end users, responses, declines, page views,
end-user settings), in creation order, plus its property hashes. `store` serves them, `writes`
changes them; `tables` holds their schemas and id sequences.

The story the data tells, so that analyses have something real to find:

- Two years of responses end just before `config.end`; volume grows over the period, is lower at
  weekends and follows office hours in the account's time zone.
- Scores (0-10) drift upwards over the two years (about +0.6 points), are a little higher at
  weekends and follow a yearly cycle (high in spring, low in autumn); each plan shifts the mean by
  `vocabulary.PLAN_NPS_SHIFT`, and each end user has a lasting mood of their own.
- A comment (from `vocabulary.COMMENTS`, fitting the score) comes with about 70% of responses,
  and its tags with it; about 2% of responses are excluded from calculations.
- About 12% of end users upgraded their plan once; a response carries the properties the end
  user had when answering (a property snapshot), so old answers keep the old plan.
- Every end user has the documented segment properties (`persona`, `pricing_plan`,
  `product_plan`, `purchase_date`, `revenue_amount`, see `SEGMENTS`), a `country`, and the two
  that the product's own integration sends under shorter names, as real accounts' custom
  properties do: `plan` (the pricing plan) and `revenue` (what the customer pays a year, in
  dollars: the plan's list price times seats, times a factor of their own for discounts and
  add-ons). `plan` and `revenue` come from a random stream of their own (`PROPERTY_STREAM`), so
  adding them changed no other value of the dataset.
- The first account holds one same-second burst of each size in `config.bursts` (an e-mail
  campaign import): more rows than one query can reach (30 pages of 50); and one local day
  packed with each size in `config.dense_days` (a campaign's day, in office hours), drawn from
  a stream of their own (`DENSE_STREAM`) so that without them nothing else changes.

Property hashes are kept as JSON strings in one list per account (`snapshots`), referenced by
index from end users (their current properties) and from responses and declines (the properties
at answer time): a million responses share a few hundred thousand hashes.

1,000,000 responses build in about two seconds: every column is drawn with numpy for all rows
at once, rows are drawn in time order (so nothing is sorted afterwards), and strings are only
gathered from small pools (comments, origins, addresses) by index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WootricAccount
from workbench.sandbox.wootric.tables import (
    DECLINE_SCHEMA,
    END_USER_SCHEMA,
    FIRST_IDS,
    PAGE_VIEW_SCHEMA,
    RESPONSE_SCHEMA,
    SETTINGS_SCHEMA,
    IdSequences,
    conform,
)
from workbench.sandbox.world import SandboxConfig

SEED_OFFSET = 0x5700_71C
"""Added to the world's seed, so that this generator's random stream is Wootric's own."""

DAY = 86_400
SPAN_DAYS = 730
"""Responses, declines and page views span the two years before `config.end`."""
HISTORY_DAYS = 365
"""End users were created up to a year before the first response (the account is older)."""
NAIVE_BEFORE = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
"""End users (and page views) created before this instant are answered with the older
offset-less UTC timestamps ("2014-12-01 18:36:59"), later ones with "... -0800"."""

ACCOUNT_SHARES = (0.65, 0.35)
"""How `config.responses` splits between the NPS accounts (the last takes the remainder)."""
BASE_SCORE = (8.15, 7.85)
"""Mean latent score per NPS account before trend, seasonality, plan and mood."""
PROPERTY_STREAM = 0x9_0AB
"""Seeds, with the world's seed and the account's index, the stream that draws the properties
added after the first dataset (`revenue`), apart from the stream every other column comes
from: a new property never moves a score, a date or a tag."""
REVENUE_SPREAD = 0.35
"""The sd of log(revenue / list price): discounts, add-ons and mid-year changes."""
DENSE_STREAM = 0xDE_05E
"""Seeds, with the world's seed and the account's index, the stream that places the dense
days' responses: the main stream draws nothing more for them."""
USER_ID_BY_ACCOUNT = (16, 23)
"""The Wootric user (account owner) id that write answers carry as `user_id`."""

CHANNELS = ("web", "email", "mobile:ios", "mobile:android", "api")
RESPONSE_CHANNEL_WEIGHTS = (0.55, 0.25, 0.12, 0.08, 0.0)
DECLINE_CHANNEL_WEIGHTS = (0.50, 0.30, 0.12, 0.08, 0.0)
API_CHANNEL = CHANNELS.index("api")
"""Rows created through the API (not through a survey the sandbox generated)."""

HOUR_WEIGHTS = np.array(
    [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2], float
)
WEEKDAY_VOLUME = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.4])  # Monday first
EMPTY_COMMENT_SHARE = 0.3
EXCLUDED_SHARE = 0.02
UPGRADED_SHARE = 0.12
DECLINES_PER_RESPONSE = 0.25
END_USERS_PER_RESPONSE = 1 / 3
PAGE_VIEWS_PER_END_USER = 2.0

SEGMENTS = (
    ("persona", "string"),
    ("pricing_plan", "string"),
    ("product_plan", "string"),
    ("purchase_date", "date"),
    ("revenue_amount", "integer"),
)
"""The documented segment list (GET /v1/segments)."""

WEB_PAGES = ("/", "/dashboard", "/reports", "/projects", "/settings/billing", "/integrations")
ASCII_NAMES = {"Müller": "mueller", "O'Brien": "obrien"}

# --- time --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Local days of one account: UTC instants of each local midnight, weekday, day of year.

    Sampling a local day and a local hour, then adding the day's midnight, puts survey traffic
    in office hours of the account's zone without converting a million datetimes.
    """

    midnights: np.ndarray  # len(days) + 1 UTC seconds
    weekdays: np.ndarray  # 0 = Monday
    days_of_year: np.ndarray

    @classmethod
    def ending(cls, end: int, days: int, tz: str) -> Calendar:
        zone = ZoneInfo(tz)
        last = datetime.fromtimestamp(end - 1, zone).date()
        first = last - timedelta(days=days - 1)
        dates = [first + timedelta(days=d) for d in range(days + 1)]
        midnights = np.array(
            [int(datetime.combine(d, time(), zone).timestamp()) for d in dates], np.int64
        )
        weekdays = np.array([d.weekday() for d in dates[:-1]], np.int64)
        days_of_year = np.array([d.timetuple().tm_yday for d in dates[:-1]], np.int64)
        return cls(midnights, weekdays, days_of_year)

    @property
    def days(self) -> int:
        return len(self.weekdays)

    def sample(self, rng: np.random.Generator, n: int, day_weights: np.ndarray) -> np.ndarray:
        """`n` instants: a day by `day_weights`, an hour by office hours, a uniform second."""
        day = rng.choice(self.days, size=n, p=day_weights / day_weights.sum())
        hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        second = hour * 3600 + rng.integers(0, 3600, size=n)
        length = self.midnights[day + 1] - self.midnights[day]
        return self.midnights[day] + np.minimum(second, length - 1)

    def day_of(self, instants: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.midnights, instants, "right") - 1, 0, self.days - 1)


# --- the score model -------------------------------------------------------------------------


def plan_shift(plan_index: np.ndarray) -> np.ndarray:
    shifts = np.array([vocab.PLAN_NPS_SHIFT[p] for p in vocab.PLANS])
    return shifts[plan_index]


def draw_scores(
    rng: np.random.Generator,
    instants: np.ndarray,
    calendar: Calendar,
    span: tuple[int, int],
    base: float,
    shift: np.ndarray,
    mood: np.ndarray,
) -> np.ndarray:
    """0-10 scores: trend over the span, weekends, a yearly cycle, plan and the user's mood."""
    day = calendar.day_of(instants)
    progress = (instants - span[0]) / max(span[1] - span[0], 1)
    weekend = calendar.weekdays[day] >= 5
    season = np.cos(2 * np.pi * (calendar.days_of_year[day] - 105) / 365.25)
    mean = base + 0.6 * progress + 0.15 * weekend + 0.3 * season + shift + mood
    return np.clip(np.rint(mean + rng.normal(0.0, 1.9, len(instants))), 0, 10).astype(np.int8)


def comment_tables() -> tuple[np.ndarray, np.ndarray, int]:
    """For each score, the non-empty COMMENTS indexes that fit it (padded), their count, and the
    index of the empty comment (a response without text)."""
    empty = next(i for i, c in enumerate(vocab.COMMENTS) if not c.text)
    fitting = [
        [i for i in vocab.templates_by_score()[s] if vocab.COMMENTS[i].text] for s in range(11)
    ]
    width = max(len(f) for f in fitting)
    table = np.array([f + [f[-1]] * (width - len(f)) for f in fitting], np.int64)
    return table, np.array([len(f) for f in fitting], np.int64), empty


def draw_comments(rng: np.random.Generator, scores: np.ndarray) -> np.ndarray:
    """A COMMENTS index per score: empty for about 30%, otherwise one written for that score."""
    table, counts, empty = comment_tables()
    s = scores.astype(np.int64)
    pick = (rng.random(len(s)) * counts[s]).astype(np.int64)
    chosen = table[s, pick]
    return np.where(rng.random(len(s)) < EMPTY_COMMENT_SHARE, empty, chosen)


def comment_text() -> pl.Series:
    return pl.Series("text", [c.text or None for c in vocab.COMMENTS], pl.String())


def comment_tags() -> pl.Series:
    return pl.Series("tags", [list(c.tags) for c in vocab.COMMENTS], pl.List(pl.String()))


def text_match_tags(text: str | None) -> list[str]:
    """Tags for a comment written through the API, as Wootric's text-match tagging finds them."""
    words = (text or "").lower()
    return [t.name for t in vocab.TAGS if any(term in words for term in t.terms)]


# --- per-account generation ------------------------------------------------------------------


def site_of(account: WootricAccount) -> str:
    return "https://app." + account.name.lower().replace(" ", "-") + ".example"


def origin_urls(account: WootricAccount) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Origin URLs by channel: (all urls, first index per channel, count per channel)."""
    site = site_of(account)
    by_channel = [
        [site + page for page in WEB_PAGES],
        [site + "/email-survey"],
        [site + "/ios", site + "/ios/settings"],
        [site + "/android", site + "/android/settings"],
        [site],
    ]
    urls = [u for group in by_channel for u in group]
    counts = np.array([len(g) for g in by_channel], np.int64)
    return urls, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def draw_origins(
    rng: np.random.Generator, account: WootricAccount, channels: np.ndarray
) -> pl.Series:
    urls, first, counts = origin_urls(account)
    index = first[channels] + (rng.random(len(channels)) * counts[channels]).astype(np.int64)
    return pl.Series("origin_url", urls, pl.String()).gather(index)


def draw_ips(rng: np.random.Generator, n: int, pool_size: int = 2048) -> pl.Series:
    """Client IPs from a pool of public-looking addresses (people answer from a few networks)."""
    firsts = np.array([24, 50, 68, 73, 81, 88, 92, 98, 104, 109, 151, 185, 203])
    octets = rng.integers(1, 255, size=(pool_size, 3))
    heads = rng.choice(firsts, size=pool_size)
    pool = [f"{h}.{a}.{b}.{c}" for h, (a, b, c) in zip(heads, octets.tolist(), strict=True)]
    return pl.Series("ip_address", pool, pl.String()).gather(rng.integers(0, pool_size, n))


def hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random 16-digit hex strings ("e9a12f9aa245cfd5"), without a Python loop."""
    raw = rng.bytes(8 * n).hex().encode()
    return np.frombuffer(raw, dtype="S16").astype("U16")


@dataclass
class Generated:
    """One account's tables as frames, before they are wrapped for serving."""

    end_users: pl.DataFrame
    responses: pl.DataFrame
    declines: pl.DataFrame
    page_views: pl.DataFrame
    settings: pl.DataFrame
    snapshots: list[str]
    founded: int


def generate_account(
    account: WootricAccount,
    index: int,
    responses: int,
    bursts: tuple[int, ...],
    config: SandboxConfig,
    ids: IdSequences,
    dense_days: tuple[int, ...] = (),
) -> Generated:
    """One NPS account's dataset (see the module docstring for the story it tells)."""
    rng = np.random.default_rng([config.seed + SEED_OFFSET, index])
    end = int(config.end.timestamp())
    calendar = Calendar.ending(end, SPAN_DAYS + HISTORY_DAYS, account.time_zone)
    history = calendar.midnights[0]
    start = int(calendar.midnights[HISTORY_DAYS])
    span = (start, end)
    growth = 1.0 + 0.6 * np.arange(calendar.days) / calendar.days
    volume = growth * WEEKDAY_VOLUME[calendar.weekdays]
    survey_days = volume * (np.arange(calendar.days) >= HISTORY_DAYS)
    total = responses + sum(bursts) + sum(dense_days)

    # End users, oldest first; ids follow creation order.
    n_users = max(1, round(total * END_USERS_PER_RESPONSE))
    user_created = np.sort(np.minimum(calendar.sample(rng, n_users, volume), end - DAY))
    user_ids = ids.take("end_users", n_users)
    plan = rng.choice(len(vocab.PLANS), size=n_users, p=vocab.PLAN_WEIGHTS)
    persona = rng.choice(len(vocab.PERSONAS), size=n_users, p=vocab.PERSONA_WEIGHTS)
    product = rng.choice(len(vocab.PRODUCT_PLANS), size=n_users, p=vocab.PRODUCT_PLAN_WEIGHTS)
    country = rng.choice(len(vocab.COUNTRIES), size=n_users, p=vocab.COUNTRY_WEIGHTS)
    seats = rng.choice(np.array([1, 2, 5]), size=n_users, p=(0.6, 0.3, 0.1))
    purchase = user_created - rng.integers(0, 365 * DAY, n_users)
    mood = rng.normal(0.0, 0.8, n_users).astype(np.float32)
    upgraded = (plan > 0) & (rng.random(n_users) < UPGRADED_SHARE)
    upgrade_at = user_created + (rng.random(n_users) * (end - user_created)).astype(np.int64)
    old = np.flatnonzero(upgraded)
    old_snapshot = np.full(n_users, -1, np.int64)
    old_snapshot[old] = n_users + np.arange(len(old))
    # Drawn from a stream of its own: see PROPERTY_STREAM.
    own = np.random.default_rng([config.seed + SEED_OFFSET, index, PROPERTY_STREAM])
    spend = own.lognormal(0.0, REVENUE_SPREAD, n_users)
    snapshots = property_snapshots(
        np.concatenate([plan, plan[old] - 1]),
        np.concatenate([persona, persona[old]]),
        np.concatenate([product, product[old]]),
        np.concatenate([country, country[old]]),
        np.concatenate([purchase, purchase[old]]),
        np.concatenate([seats, seats[old]]),
        np.concatenate([spend, spend[old]]),
    )

    def who(instants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """An end user created before each instant (older users answer more), and the
        instants moved to no earlier than that user's creation."""
        eligible = np.maximum(np.searchsorted(user_created, instants, "right"), 1)
        user = (rng.random(len(instants)) * eligible).astype(np.int64)
        return user, np.maximum(instants, user_created[user])

    def snapshot_at(user: np.ndarray, instants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        before = upgraded[user] & (instants < upgrade_at[user])
        return (
            np.where(before, old_snapshot[user], user).astype(np.int32),
            np.where(before, plan[user] - 1, plan[user]),
        )

    # Responses: the sampled ones, then each burst at one second of its own.
    created = calendar.sample(rng, responses, survey_days)
    channel = rng.choice(len(CHANNELS), size=responses, p=RESPONSE_CHANNEL_WEIGHTS)
    for size, at in zip(bursts, burst_seconds(rng, len(bursts), span), strict=True):
        created = np.concatenate([created, np.full(size, at, np.int64)])
        channel = np.concatenate([channel, np.full(size, CHANNELS.index("email"))])
    if dense_days:
        packed = dense_day_instants(config, index, calendar, dense_days)
        created = np.concatenate([created, packed])
        channel = np.concatenate([channel, np.full(len(packed), CHANNELS.index("email"))])
    created, channel = time_ordered(np.clip(created, start, end - 1), channel)
    user, created = who(created)
    snapshot, plan_then = snapshot_at(user, created)
    scores = draw_scores(
        rng, created, calendar, span, BASE_SCORE[index], plan_shift(plan_then), mood[user]
    )
    comment = draw_comments(rng, scores)
    has_text = comment != comment_tables()[2]
    lag = np.rint(rng.exponential(45.0, total)).astype(np.int64) + 3
    late = rng.random(total) < 0.06
    lag = np.where(late, lag + rng.integers(3600, 30 * DAY, total), lag)
    response_frame = pl.DataFrame(
        {
            "end_user_id": user_ids[user],
            "score": scores,
            "text": comment_text().gather(comment),
            "completed": np.where(has_text, rng.random(total) < 0.97, rng.random(total) < 0.6),
            "excluded_from_calculations": rng.random(total) < EXCLUDED_SHARE,
            "ip_address": draw_ips(rng, total),
            "origin_url": draw_origins(rng, account, channel),
            "created_at": created,
            "updated_at": np.maximum(np.minimum(created + lag, end - 1), created),
            "tags": comment_tags().gather(comment),
            "snapshot": snapshot,
            "channel": channel.astype(np.int8),
        }
    )

    # Declines: surveys shown and dismissed.
    n_declines = round(total * DECLINES_PER_RESPONSE)
    d_channel = rng.choice(len(CHANNELS), size=n_declines, p=DECLINE_CHANNEL_WEIGHTS)
    d_created, d_channel = time_ordered(
        np.clip(calendar.sample(rng, n_declines, survey_days), start, end - 1), d_channel
    )
    d_user, d_created = who(d_created)
    d_snapshot, _ = snapshot_at(d_user, d_created)
    decline_frame = pl.DataFrame(
        {
            "end_user_id": user_ids[d_user],
            "ip_address": draw_ips(rng, n_declines),
            "origin_url": draw_origins(rng, account, d_channel),
            "created_at": d_created,
            "updated_at": d_created,
            "snapshot": d_snapshot,
            "channel": d_channel.astype(np.int8),
        }
    )
    response_frame, decline_frame = number_surveys(
        with_ids(response_frame, ids, "responses"), with_ids(decline_frame, ids, "declines"), ids
    )

    # Page views: a few per end user, between their creation and the end.
    views_per_user = rng.poisson(PAGE_VIEWS_PER_END_USER, n_users)
    v_user = np.repeat(np.arange(n_users), views_per_user)
    v_at = user_created[v_user] + (
        rng.random(len(v_user)) * (end - 30 - user_created[v_user])
    ).astype(np.int64)
    v_created = np.minimum(v_at + rng.integers(1, 20, len(v_user)), end - 1)
    v_created, v_user, v_at = time_ordered(v_created, v_user, v_at)
    site = site_of(account)
    pages = pl.Series("url", [site + p for p in WEB_PAGES], pl.String())
    page_view_frame = with_ids(
        pl.DataFrame(
            {
                "end_user_id": user_ids[v_user],
                "url": pages.gather(rng.integers(0, len(WEB_PAGES), len(v_user))),
                "at": v_at,
                "created_at": v_created,
                "updated_at": v_created,
            }
        ),
        ids,
        "page_views",
    )

    # End users' own columns that follow from what they did.
    last_surveyed = np.full(n_users, -1, np.int64)
    np.maximum.at(last_surveyed, user, created)
    np.maximum.at(last_surveyed, d_user, d_created)
    last_seen = np.full(n_users, -1, np.int64)
    np.maximum.at(last_seen, v_user, v_at)
    user_updated = np.maximum(user_created, last_surveyed) + rng.integers(0, 120, n_users)
    user_updated = np.maximum(np.minimum(user_updated, end - 1), user_created)
    has_external_id = rng.random(n_users) < 0.85
    external_created = np.where(
        rng.random(n_users) < 0.5, user_created - rng.integers(0, 3 * 365 * DAY, n_users), -1
    )
    end_user_frame = pl.DataFrame(
        {
            "id": user_ids,
            "created_at": user_created,
            "updated_at": user_updated,
            "email": emails(rng, user_ids),
            "last_surveyed": last_surveyed,
            "external_created_at": external_created,
            "last_seen_at": last_seen,
            "phone_number": phone_numbers(rng, account, n_users),
            "external_id": hex_ids(rng, n_users),
            "snapshot": np.arange(n_users, dtype=np.int32),
            "mood": mood,
        }
    ).with_columns(
        *(pl.col(c).replace(-1, None) for c in ("last_surveyed", "last_seen_at")),
        pl.col("external_created_at").replace(-1, None),
        pl.when(pl.Series(has_external_id)).then(pl.col("external_id")).alias("external_id"),
    )

    settings_changed = rng.random(n_users) < 0.08
    settings_frame = pl.DataFrame(
        {
            "id": ids.take("end_user_settings", n_users),
            "end_user_id": user_ids,
            "created_at": user_created,
            "updated_at": np.where(
                settings_changed,
                user_created + (rng.random(n_users) * (end - user_created)).astype(np.int64),
                user_created,
            ),
            "email_nps": ~(settings_changed & (rng.random(n_users) < 0.5)),
            "mobile_nps": rng.random(n_users) < 0.93,
            "web_nps": rng.random(n_users) < 0.95,
            "force_web_survey": np.where(rng.random(n_users) < 0.01, 1, -1),
            "force_mobile_survey": np.where(rng.random(n_users) < 0.01, 1, -1),
            "surveys_disabled_by_end_user": np.where(rng.random(n_users) < 0.02, 1, -1),
        }
    ).with_columns(
        pl.col(c).replace(-1, None).cast(pl.Boolean)
        for c in ("force_web_survey", "force_mobile_survey", "surveys_disabled_by_end_user")
    )
    return Generated(
        end_users=conform(end_user_frame, END_USER_SCHEMA),
        responses=conform(response_frame, RESPONSE_SCHEMA),
        declines=conform(decline_frame, DECLINE_SCHEMA),
        page_views=conform(page_view_frame, PAGE_VIEW_SCHEMA),
        settings=conform(settings_frame, SETTINGS_SCHEMA),
        snapshots=snapshots,
        founded=int(history),
    )


def burst_seconds(rng: np.random.Generator, count: int, span: tuple[int, int]) -> list[int]:
    """Distinct seconds for the bursts, inside the span and away from its ends."""
    if count == 0:
        return []
    starts = np.linspace(0.3, 0.8, count) if count > 1 else np.array([0.5])
    jitter = rng.integers(0, DAY, count)
    return [
        int(span[0] + s * (span[1] - span[0])) + int(j) for s, j in zip(starts, jitter, strict=True)
    ]


def dense_day_instants(
    config: SandboxConfig, index: int, calendar: Calendar, sizes: tuple[int, ...]
) -> np.ndarray:
    """The instants of the dense days' responses: each size on a survey day of its own, spread
    evenly over the two years (away from their ends), in that day's office hours."""
    own = np.random.default_rng([config.seed + SEED_OFFSET, index, DENSE_STREAM])
    parts = []
    for k, size in enumerate(sizes):
        day = HISTORY_DAYS + int(SPAN_DAYS * (0.1 + 0.85 * (k + 0.5) / len(sizes)))
        weights = np.zeros(calendar.days)
        weights[day] = 1.0
        parts.append(calendar.sample(own, size, weights))
    return np.concatenate(parts)


def time_ordered(created: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Arrays reordered by `created` (stable: same-second rows keep their random draw order).

    Generating in time order lets `searchsorted` run over sorted queries and spares sorting
    the finished frame, string and list columns included.
    """
    order = np.argsort(created, kind="stable")
    return tuple(a[order] for a in (created, *others))


def with_ids(frame: pl.DataFrame, ids: IdSequences, table: str) -> pl.DataFrame:
    """Numbered in creation order, so that ids grow with `created_at` and break its ties."""
    if not frame["created_at"].is_sorted():
        frame = frame.sort("created_at", maintain_order=True)
    numbered = frame.with_columns(pl.Series("id", ids.take(table, frame.height)))
    return numbered.select("id", *frame.columns)


def number_surveys(
    responses: pl.DataFrame, declines: pl.DataFrame, ids: IdSequences
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each response and decline answers one survey; survey ids follow the time it was shown."""
    moments = np.concatenate(
        [responses["created_at"].to_numpy(), declines["created_at"].to_numpy()]
    )
    rank = np.empty(len(moments), np.int64)
    rank[np.argsort(moments, kind="stable")] = np.arange(len(moments))
    first = ids.take("surveys", len(moments))[0] if len(moments) else 0
    survey = first + rank
    return (
        responses.with_columns(pl.Series("survey_id", survey[: responses.height])),
        declines.with_columns(pl.Series("survey_id", survey[responses.height :])),
    )


def property_snapshots(
    plan: np.ndarray,
    persona: np.ndarray,
    product: np.ndarray,
    country: np.ndarray,
    purchase: np.ndarray,
    seats: np.ndarray,
    spend: np.ndarray,
) -> list[str]:
    """Property hashes as JSON strings: `country` and the documented segments (alphabetical, as
    the documentation lists them), then the integration's own `plan` and `revenue`."""
    list_price = np.array([vocab.REVENUE_BY_PLAN[p] for p in vocab.PLANS])[plan] * seats

    def words(values: tuple[str, ...], index: np.ndarray) -> pl.Series:
        return pl.Series(values, dtype=pl.String()).gather(index)

    frame = pl.DataFrame(
        {
            "country": words(vocab.COUNTRIES, country),
            "persona": words(vocab.PERSONAS, persona),
            "pricing_plan": words(vocab.PLANS, plan),
            "product_plan": words(vocab.PRODUCT_PLANS, product),
            "purchase_date": purchase.astype(np.int64),
            "revenue_amount": list_price.astype(np.int64),
            "plan": words(vocab.PLANS, plan),
            "revenue": np.rint(list_price * spend).astype(np.int64),
        }
    )
    return frame.select(pl.struct(pl.all()).struct.json_encode()).to_series().to_list()


def emails(rng: np.random.Generator, user_ids: np.ndarray) -> pl.Series:
    """first.last.N@domain, unique by the end user's id, plain ASCII."""
    n = len(user_ids)

    def ascii_names(names: tuple[str, ...]) -> pl.Series:
        return pl.Series([ASCII_NAMES.get(x, x.lower()) for x in names], dtype=pl.String())

    frame = pl.DataFrame(
        {
            "first": ascii_names(vocab.FIRST_NAMES).gather(
                rng.integers(0, len(vocab.FIRST_NAMES), n)
            ),
            "last": ascii_names(vocab.LAST_NAMES).gather(rng.integers(0, len(vocab.LAST_NAMES), n)),
            "number": user_ids - FIRST_IDS["end_users"] + 1,
            "domain": pl.Series(vocab.EMAIL_DOMAINS, dtype=pl.String()).gather(
                rng.integers(0, len(vocab.EMAIL_DOMAINS), n)
            ),
        }
    )
    return frame.select(
        pl.concat_str(
            ["first", pl.lit("."), "last", pl.lit("."), "number", pl.lit("@"), "domain"]
        ).alias("email")
    ).to_series()


def phone_numbers(rng: np.random.Generator, account: WootricAccount, n: int) -> pl.Series:
    """E.164 numbers for about 30% of end users, unique within the account."""
    number = (np.arange(n, dtype=np.int64) * 7919 + 1_234_567) % 1_000_000
    if account.time_zone.startswith("Europe/London"):
        prefix = pl.lit("+447700")
        digits = pl.Series(number).cast(pl.String()).str.zfill(6)
    else:
        areas = pl.Series(["415", "212", "312", "617", "206", "512"], dtype=pl.String())
        prefix = pl.concat_str([pl.lit("+1"), pl.lit(areas.gather(rng.integers(0, 6, n)))])
        digits = pl.Series(number).cast(pl.String()).str.zfill(7)
    has_phone = pl.Series(rng.random(n) < 0.3)
    return (
        pl.DataFrame({"digits": digits, "has": has_phone})
        .select(
            pl.when(pl.col("has")).then(pl.concat_str([prefix, pl.col("digits")])).alias("phone")
        )
        .to_series()
    )


def nps_accounts() -> list[WootricAccount]:
    return [a for a in WOOTRIC_ACCOUNTS if a.product == "nps"]


def response_counts(total: int, accounts: int) -> list[int]:
    """`total` split by ACCOUNT_SHARES; the last account takes the remainder."""
    counts = [round(total * share) for share in ACCOUNT_SHARES[: accounts - 1]]
    return [*counts, max(total - sum(counts), 0)]


def generate(config: SandboxConfig) -> tuple[list[tuple[WootricAccount, Generated]], IdSequences]:
    """Every NPS account's dataset, and the id sequences that new rows continue from."""
    ids = IdSequences()
    accounts = nps_accounts()
    counts = response_counts(config.responses, len(accounts))
    generated = []
    for index, (account, count) in enumerate(zip(accounts, counts, strict=True)):
        bursts = tuple(config.bursts) if index == 0 else ()
        dense = tuple(config.dense_days) if index == 0 else ()
        generated.append(
            (account, generate_account(account, index, count, bursts, config, ids, dense))
        )
    return generated, ids
