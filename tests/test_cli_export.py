"""`workbench export`, `report` and `store` through the real CLI, on a real store on disk."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.analysis.frames import synthetic
from workbench.analysis import Filter, nps, read_csv
from workbench.analysis.filters import apply_filter
from workbench.cli import app
from workbench.data.store import Store
from workbench.settings import save_settings, settings_from


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pl.DataFrame]:
    """A config whose store holds two accounts' responses, as a sync would leave them."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    responses = synthetic(2_000)
    store = Store(tmp_path / "store")
    for (account,), rows in responses.group_by("account"):
        target = store.account(str(account))
        target.ensure_meta("wootric")
        target.append("responses", rows)
    config = tmp_path / "config.toml"
    save_settings(settings_from({"store_dir": str(tmp_path / "store")}), config)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    return tmp_path, responses


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_export_writes_exactly_the_filtered_rows(workspace) -> None:
    tmp_path, responses = workspace
    text = 'tag:PRICING metric:nps score:0-6 "price"'
    out = tmp_path / "detractors.csv"
    code, output = run("export", "responses", "--filter", text, "-o", str(out))
    assert code == 0, output
    expected = apply_filter(Filter.parse(text), responses).sort("id")
    written = read_csv(out).sort("id")
    assert written["id"].to_list() == expected["id"].to_list()
    assert len(expected) > 0
    assert f"Wrote {len(expected):,} rows" in output


def test_export_parquet_and_columns(workspace) -> None:
    tmp_path, responses = workspace
    out = tmp_path / "scores.parquet"
    code, output = run("export", "responses", "--columns", "id,score", "-o", str(out))
    assert code == 0, output
    assert pl.read_parquet(out).columns == ["id", "score"]
    assert pl.read_parquet(out).height == responses.height


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "nonsense", "-o", "x.csv"], "there is no table 'nonsense'"),
        (["export", "responses", "--filter", "tag:PRICNG", "-o", "x.csv"], "PRICING"),
        (["export", "responses", "--filter", 'score:"', "-o", "x.csv"], "--filter"),
        (["export", "responses", "-a", "initech", "-o", "x.csv"], "no account named 'initech'"),
        (["export", "responses", "-o", "/no/such/dir/x.csv"], "/no/such/dir"),
        (["report", "--by", "plann"], "plan"),
    ],
)
def test_bad_input_gets_one_line_that_says_what_to_do(workspace, args, needle) -> None:
    code, output = run(*args)
    assert code in (1, 2)
    assert needle in output
    assert "Traceback" not in output


def test_report_prints_the_same_nps_as_the_analysis_core(workspace) -> None:
    _, responses = workspace
    code, output = run("report", "--by", "plan", "--every", "month")
    assert code == 0, output
    overall = nps(responses)
    assert f"{overall['nps'][0]:.1f}" in output


def test_store_check_and_repair(workspace) -> None:
    tmp_path, _ = workspace
    code, output = run("store", "check")
    assert code == 0
    assert "sound" in output
    part = next((tmp_path / "store" / "acme").glob("responses.parts/*.parquet"))
    part.write_bytes(b"garbage")
    code, output = run("export", "responses", "-o", str(tmp_path / "x.csv"))
    assert code == 1
    assert "workbench store repair" in output
    code, output = run("store", "check")
    assert code == 1
    assert part.name in output
    code, output = run("store", "repair")
    assert code == 0
    assert "workbench sync" in output
    assert run("store", "check")[0] == 0


def errors(stderr: str) -> list[str]:
    """The refusals on stderr (notes such as a time-zone warning may come before them)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("text", ["tag:PRICNG", "plann=Enterprise", "account:initech", 'score:"'])
def test_report_refuses_what_export_refuses_with_the_same_line_and_status(
    workspace, text: str
) -> None:
    """Both commands take `--filter` through one function (checked against the store): the
    same refusal on stderr, the same exit status, nothing written or printed on stdout."""
    tmp_path, _ = workspace
    out = tmp_path / "refused.csv"
    exported = CliRunner().invoke(app, ["export", "responses", "--filter", text, "-o", str(out)])
    reported = CliRunner().invoke(app, ["report", "--filter", text])
    assert exported.exit_code == 2
    assert reported.exit_code == exported.exit_code
    refusals = [errors(exported.stderr), errors(reported.stderr)]
    assert refusals[0] == refusals[1]
    assert len(refusals[0]) == 1
    assert refusals[0][0].startswith("error: --filter: ")
    assert reported.stdout == ""
    assert not out.exists()


def test_report_prints_the_filter_it_applied(workspace) -> None:
    code, output = run("report", "--filter", "tag:PRICING", "--every", "month")
    assert code == 0, output
    assert "filter: tag:PRICING" in output
