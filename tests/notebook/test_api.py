"""The notebook API against a real demo: sandbox over loopback, a real sync, a real store."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import nbformat
import polars as pl
import pytest
from IPython.lib.pretty import pretty

import workbench
from tests.notebook.conftest import execute
from workbench import analysis
from workbench.analysis import PLAIN, Filter, FilterError, ScoreRange
from workbench.analysis import charts as analysis_charts
from workbench.analysis.filters import apply_filter
from workbench.data.sync import sync as data_sync
from workbench.demo import run_coroutine, start_demo
from workbench.notebook import Chart, SyncProgress, Workbench, open_workbench
from workbench.notebook import frames as notebook_frames

TEXT = 'tag:PRICING metric:nps score:0-6 pricing_plan in (Free, Lite) "pric"'
"""A filter naming a tag, a metric and a score range on its scale, a property and a comment
search."""


def test_accounts_are_listed_without_secrets(synced: Workbench) -> None:
    accounts = synced.accounts
    assert accounts["name"].to_list() == ["acme-crm", "acme-cxi", "acme-ios", "acme-nps"]
    assert accounts["platform"].to_list() == ["crowdskout", "cxi", "apptentive", "wootric"]
    assert all(url.startswith("http://127.0.0.1:") for url in accounts["base_url"])
    assert accounts["stored"].all()
    secrets = [
        secret.get_secret_value()
        for name in synced.settings.accounts
        for secret in synced.settings.account(name).secrets().values()
    ]
    assert len(secrets) >= 4
    shown = "\n".join(
        [repr(synced), str(accounts), accounts._repr_html_(), *map(str, accounts.rows())]
    )
    for secret in secrets:
        assert secret not in shown


def test_the_store_holds_what_the_sync_reported(synced: Workbench) -> None:
    written = synced.first_sync.frame
    assert synced.first_sync.ok
    assert synced.first_sync.rows == written["rows"].sum()
    assert set(written["account"]) == set(synced.settings.accounts)
    wootric = written.filter(pl.col("account") == "acme-nps")
    for table in ("responses", "end_users", "declines"):
        reported = wootric.filter(pl.col("table") == table)["rows"].sum()
        assert reported > 0
        assert synced.table(table, accounts="acme-nps").height == reported


async def test_the_blocking_api_works_inside_a_running_event_loop(synced: Workbench) -> None:
    """What Jupyter does: a cell's code runs while the kernel's event loop is running."""
    assert asyncio.get_running_loop().is_running()
    result = synced.sync()  # no "asyncio.run() cannot be called from a running event loop"
    assert result.ok, result.errors
    assert (await synced.sync_async()).ok
    assert synced.responses(TEXT).height > 0


def test_the_progress_bar_counts_every_row_a_sync_writes(synced: Workbench) -> None:
    shown = io.StringIO()
    bar = SyncProgress(file=shown, mininterval=0)
    summary = run_coroutine(lambda: data_sync(synced.settings, store=synced.store, on_event=bar))
    bar.close()
    assert summary.ok
    assert bar.total_rows == summary.rows > 0
    tables = sum(len(account.tables) for account in summary.accounts)
    assert len(bar.finished) == tables
    last = shown.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert f"{summary.rows} rows" in last.replace(",", "")
    assert f"{tables}/{tables} tables" in last


def test_filter_text_and_filter_objects_select_the_same_rows(synced: Workbench) -> None:
    built = Filter(
        tags_any=["PRICING"],
        metrics=["nps"],
        score=ScoreRange(low=0, high=6),
        conditions=[{"field": "pricing_plan", "op": "in", "values": ["Free", "Lite"]}],
        text=["pric"],
    )
    by_text = synced.responses(TEXT)
    assert by_text.equals(synced.responses(built))
    assert by_text.equals(synced.responses(Filter.parse(TEXT)))
    everything = synced.responses()
    assert by_text.equals(apply_filter(built, everything))
    assert 0 < by_text.height < everything.height
    assert set(by_text["score"].to_list()) <= set(range(7))
    plans = by_text.select(pl.col("properties").struct.field("pricing_plan")).to_series()
    assert set(plans.to_list()) == {"Free", "Lite"}
    assert synced.nps(TEXT).equals(synced.nps(built))


def test_an_unknown_name_is_named_with_a_suggestion(synced: Workbench) -> None:
    with pytest.raises(FilterError, match="PRICING"):
        synced.responses("tag:PRICNG")
    with pytest.raises(FilterError, match="pricing_plan"):
        synced.nps("pricing_plann=Free")


def test_metrics_are_the_analysis_cores(synced: Workbench) -> None:
    everything = synced.table("responses")
    chosen = apply_filter(Filter.parse("platform:wootric country in (US, UK)"), everything)
    assert synced.nps("platform:wootric country in (US, UK)", by="pricing_plan").equals(
        analysis.nps(chosen, "pricing_plan")
    )
    # one Wootric account: its (inferred) zone, the one every face picks for it
    zone = synced.zone("platform:wootric")
    assert zone.time_zone == "America/Los_Angeles"
    assert synced.trend(filter="platform:wootric", every="month").equals(
        analysis.trend(
            apply_filter(Filter.parse("platform:wootric"), everything, time_zone=zone.time_zone),
            every="month",
            time_zone=zone.time_zone,
        )
    )
    a = apply_filter(Filter.parse("pricing_plan=Enterprise"), everything)
    b = apply_filter(Filter.parse("pricing_plan=Free"), everything)
    difference = synced.compare("pricing_plan=Enterprise", "pricing_plan=Free")
    assert difference.equals(analysis.compare(a, b))
    assert difference["p_value"][0] < 0.001
    impact = synced.tag_impact(filter="platform:wootric", min_n=30)
    assert impact.equals(
        analysis.tag_impact(apply_filter(Filter.parse("platform:wootric"), everything), min_n=30)
    )
    assert synced.csat()["n"][0] == analysis.csat(everything)["n"][0]


def test_excluded_responses_are_listed_but_never_counted(synced: Workbench) -> None:
    everything = synced.table("responses")
    flagged = int(everything["excluded_from_calculations"].sum())
    assert flagged > 0
    assert (
        synced.responses("platform:wootric").height
        == everything.filter(pl.col("platform") == "wootric").height
    )
    assert synced.responses("excluded:only").height == flagged
    assert synced.responses("excluded:exclude").height == everything.height - flagged
    default = synced.nps()["n"][0]
    assert synced.nps("excluded:include")["n"][0] == default
    assert synced.nps("excluded:exclude")["n"][0] == default
    assert synced.nps("excluded:only")["n"][0] == 0


def test_compare_takes_frames_or_filters(synced: Workbench) -> None:
    everything = synced.table("responses")
    enterprise = notebook_frames.select(everything, "pricing_plan=Enterprise")
    by_frames = notebook_frames.compare(enterprise, "pricing_plan=Free", responses=everything)
    assert by_frames.equals(synced.compare("pricing_plan=Enterprise", "pricing_plan=Free"))
    with pytest.raises(TypeError, match="responses="):
        notebook_frames.compare("pricing_plan=Enterprise", "pricing_plan=Free")


def test_a_chart_is_text_in_a_terminal_and_a_monospace_block_in_jupyter(
    synced: Workbench,
) -> None:
    chart = synced.trend_chart(every="month", width=70, height=16)
    plain = analysis_charts.trend_chart(
        synced.trend(every="month"), width=70, height=16, palette=PLAIN
    )
    assert isinstance(chart, Chart)
    assert str(chart) == plain == chart.text
    assert "\x1b[" not in str(chart)
    assert "\x1b[" in chart.ansi
    assert "NPS over time" in str(chart)
    assert pretty(chart) == plain  # IPython's text/plain
    html = chart._repr_html_()
    assert html.startswith("<pre")
    assert html.rstrip().endswith("</pre>")
    assert "NPS over time" in html
    assert "color:" in html  # the chart's colours, as inline styles
    assert "\x1b" not in html


def test_the_other_charts_and_the_report_render(synced: Workbench) -> None:
    segments = synced.segment_chart("pricing_plan")
    assert "NPS by pricing_plan" in str(segments)
    assert "Enterprise" in str(segments)
    assert "Tag impact" in str(synced.tag_impact_chart())
    assert "Score distribution" in str(synced.score_chart())
    assert str(synced.answer_chart(accounts="acme-ios")).strip()
    report = synced.report("platform:wootric", by="pricing_plan", every="quarter")
    assert str(report).startswith("NPS report")
    assert "<pre" in report._repr_html_()


def test_export_refuses_a_filter_on_a_table_without_scores(
    synced: Workbench, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="responses table"):
        synced.export(tmp_path / "users.csv", table="end_users", filter="score:0-6")
    written = synced.export(tmp_path / "users.csv", table="end_users")
    assert pl.read_csv(written, infer_schema=False).height == synced.end_users().height
    with pytest.raises(ValueError, match="no table 'nonsense'"):
        synced.table("nonsense")


def test_open_workbench_reads_the_same_configuration(
    synced: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in [n for n in os.environ if n.startswith("WORKBENCH_")]:
        monkeypatch.delenv(name)
    from_file = open_workbench(synced.config_path, progress=False)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(synced.config_path))
    from_environment = open_workbench()
    from_settings = open_workbench(synced.settings)
    for opened in (from_file, from_environment, from_settings):
        assert opened.accounts.drop("stored").equals(synced.accounts.drop("stored"))
        assert opened.nps().equals(synced.nps())
    assert from_environment.config_path == synced.config_path
    environment = from_file.cli_environment()
    assert environment["WORKBENCH_CONFIG"] == str(synced.config_path)


def test_closing_a_demo_stops_its_sandbox_and_removes_its_directory() -> None:
    with workbench.demo(progress=False) as opened:  # the callable module: notebook.demo()
        assert isinstance(opened, Workbench)
        url = opened.accounts["base_url"][0]
        directory = opened.config_path.parent
        assert directory.is_dir()
    assert opened.closed
    assert not directory.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5)


def test_import_workbench_stays_cheap_and_demo_is_callable() -> None:
    code = (
        "import sys, workbench\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'polars', 'httpx', 'rich', 'pydantic', 'tqdm', 'plotext'})\n"
        "print(loaded, [m for m in sys.modules if m.startswith('workbench.')])\n"
        "from workbench import demo\n"
        "print(callable(demo), demo.__name__, 'workbench.notebook' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == ["[] []", "True workbench.demo False"]


def test_the_package_re_exports_the_notebook_api() -> None:
    from workbench import Filter as exported_filter
    from workbench import demo as imported
    from workbench import open_workbench as exported_open

    assert imported is workbench.demo
    assert workbench.demo.start_demo is start_demo  # still the demo module
    assert callable(workbench.demo)
    assert exported_open is open_workbench
    assert exported_filter is Filter
    assert {"demo", "open_workbench", "Workbench"} <= set(dir(workbench))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = workbench.nonsense


def test_a_report_is_shown_once_in_jupyter(
    synced: Workbench, kernels, isolated_env: dict[str, str], tmp_path: Path
) -> None:
    """`wb.report(...)` as the last line of a cell: one output (the cell's value, as HTML and
    text), not a second copy that rich printed to the notebook while rendering it."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from workbench.notebook import open_workbench\n"
            f"wb = open_workbench({str(synced.config_path)!r}, time_zone='UTC')\n"
            "wb.report(by='pricing_plan', every='quarter')"
        )
    ]
    path = tmp_path / "report.ipynb"
    nbformat.write(notebook, path)
    executed = execute(path, kernels, isolated_env, tmp_path)
    outputs = [o for o in executed.cells[0].outputs if o.output_type != "stream"]
    assert [o.output_type for o in outputs] == ["execute_result"], outputs
    data = outputs[0].data
    assert "<pre" in data["text/html"]
    assert "NPS report" in data["text/html"]
    assert data["text/plain"].startswith("NPS report")


