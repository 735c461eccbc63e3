"""The Wootric tables as the sandbox keeps them: their polars schemas, names and id sequences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

RESPONSE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "end_user_id": pl.Int64(),
    "survey_id": pl.Int64(),
    "score": pl.Int8(),
    "text": pl.String(),
    "completed": pl.Boolean(),
    "excluded_from_calculations": pl.Boolean(),
    "ip_address": pl.String(),
    "origin_url": pl.String(),
    "created_at": pl.Int64(),
    "updated_at": pl.Int64(),
    "tags": pl.List(pl.String()),
    "snapshot": pl.Int32(),
    "channel": pl.Int8(),
}
DECLINE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "end_user_id": pl.Int64(),
    "survey_id": pl.Int64(),
    "ip_address": pl.String(),
    "origin_url": pl.String(),
    "created_at": pl.Int64(),
    "updated_at": pl.Int64(),
    "snapshot": pl.Int32(),
    "channel": pl.Int8(),
}
END_USER_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "created_at": pl.Int64(),
    "updated_at": pl.Int64(),
    "email": pl.String(),
    "last_surveyed": pl.Int64(),
    "external_created_at": pl.Int64(),
    "last_seen_at": pl.Int64(),
    "phone_number": pl.String(),
    "external_id": pl.String(),
    "snapshot": pl.Int32(),
    "mood": pl.Float32(),
}
PAGE_VIEW_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "end_user_id": pl.Int64(),
    "url": pl.String(),
    "at": pl.Int64(),
    "created_at": pl.Int64(),
    "updated_at": pl.Int64(),
}
SETTINGS_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "end_user_id": pl.Int64(),
    "created_at": pl.Int64(),
    "updated_at": pl.Int64(),
    "email_nps": pl.Boolean(),
    "mobile_nps": pl.Boolean(),
    "web_nps": pl.Boolean(),
    "force_web_survey": pl.Boolean(),
    "force_mobile_survey": pl.Boolean(),
    "surveys_disabled_by_end_user": pl.Boolean(),
}
SCHEMAS = {
    "end_users": END_USER_SCHEMA,
    "responses": RESPONSE_SCHEMA,
    "declines": DECLINE_SCHEMA,
    "page_views": PAGE_VIEW_SCHEMA,
    "end_user_settings": SETTINGS_SCHEMA,
}
TABLES = (*SCHEMAS, "segments")
SETTING_FLAGS = tuple(name for name, dtype in SETTINGS_SCHEMA.items() if dtype == pl.Boolean())
"""The flags of the settings object: its boolean columns, in the settings object's order."""
SETTINGS_IN_END_USER = (
    "email_nps",
    "mobile_nps",
    "web_nps",
    "force_mobile_survey",
    "force_web_survey",
    "surveys_disabled_by_end_user",
)
"""The `settings` hash of an end user, in the documented order (not the settings object's)."""

FIRST_IDS = {
    "end_users": 20_000_001,
    "responses": 500_000_001,
    "declines": 90_000_001,
    "page_views": 700_000_001,
    "end_user_settings": 30_000_001,
    "surveys": 800_000_001,
}
"""Where each id sequence starts: large, as in a real shared database, so that no client can
mistake an id for a row number."""


# --- ids ---------------------------------------------------------------------------------------


@dataclass
class IdSequences:
    """The next id of each table, shared by all accounts as one database's sequences are."""

    next: dict[str, int] = field(default_factory=lambda: dict(FIRST_IDS))

    def take(self, table: str, count: int) -> np.ndarray:
        start = self.next[table]
        self.next[table] = start + count
        return np.arange(start, start + count, dtype=np.int64)


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame with exactly the schema's columns, in its order and types."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())
