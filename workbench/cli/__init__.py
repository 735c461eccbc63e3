"""The `workbench` command line: one Typer app with a sub-app per noun.

Every command turns a failure a person can meet into one red line that says what to do, and an
exit code of 1 or 2; no traceback reaches the terminal.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Annotated

import typer

from workbench.cli import (
    accounts,
    apptentive_actions,
    auth,
    crowdskout_actions,
    cxi_actions,
    exclusion,
    export,
    log,
    people,
    sandbox,
    serve,
    store,
    sync,
    ui,
)
from workbench.cli import undo as undo_command
from workbench.cli.output import console, errors

ui.words_in_help()
app = typer.Typer(
    name="workbench",
    help="Feedback workbench: customer feedback from Wootric, CXI, Apptentive and Crowdskout.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(accounts.app, name="accounts")
app.add_typer(store.app, name="store")
app.command()(auth.auth)
app.command()(sync.sync)
app.command()(export.export)
app.command()(export.report)
app.command()(exclusion.exclude)
app.command()(exclusion.include)
app.command()(log.log)
app.command("import")(cxi_actions.import_)
app.add_typer(cxi_actions.tag_app, name="tag")
app.command()(cxi_actions.onboard)
app.command("cxi-export")(cxi_actions.cxi_export)
app.command()(apptentive_actions.archive)
app.command()(apptentive_actions.unarchive)
app.command("deactivate-survey")(apptentive_actions.deactivate_survey)
app.command()(crowdskout_actions.push)
app.command()(undo_command.undo)
app.command("email-survey")(people.email_survey)
app.command("set-property")(people.set_property)
app.command()(people.erase)
app.command("decline-property")(people.decline_property)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"workbench {version('feedback-workbench')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version of the workbench and exit.",
        ),
    ] = False,
) -> None:
    """Feedback workbench: customer feedback from Wootric, CXI, Apptentive and Crowdskout.

    With no command, opens the terminal app on the configured accounts."""
    ui.launch(ctx)


app.command()(ui.demo)
app.command()(serve.serve)


def main() -> None:
    """Run the CLI; a bug still ends in one line (WORKBENCH_DEBUG=1 shows the traceback)."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        errors.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc}. This is a bug in the "
            "workbench; run again with WORKBENCH_DEBUG=1 for the traceback and report it."
        )
        raise SystemExit(70) from None
