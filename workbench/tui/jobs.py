"""The work the app's workers do, as plain functions that report through `post`.

Why separate from the app: these run in worker threads, must never touch a widget, and are
easiest to keep honest (and to test) as functions of their inputs that only post messages.
Long jobs check `cancelled()` between steps, so a superseded filter stops early; results still
carry their generation, and the app drops any that arrive late.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from textual.message import Message

from workbench.analysis import ExportError, Filter, FilterError, Palette, write_csv
from workbench.analysis.dates import ZoneChoice
from workbench.data.schema import SchemaError
from workbench.data.store import Store, StoreError
from workbench.tui.compute import (
    DashboardFrames,
    Every,
    Metric,
    build_charts,
    dashboard,
    end_users_view,
    surveys_view,
    tags_view,
)
from workbench.tui.failures import describe, reason
from workbench.tui.messages import (
    ChartsReady,
    DashboardReady,
    EndUsersReady,
    ExportFinished,
    FilterDone,
    FilterRejected,
    PaneFailed,
    SelectedResponses,
    SelectionReady,
    StoreFailed,
    StoreLoaded,
    SurveysReady,
    TagsReady,
)
from workbench.tui.selection import select, selected_responses
from workbench.tui.snapshot import Snapshot, load_snapshot
from workbench.tui.widgets.responses_backend import response_source

Post = Callable[[Message], object]
PAINT_WAIT = 2.0
"""Seconds a filter run waits for its table to be painted before computing the rest."""
Cancelled = Callable[[], bool]


def load_store(store: Store, post: Post) -> None:
    """Read the store; the Responses table reads its columns as Arrow."""
    try:
        snapshot = load_snapshot(store)
        display = response_source(snapshot.responses)
    except (StoreError, SchemaError) as exc:
        post(StoreFailed(str(exc)))
        return
    except (OSError, pl.exceptions.PolarsError) as exc:
        post(
            StoreFailed(
                f"Could not read the store at {store.root}: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}. Run `workbench store check`."
            )
        )
        return
    post(StoreLoaded(snapshot, display))


@dataclass(frozen=True)
class DashboardOptions:
    metric: Metric
    every: Every
    segment: str | None
    time_zone: str = "UTC"
    """The selection's zone (`choose_time_zone`): its dates, buckets and `since:`."""


@dataclass(frozen=True)
class FilterJob:
    """Everything a filter run needs, captured on the UI thread when it was asked for."""

    snapshot: Snapshot
    filter: Filter
    generation: int
    options: DashboardOptions
    chart_sizes: dict[str, tuple[int, int]]
    palette: Palette
    zone: ZoneChoice | None = None
    """The zone picked for this filter's selection, and why (the Surveys pane says it)."""
    account_zones: Mapping[str, str] = field(default_factory=dict)
    """Each account's own zone: Wootric's months are compared with nps_summary in it."""


def attempt(pane: str, generation: int, post: Post, compute: Callable[[], Message]) -> bool:
    """Compute one pane's figures and post them; on any failure post PaneFailed instead (the
    reason and what to do, in one line), so the panes after it are still computed."""
    try:
        message = compute()
    except Exception as exc:
        post(PaneFailed(pane, describe(pane, exc), generation))
        return False
    post(message)
    return True