def test_a_report_has_one_html_and_one_text_form_in_ipython(synced: Workbench) -> None:
    from IPython.core.formatters import DisplayFormatter

    report = synced.report(by="pricing_plan", time_zone="UTC")
    shown, _ = DisplayFormatter().format(report)
    assert set(shown) == {"text/plain", "text/html"}
    assert shown["text/html"].count("NPS report") == 1
    assert shown["text/plain"].count("NPS report") == 1


def test_a_demo_never_closed_removes_its_directory_at_interpreter_exit(tmp_path: Path) -> None:
    code = (
        "from workbench.notebook import demo\n"
        "wb = demo(responses=50, progress=False)\n"
        "directory = wb.config_path.parent\n"
        "assert directory.is_dir() and (directory / 'config.toml').is_file()\n"
        "print(directory)\n"
        "print(wb.accounts['base_url'][0])\n"
        "globals()['kept'] = wb  # still referenced at exit: only the exit cleans up\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    directory, url = result.stdout.split()
    assert directory.startswith(tempfile.gettempdir())
    assert not Path(directory).exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5)


def test_a_closed_demo_is_not_closed_again_at_exit() -> None:
    opened = workbench.demo(responses=50, progress=False)
    directory = opened.config_path.parent
    opened.close()
    assert not directory.exists()
    assert opened._cleanup is not None
    assert not opened._cleanup.alive
    opened.close()  # twice is harmless


def test_export_to_xlsx_is_a_workbook_and_an_unknown_ending_is_refused(
    synced: Workbench, tmp_path: Path
) -> None:
    import zipfile

    from workbench.analysis import ExportError

    out = synced.export(tmp_path / "pricing.xlsx", filter="tag:PRICING", columns=["id", "score"])
    assert zipfile.is_zipfile(out)
    with pytest.raises(ExportError, match=r"supported endings are \.csv, \.parquet, \.xlsx"):
        synced.export(tmp_path / "pricing.txt")
    assert not (tmp_path / "pricing.txt").exists()


def test_the_notebook_export_writes_excel_and_refuses_other_names(tmp_path) -> None:
    import zipfile

    from workbench.analysis import ExportError
    from workbench.notebook.frames import export

    frame = pl.DataFrame({"id": ["1", "2"], "score": [3, 9]})
    written = export(frame, tmp_path / "scores.xlsx")
    assert zipfile.is_zipfile(written)  # a real workbook, not CSV under an .xlsx name
    with pytest.raises(ExportError, match=r"supported endings are \.csv, \.parquet, \.xlsx"):
        export(frame, tmp_path / "scores.xls")
    assert not (tmp_path / "scores.xls").exists()
