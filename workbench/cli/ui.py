"""`workbench` with no arguments opens the terminal app; `workbench demo` opens it on the demo.

The TUI is imported only when it is about to run, so the other commands start without loading
Textual.
"""

from __future__ import annotations

import typer
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

    def reload():  # type: ignore[no-untyped-def]
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
