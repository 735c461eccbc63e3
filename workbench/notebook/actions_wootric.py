"""Wootric's write actions in a notebook: exclude/include responses, and the actions on the end
users behind them (email survey, set a property, erase, a decline's properties). Each builds
its plans with the data layer's functions the CLI command named in its docstring calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Unpack

import polars as pl

from workbench.data.actions.wootric import exclusion_plans
from workbench.data.actions.wootric_declines import (
    decline_property_plans,
    declines_by_id,
    declines_of,
)
from workbench.data.actions.wootric_people import (
    SurveyEmail,
    email_survey_plans,
    end_users_by_email,
    end_users_of,
    erase_plans,
    property_plans,
)
from workbench.notebook.actions_flow import Accounts, ActionsBase, Confirm, rows_action

if TYPE_CHECKING:
    from workbench.analysis import Filter
    from workbench.notebook.frames import FilterLike


def _many(values: str | Sequence[str] | None) -> list[str]:
    return [values] if isinstance(values, str) else list(values or [])


def _values(values: Mapping[str, object] | None, named: Mapping[str, object]) -> dict[str, str]:
    given = {**(values or {}), **named}
    if not given:
        raise ValueError("give the properties to set, e.g. pricing_plan='Enterprise'")
    blank = [k for k in given if not str(k).strip()]
    if blank:
        raise ValueError("a property needs a name")
    return {str(k).strip(): str(v).strip() for k, v in given.items()}


class WootricActions(ActionsBase):
    exclude = rows_action(
        "exclude",
        """Exclude the filtered Wootric responses from calculations (`workbench exclude`).""",
        lambda self, rows: exclusion_plans(rows, exclude=True),
    )
    include = rows_action(
        "include",
        """Include the filtered Wootric responses in calculations again (`workbench include`).""",
        lambda self, rows: exclusion_plans(rows, exclude=False),
    )

    def _people(self, filter: FilterLike, accounts: Accounts) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The filtered responses and the stored Wootric end users who gave them."""
        if filter is None:
            raise ValueError("say whose end users with a filter, e.g. 'score:detractors'")
        responses = self._selected(filter, accounts)
        return responses, end_users_of(responses, self.table("end_users", accounts))

    def email_survey(
        self,
        filter: Filter | str,
        *,
        accounts: Accounts = None,
        plan: bool = False,
        confirm: Confirm = False,
        **survey: Unpack[SurveyEmail],
    ) -> pl.DataFrame:
        """Survey by e-mail the end users who gave the filtered Wootric responses, 100
        addresses a call (`workbench email-survey`): `subject`, `intro`, `sender_name`, `delay`
        (1 to 31 days), `survey_immediately`."""
        _, people = self._people(filter, accounts)
        return self._act(email_survey_plans(people, **survey), plan=plan, confirm=confirm)

    def set_property(
        self,
        filter: Filter | str,
        values: Mapping[str, object] | None = None,
        *,
        accounts: Accounts = None,
        plan: bool = False,
        confirm: Confirm = False,
        **named: object,
    ) -> pl.DataFrame:
        """Set properties (`pricing_plan="Enterprise"`, or `values={...}`) on the end users who
        gave the filtered Wootric responses: their current properties; past responses keep
        theirs (`workbench set-property`)."""
        wanted = _values(values, named)
        _, people = self._people(filter, accounts)
        return self._act(property_plans(people, wanted), plan=plan, confirm=confirm)

    def erase(
        self,
        filter: FilterLike = None,
        *,
        email: str | Sequence[str] | None = None,
        accounts: Accounts = None,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Erase end users with all their responses and declines (a privacy request): those who
        gave the filtered responses, or those with these e-mail addresses (`workbench erase`).
        Cannot be undone: wants `confirm="<account name>"`."""
        if (filter is None) == (not email):
            raise ValueError("say whom to erase with either a filter or email=")
        if email:
            people = end_users_by_email(self.table("end_users", accounts), _many(email))
        else:
            _, people = self._people(filter, accounts)
        return self._act(erase_plans(people), plan=plan, confirm=confirm)

    def decline_property(
        self,
        filter: FilterLike = None,
        values: Mapping[str, object] | None = None,
        *,
        decline: str | Sequence[str] | None = None,
        accounts: Accounts = None,
        plan: bool = False,
        confirm: Confirm = False,
        **named: object,
    ) -> pl.DataFrame:
        """Set properties on past Wootric declines (the ones they were declined with): the
        declines of the end users who gave the filtered responses, or the `decline=` ids
        (`workbench decline-property`). Wootric answers 423 until it enables the edit."""
        wanted = _values(values, named)
        if (filter is None) == (not decline):
            raise ValueError("say which declines with either a filter or decline=")
        stored = self.table("declines", accounts).filter(pl.col("platform") == "wootric")
        if decline:
            rows = declines_by_id(stored, _many(decline))
        else:
            responses, _ = self._people(filter, accounts)
            rows = declines_of(responses, stored)
        return self._act(decline_property_plans(rows, wanted), plan=plan, confirm=confirm)
