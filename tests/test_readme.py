"""Every example in README.md runs on the demo and gives a non-empty result.

The README is read as a person reads it: the shell commands of its ```bash/```sh/```console
blocks run, in order, through a real subprocess against a demo store laid out where the
workbench looks by default (the config in the user config dir, the store in the user data dir,
under a home of the test's own); the ```python blocks run in one namespace, statement by
statement, as a notebook would; the filter-language examples each select rows; `workbench ...`
spans in the prose name commands and options that exist. A command fails the test on a non-zero
exit, a traceback, or an empty result ("n=0", "0 rows", an empty frame, a report without
segments, a CSV with no rows).

Some commands cannot run here; each is skipped by one of the `SKIP_RULES` below, and every
command the rules skip is named in `SKIPPED`, so a new one is never skipped in silence. Some run
with a listed change (`ADAPTATIONS`): a sandbox served in-process instead of
`workbench sandbox serve`, a scratch copy of the configuration for the commands that edit the
account list, the password through `--password-stdin` where a person would be asked for it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.notebook import SyncResult, Workbench, demo, open_workbench
from workbench.notebook.display import TextBlock
from workbench.sandbox import Sandbox, SandboxConfig, ServedSandbox
from workbench.sandbox.accounts import WOOTRIC_USERS
from workbench.sandbox.faults import FaultSpec
from workbench.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
SANDBOX_PORT = "127.0.0.1:8765"
"""Where the README's `workbench sandbox serve` listens by default."""


# --- reading the README ----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int  # of the opening fence, 1-based


FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def blocks(*languages: str) -> list[Block]:
    text = readme_text()
    found = [
        Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1)
        for m in FENCE.finditer(text)
    ]
    return [b for b in found if not languages or b.language in languages]


def prose() -> str:
    """The README without its fenced blocks."""
    return FENCE.sub("", readme_text())


