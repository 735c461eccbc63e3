"""`workbench` with no arguments opens the terminal app; `workbench demo` opens it on the demo.

The TUI is imported only when it is about to run, so the other commands start without loading
Textual.
"""

from __future__ import annotations

import click
import typer
import typer.core
from rich.markup import escape

from workbench.cli.context import load, settings_errors
from workbench.cli.output import console, fail
from workbench.settings import config_path, load_settings


def launch(ctx: typer.Context) -> None:
    """Open the terminal app on the configured accounts and their local store."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.tui import WorkbenchApp

    settings = load()

    def reload():
        with settings_errors():
            return load_settings()

    WorkbenchApp(settings, config_file=config_path(), settings_loader=reload).run()


def demo(
    responses: int = typer.Option(5_000, help="How many responses the sandbox makes up."),
    seed: int = typer.Option(7, help="The sandbox's random seed (the same seed, the same data)."),
) -> None:
    """Start the sandbox, write a demo config in a temporary directory, sync it and open the app."""
    from workbench.demo import start_demo
    from workbench.tui import WorkbenchApp

    console.print("Starting the sandbox and writing the demo configuration…")
    try:
        running = start_demo(responses=responses, seed=seed)
    except Exception as exc:  # the sandbox or its port: one line, no traceback
        fail(escape(f"the demo could not start: {type(exc).__name__}: {exc}"))
    with running:
        WorkbenchApp(
            running.settings,
            config_file=running.config_path,
            settings_loader=lambda: load_settings(running.config_path, environ={}),
            sync_on_start=True,
        ).run()
    console.print(
        f"Demo stopped; its temporary directory {escape(str(running.directory))} is gone."
    )


# --- help: option types as words -----------------------------------------------------------------

TYPE_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "file": "FILE"}
"""How `--help` names a value's type: a word, as click does, never typer's `<str>` or
`<list[str]>`; a choice shows its choices (`csv|parquet|xlsx`), a flag shows nothing."""


def help_type(param: click.Parameter, ctx: click.Context) -> str | None:
    """The word `--help` shows for a parameter's value: its metavar if it has one, nothing for
    a flag, the choices of a choice, else TYPE_WORDS of its type (a list adds "…, repeatable";
    a range's bounds follow, as typer prints them: `INTEGER [x>=1]`)."""
    option = isinstance(param, typer.core.TyperOption)
    if option and param.metavar is not None:
        return param.metavar
    if option and getattr(param, "is_flag", False):
        return None
    label = typer.core.TyperOption.display_type(param, ctx)  # type: ignore[arg-type]
    inner = label.removeprefix("<").removesuffix(">")
    repeated = inner.startswith("list[") and inner.endswith("]")
    if repeated:
        inner = inner.removeprefix("list[").removesuffix("]")
    inner = inner.removesuffix(" range")
    if "|" in inner:
        word = inner
    elif "," in inner:
        word = " ".join(TYPE_WORDS.get(part, part.upper()) for part in inner.split(","))
    else:
        word = TYPE_WORDS.get(inner, inner.upper())
    if repeated and option:
        return f"{word}, repeatable"
    if repeated or param.nargs != 1:
        return f"{word}…"
    return word


def words_in_help() -> None:
    """Make every `workbench … --help` name option types in words (`help_type`): one switch,
    turned on where the app is built, for the commands of every sub-app alike."""
    # typer types this hook with the classes of the click it vendors, not click's own
    typer.core.TyperOption.display_type_rich = help_type  # type: ignore[method-assign,assignment]
    typer.core.TyperArgument.display_type_rich = help_type  # type: ignore[method-assign,assignment]
