"""Apptentive's write commands: `workbench archive` / `workbench unarchive` on the records a
filter selects, and `workbench deactivate-survey`."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import polars as pl
import typer

from workbench.cli.act import Write, rows_command, write_command
from workbench.cli.context import load, store
from workbench.cli.cxi_actions import AccountArgument, account_settings, planned
from workbench.data.actions import apptentive
from workbench.data.actions.plan import Plan


def _archive_plans(archive: bool, rows: pl.DataFrame) -> list[Plan]:
    return planned(apptentive.archive_plans_for(load(), rows, archive=archive))


_ONLY_APPTENTIVE = "only Apptentive records can be archived"

archive = rows_command(
    "archive",
    """Archive the filtered Apptentive records (handled feedback); undo with
    `workbench unarchive` and the same filter.""",
    plans=partial(_archive_plans, True),
    left_alone=apptentive.not_archivable,
    why=_ONLY_APPTENTIVE,
)
unarchive = rows_command(
    "unarchive",
    """Bring the filtered Apptentive records back from the archive (undoes `archive`).""",
    plans=partial(_archive_plans, False),
    left_alone=apptentive.not_archivable,
    why=_ONLY_APPTENTIVE,
)


@write_command()
def deactivate_survey(
    account: AccountArgument,
    survey_id: Annotated[
        str, typer.Argument(metavar="SURVEY_ID", help="The survey's id (surveys table).")
    ],
    *,
    write: Write,
) -> None:
    """Stop an Apptentive survey from taking submissions (the API cannot activate it again)."""
    settings = account_settings(account, "apptentive")
    plan = planned(apptentive.deactivate_plan_for(settings, account, survey_id, store(settings)))
    write.carry_out([plan])