def without_comment(line: str) -> str:
    """The line up to an unquoted `#` that starts a shell comment."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


@dataclass(frozen=True)
class Command:
    text: str
    block: int  # the README line of the block's fence
    position: int  # in the block

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text)

    def __str__(self) -> str:
        return self.text


def shell_commands() -> list[Command]:
    """Each command of the shell blocks: continuation lines joined, prompts and comments off."""
    commands = []
    for block in blocks(*SHELL_LANGUAGES):
        joined = re.sub(r"\\\n\s*", "", block.text)
        lines = [without_comment(line.removeprefix("$ ").strip()) for line in joined.splitlines()]
        texts = [line for line in lines if line]
        commands.extend(Command(t, block.line, i) for i, t in enumerate(texts))
    return commands


def inline_commands() -> list[str]:
    """`workbench ...` spans in the prose, in order, each once."""
    spans = re.findall(r"`(workbench(?: [^`]*)?)`", prose())
    return list(dict.fromkeys(spans))


# --- which commands run, and how -------------------------------------------------------------


def _opens_the_tui(argv: list[str]) -> bool:
    return argv in (["workbench"], ["workbench", "demo"], ["workbench", "ui"])


SKIP_RULES: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (
    (
        "installs into a fresh .venv, then starts the TUI or the whole test suite (the quick "
        "start: this run is that test suite)",
        lambda argv: "python3" in argv[:1] and "venv" in argv,
    ),
    ("installs packages", lambda argv: "pip" in argv[:2] or "install" in argv[1:3]),
    ("opens the TUI, which runs until it is closed", _opens_the_tui),
    ("logs in through a web browser", lambda argv: argv[:2] == ["workbench", "auth"]),
    (
        "serves until stopped (the curl examples get the same sandbox served in-process)",
        lambda argv: argv[:3] == ["workbench", "sandbox", "serve"],
    ),
    (
        "serves the app to a browser until stopped (tests/test_serve.py opens it in Chromium)",
        lambda argv: argv[:2] == ["workbench", "serve"],
    ),
)

SKIPPED = {
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/workbench demo": 0,
    "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest -n 2": 0,
    "workbench auth field-team": 3,
    "workbench serve --demo": 5,
}
"""Every README block command a rule skips, with the index of that rule in SKIP_RULES."""

SKIPPED_INLINE = {
    "workbench": 2,
    "workbench demo": 2,
    "workbench sandbox serve": 4,
    "workbench serve": 5,
}
"""Every `workbench ...` span in the prose that names a command which is not run (its names and
options are still checked against `--help`)."""

ADAPTATIONS = (
    "curl: the sandbox is served in-process on a free port instead of by `workbench sandbox "
    "serve` on 8765, and `<access_token>` is the token the previous curl was answered",
    "workbench accounts ...: run on a scratch copy of the configuration, after the block's "
    "earlier account commands, so that the demo's accounts stay for the commands after them",
    "workbench accounts add with --email and no password: the password a person would be "
    "asked for comes through --password-stdin",
)

EXPECTED_FAILURES: dict[str, str] = {}
"""README commands that fail today for a cause outside the README and the sandbox's data
(xfail, strict): command -> cause."""


def skip_reason(argv: list[str]) -> str | None:
    for reason, applies in SKIP_RULES:
        if applies(argv):
            return reason
    return None


def rule_of(argv: list[str]) -> int | None:
    return next((i for i, (_, applies) in enumerate(SKIP_RULES) if applies(argv)), None)


def runnable() -> list[Command]:
    return [c for c in shell_commands() if skip_reason(c.argv) is None]


def command_params() -> list[Any]:
    params = []
    for command in runnable():
        marks = []
        if command.text in EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[command.text], strict=True))
        params.append(pytest.param(command, id=command.text[:60], marks=marks))
    return params


# --- the demo the README runs against --------------------------------------------------------


@dataclass
class ReadmeDemo:
    home: Path
    env: dict[str, str]
    workbench: Workbench
    config: Path

    def scratch_config(self, directory: Path) -> Path:
        copy = directory / "config.toml"
        shutil.copy(self.config, copy)
        return copy


def home_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        COLUMNS="160",
        PYTHONIOENCODING="utf-8",
    )
    return env


@pytest.fixture(scope="module")
def readme_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadmeDemo]:
    """The demo, synced once, laid out where a person's workbench keeps things: the config in
    ~/.config/workbench/config.toml, the store in ~/.local/share/workbench/store."""
    home = tmp_path_factory.mktemp("readme") / "home"
    data = home / ".local" / "share" / "workbench"
    with demo(directory=data, progress=False) as workbench:
        result = workbench.sync()
        assert result.ok, result.errors
        config = home / ".config" / "workbench" / "config.toml"
        config.parent.mkdir(parents=True)
        shutil.copy(data / "config.toml", config)
        yield ReadmeDemo(home, home_environment(home), workbench, config)


@pytest.fixture(scope="module")
def served_sandbox() -> Iterator[ServedSandbox]:
    """What `workbench sandbox serve` serves with its defaults, on a free port."""
    with ServedSandbox(Sandbox(SandboxConfig())) as served:
        yield served


# --- what counts as an empty result ----------------------------------------------------------

EMPTY = re.compile(r"\bn=0\b|\b0 rows\b|\b0 responses\b|\bno responses\b|shape: \(0,", re.I)


def assert_ran(command: str, code: int, output: str) -> None:
    assert code == 0, f"{command}\nexit {code}\n{output}"
    assert "Traceback" not in output, f"{command}\n{output}"
    assert output.strip(), f"{command}: printed nothing"
    found = EMPTY.search(output)
    assert found is None, f"{command}: an empty result ({found.group(0)!r})\n{output}"


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def assert_report_has_figures(argv: list[str], output: str) -> None:
    counted = re.search(r"NPS report · ([\d,]+) responses", output)
    assert counted, output
    assert int(counted.group(1).replace(",", "")) > 0, output
    by = option(argv, "--by")
    if by is not None:
        section = output.split(f"By {by}", 1)
        assert len(section) == 2, f"no 'By {by}' section:\n{output}"
        rows = [line for line in section[1].splitlines() if "│" in line]
        assert rows, f"the 'By {by}' section has no segments:\n{output}"


def assert_export_wrote_rows(argv: list[str], output: str, cwd: Path) -> None:
    wrote = re.search(r"Wrote ([\d,]+) rows", output)
    assert wrote, output
    assert int(wrote.group(1).replace(",", "")) > 0, output
    target = cwd / (option(argv, "-o") or option(argv, "--output") or "")
    assert target.is_file(), output
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) > 1, f"{target.name} holds no rows"


def run(argv: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None):
    """A README command through a real process: `workbench` is this interpreter's."""
    if argv[0] == "workbench":
        argv = [sys.executable, "-m", "workbench", *argv[1:]]
    return subprocess.run(
        argv, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300
    )


# --- the tests: what the README holds --------------------------------------------------------


def test_the_readme_has_examples_of_every_kind() -> None:
    assert len(runnable()) >= 10
    assert len(blocks("python")) >= 2
    assert inline_commands()


def test_every_skipped_command_is_named() -> None:
    skipped = {c.text: rule_of(c.argv) for c in shell_commands() if rule_of(c.argv) is not None}
    assert skipped == SKIPPED
    inline = {s: rule_of(shlex.split(s)) for s in inline_commands()}
    assert {s: r for s, r in inline.items() if r is not None} == SKIPPED_INLINE


