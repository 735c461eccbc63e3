"""Writes to the Wootric NPS sandbox's rows: what the API's POST, PUT and DELETE change, the
control routes' new and touched responses, and the NPS summary's counts.

Every write keeps the tables sorted by `(created_at, id)`; each costs at most one pass over a
table (inserts go in by binary search), which the sandbox allows for writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from workbench.sandbox import vocabulary as vocab
from workbench.sandbox.web import iso_millis_time
from workbench.sandbox.wootric.data import (
    API_CHANNEL,
    CHANNELS,
    DAY,
    EXCLUDED_SHARE,
    comment_tags,
    comment_text,
    draw_comments,
    draw_ips,
    draw_origins,
    text_match_tags,
)
from workbench.sandbox.wootric.store import AccountData, ruby_hash
from workbench.sandbox.wootric.tables import (
    END_USER_SCHEMA,
    PAGE_VIEW_SCHEMA,
    SCHEMAS,
    SETTING_FLAGS,
    SETTINGS_SCHEMA,
    IdSequences,
)

EMAIL_CHANNEL = CHANNELS.index("email")


def deletion_time(now: int) -> int:
    """ "Deletion would be performed the following day at 7 AM UTC."""
    return (now // DAY + 1) * DAY + 7 * 3600


def plan_of(properties: dict[str, Any]) -> float:
    plan = properties.get("pricing_plan", properties.get("plan"))
    return vocab.PLAN_NPS_SHIFT.get(str(plan), 0.0)


@dataclass(frozen=True)
class Answering:
    """What a new response or decline takes from its request, whichever of the two it is."""

    ip_address: str | None
    origin_url: str | None
    created_at: int | None
    properties: dict[str, Any]


class AccountWrites:
    """The writes the API and the control routes make to one account (all O(rows) at most)."""

    def __init__(self, data: AccountData, ids: IdSequences) -> None:
        self.data = data
        self.ids = ids

    # --- end users ----------------------------------------------------------------------------

    def end_user_position(
        self,
        *,
        end_user_id: int | None = None,
        email: str | None = None,
        external_id: str | None = None,
        phone_number: str | None = None,
    ) -> int | None:
        users = self.data.end_users
        if end_user_id is not None:
            return users.find(end_user_id)
        column, value = (
            ("email", (email or "").strip().lower())
            if email is not None
            else ("external_id", external_id)
            if external_id is not None
            else ("phone_number", phone_number)
        )
        hits = np.flatnonzero((users.frame[column] == value).fill_null(False).to_numpy())
        return int(hits[0]) if len(hits) else None

    def create_end_user(
        self,
        now: int,
        email: str,
        fields: dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new end user and its settings; `fields` sets the optional columns
        (`last_surveyed`, `external_id`, ...), as `changes` does in `update_end_user`."""
        end_user_id = int(self.ids.take("end_users", 1)[0])
        row: dict[str, Any] = dict.fromkeys(END_USER_SCHEMA)  # every column, in order
        row.update(
            id=end_user_id,
            created_at=now,
            updated_at=now,
            email=email.strip().lower(),
            snapshot=self.data.add_snapshot(dict(properties or {})),
            mood=0.0,
        )
        row.update(fields or {})
        self.data.end_users.insert(pl.DataFrame([row], schema=END_USER_SCHEMA))
        settings = {
            "id": int(self.ids.take("end_user_settings", 1)[0]),
            "end_user_id": end_user_id,
            "created_at": now,
            "updated_at": now,
            **dict.fromkeys(SETTING_FLAGS[:3], True),
            **dict.fromkeys(SETTING_FLAGS[3:]),
        }
        self.data.settings.insert(pl.DataFrame([settings], schema=SETTINGS_SCHEMA))
        return row

    def update_end_user(
        self,
        position: int,
        now: int,
        changes: dict[str, Any],
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Changes fields; `properties` are merged into the current ones (a new snapshot)."""
        changes = {**changes, "updated_at": now}
        if properties:
            current = self.data.properties(self.data.end_users.row(position)["snapshot"])
            changes["snapshot"] = self.data.add_snapshot({**current, **properties})
        return self.data.end_users.replace(position, changes)

    def written_end_user(self, row: dict[str, Any]) -> dict[str, Any]:
        """An end user as create, update and delete answer it (ISO times, properties a string)."""

        def iso(ts: int | None) -> str | None:
            return None if ts is None else iso_millis_time(ts, self.data.tz)

        return {
            "id": row["id"],
            "email": row["email"],
            "last_surveyed": iso(row["last_surveyed"]),
            "external_created_at": row["external_created_at"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
            "user_id": self.data.user_id,
            "properties": ruby_hash(self.data.properties(row["snapshot"])),
        }

    def mark_for_deletion(self, end_user_id: int, now: int) -> int:
        due = self.data.deletions.setdefault(end_user_id, deletion_time(now))
        return due

    def purge(self, now: int) -> list[int]:
        """Performs the deletions that are due: the end users and everything of theirs."""
        due = [i for i, at in self.data.deletions.items() if at <= now]
        if not due:
            return []
        self.data.end_users.remove("id", due)
        for name in ("responses", "declines", "page_views", "end_user_settings"):
            self.data.table(name).remove("end_user_id", due)
        for end_user_id in due:
            del self.data.deletions[end_user_id]
        return due

    def surveyed(self, positions: np.ndarray, instants: np.ndarray, now: int) -> None:
        """End users who answered or declined: `last_surveyed` and `updated_at` move on."""
        latest: dict[int, int] = {}
        for position, at in zip(positions.tolist(), instants.tolist(), strict=True):
            latest[position] = max(latest.get(position, at), at)
        rows = []
        for position, at in latest.items():
            row = self.data.end_users.row(position)
            row["last_surveyed"] = max(row["last_surveyed"] or at, at)
            row["updated_at"] = max(row["updated_at"], now)
            rows.append(row)
        self.data.end_users.replace_rows(rows)

    # --- responses and declines ---------------------------------------------------------------

    def answer_properties(self, position: int, properties: dict[str, Any], now: int) -> int:
        """The snapshot a new response or decline carries: the end user's current properties,
        updated first with `properties` if any were sent."""
        if properties:
            return int(self.update_end_user(position, now, {}, properties)["snapshot"])
        return int(self.data.end_users.row(position)["snapshot"])

    def create_response(
        self, position: int, now: int, asked: Answering, *, score: int, text: str | None
    ) -> pl.DataFrame:
        fields = {
            "score": score,
            "text": text or None,
            "completed": False,
            "excluded_from_calculations": False,
            "tags": text_match_tags(text),
        }
        return self._create_answer("responses", position, now, asked, fields)

    def create_decline(self, position: int, now: int, asked: Answering) -> pl.DataFrame:
        return self._create_answer("declines", position, now, asked, {})

    def _create_answer(
        self, table: str, position: int, now: int, asked: Answering, fields: dict[str, Any]
    ) -> pl.DataFrame:
        """A new response or decline: the columns both have, `fields` for the rest (the
        schema orders them); the end user counts as surveyed at its time."""
        snapshot = self.answer_properties(position, asked.properties, now)
        at = now if asked.created_at is None else asked.created_at
        row = {
            "id": int(self.ids.take(table, 1)[0]),
            "end_user_id": self.data.end_users.row(position)["id"],
            "survey_id": int(self.ids.take("surveys", 1)[0]),
            "ip_address": asked.ip_address,
            "origin_url": asked.origin_url,
            "created_at": at,
            "updated_at": max(at, now),
            "snapshot": snapshot,
            "channel": API_CHANNEL,
            **fields,
        }
        frame = pl.DataFrame([row], schema=SCHEMAS[table])
        self.data.table(table).insert(frame)
        self.surveyed(np.array([position]), np.array([at]), now)
        return frame

    def update_answer(
        self, table: str, position: int, now: int, changes: dict[str, Any], properties: dict
    ) -> None:
        """A response's flags, or (when enabled) the properties a response or decline carries;
        the end user's current properties stay as they are, as documented."""
        rows = self.data.table(table)
        changes = {**changes, "updated_at": max(now, rows.row(position)["created_at"])}
        if properties:
            current = self.data.properties(rows.row(position)["snapshot"])
            changes["snapshot"] = self.data.add_snapshot({**current, **properties})
        rows.replace(position, changes)

    # --- page views and settings --------------------------------------------------------------

    def create_page_view(
        self, position: int, now: int, *, url: str | None, at: int | None
    ) -> pl.DataFrame:
        user = self.data.end_users.row(position)
        seen = now if at is None else at
        row = {
            "id": int(self.ids.take("page_views", 1)[0]),
            "end_user_id": user["id"],
            "url": url,
            "at": seen,
            "created_at": now,
            "updated_at": now,
        }
        frame = pl.DataFrame([row], schema=PAGE_VIEW_SCHEMA)
        self.data.page_views.insert(frame)
        if user["last_seen_at"] is None or seen > user["last_seen_at"]:
            self.data.end_users.replace(position, {"last_seen_at": seen})
        return frame

    def update_settings(self, end_user_id: int, now: int, changes: dict[str, Any]) -> int:
        settings = self.data.settings
        position = int(np.flatnonzero(settings.array("end_user_id") == end_user_id)[0])
        settings.replace(position, {**changes, "updated_at": now})
        return position

    # --- the control routes' writes -----------------------------------------------------------

    def survey(self, rng: np.random.Generator, count: int, at: int, now: int) -> list[int]:
        """`count` new responses at second `at`, from end users who existed then, drawn from
        the same score and comment model as the dataset (at the trend's end level)."""
        users = self.data.end_users
        if count <= 0 or users.height == 0:
            return []
        eligible = int(np.searchsorted(users.array("created_at"), at, "right")) or users.height
        positions = (rng.random(count) * eligible).astype(np.int64)
        snapshots = users.array("snapshot")[positions]
        shift = np.array([plan_of(self.data.properties(int(s))) for s in snapshots])
        mean = self.data.base_score + 0.6 + shift + users.array("mood")[positions]
        scores = np.clip(np.rint(mean + rng.normal(0.0, 1.9, count)), 0, 10).astype(np.int8)
        comment = draw_comments(rng, scores)
        channel = np.zeros(count, np.int64)
        frame = pl.DataFrame(
            {
                "id": self.ids.take("responses", count),
                "end_user_id": users.array("id")[positions],
                "survey_id": self.ids.take("surveys", count),
                "score": scores,
                "text": comment_text().gather(comment),
                "completed": rng.random(count) < 0.9,
                "excluded_from_calculations": rng.random(count) < EXCLUDED_SHARE,
                "ip_address": draw_ips(rng, count),
                "origin_url": draw_origins(rng, self.data.account, channel),
                "created_at": np.full(count, at, np.int64),
                "updated_at": np.full(count, max(at, now), np.int64),
                "tags": comment_tags().gather(comment),
                "snapshot": snapshots,
                "channel": channel,
            }
        )
        self.data.responses.insert(frame)
        self.surveyed(positions, np.full(count, at, np.int64), now)
        return frame["id"].to_list()

    def touch(self, rng: np.random.Generator, count: int, now: int) -> list[int]:
        """`count` existing responses edited now: a tag added or removed, or the excluded flag
        flipped, as an analyst tidying feedback in the Wootric app would."""
        responses = self.data.responses
        count = min(max(count, 0), responses.height)
        positions = rng.choice(responses.height, size=count, replace=False)
        positive = [t.name for t in vocab.TAGS if t.sentiment == "positive"]
        negative = [t.name for t in vocab.TAGS if t.sentiment == "negative"]
        everyone = positive + negative
        rows = []
        for position in sorted(positions.tolist()):
            row = responses.row(position)
            row["updated_at"] = max(now, row["created_at"])
            tags = list(row["tags"])
            pool = positive if row["score"] >= 9 else negative if row["score"] <= 6 else everyone
            candidates = [t for t in pool if t not in tags]
            if rng.random() < 0.5 or (not tags and not candidates):
                row["excluded_from_calculations"] = not row["excluded_from_calculations"]
            elif tags and (rng.random() < 0.5 or not candidates):
                row["tags"] = tags[:-1]
            else:
                row["tags"] = [*tags, candidates[int(rng.integers(len(candidates)))]]
            rows.append(row)
        responses.replace_rows(rows)
        return [row["id"] for row in rows]

    # --- metrics ------------------------------------------------------------------------------

    def nps_summary(self, start: int | None, stop: int | None) -> dict[str, Any]:
        """Counts for responses and declines created in [start, stop) (None = open); see
        `Wootric._nps_summary` for the rules."""
        last = None if stop is None else stop - 1
        lo, hi = self.data.responses.window(start, last)
        frame = self.data.responses.frame.slice(lo, hi - lo).filter(
            ~pl.col("excluded_from_calculations")
        )
        scores = frame["score"].to_numpy()
        promoters = int((scores >= 9).sum())
        detractors = int((scores <= 6).sum())
        responses = len(scores)
        email_responses = int((frame["channel"].to_numpy() == EMAIL_CHANNEL).sum())
        d_lo, d_hi = self.data.declines.window(start, last)
        declines = d_hi - d_lo
        email_declines = int(
            (self.data.declines.array("channel")[d_lo:d_hi] == EMAIL_CHANNEL).sum()
        )
        return {
            "nps": None
            if responses == 0
            else round_half_away(100 * (promoters - detractors), responses),
            "responses": responses,
            "detractors": detractors,
            "passives": responses - promoters - detractors,
            "promoters": promoters,
            "response_rate": percent(responses, responses + declines),
            "email_response_rate": percent(email_responses, email_responses + email_declines),
        }


def round_half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, exactly (in integers)."""
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def percent(part: int, whole: int) -> int:
    return 0 if whole == 0 else round_half_away(100 * part, whole)
