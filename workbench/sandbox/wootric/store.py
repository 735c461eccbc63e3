"""The Wootric NPS sandbox's rows as it serves them: sorted tables and their JSON shapes.

Each table is a polars frame kept sorted by `(created_at, id)`, so a `created` window is two
binary searches and `asc`/`desc` read the same rows from either end. JSON is built only for the
rows an answer needs; the ground truth builds it for every row, vectorised where it can be (the
timestamps are formatted by polars, exactly as `web`'s helpers format one).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import polars as pl

from workbench.sandbox.accounts import WootricAccount
from workbench.sandbox.web import wootric_time
from workbench.sandbox.wootric.data import (
    BASE_SCORE,
    CHANNELS,
    NAIVE_BEFORE,
    SEGMENTS,
    USER_ID_BY_ACCOUNT,
    Generated,
    generate,
)
from workbench.sandbox.wootric.tables import (
    SCHEMAS,
    SETTING_FLAGS,
    SETTINGS_IN_END_USER,
    IdSequences,
    conform,
)
from workbench.sandbox.world import SandboxConfig

TIME_FORMATS = {
    "wootric": "%Y-%m-%d %H:%M:%S %z",  # web.wootric_time
    "naive": "%Y-%m-%d %H:%M:%S",  # web.naive_utc_time (UTC)
    "compact": "%Y-%m-%d %H:%M:%S%:z",  # web.compact_offset_time
    "iso": "%Y-%m-%dT%H:%M:%S%.3f%:z",  # web.iso_millis_time
}


def stamp(column: str, tz: str, style: str) -> pl.Expr:
    """Unix seconds formatted as `web`'s helper of the same style would, for a whole column."""
    moment = pl.from_epoch(pl.col(column), time_unit="s").dt.replace_time_zone("UTC")
    if style != "naive":
        moment = moment.dt.convert_time_zone(tz)
    return moment.dt.strftime(TIME_FORMATS[style]).alias(column)


def era_stamp(column: str, tz: str) -> pl.Expr:
    """End users and page views: offset-less UTC for rows created before 2025, else offset."""
    return (
        pl.when(pl.col("created_at") < NAIVE_BEFORE)
        .then(stamp(column, tz, "naive"))
        .otherwise(stamp(column, tz, "wootric"))
        .alias(column)
    )


def ruby_hash(properties: dict[str, Any]) -> str:
    """`properties` as create/update answers show it: "{'company':'TestCompany', 'city':'SF'}"."""

    def literal(value: Any) -> str:
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if isinstance(value, bool) or value is None:
            return json.dumps(value)
        if isinstance(value, int | float):
            return repr(value)
        return literal(str(value))

    return "{" + ", ".join(f"{literal(str(k))}:{literal(v)}" for k, v in properties.items()) + "}"


