"""One filter, one number: the notebook API, `workbench report` and `workbench export` agree.

The CLI runs in-process through typer's CliRunner on the demo's config (WORKBENCH_CONFIG), on
the same store the notebook API reads.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import use_config
from workbench.cli import app
from workbench.cli.output import console
from workbench.notebook import Workbench

FILTERS = [
    "platform:wootric country in (US, UK)",
    'tag:PRICING metric:nps score:0-6 "pric"',
    "since:2026-01-01 excluded:include persona!=Administrator",
]


@pytest.fixture
def cli_env(synced: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's config for the CLI, and nothing of the person's own."""
    use_config(monkeypatch, tmp_path, synced.config_path)


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def tables(output: str) -> dict[str, list[dict[str, str]]]:
    """The rich tables in a report, by title: a row per line, cells by column header (a row
    that wrapped onto a second line keeps only its first)."""
    lines = output.splitlines()
    found: dict[str, list[dict[str, str]]] = {}
    for index, line in enumerate(lines):
        if "┃" not in line or index == 0 or not lines[index + 1].startswith("━"):
            continue
        header = [cell.strip() for cell in line.split("┃")]
        rows = []
        for row in lines[index + 2 :]:
            if "│" not in row:
                break
            cells = dict(zip(header, (cell.strip() for cell in row.split("│")), strict=True))
            if cells.get("n"):
                rows.append(cells)
        found[lines[index - 1].strip()] = rows
    return found


def shown(value: float | None) -> str:
    """A number as the report prints it."""
    return "—" if value is None else f"{value:.1f}"


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("text", FILTERS)
def test_the_same_filter_gives_the_same_nps_as_workbench_report(
    synced: Workbench, text: str
) -> None:
    output = cli("report", "--filter", text, "--by", "pricing_plan", "--every", "quarter")
    printed = tables(output)
    overall = synced.nps(text)
    assert printed["Overall"] == [
        {
            "n": str(overall["n"][0]),
            "detractors": str(overall["detractors"][0]),
            "passives": str(overall["passives"][0]),
            "promoters": str(overall["promoters"][0]),
            "nps": shown(overall["nps"][0]),
            "se": shown(overall["se"][0]),
            "95% CI": f"{shown(overall['ci_low'][0])} – {shown(overall['ci_high'][0])}",
        }
    ]
    segments = synced.segment_breakdown("pricing_plan", filter=text)
    by_plan = printed["By pricing_plan, each against the rest"]
    assert [row["n"] for row in by_plan] == [str(n) for n in segments["n"]]
    rows = segments.select("n", "nps", "ci_low", "ci_high", "too_small").iter_rows()
    for row, (n, nps, low, high, small) in zip(by_plan, rows, strict=True):
        # A segment under min_n is kept: its figures "·", its interval "too small (n=12)".
        expected = (
            ("·", f"too small (n={n})") if small else (shown(nps), f"{shown(low)} – {shown(high)}")
        )
        assert (row["nps"], row["95% CI"]) == expected
    quarters = synced.trend(filter=text, every="quarter")
    every = next(title for title in printed if title.startswith("Every quarter ("))
    assert [row["nps"] for row in printed[every]] == [
        "·" if small else shown(value)
        for value, small in quarters.select("nps", "too_small").iter_rows()
    ]


@pytest.mark.usefixtures("cli_env")
def test_the_notebook_report_is_the_cli_report(synced: Workbench) -> None:
    text = FILTERS[0]
    printed = cli("report", "--filter", text, "--by", "persona", "--every", "month")
    report = synced.report(text, by="persona", every="month", width=min(console.width, 120))
    assert str(report) == printed


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("options", "cli_options"),
    [
        ({"filter": FILTERS[1]}, ["--filter", FILTERS[1]]),
        ({}, []),  # no filter: every row, excluded ones too
        (
            {"filter": FILTERS[2], "columns": ["id", "score", "persona", "tags"], "bom": True},
            ["--filter", FILTERS[2], "--columns", "id,score,persona,tags", "--bom"],
        ),
        (
            {"accounts": ["acme-cxi"], "filter": "metric:csat"},
            ["-a", "acme-cxi", "--filter", "metric:csat"],
        ),
    ],
)
def test_export_writes_the_cli_file_byte_for_byte(
    synced: Workbench, tmp_path: Path, options: dict, cli_options: list[str]
) -> None:
    from_notebook = synced.export(tmp_path / "notebook.csv", **options)
    from_cli = tmp_path / "cli.csv"
    cli("export", "responses", "-o", str(from_cli), *cli_options)
    assert from_notebook.read_bytes() == from_cli.read_bytes()
    assert pl.read_csv(from_cli, infer_schema=False).height > 0


@pytest.mark.usefixtures("cli_env")
def test_parquet_export_holds_the_same_rows_as_the_cli(synced: Workbench, tmp_path: Path) -> None:
    from_notebook = synced.export(tmp_path / "notebook.parquet", filter=FILTERS[0])
    from_cli = tmp_path / "cli.parquet"
    cli("export", "responses", "--filter", FILTERS[0], "-o", str(from_cli))
    assert pl.read_parquet(from_notebook).equals(pl.read_parquet(from_cli))
    assert pl.read_parquet(from_cli).height == synced.responses(FILTERS[0]).height


TUI_FILTERS = FILTERS
"""Every face leaves excluded responses out of its metrics, whatever `excluded:` says."""


@pytest.mark.usefixtures("cli_env")
async def test_the_same_filter_gives_the_same_nps_on_the_tui_dashboard(
    synced: Workbench, tmp_path: Path
) -> None:
    from tests.tui.conftest import SIZE, settle
    from workbench.tui import WorkbenchApp
    from workbench.tui.panes.dashboard import DashboardPane
    from workbench.tui.preferences import SavedFilters
    from workbench.tui.widgets.filter_bar import FilterBar
    from workbench.tui.widgets.metric_card import MetricCard

    app = WorkbenchApp(
        synced.settings,
        config_file=synced.config_path,
        saved_filters=SavedFilters(tmp_path / "filters.toml"),
        offer_welcome=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        app.query_one(DashboardPane).query_one("#segment-select").value = "pricing_plan"
        await settle(pilot)
        for text in TUI_FILTERS:
            await pilot.press("slash")
            app.query_one(FilterBar).input.value = text
            await pilot.press("enter")
            await settle(pilot)
            assert app.frames is not None
            on_screen = app.frames.cards["nps"]
            expected = synced.nps(text)
            for column in ("n", "nps", "ci_low", "ci_high"):
                assert on_screen[column][0] == expected[column][0], (text, column)
            card = str(app.query_one("#card-nps", MetricCard).render())
            assert f"{expected['nps'][0]:+.1f}" in card
            low, high = expected["ci_low"][0], expected["ci_high"][0]
            assert f"95% CI {low:.1f} to {high:.1f}" in card
            assert app.frames.segment == "pricing_plan"
            assert app.frames.segments.equals(synced.segment_breakdown("pricing_plan", filter=text))
