"""The Workbench: a configuration and its store, opened in a notebook.

It reads the canonical tables with `data.tables.load_table`, syncs with `data.sync.sync` and
computes with `workbench.analysis` through `notebook.frames`, so a number here is the number
`workbench report` prints and the TUI shows for the same filter, and `export` writes the file
`workbench export` writes. Every call is synchronous and works inside Jupyter's running event
loop (the coroutine then runs in a thread of its own); `sync_async` is there to be awaited.
"""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl

from workbench.analysis import Filter, KnownNames, answer_distribution
from workbench.analysis.dates import ZoneChoice, choose_time_zone, selection_accounts
from workbench.analysis.dates import zone as zone_of
from workbench.analysis.export import export_format, write_export
from workbench.analysis.multiple import PAdjust
from workbench.analysis.report import report as build_report
from workbench.analysis.small_n import MIN_N
from workbench.analysis.trend import Every
from workbench.data.schema import TABLES
from workbench.data.store import Store
from workbench.data.sync import sync as run_sync
from workbench.data.tables import load_table
from workbench.data.time_zones import settings_zones
from workbench.demo import (
    DEMO_RESPONSES,
    DEMO_SEED,
    ClosedOnExit,
    Demo,
    run_coroutine,
    start_demo,
)
from workbench.notebook import display, frames
from workbench.notebook.actions import Actions
from workbench.notebook.actions_flow import Accounts
from workbench.notebook.frames import By, FilterLike, Metric
from workbench.notebook.progress import SyncProgress, SyncResult
from workbench.settings import DEFAULT_BASE_URLS, Settings, config_path, load_settings

Since = date | datetime | str | None


def _names(accounts: Accounts) -> list[str] | None:
    if accounts is None:
        return None
    names = [accounts] if isinstance(accounts, str) else list(accounts)
    return names or None


def _since(since: Since) -> datetime | None:
    """A date (or YYYY-MM-DD) is that day's start in UTC, as `workbench sync --since`."""
    if since is None or isinstance(since, datetime):
        return since
    day = date.fromisoformat(since) if isinstance(since, str) else since
    return datetime.combine(day, datetime.min.time(), UTC)