@contextmanager
def bulk() -> Iterator[None]:
    """No cyclic garbage collection while millions of row dicts are built: they hold no
    cycles, and collections triggered by the allocations alone double the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts in column order; column lists zipped, far faster than row iteration."""
    names = frame.columns
    columns = [frame[name].to_list() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


class Table:
    """One table of one account: a frame sorted by `(created_at, id)`, with numpy views of its
    columns and sort orders cached until the next change."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.version = 0
        self._arrays: dict[str, np.ndarray] = {}
        self._orders: dict[str, np.ndarray] = {}

    @property
    def height(self) -> int:
        return self.frame.height

    def array(self, name: str) -> np.ndarray:
        found = self._arrays.get(name)
        if found is None:
            found = self.frame[name].to_numpy()
            self._arrays[name] = found
        return found

    def order(self, key: str) -> np.ndarray:
        """Row positions sorted by `(key, id)`; `created_at` is the stored order itself."""
        if key == "created_at":
            return np.arange(self.height)
        found = self._orders.get(key)
        if found is None:
            found = self.frame.select(pl.arg_sort_by(key, "id")).to_series().to_numpy()
            self._orders[key] = found
        return found

    def window(self, low: int | None, high: int | None) -> tuple[int, int]:
        """Positions [start, stop) of rows created in [low, high] (inclusive; None = open)."""
        created = self.array("created_at")
        start = 0 if low is None else int(np.searchsorted(created, low, "left"))
        stop = self.height if high is None else int(np.searchsorted(created, high, "right"))
        return start, max(start, stop)

    def find(self, row_id: int) -> int | None:
        hits = np.flatnonzero(self.array("id") == row_id)
        return int(hits[0]) if len(hits) else None

    def rows(self, positions: np.ndarray | list[int]) -> pl.DataFrame:
        return self.frame[np.asarray(positions, dtype=np.int64)]

    def row(self, position: int) -> dict[str, Any]:
        return self.frame.row(position, named=True)

    def _set(self, frame: pl.DataFrame) -> None:
        self.frame = frame.rechunk() if frame.n_chunks() > 16 else frame
        self.version += 1
        self._arrays.clear()
        self._orders.clear()

    def insert(self, rows: pl.DataFrame) -> None:
        """New rows (ids above every stored id) in their place by `created_at`."""
        rows = conform(rows, dict(self.frame.schema))
        created = rows["created_at"]
        if rows.height and created.min() == created.max():
            at = int(np.searchsorted(self.array("created_at"), created[0], "right"))
            self._set(pl.concat([self.frame[:at], rows.sort("id"), self.frame[at:]]))
        else:
            self._set(pl.concat([self.frame, rows]).sort("created_at", "id"))

    def replace(self, position: int, changes: dict[str, Any]) -> dict[str, Any]:
        """One row changed in place (its `created_at` must not change); the new row."""
        row = {**self.row(position), **changes}
        new = pl.DataFrame([row], schema=self.frame.schema)
        self._set(pl.concat([self.frame[:position], new, self.frame[position + 1 :]]))
        return row

    def replace_rows(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        new = pl.DataFrame(rows, schema=self.frame.schema)
        kept = self.frame.filter(~pl.col("id").is_in(new["id"].implode()))
        self._set(pl.concat([kept, new]).sort("created_at", "id"))

    def remove(self, column: str, values: list[int]) -> int:
        """Drops the rows whose `column` is one of `values`; how many went."""
        kept = self.frame.filter(
            ~pl.col(column).is_in(pl.Series(values, dtype=pl.Int64()).implode())
        )
        gone = self.height - kept.height
        if gone:
            self._set(kept)
        return gone


class AccountData:
    """One NPS account's tables, property snapshots and pending deletions."""

    def __init__(self, account: WootricAccount, index: int, generated: Generated) -> None:
        self.account = account
        self.tz = account.time_zone
        self.user_id = USER_ID_BY_ACCOUNT[index % len(USER_ID_BY_ACCOUNT)]
        self.base_score = BASE_SCORE[index % len(BASE_SCORE)]
        self.end_users = Table(generated.end_users)
        self.responses = Table(generated.responses)
        self.declines = Table(generated.declines)
        self.page_views = Table(generated.page_views)
        self.settings = Table(generated.settings)
        self.snapshots = generated.snapshots
        self.founded = generated.founded
        self.deletions: dict[int, int] = {}
        """End user id -> Unix second at which its deletion is performed."""
        self.historical_properties = False
        """Whether editing `end_user.properties` of a response or decline is enabled (it is not
        by default: the API answers 423, as documented)."""
        self._parsed: dict[int, dict[str, Any]] = {}

    def table(self, name: str) -> Table:
        return {
            "end_users": self.end_users,
            "responses": self.responses,
            "declines": self.declines,
            "page_views": self.page_views,
            "end_user_settings": self.settings,
        }[name]

    # --- properties ---------------------------------------------------------------------------

    def properties(self, snapshot: int) -> dict[str, Any]:
        """A property hash (a fresh dict: callers may change it). Snapshots never change once
        written, so each is parsed once."""
        found = self._parsed.get(snapshot)
        if found is None:
            found = json.loads(self.snapshots[snapshot])
            self._parsed[snapshot] = found
        return dict(found)

    def add_snapshot(self, properties: dict[str, Any]) -> int:
        self.snapshots.append(json.dumps(properties, ensure_ascii=False, separators=(",", ":")))
        return len(self.snapshots) - 1

    # --- what end users carry from other tables -----------------------------------------------

    def carried(self, end_user_ids: pl.Series) -> pl.DataFrame:
        """For each end user: the newest response, the settings and the page-view count.

        Computed from the rows of just these end users (one `is_in` pass per table), so a
        page of 50 costs a few milliseconds and nothing is cached that a write could stale.
        """
        wanted = end_user_ids.implode()
        last = (
            self.responses.frame.filter(pl.col("end_user_id").is_in(wanted))
            .group_by("end_user_id")
            .agg(  # rows keep their stored (creation) order within a group
                pl.col("id").last().alias("last_id"),
                pl.col("score").last().alias("last_score"),
                pl.col("text").last().alias("last_text"),
                pl.col("channel").last().alias("last_channel"),
            )
        )
        views = (
            self.page_views.frame.filter(pl.col("end_user_id").is_in(wanted))
            .group_by("end_user_id")
            .agg(pl.len().cast(pl.Int64).alias("page_views_count"))
        )
        settings = self.settings.frame.filter(pl.col("end_user_id").is_in(wanted)).select(
            "end_user_id", *(pl.col(c).alias("s_" + c) for c in SETTING_FLAGS)
        )
        return (
            pl.DataFrame({"end_user_id": end_user_ids})
            .join(last, on="end_user_id", how="left", maintain_order="left")
            .join(settings, on="end_user_id", how="left", maintain_order="left")
            .join(views, on="end_user_id", how="left", maintain_order="left")
        )

    # --- rendering ----------------------------------------------------------------------------

    def render(self, table: str, rows: pl.DataFrame) -> list[dict[str, Any]]:
        """Rows as the list and get endpoints answer them."""
        return {
            "end_users": self.render_end_users,
            "responses": self.render_responses,
            "declines": self.render_declines,
            "page_views": self.render_page_views,
            "end_user_settings": self.render_settings,
        }[table](rows)

    def render_responses(self, rows: pl.DataFrame, style: str = "wootric") -> list[dict[str, Any]]:
        own = ("score", "text", "completed", "excluded_from_calculations")
        return self._render_answers(rows, style, own, ("tags",), notes=True)

    def render_declines(self, rows: pl.DataFrame, style: str = "wootric") -> list[dict[str, Any]]:
        return self._render_answers(rows, style, (), (), notes=False)

    def _render_answers(
        self,
        rows: pl.DataFrame,
        style: str,
        middle: tuple[str, ...],
        last: tuple[str, ...],
        *,
        notes: bool,
    ) -> list[dict[str, Any]]:
        """Responses and declines: the columns both show around their own (`middle`, `last`),
        the (always empty) notes of a response, and the end user's properties as they were
        when answering."""
        stamps = (stamp("created_at", self.tz, style), stamp("updated_at", self.tz, style))
        shown = rows.select(
            "id", "end_user_id", "survey_id", *middle, "ip_address", "origin_url", *stamps, *last
        )
        answered = records(shown)
        for row, snapshot in zip(answered, rows["snapshot"].to_list(), strict=True):
            if notes:
                row["notes"] = []
            row["end_user"] = {"properties": self.properties(snapshot)}
        return answered

    def render_page_views(self, rows: pl.DataFrame, style: str = "era") -> list[dict[str, Any]]:
        columns = ("at", "created_at", "updated_at")
        if style == "era":
            stamps = [era_stamp(c, self.tz) for c in columns]
        else:
            stamps = [stamp(c, self.tz, style) for c in columns]
        return records(rows.select("id", "end_user_id", "url", *stamps))

    def render_settings(self, rows: pl.DataFrame, style: str = "compact") -> list[dict[str, Any]]:
        flags = ("email_nps", "mobile_nps", "web_nps", "force_web_survey", "force_mobile_survey")
        stamps = (stamp("created_at", self.tz, style), stamp("updated_at", self.tz, style))
        if style == "iso":  # the update answer's order
            return records(rows.select("end_user_id", "id", *flags, *stamps))
        return records(rows.select("id", "end_user_id", *stamps, *flags))

    def render_end_users(self, rows: pl.DataFrame) -> list[dict[str, Any]]:
        carried = self.carried(rows["id"])
        shown = rows.select(
            "id",
            era_stamp("created_at", self.tz),
            era_stamp("updated_at", self.tz),
            "email",
            era_stamp("last_surveyed", self.tz),
            "external_created_at",
            era_stamp("last_seen_at", self.tz),
            "phone_number",
            "external_id",
        )
        answered = records(shown)
        lists = {c: carried[c].to_list() for c in carried.columns}
        channels = [None if c is None else CHANNELS[c] for c in lists["last_channel"]]
        last = zip(lists["last_id"], lists["last_score"], lists["last_text"], channels, strict=True)
        settings = zip(*(lists["s_" + f] for f in SETTINGS_IN_END_USER), strict=True)
        snapshots = rows["snapshot"].to_list()
        for i, (row, (last_id, score, text, channel), flags) in enumerate(
            zip(answered, last, settings, strict=True)
        ):
            phone, external = row.pop("phone_number"), row.pop("external_id")
            row["properties"] = self.properties(snapshots[i])
            row["phone_number"] = phone
            row["external_id"] = external
            row["last_response"] = (
                None
                if last_id is None
                else {"id": last_id, "score": score, "text": text, "survey": {"channel": channel}}
            )
            row["settings"] = dict(zip(SETTINGS_IN_END_USER, flags, strict=True))
            row["page_views_count"] = lists["page_views_count"][i] or 0
        return answered

    def render_segments(self) -> list[dict[str, Any]]:
        created = wootric_time(self.founded, self.tz)
        return [{"name": n, "data_type": t, "created_at": created} for n, t in SEGMENTS]

    def everything(self) -> dict[str, list[dict[str, Any]]]:
        """Every row, in the API's JSON shape (the ground truth of a sync)."""
        with bulk():
            truth = {name: self.render(name, self.table(name).frame) for name in SCHEMAS}
        truth["segments"] = self.render_segments()
        return truth


def open_accounts(config: SandboxConfig) -> tuple[dict[str, AccountData], IdSequences]:
    """Every NPS account's data, ready to serve, and the id sequences new rows take ids from."""
    generated, ids = generate(config)
    accounts = {
        account.account_token: AccountData(account, index, frames)
        for index, (account, frames) in enumerate(generated)
    }
    return accounts, ids
