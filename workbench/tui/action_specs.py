"""What a write action of the TUI is: its questions (`Field`), what it acts on (`Context`), and
its spec (`PaneAction`: the pane and key, the plan builder, the check, the questions).

The actions themselves are listed in `workbench.tui.acting`; their builders and checks are in
`workbench.tui.action_builds`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import PlanRefused
from workbench.data.actions.wootric_people import end_users_of
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
