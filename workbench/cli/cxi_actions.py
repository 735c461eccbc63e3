"""CXI's write commands: `workbench import`, `workbench tag ...`, `workbench onboard`,
`workbench cxi-export`. Each builds a plan (data/actions/cxi*.py) and goes through
`act.carry_out`: the plan shown, --dry-run, a confirmation or --yes, progress, one line per
problem."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from workbench.cli.act import DryRunOption, ResendOption, YesOption, carry_out
from workbench.cli.context import load
from workbench.cli.output import console, errors, fail
from workbench.data.actions import cxi, cxi_tags
from workbench.data.actions.run import read_live
from workbench.settings import Settings, SettingsError
from workbench.sources.errors import SourceError
from workbench.sources.models.cxi import Tag

T = TypeVar("T")

AccountArgument = Annotated[
    str, typer.Argument(help="The account, as `workbench accounts list` names it.")
]


def account_settings(account: str, platform: str) -> Settings:
    """The settings, after checking that `account` exists and is on `platform`."""
    settings = load()
    found = settings.accounts.get(account)
    if found is None:
        names = ", ".join(n for n, a in settings.accounts.items() if a.platform == platform)
        fail(
            f"no account named {account!r}; the {platform} accounts are: {names or '(none)'} "
            "(`workbench accounts list`)",
            code=2,
        )
    if found.platform != platform:
        article = "an" if found.platform[0] in "aeiou" else "a"
        fail(
            f"{account} is {article} {found.platform} account; this command acts on {platform} "
            "accounts",
            code=2,
        )
    return settings


def live(settings: Settings, account: str, read: Callable[[Any], Awaitable[T]]) -> T:
    """Read something the plan needs from the platform (the current tags, a record's state)."""
    try:
        return asyncio.run(read_live(settings, account, read))
    except (SettingsError, SourceError) as exc:
        fail(escape(str(exc).splitlines()[0]))


# --- import ------------------------------------------------------------------------------------


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
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
) -> None:
    """Upload a CSV file as a new CXI import (checked locally first: nothing is uploaded while
    the file has a problem)."""
    settings = account_settings(account, "cxi")
    tag_names = _split(tags)
    project_ids = _projects(settings, account, _split(projects))
    try:
        plan = cxi.import_plan(
            account,
            str(file),
            name=name,
            metric_type=metric_type,
            language=language,
            tags=tag_names,
            projects=project_ids,
        )
    except cxi.ImportRefused as refused:
        for problem in refused.problems:
            errors.print(f"{escape(refused.name)}: {escape(str(problem))}", soft_wrap=True)
        fail(
            f"{escape(refused.name)} was not uploaded: fix the {len(refused.problems):,} "
            "problem(s) above and run the same command again",
            code=2,
        )
    except ValueError as exc:
        fail(escape(str(exc)), code=2)
    if tag_names:
        known = {t.name.upper() for t in live(settings, account, _all_tags)}
        unknown = [t for t in tag_names if t.upper() not in known]
        if unknown:
            fail(
                f"no tag {', '.join(unknown)} in {account}; create it first with "
                f"`workbench tag create {account} NAME`",
                code=2,
            )
    carry_out([plan], dry_run=dry_run, yes=yes, resend_unknown=resend_unknown)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _projects(settings: Settings, account: str, given: list[str]) -> list[str]:
    if not given:
        return []
    projects = live(settings, account, lambda c: cxi.cxi_client(c).list_projects())
    by_name = {p.name.casefold(): p.id for p in projects if p.name}
    ids = {p.id for p in projects}
    chosen = []
    for value in given:
        if value in ids:
            chosen.append(value)
        elif value.casefold() in by_name:
            chosen.append(by_name[value.casefold()])
        else:
            listed = ", ".join(f"{p.id} {p.name}" for p in projects) or "(none)"
            fail(f"no project {value!r} in {account}; the projects are: {listed}", code=2)
    return chosen


# --- tags --------------------------------------------------------------------------------------

tag_app = typer.Typer(
    help="Create, edit, disable, delete and apply CXI tags.", no_args_is_help=True
)


async def _all_tags(client: Any) -> list[Tag]:
    return [t async for t in cxi.cxi_client(client).iter_tags(flat=True)]


def _find_tag(settings: Settings, account: str, wanted: str) -> Tag:
    tags = live(settings, account, _all_tags)
    for tag in tags:
        if tag.id == wanted or tag.name.upper() == wanted.strip().upper():
            return tag
    close = [t.name for t in tags if wanted.strip().upper()[:3] in t.name.upper()][:8]
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else " (`workbench export tags -o tags.csv` lists them)"
    )
    fail(f"no tag {wanted!r} in {account}{hint}", code=2)


TermsOption = Annotated[
    list[str] | None,
    typer.Option("--text-match", help="A term that tags matching responses (repeatable)."),
]