def test_the_quick_start_is_two_commands() -> None:
    """The first section: one command installs and opens the demo, one installs and tests."""
    first = readme_text().split("\n## ", 2)[1]
    assert first.startswith("Quick start")
    commands = [m.group(2).strip() for m in FENCE.finditer(first)]
    assert commands == list(SKIPPED)[:2]


def test_the_readme_sends_nobody_outside_the_repository() -> None:
    assert "../shared" not in readme_text()
    assert "shared/" not in readme_text()


# --- the tests: running it -------------------------------------------------------------------


@pytest.mark.parametrize("command", command_params())
def test_readme_command(command: Command, readme_demo: ReadmeDemo, request, tmp_path) -> None:
    argv = command.argv
    env = dict(readme_demo.env)
    stdin = None
    if argv[0] == "curl":
        served = request.getfixturevalue("served_sandbox")
        run_curl(command, served, tmp_path)
        return
    if argv[:2] == ["workbench", "accounts"]:
        env["WORKBENCH_CONFIG"] = str(readme_demo.scratch_config(tmp_path))
        for earlier in shell_commands():
            same_block = earlier.block == command.block and earlier.position < command.position
            if same_block and earlier.argv[:2] == ["workbench", "accounts"]:
                replay(earlier.argv, env)
        argv, stdin = with_password_from_stdin(argv)
    result = run(argv, env, tmp_path, stdin)
    output = result.stdout + result.stderr
    assert_ran(command.text, result.returncode, output)
    if argv[:2] == ["workbench", "report"]:
        assert_report_has_figures(argv, output)
    if argv[:2] == ["workbench", "export"]:
        assert_export_wrote_rows(argv, output, tmp_path)
    if argv[:2] == ["workbench", "sync"]:
        assert "Sync summary" in output
        named = [a for a in argv[2:] if not a.startswith("-") and not a[0].isdigit()]
        for account in named or list(readme_demo.workbench.settings.accounts):
            assert account in output, f"{command}: {account} is not in the summary\n{output}"


def with_password_from_stdin(argv: list[str]) -> tuple[list[str], str | None]:
    asks = argv[2:3] == ["add"] and "--email" in argv and "--password" not in argv
    if not asks:
        return argv, None
    return [*argv, "--password-stdin"], WOOTRIC_USERS[0].password + "\n"


def replay(argv: list[str], env: dict[str, str]) -> None:
    """An earlier account command of the block, in-process (it only sets the scene)."""
    argv, stdin = with_password_from_stdin(argv)
    result = CliRunner().invoke(app, argv[1:], env=env, input=stdin)
    assert result.exit_code == 0, result.output


def run_curl(command: Command, served: ServedSandbox, cwd: Path) -> None:
    """The README's curl lines in order: the first gets a token, the next ones use it."""
    env = dict(os.environ)
    token = None
    for earlier in shell_commands():
        if earlier.block != command.block or earlier.position > command.position:
            continue
        text = earlier.text.replace(SANDBOX_PORT, f"{served.host}:{served.port}")
        if token is not None:
            text = text.replace("<access_token>", token)
        result = run(shlex.split(text), env, cwd)
        assert_ran(earlier.text, result.returncode, result.stdout + result.stderr)
        answer = json.loads(result.stdout)
        assert answer, f"{earlier}: an empty answer"
        if isinstance(answer, dict) and "access_token" in answer:
            token = answer["access_token"]


# --- python blocks ---------------------------------------------------------------------------


def assert_not_empty(value: Any, where: str) -> None:
    """A value a statement produced is a real result: rows, a file with rows, a chart."""
    if isinstance(value, pl.LazyFrame):
        value = value.head(5).collect()
    if isinstance(value, pl.DataFrame):
        assert value.height > 0, f"{where}: an empty frame"
        if "n" in value.columns:
            assert value["n"].sum() > 0, f"{where}: n=0\n{value}"
    elif isinstance(value, SyncResult):
        assert value.ok, f"{where}: {value.errors}"
    elif isinstance(value, Path):
        assert value.is_file(), f"{where}: {value} was not written"
        assert len(value.read_text(encoding="utf-8-sig").splitlines()) > 1, f"{where}: no rows"
    elif isinstance(value, TextBlock):
        found = EMPTY.search(value.text)
        assert value.text.strip(), f"{where}: an empty chart"
        assert found is None, f"{where}: an empty chart\n{value.text}"
    elif value is None:
        pytest.fail(f"{where}: returned nothing")


