"""Messages workers and widgets post to the app, which alone owns the state.

Why messages: a worker runs in a thread (or, for a sync, as a task) and must never touch a
widget; it posts one of these, and the app's handler updates its state and tells the panes.
Each result carries the `generation` of the request that produced it, so a late answer to a
superseded filter is dropped even if its worker could not be cancelled in time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from textual.message import Message

from workbench.analysis import Filter
from workbench.data.progress import SyncEvent, SyncSummary

if TYPE_CHECKING:
    from workbench.tui.compute import DashboardFrames, SurveyFrames
    from workbench.tui.selection import Selection
    from workbench.tui.snapshot import Snapshot


@dataclass
class StoreLoaded(Message):
    """The store was read: every table, and the responses' columns as Arrow for the table."""

    snapshot: Snapshot
    display: pa.Table


@dataclass
class StoreFailed(Message):
    """Reading the store failed; `message` says what to do (e.g. `workbench store repair`)."""

    message: str


@dataclass
class SelectionReady(Message):
    """The filter was applied: the Responses pane's rows."""

    selection: Selection
    generation: int
    painted: threading.Event
    """Set by the app once the table is on screen; the worker waits for it before the rest."""


@dataclass
class SelectedResponses(Message):
    """The selected responses in load order, for the metrics, tags, end users and export."""

    responses: pl.DataFrame
    filter: Filter
    generation: int


@dataclass
class FilterRejected(Message):
    """The filter names something unknown or cannot be applied; the bar shows why. It never
    becomes the current filter: chips, counts and export keep the last applied one."""

    filter_text: str
    message: str
    suggestions: dict[str, str]
    generation: int


@dataclass
class FilterDone(Message):
    """Every pane's computation for this filter run has ended (shown or failed)."""

    generation: int


@dataclass
class PaneFailed(Message):
    """One pane's computation failed; it shows `reason` (one line: why and what to do) in
    place of its content, and every other pane still follows the filter."""

    pane: str
    """The pane's id in PANES ("responses", "tags", ...)."""
    reason: str
    generation: int


@dataclass
class DashboardReady(Message):
    frames: DashboardFrames
    generation: int


@dataclass
class ChartsReady(Message):
    """Chart texts by chart name (see `compute.CHARTS`); `problems` holds, by chart name, the
    line a chart shows instead when it (or its figure) could not be computed."""

    charts: dict[str, str]
    generation: int
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class TagsReady(Message):
    tags: pl.DataFrame
    generation: int


@dataclass
class SurveysReady(Message):
    frames: SurveyFrames
    generation: int


@dataclass
class SyncProgress(Message):
    event: SyncEvent


@dataclass
class SyncFinished(Message):
    summary: SyncSummary


@dataclass
class SyncCrashed(Message):
    """The sync could not run at all (unknown account, a bug): nothing was changed."""

    message: str


@dataclass
class DemoStarted(Message):
    """The demo sandbox is serving and its config is written; the app switches to it."""

    demo: Any


@dataclass
class DemoFailed(Message):
    message: str


@dataclass
class FilterChanged(Message):
    """A widget asks for a new filter (a chip removed, a tag picked, a saved filter loaded)."""

    filter: Filter


@dataclass
class ShowResponse(Message):
    """Open the detail of the response at this snapshot row."""

    row: int


@dataclass
class ShowEndUser(Message):
    """Open the detail of an end user."""

    account: str
    end_user_id: str


@dataclass
class EndUsersReady(Message):
    end_users: pl.DataFrame
    generation: int


@dataclass
class ExportFinished(Message):
    """An export ended: `rows` written to `path`, or `error` saying why not."""

    path: str
    rows: int
    error: str | None = None
