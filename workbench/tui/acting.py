"""The write actions of the TUI: which pane offers each, on which key, and the plans they build.

Defined once here: the panes take their bindings from `bindings(pane)`, the app runs them
through `action_act(name)` (`workbench.tui.acts`), and the palette and the help list them from
the same bindings. Every action acts on the rows the filter in effect selects (what the pane
lists), or on the tag, survey or account under the cursor, and goes through `ActionPlanScreen`:
the plan first, then the person's go, then the run.

The plans come from the data layer's builders, the same ones the CLI and the notebook call
(`workbench.data.actions`); what the TUI adds is how it gathers their inputs: the selection,
the row under the cursor, and the answers to the action's questions (`Field`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl
from textual.binding import Binding

from workbench.data.actions import apptentive, crowdskout, cxi, cxi_tags
from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import PlanRefused
from workbench.data.actions.undoing import UndoError, undo_plans
from workbench.data.actions.wootric import exclusion_plans, not_excludable
from workbench.data.actions.wootric_people import (
    email_survey_plans,
    end_users_of,
    erase_plans,
    property_plans,
)
from workbench.data.store import Store
from workbench.settings import Settings


@dataclass(frozen=True)
class Field:
    """One question of an action's form."""

    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = False


@dataclass(frozen=True)
class Context:
    """What an action acts on, gathered by the app before the plan is built."""

    settings: Settings
    store: Store
    responses: pl.DataFrame
    """The responses the filter in effect selects."""
    end_users: pl.DataFrame
    """Every stored end user (the actions on people pick the selection's among them)."""
    tags: pl.DataFrame
    """The stored tags (which CXI accounts have the tag under the cursor)."""
    surveys: pl.DataFrame
    """The stored surveys and CXI imports (an import named rather than given by id)."""
    current: Mapping[str, Any] | None = None
    """The row under the cursor of the pane (a tag, a survey) or the selected account."""
    answers: Mapping[str, str] = field(default_factory=dict)

    def people(self) -> pl.DataFrame:
        """The stored Wootric end users who gave the selected responses."""
        return end_users_of(self.responses, self.end_users)

    def accounts(self, platform: str) -> list[str]:
        return sorted(n for n, a in self.settings.accounts.items() if a.platform == platform)

    def account(self) -> str:
        """The account the person chose (or the only one there is to choose)."""
        given = self.answers.get("account", "").strip()
        if not given:
            raise PlanRefused("say which account")
        return given


Build = Callable[[Context], Awaitable[list[Plan]]]
"""The plans (one per account), read live when the builder needs the platform's state."""
Check = Callable[[Context], str | None]
"""Why the action has nothing to act on (one line), or None."""
Fields = Callable[[Context], Sequence[Field]]
Note = Callable[[Context], str | None]
"""What the plan leaves out of the selection and why (other platforms' rows), or None."""


@dataclass(frozen=True)
class PaneAction:
    name: str
    pane: str
    """The pane (tab id) whose key runs it; its rows (or cursor) are the ones acted on."""
    key: str
    title: str
    build: Build
    check: Check = lambda ctx: None
    fields: Fields = lambda ctx: ()
    current: str | None = None
    """What under the pane's cursor it acts on: "tag", "survey", "account" (None: the rows)."""
    live: bool = False
    """The builder reads the platform first (the plan screen waits for it)."""
    note: Note = lambda ctx: None


# --- what each action needs ----------------------------------------------------------------


def _none_of(platform: str, what: str, action: str) -> Check:
    def check(ctx: Context) -> str | None:
        rows = ctx.responses.filter(pl.col("platform") == platform).height
        if rows:
            return None
        return f"The filter selects no {what}: {action} acts on {what} only."

    return check


def _people_check(action: str) -> Check:
    def check(ctx: Context) -> str | None:
        if ctx.people().height:
            return None
        return (
            f"The filter selects no Wootric end user in the store: {action} acts on the "
            "Wootric end users who gave the filtered responses."
        )

    return check


