"""`workbench sandbox serve`'s dataset flags: bursts and dense days reach the generated data,
and a bad size is one line naming the flag (exit status 2). Real CLI (CliRunner)."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.cli import sandbox as cli_sandbox
from workbench.sandbox import Sandbox
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS

ACME = WOOTRIC_ACCOUNTS[0]


def serve(monkeypatch: pytest.MonkeyPatch, *flags: str) -> tuple[int, str, list[Sandbox]]:
    """Run `sandbox serve` with `flags`; the sandbox it would serve, instead of serving it."""
    served: list[Sandbox] = []
    monkeypatch.setattr(cli_sandbox, "serve_forever", lambda sandbox, *_: served.append(sandbox))
    result = CliRunner().invoke(app, ["sandbox", "serve", "--responses", "2000", *flags])
    return result.exit_code, result.output, served


def test_bursts_and_dense_days_flags_shape_the_first_account(monkeypatch) -> None:
    code, output, served = serve(monkeypatch, "--bursts", "2000,1600", "--dense-days", "4000")
    assert code == 0, output
    (sandbox,) = served
    assert sandbox.world.config.bursts == (2_000, 1_600)
    assert sandbox.world.config.dense_days == (4_000,)
    frame = sandbox.wootric.frame(ACME.account_token, "responses")
    per_second = frame.group_by("created_at").len().sort("len", descending=True)["len"]
    assert per_second.head(2).to_list() == [2_000, 1_600]
    day = pl.from_epoch("created_at").dt.convert_time_zone(ACME.time_zone).dt.date()
    assert frame.group_by(day).len()["len"].max() >= 4_000  # type: ignore[operator]


def test_no_bursts_is_an_empty_list(monkeypatch) -> None:
    code, output, served = serve(monkeypatch, "--bursts", "")
    assert code == 0, output
    assert served[0].world.config.bursts == ()


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (("--dense-days", "4000,x"), "--dense-days: '4000,x' is not a list of whole numbers"),
        (("--dense-days", "0"), "--dense-days: 0 is not a whole number of rows of 1 or more"),
        (("--bursts", "-3"), "--bursts: -3 is not a whole number of rows of 1 or more"),
    ],
)
def test_a_bad_size_is_one_line_naming_the_flag(monkeypatch, flags, named) -> None:
    code, output, served = serve(monkeypatch, *flags)
    assert code == 2
    assert served == []
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith(f"error: {named}"), output
