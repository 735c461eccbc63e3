"""What every face shares before a plan exists: the account checked, the live state read, and
the two ways planning can end without a plan.

The `*_for` functions of the platform modules (`apptentive.archive_plans_for`,
`crowdskout.push_plan_for`, `cxi_tags.edit_tag_plan_for`, ...) read what they need from the
platform with `live` and build the plan; the CLI and the notebook call the same function and
only differ in how they show its result. They raise `PlanRefused` (one line: what is wrong and
what to do) or `NothingToDo` (everything is already as asked), and let `SettingsError` and
`SourceError` from the live reads through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from workbench.data.store import Store
from workbench.settings import Settings
from workbench.sources.connect import open_client, token_cache

T = TypeVar("T")


class PlanRefused(ValueError):
    """What was asked cannot be planned (an unknown account, tag, survey, ...); one line."""


class NothingToDo(Exception):
    """Everything is already as asked: no plan, and nothing to send. The message says so."""


def check_account(settings: Settings, account: str, platform: str) -> None:
    """PlanRefused unless `account` is configured and on `platform`."""
    found = settings.accounts.get(account)
    if found is None:
        names = ", ".join(n for n, a in settings.accounts.items() if a.platform == platform)
        raise PlanRefused(
            f"no account named {account!r}; the {platform} accounts are: {names or '(none)'} "
            "(`workbench accounts list`)"
        )
    if found.platform != platform:
        article = "an" if found.platform[0] in "aeiou" else "a"
        raise PlanRefused(
            f"{account} is {article} {found.platform} account; this command acts on {platform} "
            "accounts"
        )


async def live(settings: Settings, account: str, read: Callable[[Any], Awaitable[T]]) -> T:
    """Read something the plan needs from the platform (the current tags, a record's state),
    with the account's own client."""
    client = open_client(
        account,
        settings.account(account),
        settings.http,
        tokens=token_cache(Store(settings.store_dir).root),
    )
    try:
        return await read(client)
    finally:
        await client.aclose()