def _account_field(ctx: Context, platform: str, among: Sequence[str] | None = None) -> list[Field]:
    """The account question, unless there is only one account to choose from."""
    names = list(among) if among is not None else ctx.accounts(platform)
    if len(names) == 1:
        return []
    return [Field("account", f"Account ({', '.join(names)})", names[0] if names else "", "", True)]


def _with_account(ctx: Context, platform: str, among: Sequence[str] | None = None) -> Context:
    """The context with the only account filled in when no question was asked."""
    names = list(among) if among is not None else ctx.accounts(platform)
    if ctx.answers.get("account") or len(names) != 1:
        return ctx
    return replace(ctx, answers={**ctx.answers, "account": names[0]})


def _terms(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _left_alone(count: Callable[[pl.DataFrame], dict[str, int]], why: str) -> Note:
    def note(ctx: Context) -> str | None:
        others = count(ctx.responses)
        if not others:
            return None
        listed = ", ".join(f"{n:,} {platform}" for platform, n in sorted(others.items()))
        return f"Left alone: {listed} responses ({why})."

    return note


EXCLUSION_NOTE = _left_alone(not_excludable, "their platform's API cannot exclude responses")
ARCHIVE_NOTE = _left_alone(apptentive.not_archivable, "only Apptentive records are archived")

# --- Responses -------------------------------------------------------------------------------


async def _exclude(ctx: Context) -> list[Plan]:
    return exclusion_plans(ctx.responses, exclude=True)


async def _include(ctx: Context) -> list[Plan]:
    return exclusion_plans(ctx.responses, exclude=False)


async def _archive(ctx: Context) -> list[Plan]:
    return await apptentive.archive_plans_for(ctx.settings, ctx.responses, archive=True)


async def _unarchive(ctx: Context) -> list[Plan]:
    return await apptentive.archive_plans_for(ctx.settings, ctx.responses, archive=False)


def _survey_fields(ctx: Context) -> list[Field]:
    return [
        Field("subject", "Subject of the e-mail", "How likely are you to recommend us?"),
        Field("intro", "Introduction (optional)"),
        Field("sender", "Sender's name (optional)"),
        Field("delay", "Delay (days 1-31, optional)"),
    ]


async def _email_survey(ctx: Context) -> list[Plan]:
    delay = ctx.answers.get("delay", "").strip()
    if delay and not delay.isdigit():
        raise PlanRefused(f"the delay is a number of days (1 to 31), not {delay!r}")
    try:
        return email_survey_plans(
            ctx.people(),
            subject=ctx.answers.get("subject") or None,
            intro=ctx.answers.get("intro") or None,
            senders_name=ctx.answers.get("sender") or None,
            delay=int(delay) if delay else None,
        )
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None


async def _undo(ctx: Context) -> list[Plan]:
    try:
        undo = undo_plans(ctx.store)
    except UndoError as exc:
        raise PlanRefused(str(exc)) from None
    return undo.plans


# --- Tags ----------------------------------------------------------------------------------


def _tag(ctx: Context) -> str:
    return str((ctx.current or {}).get("tag", ""))


def _tag_accounts(ctx: Context) -> list[str]:
    """The configured CXI accounts that store the tag under the cursor."""
    name = _tag(ctx).upper()
    tags = ctx.tags
    if tags.is_empty():
        return []
    found = tags.filter(
        (pl.col("platform") == cxi.PLATFORM) & (pl.col("name").str.to_uppercase() == name)
    )
    configured = set(ctx.accounts(cxi.PLATFORM))
    return sorted(set(found["account"].to_list()) & configured)


def _tag_check(ctx: Context) -> str | None:
    if not _tag(ctx):
        return "No tag under the cursor: the Tags pane lists the filtered responses' tags."
    if not _tag_accounts(ctx):
        return (
            f"{_tag(ctx)} is not a tag of a configured CXI account: tags are edited in CXI "
            "accounts only."
        )
    return None


def _cxi_check(ctx: Context) -> str | None:
    if ctx.accounts(cxi.PLATFORM):
        return None
    return "No CXI account is configured: add one in Accounts (a)."


def _tag_fields(extra: Callable[[Context], list[Field]]) -> Fields:
    return lambda ctx: [*_account_field(ctx, cxi.PLATFORM, _tag_accounts(ctx)), *extra(ctx)]


async def _create_tag(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, cxi.PLATFORM)
    plan = await cxi_tags.create_tag_plan_for(
        ctx.settings,
        ctx.account(),
        ctx.answers.get("name", "").strip(),
        text_match=_terms(ctx.answers.get("terms", "")),
        description=ctx.answers.get("description") or None,
    )
    return [plan]


async def _edit_tag(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, cxi.PLATFORM, _tag_accounts(ctx))
    plan = await cxi_tags.edit_tag_plan_for(
        ctx.settings,
        ctx.account(),
        _tag(ctx),
        name=ctx.answers.get("name") or None,
        description=ctx.answers.get("description") or None,
        text_match=_terms(ctx.answers.get("terms", "")),
    )
    return [plan]


def _toggle_tag(enabled: bool) -> Build:
    async def build(ctx: Context) -> list[Plan]:
        ctx = _with_account(ctx, cxi.PLATFORM, _tag_accounts(ctx))
        return [
            await cxi_tags.toggle_tag_plan_for(
                ctx.settings, ctx.account(), _tag(ctx), enabled=enabled
            )
        ]

    return build


async def _delete_tag(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, cxi.PLATFORM, _tag_accounts(ctx))
    return [await cxi_tags.delete_tag_plan_for(ctx.settings, ctx.account(), _tag(ctx))]


def _import_id(ctx: Context, account: str, wanted: str) -> str:
    """The id of the account's stored CXI import with that id or name (any case); else as
    given (the API then says it has no such import)."""
    surveys = ctx.surveys
    if surveys.is_empty():
        return wanted
    imports = surveys.filter(
        (pl.col("platform") == cxi.PLATFORM) & (pl.col("account") == account)
    ).select("id", "name")
    for ident, name in imports.iter_rows():
        if wanted == str(ident) or wanted.casefold() == str(name or "").casefold():
            return str(ident)
    return wanted


async def _apply_tags(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, cxi.PLATFORM, _tag_accounts(ctx))
    account = ctx.account()
    import_id = _import_id(ctx, account, ctx.answers.get("import", "").strip())
    tags = _terms(ctx.answers.get("tags", "")) or [_tag(ctx)]
    return [await cxi_tags.apply_tags_plan_for(ctx.settings, account, import_id, tags)]


# --- Surveys -------------------------------------------------------------------------------


def _import_fields(ctx: Context) -> list[Field]:
    return [
        *_account_field(ctx, cxi.PLATFORM),
        Field("path", "CSV file", "/path/to/responses.csv", required=True),
        Field("name", "Name (optional)", "the file's name"),
        Field("metric", f"Metric ({'|'.join(cxi.METRIC_TYPES)})", "nps"),
        Field("language", "Language (optional)", "en"),
        Field("tags", "Tags (optional)", "A,B"),
    ]


def _expanded(path: str) -> str:
    return str(Path(path).expanduser())


async def _import(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, cxi.PLATFORM)
    path = ctx.answers.get("path", "").strip()
    plan = await cxi.import_plan_for(
        ctx.settings,
        ctx.account(),
        _expanded(path),
        name=ctx.answers.get("name") or None,
        metric_type=(ctx.answers.get("metric") or "").lower() or None,
        language=ctx.answers.get("language") or None,
        tags=_terms(ctx.answers.get("tags", "")),
    )
    return [plan]


def _survey_check(ctx: Context) -> str | None:
    if ctx.current is None:
        return (
            "No Apptentive survey under the cursor: move to one in the Apptentive surveys "
            "table first."
        )
    return None


async def _deactivate(ctx: Context) -> list[Plan]:
    survey = ctx.current or {}
    plan = await apptentive.deactivate_plan_for(
        ctx.settings, str(survey["account"]), str(survey["id"]), ctx.store
    )
    return [plan]


# --- End users -----------------------------------------------------------------------------


def _push_check(ctx: Context) -> str | None:
    if not ctx.accounts(crowdskout.PLATFORM):
        return "No Crowdskout account is configured: add one in Accounts (a)."
    if ctx.responses.is_empty():
        return "The filter selects no responses: push acts on the people who gave them."
    return None


def _push_fields(ctx: Context) -> list[Field]:
    return [
        *_account_field(ctx, crowdskout.PLATFORM),
        Field("attribute", "Crowdskout attribute (created when missing)", required=True),
        Field("type", f"Type of a new attribute ({', '.join(crowdskout.TYPES)})", "Tag", "Tag"),
        Field("value", "Value (optional for a Tag)"),
    ]


async def _push(ctx: Context) -> list[Plan]:
    ctx = _with_account(ctx, crowdskout.PLATFORM)
    account = ctx.account()
    end_users = ctx.end_users.filter(pl.col("account") == account)
    plan = await crowdskout.push_plan_for(
        ctx.settings,
        account,
        ctx.answers.get("attribute", "").strip(),
        ctx.responses,
        end_users,
        kind=ctx.answers.get("type") or "Tag",
        value=ctx.answers.get("value") or None,
    )
    return [plan]


def _property_fields(ctx: Context) -> list[Field]:
    return [Field("property", "Property to set, NAME=VALUE", "pricing_plan=Enterprise", "", True)]


async def _set_property(ctx: Context) -> list[Plan]:
    name, equals, value = ctx.answers.get("property", "").partition("=")
    if not equals or not name.strip():
        raise PlanRefused("write the property as NAME=VALUE, e.g. pricing_plan=Enterprise")
    return property_plans(ctx.people(), {name.strip(): value.strip()})


async def _erase(ctx: Context) -> list[Plan]:
    return erase_plans(ctx.people())


# --- Accounts ------------------------------------------------------------------------------


def _onboard_check(ctx: Context) -> str | None:
    account = (ctx.current or {}).get("account")
    if not account:
        return "Select a CXI account in Accounts first."
    found = ctx.settings.accounts.get(str(account))
    if found is None or found.platform != cxi.PLATFORM:
        return f"{account} is not a configured CXI account: only CXI accounts are onboarded."
    return None


def onboarding_fields(choices: Mapping[str, str]) -> list[Field]:
    """The documented fields of `PUT /v1/onboarding`, the category among `choices`."""
    listed = ", ".join(f"{k} {v}" for k, v in choices.items())
    first = next(iter(choices), "")
    return [
        Field("category", f"Product category ({listed})", first, first, True),
        Field("project_name", "Project name (optional)"),
        Field("import_name", "First import's name (optional)"),
        Field("import_source", "First import's source (optional)"),
        Field("import_metric_type", f"Its metric type ({'|'.join(cxi.METRIC_TYPES)}, optional)"),
        Field("import_language", "Its language (optional)", "en"),
    ]


async def _onboard(ctx: Context) -> list[Plan]:
    """Raises `cxi.ChooseCategory` until the form gave a category (the app then asks)."""
    a = ctx.answers
    plan = await cxi.onboarding_plan_for(
        ctx.settings,
        str((ctx.current or {})["account"]),
        a.get("category") or None,
        project_name=a.get("project_name") or None,
        import_name=a.get("import_name") or None,
        import_source=a.get("import_source") or None,
        import_metric_type=a.get("import_metric_type") or None,
        import_language=a.get("import_language") or None,
    )
    return [plan]


ACTIONS: tuple[PaneAction, ...] = (
    PaneAction(
        "exclude",
        "responses",
        "x",
        "Exclude the filtered responses from calculations",
        _exclude,
        _none_of("wootric", "Wootric responses", "exclude"),
        note=EXCLUSION_NOTE,
    ),
    PaneAction(
        "include",
        "responses",
        "i",
        "Include the filtered responses in calculations again",
        _include,
        _none_of("wootric", "Wootric responses", "include"),
        note=EXCLUSION_NOTE,
    ),
    PaneAction(
        "archive",
        "responses",
        "A",
        "Archive the filtered Apptentive records",
        _archive,
        _none_of("apptentive", "Apptentive records", "archive"),
        live=True,
        note=ARCHIVE_NOTE,
    ),
    PaneAction(
        "unarchive",
        "responses",
        "R",
        "Restore the filtered Apptentive records from the archive",
        _unarchive,
        _none_of("apptentive", "Apptentive records", "unarchive"),
        live=True,
        note=ARCHIVE_NOTE,
    ),
    PaneAction(
        "email-survey",
        "responses",
        "m",
        "Survey the filtered responses' end users by e-mail",
        _email_survey,
        _people_check("the e-mail survey"),
        _survey_fields,
    ),
    PaneAction(
        "undo",
        "responses",
        "u",
        "Undo the last action that can be undone",
        _undo,
    ),
    PaneAction(
        "tag-create",
        "tags",
        "c",
        "Create a CXI tag",
        _create_tag,
        _cxi_check,
        lambda ctx: [
            *_account_field(ctx, cxi.PLATFORM),
            Field("name", "Name of the tag", required=True),
            Field("terms", "Text-match terms (optional)", "refund, money back"),
            Field("description", "Description (optional)"),
        ],
        live=True,
    ),
    PaneAction(
        "tag-edit",
        "tags",
        "e",
        "Edit the tag under the cursor",
        _edit_tag,
        _tag_check,
        _tag_fields(
            lambda ctx: [
                Field("name", "New name (optional)", _tag(ctx)),
                Field("terms", "Text-match terms (optional)", "refund, money back"),
                Field("description", "Description (optional)"),
            ]
        ),
        current="tag",
        live=True,
    ),
    PaneAction(
        "tag-disable",
        "tags",
        "d",
        "Disable the tag under the cursor",
        _toggle_tag(False),
        _tag_check,
        _tag_fields(lambda ctx: []),
        current="tag",
        live=True,
    ),
    PaneAction(
        "tag-enable",
        "tags",
        "o",
        "Enable the tag under the cursor again",
        _toggle_tag(True),
        _tag_check,
        _tag_fields(lambda ctx: []),
        current="tag",
        live=True,
    ),
    PaneAction(
        "tag-delete",
        "tags",
        "delete",
        "Delete the tag under the cursor",
        _delete_tag,
        _tag_check,
        _tag_fields(lambda ctx: []),
        current="tag",
        live=True,
    ),
    PaneAction(
        "tag-apply",
        "tags",
        "p",
        "Apply the tag under the cursor to a CXI import",
        _apply_tags,
        _tag_check,
        _tag_fields(
            lambda ctx: [
                Field("import", "Import (id or name)", required=True),
                Field("tags", "Tags, comma separated", _tag(ctx), _tag(ctx), True),
            ]
        ),
        current="tag",
        live=True,
    ),
    PaneAction(
        "import",
        "surveys",
        "i",
        "Import a CSV file into a CXI account",
        _import,
        _cxi_check,
        _import_fields,
        live=True,
    ),
    PaneAction(
        "deactivate-survey",
        "surveys",
        "d",
        "Deactivate the Apptentive survey under the cursor",
        _deactivate,
        _survey_check,
        current="survey",
        live=True,
    ),
    PaneAction(
        "push",
        "end-users",
        "p",
        "Push the filtered responses' people to a Crowdskout attribute",
        _push,
        _push_check,
        _push_fields,
        live=True,
    ),
    PaneAction(
        "set-property",
        "end-users",
        "s",
        "Set a property on the filtered end users",
        _set_property,
        _people_check("set property"),
        _property_fields,
    ),
    PaneAction(
        "erase",
        "end-users",
        "delete",
        "Erase the filtered end users with their responses",
        _erase,
        _people_check("erase"),
    ),
    PaneAction(
        "onboard",
        "accounts",
        "o",
        "Complete the CXI onboarding of the selected account",
        _onboard,
        _onboard_check,
        current="account",
        live=True,
    ),
)

BY_NAME = {action.name: action for action in ACTIONS}
PANE_TITLES = {
    "responses": "Responses",
    "tags": "Tags",
    "surveys": "Surveys",
    "end-users": "End users",
    "accounts": "Accounts",
}
"""The panes with actions, in the order the palette and the help list them."""


def bindings(pane: str) -> list[Binding]:
    """The keys of a pane's actions, for its BINDINGS (and from there the palette and help)."""
    return [
        Binding(a.key, f"app.act('{a.name}')", a.title, show=False)
        for a in ACTIONS
        if a.pane == pane
    ]
