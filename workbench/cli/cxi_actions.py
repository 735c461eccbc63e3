"""CXI's write commands: `workbench import`, `workbench tag ...`, `workbench onboard`,
`workbench cxi-export`. Each builds a plan (data/actions/cxi*.py) and goes through
`act.carry_out`: the plan shown, --dry-run, a confirmation or --yes, progress, one line per
problem."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from workbench.cli.act import Write, write_command
from workbench.cli.context import load
from workbench.cli.output import console, errors, fail
from workbench.data.actions import cxi, cxi_tags
from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import NothingToDo, PlanRefused, check_account
from workbench.settings import Settings, SettingsError
from workbench.sources.errors import SourceError

T = TypeVar("T")

AccountArgument = Annotated[
    str, typer.Argument(help="The account, as `workbench accounts list` names it.")
]


def account_settings(account: str, platform: str) -> Settings:
    """The settings, after checking that `account` exists and is on `platform`."""
    settings = load()
    try:
        check_account(settings, account, platform)
    except PlanRefused as exc:
        fail(escape(str(exc)), code=2)
    return settings


def planned(make: Coroutine[Any, Any, T]) -> T:
    """Run a data layer's `*_for` planning (its live reads included) and end the command with
    one line when it cannot plan: exit 2 for what was asked, 1 for a platform that did not
    answer, 0 when there is nothing to do."""
    try:
        return asyncio.run(make)
    except NothingToDo as done:
        console.print(escape(str(done)))
        raise typer.Exit(0) from None
    except PlanRefused as exc:
        fail(escape(str(exc)), code=2)
    except (SettingsError, SourceError) as exc:
        fail(escape(str(exc).splitlines()[0]))


def _carry_out(
    write: Write, make: Callable[[Settings], Coroutine[Any, Any, Plan]], account: str
) -> None:
    """Plan a CXI action with `make(settings)`, the account checked first, and carry it out."""
    write.carry_out([planned(make(account_settings(account, "cxi")))])


# --- import ------------------------------------------------------------------------------------


@write_command(resend=True)
def import_(
    account: AccountArgument,
    file: Annotated[Path, typer.Argument(help="The CSV file: a feedback_date column at least.")],
    name: Annotated[
        str | None, typer.Option("--name", help="The import's name (default: the file's).")
    ] = None,
    metric_type: Annotated[
        str | None, typer.Option("--metric-type", help="nps, csat, ces or other.")
    ] = None,
    language: Annotated[str | None, typer.Option("--language", help="e.g. en, es, de.")] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tags", help="Existing tags to apply (repeatable, or a,b)."),
    ] = None,
    projects: Annotated[
        list[str] | None,
        typer.Option("--projects", help="Project ids or names (repeatable, or a,b)."),
    ] = None,
    *,
    write: Write,
) -> None:
    """Upload a CSV file as a new CXI import (checked locally first: nothing is uploaded while
    the file has a problem)."""
    settings = account_settings(account, "cxi")
    try:
        plan = planned(
            cxi.import_plan_for(
                settings,
                account,
                str(file),
                name=name,
                metric_type=metric_type,
                language=language,
                tags=tags,
                projects=projects,
            )
        )
    except cxi.ImportRefused as refused:
        for problem in refused.problems:
            errors.print(f"{escape(refused.name)}: {escape(str(problem))}", soft_wrap=True)
        fail(
            f"{escape(refused.name)} was not uploaded: fix the {len(refused.problems):,} "
            "problem(s) above and run the same command again",
            code=2,
        )
    write.carry_out([plan])


# --- tags --------------------------------------------------------------------------------------

tag_app = typer.Typer(
    help="Create, edit, disable, delete and apply CXI tags.", no_args_is_help=True
)


TermsOption = Annotated[
    list[str] | None,
    typer.Option("--text-match", help="A term that tags matching responses (repeatable)."),
]
DescriptionOption = Annotated[str | None, typer.Option("--description")]


@tag_app.command("create")
@write_command()
def tag_create(
    account: AccountArgument,
    name: Annotated[str, typer.Argument(help="The new tag's name (CXI upper-cases it).")],
    parent: Annotated[
        str | None, typer.Option("--parent", help="A top-level tag to nest it under.")
    ] = None,
    text_match: TermsOption = None,
    description: DescriptionOption = None,
    *,
    write: Write,
) -> None:
    """Create a manual tag, or a text-match tag with --text-match terms."""
    terms = text_match or ()
    fields: cxi_tags.TagFields = {"parent": parent, "text_match": terms, "description": description}
    _carry_out(write, lambda s: cxi_tags.create_tag_plan_for(s, account, name, **fields), account)


@tag_app.command("edit")
@write_command()
def tag_edit(
    account: AccountArgument,
    tag: Annotated[str, typer.Argument(help="The tag's name or id.")],
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    description: DescriptionOption = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="A top-level tag to move it under.")
    ] = None,
    text_match: TermsOption = None,
    *,
    write: Write,
) -> None:
    """Rename a tag, change its description or parent, or replace its text-match terms."""
    terms = text_match or ()
    edits: cxi_tags.TagEdits = {
        "name": name,
        "description": description,
        "parent": parent,
        "text_match": terms,
    }
    _carry_out(write, lambda s: cxi_tags.edit_tag_plan_for(s, account, tag, **edits), account)


TagArgument = Annotated[str, typer.Argument(help="The tag's name or id.")]


def _tag_command(
    doc: str, make: Callable[[Settings, str, str], Coroutine[Any, Any, Plan]]
) -> Callable[..., None]:
    """`workbench tag disable|enable|delete ACCOUNT TAG`: `make(settings, account, tag)` plans
    it; `doc` is the help Typer shows."""

    def command(account: AccountArgument, tag: TagArgument, *, write: Write) -> None:
        _carry_out(write, lambda settings: make(settings, account, tag), account)

    command.__doc__ = doc
    return write_command()(command)


tag_disable = tag_app.command("disable")(
    _tag_command(
        "Disable a tag (undo with `workbench tag enable`).",
        partial(cxi_tags.toggle_tag_plan_for, enabled=False),
    )
)
tag_enable = tag_app.command("enable")(
    _tag_command(
        "Enable a disabled tag again.", partial(cxi_tags.toggle_tag_plan_for, enabled=True)
    )
)
tag_delete = tag_app.command("delete")(
    _tag_command(
        "Delete a tag from the account and every response (asks for the account's name).",
        cxi_tags.delete_tag_plan_for,
    )
)


@tag_app.command("apply")
@write_command()
def tag_apply(
    account: AccountArgument,
    import_id: Annotated[
        str, typer.Argument(metavar="IMPORT", help="The import's id (surveys table).")
    ],
    tags: Annotated[list[str], typer.Argument(help="Existing tags to apply to its responses.")],
    *,
    write: Write,
) -> None:
    """Apply existing tags to every response of an import."""
    _carry_out(write, lambda s: cxi_tags.apply_tags_plan_for(s, account, import_id, tags), account)


# --- onboarding and export ---------------------------------------------------------------------


@write_command()
def onboard(
    account: AccountArgument,
    category: Annotated[
        str | None, typer.Option("--category", help="The product category's id or name.")
    ] = None,
    project_name: Annotated[str | None, typer.Option("--project-name")] = None,
    import_name: Annotated[str | None, typer.Option("--import-name")] = None,
    import_source: Annotated[str | None, typer.Option("--import-source")] = None,
    import_metric_type: Annotated[str | None, typer.Option("--import-metric-type")] = None,
    import_language: Annotated[str | None, typer.Option("--import-language")] = None,
    *,
    write: Write,
) -> None:
    """Complete a CXI account's onboarding (CXI answers 424 to everything until it is done).
    Without --category, lists the product categories to choose from."""
    settings = account_settings(account, "cxi")
    try:
        plan = planned(
            cxi.onboarding_plan_for(
                settings,
                account,
                category,
                project_name=project_name,
                import_name=import_name,
                import_source=import_source,
                import_metric_type=import_metric_type,
                import_language=import_language,
            )
        )
    except cxi.ChooseCategory as choose:
        console.print(f"{account} is not onboarded yet. Product categories:")
        for key, label in choose.choices.items():
            console.print(f"  {key:>3}  {escape(label)}")
        console.print(f"Choose one: `workbench onboard {account} --category ID`")
        raise typer.Exit(2) from None
    write.carry_out([plan])


@write_command(resend=True)
def cxi_export(
    account: AccountArgument,
    export_type: Annotated[str, typer.Option("--type", help="responses or users.")] = "responses",
    *,
    write: Write,
) -> None:
    """Ask CXI to e-mail a CSV export of the account's responses or users to its user."""
    settings = account_settings(account, "cxi")
    try:
        plan = cxi.export_plan_for(settings, account, export_type)
    except PlanRefused as exc:
        fail(escape(str(exc)), code=2)
    write.carry_out([plan])
