"""The CLI's polish, through the real commands on a real store: `report --format json|csv`,
`--version`, option types in words in `--help`, `export -o file.xlsx` (a real workbook, or a
refusal), other endings refused, unknown accounts and columns named in one line."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from importlib.metadata import version
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree

import click
import polars as pl
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tests.analysis.frames import synthetic
from workbench.analysis import nps
from workbench.analysis.report import report_frames
from workbench.analysis.segments import segment_breakdown
from workbench.cli import app
from workbench.data.store import Store
from workbench.settings import save_settings, settings_from

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pl.DataFrame]:
    """Two accounts' responses in the store (acme, globex) and one configured account that
    was never synced (initech)."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    responses = synthetic(2_000)
    store = Store(tmp_path / "store")
    for (account,), rows in responses.group_by("account"):
        target = store.account(str(account))
        target.ensure_meta("wootric")
        target.append("responses", rows)
    config = tmp_path / "config.toml"
    accounts = {"initech": {"platform": "apptentive", "token": "not-a-secret"}}
    save_settings(
        settings_from({"store_dir": str(tmp_path / "store"), "accounts": accounts}), config
    )
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    return tmp_path, responses


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output,
        result.exception,
    )
    return result.exit_code, result.stdout, result.stderr


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "internal error" not in lines[0]
    assert "Traceback" not in text
    return lines[0]


# --- report --format ---------------------------------------------------------------------------


def test_report_json_carries_every_figure_with_its_interval(workspace) -> None:
    _, responses = workspace
    code, out, _ = run(
        "report", "--format", "json", "--by", "plan", "--every", "month", "--time-zone", "UTC"
    )
    assert code == 0, out
    document = json.loads(out)
    assert {"overall", "segments", "trend", "tags", "scores"} <= set(document)
    assert document["metric"] == "nps"
    assert document["responses"] == responses.height
    overall = nps(responses).row(0, named=True)
    assert document["overall"][0]["n"] == overall["n"]
    assert document["overall"][0]["nps"] == pytest.approx(overall["nps"])
    assert document["overall"][0]["ci_low"] == pytest.approx(overall["ci_low"])
    assert document["overall"][0]["ci_high"] == pytest.approx(overall["ci_high"])
    expected = segment_breakdown(responses, "plan", "nps").sort("plan")
    segments = sorted(document["segments"], key=lambda row: row["plan"])
    assert [row["plan"] for row in segments] == expected["plan"].to_list()
    for row, want in zip(segments, expected.iter_rows(named=True), strict=True):
        for column in ("n", "nps", "ci_low", "ci_high", "rest", "difference", "p_adjusted"):
            assert row[column] == pytest.approx(want[column]), column
        assert {"difference_low", "difference_high", "comparison", "p_adjust"} <= set(row)
    assert all({"period", "n", "ci_low", "ci_high"} <= set(p) for p in document["trend"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", document["trend"][0]["period"])
    assert all({"tag", "impact", "impact_low", "impact_high"} <= set(t) for t in document["tags"])


def test_report_csv_is_one_long_table_of_the_same_figures(workspace) -> None:
    _, responses = workspace
    code, out, _ = run("report", "--format", "csv", "--by", "plan", "--time-zone", "UTC")
    assert code == 0, out
    table = pl.read_csv(StringIO(out))
    assert table.columns[:2] == ["section", "group"]
    assert set(table["section"]) == {"overall", "segments", "trend", "tags", "scores"}
    frames = report_frames(responses, by="plan", every="month", time_zone="UTC")
    segments = table.filter(pl.col("section") == "segments").sort("group")
    expected = frames.segments.sort("plan")  # type: ignore[union-attr]
    assert segments["group"].to_list() == expected["plan"].to_list()
    assert segments["by"].unique().to_list() == ["plan"]
    for column in ("n", "nps", "ci_low", "ci_high", "difference_low", "difference_high"):
        assert segments[column].to_list() == pytest.approx(expected[column].to_list()), column
    overall = table.filter(pl.col("section") == "overall")
    assert overall["group"].to_list() == ["all"]
    assert overall["n"][0] == frames.overall["n"][0]
    tags = table.filter(pl.col("section") == "tags")
    assert tags.height == frames.tags.height  # type: ignore[union-attr]  # every tag, not 10


def test_the_table_report_is_still_the_default(workspace) -> None:
    code, out, _ = run("report", "--by", "plan", "--time-zone", "UTC")
    assert code == 0, out
    assert "NPS report" in out
    assert "By plan, each against the rest" in out


# --- --version and --help -----------------------------------------------------------------------


def test_version_is_the_package_version(workspace) -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.strip() == f"workbench {version('feedback-workbench')}"


def commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", commands(get_command(app)), ids=" ".join)
def test_help_names_option_types_in_words(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    typer_types = re.findall(r"<[a-z_\[\]| ]+>", result.output)
    assert not typer_types, typer_types
    assert "list[" not in result.output
    assert " BOOL " not in result.output  # a flag shows no type at all


def test_help_words_are_the_expected_ones() -> None:
    export = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "160"}).output
    assert re.search(r"--output\s+-o\s+PATH", export)
    assert re.search(r"--account\s+-a\s+TEXT, repeatable", export)
    assert "csv|parquet|xlsx" in export
    report = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "160"}).output
    assert re.search(r"--min-n\s+INTEGER \[x>=1\]", report)
    assert "table|json|csv" in report


