"""One filter, the same rows and the same figures on every face, over generated filters.

For each filter Hypothesis makes up (accounts, platforms, tags, bands, dates, properties, words,
exclusion), on one demo store synced from the sandbox:

- the TUI: the app's own zone rule (`WorkbenchApp.zone_choice`) and its filter worker
  (`jobs.run_filter`), whose messages are what the panes show;
- the CLI: `workbench export responses --filter` (the rows written) and `workbench report
  --filter` (its heading's count line);
- the notebook: `Workbench.responses`, `.nps`, `.csat`, `.ces`;

either all refuse the filter with the same one line, or they select the same set of responses
and NPS, CSAT and CES agree with their n.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from workbench.analysis import PLAIN, Filter, FilterError, FilterSyntaxError, ces, csat, nps
from workbench.analysis.counting import count_line
from workbench.cli import app as cli_app
from workbench.notebook import Workbench, demo
from workbench.settings import load_settings
from workbench.tui import WorkbenchApp, jobs
from workbench.tui.messages import DashboardReady, FilterRejected, SelectedResponses, SelectionReady
from workbench.tui.snapshot import Snapshot, load_snapshot

PARTS = (
    "account:acme-nps",
    "account:acme-cxi",
    "platform:wootric",
    "platform:cxi",
    "tag:PRICING",
    "tag:SUPPORT,VALUE",
    "-tag:PERFORMANCE",
    "score:detractors",
    "score:promoters",
    "score:satisfied",
    "metric:nps",
    "metric:csat",
    "score:0-6",
    "since:2026-03-01",
    "until:2026-09-30",
    "plan=Enterprise",
    "revenue>=5000",
    "country in (US,UK)",
    "expensive",
    "excluded:exclude",
    "excluded:only",
)


@pytest.fixture(scope="module")
def synced() -> Iterator[Workbench]:
    with demo(responses=2_000, progress=False) as workbench:
        result = workbench.sync()
        assert result.ok, result.errors
        yield workbench


@pytest.fixture(scope="module")
def faces(synced: Workbench, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faces]:
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        os.environ[name] = str(home / name.lower())
    for name in [n for n in os.environ if n.startswith("WORKBENCH_")]:
        del os.environ[name]
    os.environ["WORKBENCH_CONFIG"] = str(synced.config_path)
    try:
        yield Faces(synced, home)
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Faces:
    def __init__(self, notebook: Workbench, scratch: Path) -> None:
        self.notebook = notebook
        self.scratch = scratch
        settings = load_settings(notebook.config_path, environ={})
        self.app = WorkbenchApp(settings, config_file=notebook.config_path)
        self.snapshot: Snapshot = load_snapshot(notebook.store)
        self.app.snapshot = self.snapshot

    def tui(self, text: str) -> tuple[str | None, pl.DataFrame | None, dict[str, pl.DataFrame]]:
        """The filter worker's answer: a refusal, or the selected rows and the cards."""
        chosen = Filter.parse(text)
        zone = self.app.zone_choice(chosen)
        job = jobs.FilterJob(
            self.snapshot,
            chosen,
            1,
            jobs.DashboardOptions("nps", "month", None, zone.time_zone),
            {},
            PLAIN,
            zone,
        )
        posted: list[object] = []

        def post(message: object) -> None:
            if isinstance(message, SelectionReady):
                message.painted.set()
            posted.append(message)

        jobs.run_filter(job, post, lambda: False)
        for message in posted:
            if isinstance(message, FilterRejected):
                return message.message, None, {}
        rows = next(m.responses for m in posted if isinstance(m, SelectedResponses))
        frames = next(m.frames for m in posted if isinstance(m, DashboardReady))
        return None, rows, frames.cards

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli_app, list(args))
        return result.exit_code, result.output


def figures(frame: pl.DataFrame, value: str) -> tuple[int, float | None]:
    return int(frame["n"][0]), frame[value][0]


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(PARTS), min_size=1, max_size=4, unique=True))
def test_every_face_selects_the_same_rows_and_figures(faces: Faces, parts: list[str]) -> None:
    text = " ".join(parts)
    try:
        Filter.parse(text)  # what the TUI's filter bar does first
    except FilterSyntaxError as exc:
        refused, rows, cards = str(exc), None, {}
    else:
        refused, rows, cards = faces.tui(text)
    out = faces.scratch / "export.csv"
    exported_code, exported_said = faces.cli(
        "export", "responses", "--filter", text, "-o", str(out)
    )
    report_code, report_said = faces.cli("report", "--filter", text, "--every", "quarter")
    try:
        notebook_rows: pl.DataFrame | None = faces.notebook.responses(text)
        notebook_refusal = None
    except (FilterError, FilterSyntaxError) as exc:
        notebook_rows, notebook_refusal = None, str(exc)
    event("refused" if refused is not None else "selected")
    if refused is not None:
        # Refused everywhere, in the same words, with the same exit status.
        assert notebook_refusal == refused, text
        assert exported_code == report_code == 2, (text, exported_said, report_said)
        assert refused.split(";")[0] in " ".join(exported_said.split()), exported_said
        assert refused.split(";")[0] in " ".join(report_said.split()), report_said
        return
    assert rows is not None
    assert notebook_rows is not None, notebook_refusal
    assert exported_code == 0, exported_said
    assert report_code == 0, report_said
    ids = sorted(rows["id"].to_list())
    assert sorted(notebook_rows["id"].to_list()) == ids, text
    written = pl.read_csv(out, infer_schema=False) if out.stat().st_size else pl.DataFrame()
    assert sorted(written["id"].to_list() if written.height else []) == ids, text
    assert count_line(rows) in " ".join(report_said.split()), report_said
    for name, measure, value in (("nps", nps, "nps"), ("csat", csat, "csat"), ("ces", ces, "mean")):
        notebook_figure = getattr(faces.notebook, name)(text)
        assert figures(cards[name], value) == figures(notebook_figure, value), (text, name)
        assert figures(cards[name], value) == figures(measure(rows), value), (text, name)