def run_filter(job: FilterJob, post: Post, cancelled: Cancelled) -> None:
    """Apply the filter, then compute every pane's figures for the selection, in the order a
    person sees them: the table first, the dashboard and the rest after. Each pane's
    computation fails alone: the others still get the filter's figures."""
    snapshot, generation = job.snapshot, job.generation
    try:
        selection = select(
            snapshot.responses,
            snapshot.newest_first,
            job.filter,
            snapshot.known,
            job.options.time_zone,
        )
        selected = selected_responses(snapshot.responses, selection)
    except FilterError as exc:
        post(FilterRejected(job.filter.to_text(), str(exc), exc.suggestions, generation))
        return
    except Exception as exc:  # nothing can follow a filter that selects nothing: not applied
        post(
            FilterRejected(
                job.filter.to_text(),
                f"it could not be applied ({reason(exc)})",
                {},
                generation,
            )
        )
        return
    if cancelled():
        return
    painted = threading.Event()
    post(SelectionReady(selection, generation, painted))
    # The rest holds the GIL in places (charts are pure Python): let the table paint first.
    painted.wait(PAINT_WAIT)
    post(SelectedResponses(selected, job.filter, generation))
    if cancelled():
        return
    options = job.options
    frames: list[DashboardFrames] = []

    def dashboard_ready() -> Message:
        frames.append(
            dashboard(selected, options.metric, options.every, options.segment, options.time_zone)
        )
        return DashboardReady(frames[0], generation)

    if attempt("dashboard", generation, post, dashboard_ready):
        if cancelled():
            return
        post(charts_ready(frames[0], job.chart_sizes, job.palette, generation))
    if cancelled():
        return
    attempt(
        "tags",
        generation,
        post,
        lambda: TagsReady(tags_view(selected, snapshot.table("tags")), generation),
    )
    attempt(
        "end-users",
        generation,
        post,
        lambda: EndUsersReady(
            end_users_view(
                snapshot.table("end_users"), selected, filtered=not job.filter.is_empty()
            ),
            generation,
        ),
    )
    if cancelled():
        return
    attempt(
        "surveys",
        generation,
        post,
        lambda: SurveysReady(
            surveys_view(
                selected,
                snapshot.table("surveys"),
                snapshot.table("survey_answers"),
                snapshot.table("nps_summaries"),
                stored=snapshot.responses,
                account_zones=job.account_zones,
                zone=job.zone,
            ),
            generation,
        ),
    )
    post(FilterDone(generation))


def charts_ready(
    frames: DashboardFrames, sizes: dict[str, tuple[int, int]], palette: Palette, generation: int
) -> ChartsReady:
    """Each chart built on its own: one that fails (or whose figure failed) carries its reason
    in `problems` and the others are still drawn."""
    charts: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, size in sizes.items():
        if name in frames.problems:
            problems[name] = frames.problems[name]
            continue
        try:
            charts.update(build_charts(frames, {name: size}, palette))
        except Exception as exc:
            problems[name] = describe(name, exc, pane="dashboard")
    return ChartsReady(charts, generation, problems)


def run_dashboard(
    selected: pl.DataFrame,
    options: DashboardOptions,
    sizes: dict[str, tuple[int, int]],
    palette: Palette,
    generation: int,
    post: Post,
    cancelled: Cancelled,
) -> None:
    """The dashboard again, after its metric, bucket or segment changed."""
    frames: list[DashboardFrames] = []

    def dashboard_ready() -> Message:
        frames.append(
            dashboard(selected, options.metric, options.every, options.segment, options.time_zone)
        )
        return DashboardReady(frames[0], generation)

    if cancelled() or not attempt("dashboard", generation, post, dashboard_ready):
        return
    post(charts_ready(frames[0], sizes, palette, generation))


def run_charts(
    frames: DashboardFrames,
    sizes: dict[str, tuple[int, int]],
    palette: Palette,
    generation: int,
    post: Post,
) -> None:
    """Only the charts (a resize or a theme change)."""
    post(charts_ready(frames, sizes, palette, generation))


def export_csv(
    frame: pl.DataFrame, path: Path, columns: list[str] | None, bom: bool, post: Post
) -> None:
    """Write the rows as the CLI's `workbench export` does (the same function, the same
    arguments), and report the outcome."""
    try:
        written = write_csv(frame, path, columns=columns, bom=bom)
    except ExportError as exc:
        post(ExportFinished(str(path), 0, str(exc)))
        return
    except Exception as exc:  # an unknown column name, mostly
        post(ExportFinished(str(path), 0, str(exc).splitlines()[0]))
        return
    post(ExportFinished(str(written), frame.height))