class Workbench(Actions, ClosedOnExit):
    """A configuration's accounts and their store, for a notebook.

    Tables come back as polars DataFrames, metrics as the analysis core's frames, charts and
    reports as blocks Jupyter shows in monospace. `time_zone` is the zone of filter dates and
    trend buckets (a call's own `time_zone=` wins over it); without one, the zone is the one
    `workbench report` uses: `display.time_zone`, else the selected accounts' own zone, else UTC
    with a TimeZoneNote warning (`zone()` says which and why). `today` pins `last:` filters.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        config_path: Path | None = None,
        time_zone: str | None = None,
        today: date | None = None,
        progress: bool = True,
        demo: Demo | None = None,
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self.store = Store(settings.store_dir)
        if time_zone is not None:
            zone_of(time_zone)  # a bad name fails here, in one line
        self.time_zone = time_zone
        self.today = today
        self.progress = progress
        self._demo = demo
        # A demo's sandbox and temporary directory go when close() is called, when this
        # Workbench is collected, or at the latest when the interpreter exits (a notebook
        # kernel shut down without close()): weakref.finalize runs once, whichever comes first.
        self._cleanup = weakref.finalize(self, demo.close) if demo is not None else None
        self.closed = False

    def __repr__(self) -> str:
        names = ", ".join(self.settings.accounts) or "no accounts"
        where = f", sandbox={self._demo.served.base_url!r}" if self._demo else ""
        return f"Workbench({names}; store={str(self.store.root)!r}{where})"

    # --- accounts and sync -----------------------------------------------------------------

    @property
    def accounts(self) -> pl.DataFrame:
        """The configured accounts: name, platform, base URL, kind of credentials and whether
        anything is stored for them yet. Never a secret."""
        stored = set(self.store.accounts())
        rows = [
            {
                "name": name,
                "platform": account.platform,
                "base_url": account.base_url,
                "custom_url": account.base_url != DEFAULT_BASE_URLS[account.platform],
                "credentials": account.credential_kind,
                "stored": name in stored,
            }
            for name, account in sorted(self.settings.accounts.items())
        ]
        schema = {
            "name": pl.String,
            "platform": pl.String,
            "base_url": pl.String,
            "custom_url": pl.Boolean,
            "credentials": pl.String,
            "stored": pl.Boolean,
        }
        return pl.DataFrame(rows, schema=schema)

    def sync(
        self,
        accounts: Accounts = None,
        *,
        full: bool = False,
        since: Since = None,
        progress: bool | None = None,
    ) -> SyncResult:
        """Fetch what changed on the platforms into the store (all accounts by default), with a
        progress bar. `full` reads everything again and removes what the platforms deleted;
        `since` (a date) reads from that day whatever the cursors say."""
        return run_coroutine(
            lambda: self.sync_async(accounts, full=full, since=since, progress=progress)
        )

    async def sync_async(
        self,
        accounts: Accounts = None,
        *,
        full: bool = False,
        since: Since = None,
        progress: bool | None = None,
    ) -> SyncResult:
        """`sync`, to be awaited in a running event loop."""
        bar = SyncProgress(enabled=self.progress if progress is None else progress)
        try:
            summary = await run_sync(
                self.settings,
                _names(accounts),
                store=self.store,
                full=full,
                since=_since(since),
                on_event=bar,
            )
        finally:
            bar.close()
        return SyncResult(summary)

    # --- tables --------------------------------------------------------------------------------

    def table(self, name: str, accounts: Accounts = None) -> pl.DataFrame:
        """Any canonical table (`workbench.data.TABLES`) for the accounts (all stored ones)."""
        if name not in TABLES:
            raise ValueError(f"there is no table {name!r}; the tables are {', '.join(TABLES)}")
        return load_table(self.store, name, _names(accounts))

    def responses(
        self, filter: FilterLike = None, *, accounts: Accounts = None, time_zone: str | None = None
    ) -> pl.DataFrame:
        """The responses a filter selects (a Filter or its text form; all without one)."""
        responses, zone = self._responses(accounts, filter, {"time_zone": time_zone})
        return frames.select(responses, filter, **zone)

    def end_users(self, accounts: Accounts = None) -> pl.DataFrame:
        return self.table("end_users", accounts)

    def tags(self, accounts: Accounts = None) -> pl.DataFrame:
        return self.table("tags", accounts)

    def surveys(self, accounts: Accounts = None) -> pl.DataFrame:
        return self.table("surveys", accounts)

    def filter_names(self, accounts: Accounts = None) -> KnownNames:
        """What a filter may name here: tags, columns and properties, accounts, platforms."""
        return KnownNames.from_frame(self.table("responses", accounts), self.tags(accounts))

    # --- metrics ---------------------------------------------------------------------------

    def zone(
        self, filter: FilterLike = None, *, accounts: Accounts = None, time_zone: str | None = None
    ) -> ZoneChoice:
        """The zone figures for this selection use, and why (`analysis.dates.choose_time_zone`,
        the rule the TUI and the CLI use)."""
        parsed: Filter | None = None
        try:
            parsed = frames.as_filter(filter)
        except (ValueError, TypeError):
            parsed = None  # the computation itself reports a bad filter
        responses = self.table("responses", accounts)
        names = selection_accounts(
            responses,
            [*(_names(accounts) or []), *(parsed.accounts if parsed else [])],
            parsed.platforms if parsed else [],
        )
        return choose_time_zone(
            settings_zones(self.settings, self.store, names),
            names,
            chosen=time_zone or self.time_zone,
            display=self.settings.display.time_zone,
        )

    def _options(
        self,
        accounts: Accounts = None,
        filter: FilterLike = None,
        options: dict[str, Any] | None = None,
        *,
        dated: bool = False,
        stacklevel: int = 3,
    ) -> dict[str, Any]:
        """time_zone and today for a computation; takes `time_zone` out of a call's `options`.
        A fallback zone's note is a TimeZoneNote warning when dates are used."""
        picked = options.pop("time_zone", None) if options is not None else None
        choice = self.zone(filter, accounts=accounts, time_zone=picked)
        if choice.note and (dated or _dated(filter)):
            warnings.warn(choice.note, TimeZoneNote, stacklevel=stacklevel)
        return {"time_zone": choice.time_zone, "today": self.today}

    def _responses(
        self, accounts: Accounts, filter: FilterLike, options: dict[str, Any], dated: bool = False
    ) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The responses table and the zone options (`_options`) for one computation."""
        zone = self._options(accounts, filter, options, dated=dated, stacklevel=4)
        return self.table("responses", accounts), zone

    def nps(
        self, filter: FilterLike = None, by: By = None, *, accounts: Accounts = None, **options: Any
    ) -> pl.DataFrame:
        """NPS of the filtered responses, overall or `by` a column or property, with its
        interval (`analysis.nps`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.nps(responses, by, filter=filter, **zone, **options)

    def csat(
        self, filter: FilterLike = None, by: By = None, *, accounts: Accounts = None, **options: Any
    ) -> pl.DataFrame:
        """CSAT (share satisfied) of the filtered responses (`analysis.csat`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.csat(responses, by, filter=filter, **zone, **options)

    def ces(
        self, filter: FilterLike = None, by: By = None, *, accounts: Accounts = None, **options: Any
    ) -> pl.DataFrame:
        """CES (mean effort, share agreeing) of the filtered responses (`analysis.ces`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.ces(responses, by, filter=filter, **zone, **options)

    def trend(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        every: Every | None = "week",
        window: str | int | None = None,
        by: By = None,
        min_n: int = MIN_N,
        accounts: Accounts = None,
        **options: Any,
    ) -> pl.DataFrame:
        """The metric per week (or `every` day/month/quarter, or a rolling `window` such as
        "30d") in the workbench's time zone (`analysis.trend`)."""
        responses, zone = self._responses(accounts, filter, options, dated=True)
        return frames.trend(
            responses,
            metric,
            filter=filter,
            every=every,
            window=window,
            by=by,
            min_n=min_n,
            **zone,
            **options,
        )

    def compare(
        self,
        a: FilterLike,
        b: FilterLike,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        by: By = None,
        accounts: Accounts = None,
        **options: Any,
    ) -> pl.DataFrame:
        """Segment a minus segment b (each a filter), within the responses `filter` selects: the
        difference, its interval and a two-sided p-value (`analysis.compare`)."""
        zone = self._options(accounts, filter, options)
        base = frames.select(self.table("responses", accounts), filter, **zone)
        return frames.compare(a, b, metric, responses=base, by=by, **zone, **options)

    def segment_breakdown(
        self,
        by: str | Sequence[str],
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        min_n: int = MIN_N,
        p_adjust: PAdjust = "holm",
        accounts: Accounts = None,
        **options: Any,
    ) -> pl.DataFrame:
        """Each segment of `by` against the rest of the selection: its figure and interval, the
        difference from the rest with its interval, p_value and p_adjusted (Holm, or
        `p_adjust="bh"`); segments under `min_n` kept and marked "too small (n=12)"
        (`analysis.segments.segment_breakdown`, as the dashboard and `report --by`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.segment_breakdown(
            responses, by, metric, filter=filter, min_n=min_n, p_adjust=p_adjust, **zone, **options
        )

    def tag_impact(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        by: By = None,
        min_n: int = MIN_N,
        accounts: Accounts = None,
        **options: Any,
    ) -> pl.DataFrame:
        """Each tag's impact on the metric, largest first (`analysis.tag_impact`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.tag_impact(
            responses, metric, filter=filter, by=by, min_n=min_n, **zone, **options
        )

    def score_distribution(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        by: By = None,
        accounts: Accounts = None,
        **options: Any,
    ) -> pl.DataFrame:
        """Each score's count and share (`analysis.score_distribution`)."""
        responses, zone = self._responses(accounts, filter, options)
        return frames.score_distribution(responses, metric, filter=filter, by=by, **zone, **options)

    def answer_distribution(self, by: By = None, *, accounts: Accounts = None) -> pl.DataFrame:
        """Survey answers (Apptentive) per question and choice, with shares."""
        return answer_distribution(self.table("survey_answers", accounts), by)

    # --- charts and the report ---------------------------------------------------------------

    def trend_chart(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        every: Every | None = "week",
        window: str | int | None = None,
        min_n: int = MIN_N,
        accounts: Accounts = None,
        width: int = 80,
        height: int = 20,
        title: str | None = None,
    ) -> display.Chart:
        """The metric over time with its interval as a band."""
        points = self.trend(
            metric, filter=filter, every=every, window=window, min_n=min_n, accounts=accounts
        )
        return display.trend_chart(points, width=width, height=height, title=title)

    def segment_chart(
        self,
        by: str,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        min_n: int = MIN_N,
        accounts: Accounts = None,
        width: int = 80,
        height: int = 20,
        title: str | None = None,
    ) -> display.Chart:
        """Each segment on a line: its value and interval, n, and its difference from the rest
        with the adjusted p-value (`segment_breakdown`); segments under `min_n` say "too small"."""
        table = self.segment_breakdown(by, metric, filter=filter, min_n=min_n, accounts=accounts)
        return display.segment_chart(
            table, by, width=width, height=height, title=title, min_n=min_n
        )

    def tag_impact_chart(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        top: int = 10,
        min_n: int = MIN_N,
        accounts: Accounts = None,
        width: int = 80,
        height: int = 20,
    ) -> display.Chart:
        """The `top` tags by the size of their impact, positive and negative."""
        impact = self.tag_impact(metric, filter=filter, min_n=min_n, accounts=accounts)
        return display.tag_impact_chart(impact, width=width, height=height, top=top)

    def score_chart(
        self,
        metric: Metric = "nps",
        *,
        filter: FilterLike = None,
        accounts: Accounts = None,
        width: int = 80,
        height: int = 20,
    ) -> display.Chart:
        """Bars for each score, coloured by category."""
        distribution = self.score_distribution(metric, filter=filter, accounts=accounts)
        return display.score_distribution_chart(distribution, width=width, height=height)

    def answer_chart(
        self,
        question_id: str | None = None,
        *,
        accounts: Accounts = None,
        width: int = 80,
        height: int = 20,
    ) -> display.Chart:
        """One survey question's answer counts (the first question unless named)."""
        answers = self.answer_distribution(accounts=accounts)
        return display.answer_chart(answers, question_id=question_id, width=width, height=height)

    def report(
        self,
        filter: FilterLike = None,
        *,
        metric: Metric = "nps",
        by: str | None = None,
        every: Every | None = "month",
        min_n: int = MIN_N,
        p_adjust: PAdjust = "holm",
        accounts: Accounts = None,
        width: int = 100,
        time_zone: str | None = None,
    ) -> display.Report:
        """What `workbench report` prints for the same options (`analysis.report`)."""
        parsed = frames.as_filter(filter)
        rendered = build_report(
            self.table("responses", accounts),
            filter=parsed,
            metric=metric,
            by=by,
            every=every,
            **self._options(accounts, parsed, {"time_zone": time_zone}, dated=True),
            min_n=min_n,
            p_adjust=p_adjust,
            width=width,
        )
        return display.Report(rendered, width)

    # --- export ------------------------------------------------------------------------------

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = "responses",
        filter: FilterLike = None,
        columns: Sequence[str] | None = None,
        accounts: Accounts = None,
        format: Literal["csv", "parquet", "xlsx"] | None = None,
        bom: bool = False,
        time_zone: str | None = None,
    ) -> Path:
        """Write a stored table, filtered, as `workbench export TABLE -o PATH --filter ...` does:
        the same rows, columns and bytes, in the format of the name's ending (.csv, .parquet,
        .xlsx) or `format`; another ending is an ExportError. Returns the path."""
        if frames.says_something(filter) and table != "responses":
            raise ValueError(
                f"a filter applies to the responses table; {table} has no scores or comments"
            )
        kind = export_format(path, format)  # an ending it cannot honour: ExportError, no file
        options = self._options(accounts, filter, {"time_zone": time_zone})
        if kind == "xlsx":
            rows = self.table(table, accounts)
            if frames.says_something(filter):
                rows = frames.select(rows, filter, **options)
            return write_export(rows, path, format=kind, columns=columns)
        return frames.export(
            self.table(table, accounts),
            path,
            filter=filter,
            columns=columns,
            format=kind,
            bom=bom,
            **options,
        )

    def cli_environment(self) -> dict[str, str]:
        """Environment variables for running the `workbench` command on this configuration:
        the current ones without other WORKBENCH_* settings, and WORKBENCH_CONFIG set."""
        if self.config_path is None:
            raise ValueError("this Workbench was opened from settings, not from a config file")
        env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
        env["WORKBENCH_CONFIG"] = str(self.config_path)
        return env

    # --- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the demo sandbox (and remove its directory) if this Workbench started one."""
        if self._cleanup is not None:
            self._cleanup()  # Demo.close, once
        self._demo = None
        self.closed = True


