"""Benchmark: the TUI over 100,000 and 1,000,000 stored responses, against baselines in the run.

    python bench/bench_tui.py                      # 100,000 and 1,000,000 rows
    python bench/bench_tui.py --rows 100000 --repeat 3

For each size, a real store is written (not timed) and the real app is run headless:

- first paint: from the app's start to the Responses table on screen with its first rows
  (reading the store, building the display table, applying the empty filter, mounting);
- filter apply: from submitting a filter (`tag:PRICING score:0-6 "slow"`, then a segment
  filter) to the new table on screen, measured inside the app (UI thread + worker);
- memory: the process's resident set after the first paint (and its growth over the process
  before the app started, which includes the benchmark's own frames).

Baselines, measured in the same run on the same rows: Textual's built-in DataTable loading
the same display rows (`add_rows`, first paint; skipped above 100,000 rows, where it takes
minutes), and a naive filter (Python over row dicts). Aim: first paint < 1 s, filter < 150 ms
at 1,000,000. Timings are the best of `--repeat` runs; no test asserts any of them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import synthetic

from workbench.analysis import Filter
from workbench.data.store import Store
from workbench.settings import load_settings, save_settings, settings_from
from workbench.tui import WorkbenchApp
from workbench.tui.messages import SelectionReady
from workbench.tui.preferences import SavedFilters
from workbench.tui.widgets.grid import Grid

FILTERS = ('tag:PRICING score:0-6 "slow"', "plan=Enterprise country in (US,UK)")
SIZE = (160, 48)


def write_store(root: Path, rows: int) -> Path:
    """A store of two accounts holding `rows` responses, and a config pointing at it."""
    frame = synthetic(rows, seed=11)
    store = Store(root / "store")
    for (account,), part in frame.group_by("account"):
        target = store.account(str(account))
        target.ensure_meta("wootric")
        target.replace("responses", part)
    config = root / "config.toml"
    save_settings(settings_from({"store_dir": str(root / "store")}), config)
    return config


class TimedApp(WorkbenchApp):
    """The real app, noting when each selection reaches the screen."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.painted: list[float] = []

    def on_selection_ready(self, message: SelectionReady) -> None:
        self.call_after_refresh(lambda: self.painted.append(time.perf_counter()))


async def wait_for(condition, limit: float = 300.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.002)


async def run_app(config: Path) -> dict[str, float]:
    process = psutil.Process()
    gc.collect()
    before = process.memory_info().rss
    started = time.perf_counter()
    app = TimedApp(
        load_settings(config, environ={}),
        config_file=config,
        saved_filters=SavedFilters(config.parent / "filters.toml"),
        offer_welcome=False,
    )
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.painted and app.query(Grid))
        await pilot.pause()
        figures["first paint"] = app.painted[0] - started
        figures["memory MB"] = process.memory_info().rss / 2**20
        figures["memory growth MB"] = (process.memory_info().rss - before) / 2**20
        for i, text in enumerate(FILTERS):
            await app.workers.wait_for_complete()
            count = len(app.painted)
            asked = time.perf_counter()
            app.set_filter(Filter.parse(text))
            await wait_for(lambda c=count: len(app.painted) > c)
            figures[f"filter {i + 1}"] = app.painted[-1] - asked
        await app.workers.wait_for_complete()
    return figures


async def builtin_first_paint(display_rows: list[tuple[object, ...]], columns: list[str]) -> float:
    """Textual's own DataTable: add the same display rows, wait for the first paint."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    started = time.perf_counter()
    app = Plain()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.add_columns(*columns)
        table.add_rows(display_rows)
        await pilot.pause()
        return time.perf_counter() - started


def naive_filter(rows: list[dict[str, object]]) -> float:
    """The filter done by hand over Python dicts (what a first version might do)."""
    started = time.perf_counter()
    kept = [
        r
        for r in rows
        if "PRICING" in (r["tags"] or [])
        and r["score"] is not None
        and 0 <= r["score"] <= 6  # type: ignore[operator]
        and "slow" in (r["text"] or "").lower()  # type: ignore[union-attr]
        and not r["excluded_from_calculations"]
    ]
    assert kept is not None
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--builtin-limit", type=int, default=100_000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, polars {pl.__version__}")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_store(Path(tmp), rows)
            runs = [asyncio.run(run_app(config)) for _ in range(args.repeat)]
            best = {k: min(r[k] for r in runs) for k in runs[0]}
            frame = synthetic(rows, seed=11)
            naive = naive_filter(
                frame.select("tags", "score", "text", "excluded_from_calculations").to_dicts()
            )
            builtin = None
            if rows <= args.builtin_limit:
                shown = frame.select(
                    pl.col("score").cast(pl.String),
                    "metric",
                    pl.col("text").fill_null(""),
                    pl.col("tags").list.join(", "),
                    pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M"),
                    "account",
                )
                builtin = asyncio.run(builtin_first_paint(shown.rows(), shown.columns))
        print(f"\n{rows:,} responses (best of {args.repeat})")
        print(f"  first paint            {best['first paint'] * 1000:8.0f} ms   (aim < 1000)")
        if builtin is not None:
            print(
                f"  built-in DataTable     {builtin * 1000:8.0f} ms   "
                f"({builtin / best['first paint']:.1f}x slower than the workbench)"
            )
        for i, text in enumerate(FILTERS):
            took = best[f"filter {i + 1}"] * 1000
            print(f"  filter {i + 1} {text!r:34} {took:6.0f} ms   (aim < 150)")
        print(
            f"  naive Python filter    {naive * 1000:8.0f} ms   "
            f"({naive / best['filter 1']:.1f}x slower than filter 1, which also repaints)"
        )
        print(
            f"  memory after paint     {best['memory MB']:8.0f} MB resident "
            f"({best['memory growth MB']:+.0f} MB over the process before the app)"
        )


if __name__ == "__main__":
    main()
