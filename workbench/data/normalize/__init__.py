"""API rows to canonical frames, per platform: timestamps to UTC, ids to text, scores with
their metric, tags as lists, properties as a struct.

One input shape: every normalizer takes rows as plain JSON objects (mappings): the API's own
rows, as the clients' raw reads give them (`iter_*_rows`, after the contract check of the
envelope and the paging), so the sync never builds a model only to dump it again; anything
else, a model included, is rejected as no row (field `row`). Why plain objects, and no models
here: the pydantic models in `workbench/sources/models` serve the actions, the notebook and the
CLI; the normalizer's job is the per-row reading a canonical table needs (`fields`: one public
reader per kind of field) and one type check of each record against its columns
(`collect.fit_for`), so a row is read once and conformed once, never validated as a model, dumped
and checked again.

A row that cannot be normalized is not dropped in silence: the one collector (`collect`) turns
it into a `Rejected` (id, field, reason) that the sync summary reports, and the rest of the
batch goes on. Timestamps of the walked Wootric tables (`times`) and the scores and counts of
the large tables (`ints`) are parsed a column at a time in polars, with the per-row reader as the
fallback that keeps every answer, and every rejection, as it was.

Modules: `fields` (readers), `times` (column timestamps), `ints` (column integers), `collect`
(the collector and the column check), and one per platform: `wootric`, `cxi`, `apptentive`,
`crowdskout`.
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
