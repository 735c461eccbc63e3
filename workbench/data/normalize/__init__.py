"""API rows to canonical frames, per platform: timestamps to UTC, ids to text, scores with
their metric, tags as lists, properties as a struct.

One input shape: every normalizer takes rows as plain JSON objects (mappings), the API's own
rows or a client model dumped with `model_dump(mode="json")`; anything else is rejected as no
row (field `row`). Why plain objects, and no models here: the pydantic models in
`workbench/sources/models` check the API's contract at the client, where an answer that breaks
it is an API error; the normalizer's job is the per-row reading a canonical table needs
(`fields`: one public reader per kind of field) and one type check of each record against its
columns (`collect.fit_for`), so a row is read once here and conformed once, never turned back
into a model or checked field by field a second time.

A row that cannot be normalized is not dropped in silence: the one collector (`collect`) turns
it into a `Rejected` (id, field, reason) that the sync summary reports, and the rest of the
batch goes on. Timestamps of the walked Wootric tables are parsed a column at a time in polars
(`times`), with the per-row reader as the fallback that keeps every answer as it was.

Modules: `fields` (readers), `times` (column timestamps), `collect` (the collector and the
column check), and one per platform: `wootric`, `cxi`, `apptentive`, `crowdskout`.
"""

from workbench.data.normalize.collect import Normalized, Rejected
from workbench.data.normalize.wootric import (
    SETTING_FLAGS,
    wootric_declines,
    wootric_end_user_settings,
    wootric_end_users,
    wootric_nps_summary,
    wootric_page_views,
    wootric_responses,
    wootric_segments,
)

__all__ = [
    "SETTING_FLAGS",
    "Normalized",
    "Rejected",
    "wootric_declines",
    "wootric_end_user_settings",
    "wootric_end_users",
    "wootric_nps_summary",
    "wootric_page_views",
    "wootric_responses",
    "wootric_segments",
]