@tag_app.command("create")
def tag_create(
    account: AccountArgument,
    name: Annotated[str, typer.Argument(help="The new tag's name (CXI upper-cases it).")],
    parent: Annotated[
        str | None, typer.Option("--parent", help="A top-level tag to nest it under.")
    ] = None,
    text_match: TermsOption = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Create a manual tag, or a text-match tag with --text-match terms."""
    settings = account_settings(account, "cxi")
    taken = [
        t for t in live(settings, account, _all_tags) if t.name.upper() == name.strip().upper()
    ]
    if taken:
        fail(
            f"{account} already has a tag {taken[0].name} (id {taken[0].id}); change it with "
            f"`workbench tag edit {account} {taken[0].id} ...`",
            code=2,
        )
    parent_tag = _find_tag(settings, account, parent) if parent else None
    if len(text_match or []) > 100:
        fail(f"a tag takes at most 100 --text-match terms, not {len(text_match or [])}", code=2)
    plan = cxi_tags.create_tag_plan(
        account, name, parent=parent_tag, text_match=text_match or (), description=description
    )
    carry_out([plan], dry_run=dry_run, yes=yes)


@tag_app.command("edit")
def tag_edit(
    account: AccountArgument,
    tag: Annotated[str, typer.Argument(help="The tag's name or id.")],
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="A top-level tag to move it under.")
    ] = None,
    text_match: TermsOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Rename a tag, change its description or parent, or replace its text-match terms."""
    settings = account_settings(account, "cxi")
    found = _find_tag(settings, account, tag)
    parent_tag = _find_tag(settings, account, parent) if parent else None
    changes: dict[str, Any] = {
        "name": name,
        "description": description,
        "parent_id": parent_tag.id if parent_tag else None,
        "text_match_terms": list(text_match) if text_match else None,
    }
    if text_match and found.mode == "manual":
        changes["mode"] = "text_match"
    try:
        plan = cxi_tags.edit_tag_plan(
            account, found, changes, parent_name=parent_tag.name if parent_tag else None
        )
    except ValueError as exc:
        fail(escape(str(exc)), code=2)
    carry_out([plan], dry_run=dry_run, yes=yes)


def _toggle(account: str, tag: str, enabled: bool, dry_run: bool, yes: bool) -> None:
    settings = account_settings(account, "cxi")
    found = _find_tag(settings, account, tag)
    if found.enabled is enabled:
        console.print(
            f"Nothing to do: {found.name} is already {'enabled' if enabled else 'disabled'}."
        )
        return
    carry_out(
        [cxi_tags.disable_tag_plan(account, found, enabled=enabled)], dry_run=dry_run, yes=yes
    )


@tag_app.command("disable")
def tag_disable(
    account: AccountArgument,
    tag: Annotated[str, typer.Argument(help="The tag's name or id.")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Disable a tag (undo with `workbench tag enable`)."""
    _toggle(account, tag, False, dry_run, yes)


@tag_app.command("enable")
def tag_enable(
    account: AccountArgument,
    tag: Annotated[str, typer.Argument(help="The tag's name or id.")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Enable a disabled tag again."""
    _toggle(account, tag, True, dry_run, yes)


@tag_app.command("delete")
def tag_delete(
    account: AccountArgument,
    tag: Annotated[str, typer.Argument(help="The tag's name or id.")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Delete a tag from the account and every response (asks for the account's name)."""
    settings = account_settings(account, "cxi")
    carry_out(
        [cxi_tags.delete_tag_plan(account, _find_tag(settings, account, tag))],
        dry_run=dry_run,
        yes=yes,
    )


@tag_app.command("apply")
def tag_apply(
    account: AccountArgument,
    import_id: Annotated[
        str, typer.Argument(metavar="IMPORT", help="The import's id (surveys table).")
    ],
    tags: Annotated[list[str], typer.Argument(help="Existing tags to apply to its responses.")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Apply existing tags to every response of an import."""
    settings = account_settings(account, "cxi")
    names = [_find_tag(settings, account, t).name for t in tags]
    carry_out([cxi_tags.apply_tags_plan(account, import_id, names)], dry_run=dry_run, yes=yes)


# --- onboarding and export ---------------------------------------------------------------------


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
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Complete a CXI account's onboarding (CXI answers 424 to everything until it is done).
    Without --category, lists the product categories to choose from."""
    settings = account_settings(account, "cxi")
    status = live(settings, account, lambda c: cxi.cxi_client(c).get_onboarding())
    if status.onboarded:
        console.print(
            f"{account} is already onboarded; `workbench sync {account}` reads it."
        )
        return
    choices = {str(c.id): c.name for c in status.product_categories}
    if category is None:
        console.print(f"{account} is not onboarded yet. Product categories:")
        for key, label in choices.items():
            console.print(f"  {key:>3}  {escape(label)}")
        console.print(f"Choose one: `workbench onboard {account} --category ID`")
        raise typer.Exit(2)
    chosen = (
        category
        if category in choices
        else next((k for k, v in choices.items() if v.casefold() == category.casefold()), None)
    )
    if chosen is None:
        fail(
            f"no product category {category!r}; run `workbench onboard {account}` to list them",
            code=2,
        )
    if import_metric_type and import_metric_type.lower() not in cxi.METRIC_TYPES:
        fail(f"--import-metric-type is one of {', '.join(cxi.METRIC_TYPES)}", code=2)
    plan = cxi.onboarding_plan(
        account,
        chosen,
        project_name=project_name,
        import_name=import_name,
        import_source=import_source,
        import_metric_type=import_metric_type.lower() if import_metric_type else None,
        import_language=import_language,
    )
    carry_out([plan], dry_run=dry_run, yes=yes)


def cxi_export(
    account: AccountArgument,
    export_type: Annotated[str, typer.Option("--type", help="responses or users.")] = "responses",
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    resend_unknown: ResendOption = False,
) -> None:
    """Ask CXI to e-mail a CSV export of the account's responses or users to its user."""
    account_settings(account, "cxi")
    try:
        plan = cxi.export_plan(account, export_type)
    except ValueError as exc:
        fail(escape(str(exc)), code=2)
    carry_out([plan], dry_run=dry_run, yes=yes, resend_unknown=resend_unknown)