def python_statements() -> list[tuple[str, ast.stmt, str]]:
    """(where, statement, source) for every statement of every python block, in order."""
    statements = []
    for block in blocks("python"):
        tree = ast.parse(block.text)
        for statement in tree.body:
            source = ast.get_source_segment(block.text, statement) or ""
            statements.append((f"README.md:{block.line + statement.lineno}", statement, source))
    return statements


def test_python_blocks_in_one_namespace(readme_demo: ReadmeDemo, monkeypatch, tmp_path) -> None:
    """Run as a person would in a notebook: one namespace, block after block, with the home the
    README's paths (`~/.local/share/workbench/store/...`) point into."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, readme_demo.env[name])
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    try:
        for where, statement, source in python_statements():
            if isinstance(statement, ast.Expr):
                code = compile(ast.Expression(statement.value), where, "eval")
                assert_not_empty(eval(code, namespace), f"{where} {source}")
                continue
            exec(compile(ast.Module([statement], []), where, "exec"), namespace)
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        assert_not_empty(namespace[target.id], f"{where} {source}")
    finally:
        for value in namespace.values():
            if isinstance(value, Workbench):
                value.close()


# --- the filter language, the other blocks, the prose ----------------------------------------


def filter_examples() -> list[str]:
    paragraph = prose().split("The filter language", 1)[1].split("\n\n", 1)[0]
    spans = re.findall(r"`([^`]+)`", paragraph)
    return [s for s in spans if s != "..."]


@pytest.fixture(scope="module")
def pinned(readme_demo: ReadmeDemo) -> Iterator[Workbench]:
    """The demo's store with `last:` counted from the day its data ends (the data does not move
    with the calendar)."""
    end = SandboxConfig().end.date() - timedelta(days=1)
    with open_workbench(readme_demo.config, progress=False, today=end) as workbench:
        yield workbench


def test_the_filter_language_has_examples() -> None:
    examples = filter_examples()
    assert {"plan=Enterprise", "revenue>=5000", "country in (US,UK)"} <= set(examples)


@pytest.mark.parametrize("text", filter_examples())
def test_filter_example_selects_rows(text: str, pinned: Workbench) -> None:
    selected = pinned.responses(text)
    assert selected.height > 0, f"{text}: 0 rows on the demo"
    assert selected.height < pinned.responses("excluded:include").height or text.startswith(
        "excluded:"
    ), f"{text}: selects everything"


def test_toml_blocks_are_settings_the_workbench_reads(tmp_path: Path) -> None:
    for i, block in enumerate(blocks("toml")):
        path = tmp_path / f"{i}.toml"
        path.write_text(block.text, encoding="utf-8")
        settings = load_settings(path, environ={})
        for name, value in re.findall(r"^(\w+)\s*=\s*([\d.]+)", block.text, re.M):
            section = re.findall(r"^\[(\w+)\]", block.text[: block.text.index(name)], re.M)[-1]
            assert getattr(getattr(settings, section), name) == float(value)


def test_sql_blocks_run_in_duckdb(readme_demo: ReadmeDemo, monkeypatch) -> None:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is not a dependency of the workbench")
    monkeypatch.setenv("HOME", str(readme_demo.home))
    for block in blocks("sql"):
        rows = duckdb.sql(block.text.replace("~", str(readme_demo.home))).fetchall()
        assert rows, block.text


def help_text(words: list[str]) -> str:
    result = CliRunner().invoke(app, [*words, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"workbench {' '.join(words)}: {result.output}"
    return result.output


def command_words(argv: list[str]) -> list[str]:
    """The command path of a `workbench ...` line: its words before the first option."""
    words = []
    for word in argv[1:]:
        if word.startswith("-") or word.startswith("["):
            break
        words.append(word)
    return words


def assert_options_exist(argv: list[str]) -> None:
    shown = help_text(command_words(argv))
    for word in argv:
        name = word.strip("[]").split("=", 1)[0]
        if name.startswith("--"):
            assert name in shown, f"workbench {' '.join(command_words(argv))} has no {name}"


@pytest.mark.parametrize("span", inline_commands())
def test_inline_commands_exist(span: str) -> None:
    assert_options_exist(shlex.split(span))


def test_text_blocks_show_real_options() -> None:
    synopses = [b for b in blocks("text") if b.text.startswith("workbench ")]
    assert synopses
    for block in synopses:
        assert_options_exist(block.text.split())


def test_the_fault_examples_parse() -> None:
    specs = re.findall(r"`((?:\w+=[\w.]+,)+\w+=[\w.]+)`", prose())
    assert specs
    for spec in specs:
        assert FaultSpec.parse(spec) != FaultSpec()
