"""The write actions' checks, questions and plan builders, per pane (the table is `acting`).

The plans come from the data layer's builders, the same ones the CLI and the notebook call
(`workbench.data.actions`); what the TUI adds is how it gathers their inputs: the selection,
the row under the cursor, and the answers to the action's questions (`Field`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from workbench.data.actions import apptentive, crowdskout, cxi, cxi_tags
from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import PlanRefused
from workbench.data.actions.undoing import UndoError, undo_plans
from workbench.data.actions.wootric import exclusion_plans, not_excludable
from workbench.data.actions.wootric_people import email_survey_plans, erase_plans, property_plans
from workbench.tui.action_specs import Build, Check, Context, Field, Fields, Note

# --- what each action needs ----------------------------------------------------------------


def none_of(platform: str, what: str, action: str) -> Check:
    def check(ctx: Context) -> str | None:
        rows = ctx.responses.filter(pl.col("platform") == platform).height
        if rows:
            return None
        return f"The filter selects no {what}: {action} acts on {what} only."

    return check


def people_check(action: str) -> Check:
    def check(ctx: Context) -> str | None:
        if ctx.people().height:
            return None
        return (
            f"The filter selects no Wootric end user in the store: {action} acts on the "
            "Wootric end users who gave the filtered responses."
        )

    return check


def account_field(ctx: Context, platform: str, among: Sequence[str] | None = None) -> list[Field]:
    """The account question, unless there is only one account to choose from."""
    names = list(among) if among is not None else ctx.accounts(platform)
    if len(names) == 1:
        return []
    return [Field("account", f"Account ({', '.join(names)})", names[0] if names else "", "", True)]


def with_account(ctx: Context, platform: str, among: Sequence[str] | None = None) -> Context:
    """The context with the only account filled in when no question was asked."""
    names = list(among) if among is not None else ctx.accounts(platform)
    if ctx.answers.get("account") or len(names) != 1:
        return ctx
    return replace(ctx, answers={**ctx.answers, "account": names[0]})


def terms(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def left_alone(count: Callable[[pl.DataFrame], dict[str, int]], why: str) -> Note:
    def note(ctx: Context) -> str | None:
        others = count(ctx.responses)
        if not others:
            return None
        listed = ", ".join(f"{n:,} {platform}" for platform, n in sorted(others.items()))
        return f"Left alone: {listed} responses ({why})."

    return note


EXCLUSION_NOTE = left_alone(not_excludable, "their platform's API cannot exclude responses")
ARCHIVE_NOTE = left_alone(apptentive.not_archivable, "only Apptentive records are archived")

# --- Responses -------------------------------------------------------------------------------


async def exclude(ctx: Context) -> list[Plan]:
    return exclusion_plans(ctx.responses, exclude=True)


async def include(ctx: Context) -> list[Plan]:
    return exclusion_plans(ctx.responses, exclude=False)


async def archive(ctx: Context) -> list[Plan]:
    return await apptentive.archive_plans_for(ctx.settings, ctx.responses, archive=True)


async def unarchive(ctx: Context) -> list[Plan]:
    return await apptentive.archive_plans_for(ctx.settings, ctx.responses, archive=False)


def survey_fields(ctx: Context) -> list[Field]:
    return [
        Field("subject", "Subject of the e-mail", "How likely are you to recommend us?"),
        Field("intro", "Introduction (optional)"),
        Field("sender", "Sender's name (optional)"),
        Field("delay", "Delay (days 1-31, optional)"),
    ]


async def email_survey(ctx: Context) -> list[Plan]:
    delay = ctx.answers.get("delay", "").strip()
    if delay and not delay.isdigit():
        raise PlanRefused(f"the delay is a number of days (1 to 31), not {delay!r}")
    try:
        return email_survey_plans(
            ctx.people(),
            subject=ctx.answers.get("subject") or None,
            intro=ctx.answers.get("intro") or None,
            sender_name=ctx.answers.get("sender") or None,
            delay=int(delay) if delay else None,
        )
    except ValueError as exc:
        raise PlanRefused(str(exc)) from None


async def undo(ctx: Context) -> list[Plan]:
    try:
        found = undo_plans(ctx.store)
    except UndoError as exc:
        raise PlanRefused(str(exc)) from None
    return found.plans


# --- Tags ----------------------------------------------------------------------------------


def tag_of(ctx: Context) -> str:
    return str((ctx.current or {}).get("tag", ""))


def tag_accounts(ctx: Context) -> list[str]:
    """The configured CXI accounts that store the tag under the cursor."""
    name = tag_of(ctx).upper()
    tags = ctx.tags
    if tags.is_empty():
        return []
    found = tags.filter(
        (pl.col("platform") == cxi.PLATFORM) & (pl.col("name").str.to_uppercase() == name)
    )
    configured = set(ctx.accounts(cxi.PLATFORM))
    return sorted(set(found["account"].to_list()) & configured)


def tag_check(ctx: Context) -> str | None:
    if not tag_of(ctx):
        return "No tag under the cursor: the Tags pane lists the filtered responses' tags."
    if not tag_accounts(ctx):
        return (
            f"{tag_of(ctx)} is not a tag of a configured CXI account: tags are edited in CXI "
            "accounts only."
        )
    return None


def cxi_check(ctx: Context) -> str | None:
    if ctx.accounts(cxi.PLATFORM):
        return None
    return "No CXI account is configured: add one in Accounts (a)."


def tag_fields(extra: Callable[[Context], list[Field]]) -> Fields:
    return lambda ctx: [*account_field(ctx, cxi.PLATFORM, tag_accounts(ctx)), *extra(ctx)]


def create_tag_fields(ctx: Context) -> list[Field]:
    return [
        *account_field(ctx, cxi.PLATFORM),
        Field("name", "Name of the tag", required=True),
        Field("terms", "Text-match terms (optional)", "refund, money back"),
        Field("description", "Description (optional)"),
    ]


def edit_tag_fields(ctx: Context) -> list[Field]:
    return [
        Field("name", "New name (optional)", tag_of(ctx)),
        Field("terms", "Text-match terms (optional)", "refund, money back"),
        Field("description", "Description (optional)"),
    ]


def apply_tag_fields(ctx: Context) -> list[Field]:
    return [
        Field("import", "Import (id or name)", required=True),
        Field("tags", "Tags, comma separated", tag_of(ctx), tag_of(ctx), True),
    ]


async def create_tag(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, cxi.PLATFORM)
    plan = await cxi_tags.create_tag_plan_for(
        ctx.settings,
        ctx.account(),
        ctx.answers.get("name", "").strip(),
        text_match=terms(ctx.answers.get("terms", "")),
        description=ctx.answers.get("description") or None,
    )
    return [plan]


async def edit_tag(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, cxi.PLATFORM, tag_accounts(ctx))
    plan = await cxi_tags.edit_tag_plan_for(
        ctx.settings,
        ctx.account(),
        tag_of(ctx),
        name=ctx.answers.get("name") or None,
        description=ctx.answers.get("description") or None,
        text_match=terms(ctx.answers.get("terms", "")),
    )
    return [plan]


def toggle_tag(enabled: bool) -> Build:
    async def build(ctx: Context) -> list[Plan]:
        ctx = with_account(ctx, cxi.PLATFORM, tag_accounts(ctx))
        return [
            await cxi_tags.toggle_tag_plan_for(
                ctx.settings, ctx.account(), tag_of(ctx), enabled=enabled
            )
        ]

    return build


async def delete_tag(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, cxi.PLATFORM, tag_accounts(ctx))
    return [await cxi_tags.delete_tag_plan_for(ctx.settings, ctx.account(), tag_of(ctx))]


def import_id_of(ctx: Context, account: str, wanted: str) -> str:
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


async def apply_tags(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, cxi.PLATFORM, tag_accounts(ctx))
    account = ctx.account()
    import_id = import_id_of(ctx, account, ctx.answers.get("import", "").strip())
    tags = terms(ctx.answers.get("tags", "")) or [tag_of(ctx)]
    return [await cxi_tags.apply_tags_plan_for(ctx.settings, account, import_id, tags)]


# --- Surveys -------------------------------------------------------------------------------


def import_fields(ctx: Context) -> list[Field]:
    return [
        *account_field(ctx, cxi.PLATFORM),
        Field("path", "CSV file", "/path/to/responses.csv", required=True),
        Field("name", "Name (optional)", "the file's name"),
        Field("metric", f"Metric ({'|'.join(cxi.METRIC_TYPES)})", "nps"),
        Field("language", "Language (optional)", "en"),
        Field("tags", "Tags (optional)", "A,B"),
    ]


def expanded(path: str) -> str:
    return str(Path(path).expanduser())


async def import_csv(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, cxi.PLATFORM)
    path = ctx.answers.get("path", "").strip()
    plan = await cxi.import_plan_for(
        ctx.settings,
        ctx.account(),
        expanded(path),
        name=ctx.answers.get("name") or None,
        metric_type=(ctx.answers.get("metric") or "").lower() or None,
        language=ctx.answers.get("language") or None,
        tags=terms(ctx.answers.get("tags", "")),
    )
    return [plan]


def survey_check(ctx: Context) -> str | None:
    if ctx.current is None:
        return (
            "No Apptentive survey under the cursor: move to one in the Apptentive surveys "
            "table first."
        )
    return None


async def deactivate(ctx: Context) -> list[Plan]:
    survey = ctx.current or {}
    plan = await apptentive.deactivate_plan_for(
        ctx.settings, str(survey["account"]), str(survey["id"]), ctx.store
    )
    return [plan]


# --- End users -----------------------------------------------------------------------------


def push_check(ctx: Context) -> str | None:
    if not ctx.accounts(crowdskout.PLATFORM):
        return "No Crowdskout account is configured: add one in Accounts (a)."
    if ctx.responses.is_empty():
        return "The filter selects no responses: push acts on the people who gave them."
    return None


def push_fields(ctx: Context) -> list[Field]:
    return [
        *account_field(ctx, crowdskout.PLATFORM),
        Field("attribute", "Crowdskout attribute (created when missing)", required=True),
        Field("type", f"Type of a new attribute ({', '.join(crowdskout.TYPES)})", "Tag", "Tag"),
        Field("value", "Value (optional for a Tag)"),
    ]


async def push(ctx: Context) -> list[Plan]:
    ctx = with_account(ctx, crowdskout.PLATFORM)
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


def property_fields(ctx: Context) -> list[Field]:
    return [Field("property", "Property to set, NAME=VALUE", "pricing_plan=Enterprise", "", True)]


async def set_property(ctx: Context) -> list[Plan]:
    name, equals, value = ctx.answers.get("property", "").partition("=")
    if not equals or not name.strip():
        raise PlanRefused("write the property as NAME=VALUE, e.g. pricing_plan=Enterprise")
    return property_plans(ctx.people(), {name.strip(): value.strip()})


async def erase(ctx: Context) -> list[Plan]:
    return erase_plans(ctx.people())


# --- Accounts ------------------------------------------------------------------------------


def onboard_check(ctx: Context) -> str | None:
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


async def onboard(ctx: Context) -> list[Plan]:
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
