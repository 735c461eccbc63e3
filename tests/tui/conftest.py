"""Fixtures for the TUI tests: a real store on disk, a config file, and the app driven by Pilot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from textual.pilot import Pilot

from tests.tui.data import fill_store
from workbench.analysis import Filter
from workbench.analysis.filters import apply_filter
from workbench.data.store import Store
from workbench.data.tables import load_table
from workbench.settings import Settings, load_settings, save_settings, settings_from
from workbench.tui import WorkbenchApp
from workbench.tui.preferences import SavedFilters

SIZE = (140, 44)


@dataclass
class Workspace:
    root: Path
    config: Path
    store: Path
    responses: pl.DataFrame

    def settings(self) -> Settings:
        return load_settings(self.config, environ={})

    def app(self, **options: object) -> WorkbenchApp:
        return WorkbenchApp(
            self.settings(),
            config_file=self.config,
            saved_filters=SavedFilters(self.root / "filters.toml"),
            **options,  # type: ignore[arg-type]
        )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A config (theme workbench-dark, no accounts) whose store holds two accounts' tables."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("WORKBENCH_CONFIG", raising=False)
    store = tmp_path / "store"
    responses = fill_store(store)
    config = tmp_path / "config.toml"
    save_settings(settings_from({"store_dir": str(store), "theme": "workbench-dark"}), config)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    return Workspace(tmp_path, config, store, responses)


def expected_rows(workspace: Workspace, text: str) -> pl.DataFrame:
    """The stored responses a filter selects, computed outside the app (dates in UTC)."""
    stored = load_table(Store(workspace.store), "responses")
    return apply_filter(Filter.parse(text), stored, time_zone="UTC")


async def submit_filter(pilot: Pilot[None], text: str) -> None:
    """Type `text` into the filter bar and press Enter, as a person does."""
    from workbench.tui.widgets.filter_bar import FilterBar

    bar = pilot.app.query_one(FilterBar)
    bar.input.value = text
    bar.input.focus()
    await pilot.press("enter")
    await settle(pilot)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker is done and every message they posted is handled."""
    app = pilot.app
    for _ in range(4):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()