class TimeZoneNote(UserWarning):
    """The zone figures use is a fallback (accounts in different zones, or none known)."""


def _dated(filter: FilterLike) -> bool:
    """Whether a filter reads dates (since:, until:, last:), so its zone matters."""
    try:
        parsed = frames.as_filter(filter)
    except (ValueError, TypeError):
        return False
    return bool(parsed and (parsed.since or parsed.until or parsed.last_days))


def open_workbench(
    config: str | os.PathLike[str] | Settings | None = None,
    *,
    time_zone: str | None = None,
    today: date | None = None,
    progress: bool = True,
) -> Workbench:
    """Open a configuration: None reads the same files and WORKBENCH_* variables as the
    `workbench` command; a path reads only that file (plus the variables); Settings are used
    as they are."""
    if isinstance(config, Settings):
        return Workbench(config, time_zone=time_zone, today=today, progress=progress)
    if config is None:
        settings = load_settings()
        path = config_path()
    else:
        path = Path(config).expanduser()
        settings = load_settings(path)
    return Workbench(
        settings, config_path=path, time_zone=time_zone, today=today, progress=progress
    )


def demo(
    *,
    responses: int = DEMO_RESPONSES,
    seed: int = DEMO_SEED,
    directory: str | os.PathLike[str] | None = None,
    time_zone: str | None = None,
    today: date | None = None,
    progress: bool = True,
) -> Workbench:
    """A Workbench on the built-in sandbox: the four platforms served on a loopback port, one
    account each, a store in a temporary directory (or `directory`). Nothing is fetched until
    `sync()`. `close()` stops the sandbox and removes the temporary directory; without it, that
    happens when the Workbench is collected or the interpreter exits."""
    started = start_demo(
        Path(directory) if directory is not None else None, responses=responses, seed=seed
    )
    return Workbench(
        started.settings,
        config_path=started.config_path,
        time_zone=time_zone,
        today=today,
        progress=progress,
        demo=started,
    )