# --- export: Excel, endings, accounts, columns ---------------------------------------------------


def sheet_rows(path: Path) -> list[list[str]]:
    """The cells of the first sheet of an .xlsx, as text (shared strings resolved)."""
    with zipfile.ZipFile(path) as book:
        strings = [
            "".join(t.text or "" for t in item.iter(f"{MAIN}t"))
            for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        ]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{MAIN}row"):
        cells = []
        for cell in row.iter(f"{MAIN}c"):
            value = cell.findtext(f"{MAIN}v") or ""
            cells.append(strings[int(value)] if cell.get("t") == "s" else value)
        rows.append(cells)
    return rows


def test_export_xlsx_writes_a_real_excel_workbook(workspace) -> None:
    tmp_path, responses = workspace
    out = tmp_path / "scores.xlsx"
    code, stdout, stderr = run(
        "export", "responses", "--columns", "id,score,plan,created_at", "-o", str(out)
    )
    assert code == 0, stderr
    assert f"Wrote {responses.height:,} rows" in stdout
    assert zipfile.is_zipfile(out)
    rows = sheet_rows(out)
    assert rows[0] == ["id", "score", "property.plan", "created_at"]
    assert len(rows) == responses.height + 1
    by_id = {row["id"]: row for row in responses.iter_rows(named=True)}
    first = rows[1]
    assert float(first[1]) == by_id[first[0]]["score"]
    assert first[2] == by_id[first[0]]["properties"]["plan"]
    assert float(first[3]) > 40_000  # an Excel date serial, not text


def test_export_xlsx_without_xlsxwriter_is_refused_not_written_as_csv(
    workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path, _ = workspace
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # import fails as if not installed
    out = tmp_path / "x.xlsx"
    code, _, stderr = run("export", "responses", "-o", str(out))
    assert code == 1
    assert "xlsxwriter" in one_line(stderr)
    assert not out.exists()
    assert not list(tmp_path.glob(".x.xlsx.*"))  # no partial file left behind


@pytest.mark.parametrize(
    ("name", "options", "needle"),
    [
        ("x.txt", [], "ends in .txt; the supported endings are .csv, .parquet, .xlsx"),
        ("x.xls", [], "ends in .xls; the supported endings are .csv, .parquet, .xlsx"),
        ("noending", [], "has no ending; the supported endings are .csv, .parquet, .xlsx"),
        ("x.xlsx", ["--format", "csv"], "ends in .xlsx but the format is csv"),
        ("x.csv", ["--format", "parquet"], "ends in .csv but the format is parquet"),
    ],
)
def test_an_ending_export_cannot_honour_is_refused_in_one_line(
    workspace, name: str, options: list[str], needle: str
) -> None:
    tmp_path, _ = workspace
    out = tmp_path / name
    code, _, stderr = run("export", "responses", *options, "-o", str(out))
    assert code == 2
    assert needle in one_line(stderr)
    assert not out.exists()


def test_format_picks_the_format_for_a_name_without_a_known_ending(workspace) -> None:
    tmp_path, responses = workspace
    out = tmp_path / "scores.data"
    code, _, stderr = run("export", "responses", "--format", "parquet", "-o", str(out))
    assert code == 0, stderr
    assert pl.read_parquet(out).height == responses.height


@pytest.mark.parametrize("command", [["export", "responses", "-o", "x.csv"], ["report"]])
def test_an_unknown_account_gets_the_unknown_account_message(workspace, command) -> None:
    code, _, stderr = run(*command, "--account", "acmee")
    assert code == 2
    assert "no account named 'acmee'; did you mean 'acme'?" in one_line(stderr)
    code, _, stderr = run(*command, "--account", "zzz")
    assert "the accounts are acme, globex, initech" in one_line(stderr)
    assert "sync" not in stderr


def test_a_configured_account_never_synced_says_to_sync_it(workspace) -> None:
    code, _, stderr = run("export", "responses", "-a", "initech", "-o", "x.csv")
    assert code == 1
    assert "run `workbench sync initech` first" in one_line(stderr)


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx"])
@pytest.mark.parametrize(
    ("columns", "needle"),
    [
        ("id,Score", "did you mean 'score'?"),
        ("id,scroe", "did you mean 'score'?"),
        ("id,property.plna", "did you mean 'property.plan'?"),
        ("id,score,id", "column 'id' is named twice"),
        ("id,plan,property.plan", "column 'property.plan' is named twice"),
    ],
)
def test_a_bad_column_is_one_line_with_a_suggestion(
    workspace, suffix: str, columns: str, needle: str
) -> None:
    tmp_path, _ = workspace
    out = tmp_path / f"x.{suffix}"
    code, _, stderr = run("export", "responses", "--columns", columns, "-o", str(out))
    assert code == 2
    line = one_line(stderr)
    assert line.startswith("error: --columns:")
    assert needle in line
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_properties_by_name_in_every_format(workspace, suffix: str) -> None:
    tmp_path, _ = workspace
    out = tmp_path / f"x.{suffix}"
    code, _, stderr = run("export", "responses", "--columns", "id,plan,country", "-o", str(out))
    assert code == 0, stderr
    read = pl.read_parquet(out) if suffix == "parquet" else pl.read_csv(out)
    assert read.columns == ["id", "property.plan", "property.country"]
