"""Errors a person meets on the command line are one line naming what is wrong and what to do,
with exit status 2, never "internal error ... This is a bug" (status 70). Real CLI (CliRunner),
real store on disk."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.analysis.frames import synthetic
from workbench.analysis import Filter, FilterSyntaxError
from workbench.analysis.filters import apply_filter
from workbench.cli import app
from workbench.data.store import Store
from workbench.settings import save_settings, settings_from


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    store = Store(tmp_path / "store")
    target = store.account("acme")
    target.ensure_meta("wootric")
    target.append("responses", synthetic(200).with_columns(pl.lit("acme").alias("account")))
    config = tmp_path / "config.toml"
    save_settings(settings_from({"store_dir": str(tmp_path / "store")}), config)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    return tmp_path


def run(*args: str, stdin: str | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output, result.exception


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "internal error" not in output
    assert "bug" not in output
    return lines[0]


@pytest.mark.parametrize("period", ["800000d", "99999999999999d", "2147483648d", "200000w"])
def test_a_last_period_before_year_one_is_a_filter_error(workspace: Path, period: str) -> None:
    out = workspace / "out.csv"
    code, output, exc = run("export", "responses", "--filter", f"last:{period}", "-o", str(out))
    assert code == 2, (output, exc)
    line = one_error_line(output)
    assert f"last: {period} reaches before year 1" in line
    assert "at most" in line
    assert not out.exists()


def test_the_longest_last_period_still_works(workspace: Path) -> None:
    from workbench.analysis.filter_model import longest_last_days

    longest = longest_last_days()
    with pytest.raises(FilterSyntaxError, match="reaches before year 1"):
        Filter.parse(f"last:{longest + 1}d")
    chosen = Filter.parse(f"last:{longest}d")
    assert chosen.last_days == longest
    stored = Store(workspace / "store").account("acme").read("responses")
    expected = apply_filter(Filter.parse("since:0001-01-01"), stored)
    assert apply_filter(chosen, stored, time_zone="Pacific/Kiritimati").height == expected.height
    out = workspace / "all.csv"
    code, output, exc = run("export", "responses", "--filter", f"last:{longest}d", "-o", str(out))
    assert code == 0, (output, exc)
    assert pl.read_csv(out).height == expected.height


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_an_unknown_column_is_one_line_with_a_suggestion(workspace: Path, suffix: str) -> None:
    out = workspace / f"out.{suffix}"
    code, output, exc = run("export", "responses", "--columns", "id,scroe", "-o", str(out))
    assert code == 2, (output, exc)
    line = one_error_line(output)
    assert "--columns" in line
    assert "'scroe'" in line
    assert "did you mean 'score'?" in line
    assert not out.exists()


def test_a_column_with_no_close_name_lists_what_there_is(workspace: Path) -> None:
    out = workspace / "out.csv"
    code, output, exc = run("export", "responses", "--columns", "id,nope", "-o", str(out))
    assert code == 2, (output, exc)
    line = one_error_line(output)
    assert "'nope'" in line
    assert "score" in line  # the known columns are named


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Los_Angeles", "Pacific/Kiritimati"])
@pytest.mark.parametrize("text", ["since:0001-01-01", "until:9999-12-31", "since:9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_select_without_overflow(
    workspace: Path, zone: str, text: str
) -> None:
    stored = Store(workspace / "store").account("acme").read("responses")
    dated = apply_filter(Filter(), stored, time_zone=zone).height  # what no date term selects
    selected = apply_filter(Filter.parse(text), stored, time_zone=zone).height
    assert selected == (0 if text == "since:9999-12-31" else dated)
    code, output, exc = run("report", "--filter", text, "--time-zone", zone)
    assert code in (0, 1), (output, exc)  # 1: "too few responses" style answers are fine
    assert "internal error" not in output
    assert not isinstance(exc, OverflowError)
