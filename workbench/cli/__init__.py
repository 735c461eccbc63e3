"""The `workbench` command line: one Typer app with a sub-app per noun.

Every command turns a failure a person can meet into one red line that says what to do, and an
exit code of 1 or 2; no traceback reaches the terminal.
"""

from __future__ import annotations

import typer

from workbench.cli import accounts, sandbox

app = typer.Typer(
    name="workbench",
    help="Feedback workbench: customer feedback from Wootric, CXI, Apptentive and Crowdskout.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(accounts.app, name="accounts")


def main() -> None:
    app()
