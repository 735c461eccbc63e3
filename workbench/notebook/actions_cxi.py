"""CXI's write actions in a notebook: a CSV import, tags, onboarding, an export. Each plans
with the data layer's `*_for` function the CLI command named in its docstring calls (the
account's tags, projects or onboarding read live first)."""

from __future__ import annotations

import os
from typing import Literal, Unpack

import polars as pl

from workbench.data.actions import cxi, cxi_tags
from workbench.data.actions.planning import PlanRefused
from workbench.notebook.actions_flow import ActionsBase, Confirm, planned
from workbench.sources.cxi import OnboardingDetails


class ImportProblems(ValueError):
    """The CSV would be refused by CXI: nothing was planned. `problems` names every one."""

    def __init__(self, refused: cxi.ImportRefused) -> None:
        self.problems = refused.problems
        first = f"; the first: {refused.problems[0]}" if refused.problems else ""
        super().__init__(
            f"{refused.name} was not uploaded: {len(refused.problems):,} problem(s){first} "
            "(all are in this exception's .problems)"
        )


class CxiActions(ActionsBase):
    def import_csv(
        self,
        account: str,
        path: str | os.PathLike[str],
        *,
        plan: bool = False,
        confirm: Confirm = False,
        **details: Unpack[cxi.ImportDetails],
    ) -> pl.DataFrame:
        """Upload a CSV file as a new CXI import, checked locally first (`workbench import`).
        The details are name, metric_type (nps, csat, ces or other), language, tags (they must
        exist) and projects (by id or name)."""
        try:
            made = planned(
                lambda: cxi.import_plan_for(self.settings, account, os.fspath(path), **details)
            )
        except cxi.ImportRefused as refused:
            raise ImportProblems(refused) from None
        return self._act(made, plan=plan, confirm=confirm)

    def tag_create(
        self,
        account: str,
        name: str,
        *,
        plan: bool = False,
        confirm: Confirm = False,
        **fields: Unpack[cxi_tags.TagFields],
    ) -> pl.DataFrame:
        """Create a manual tag, or a text-match tag with `text_match` terms; `parent` and
        `description` besides (`workbench tag create`)."""
        made = planned(lambda: cxi_tags.create_tag_plan_for(self.settings, account, name, **fields))
        return self._act(made, plan=plan, confirm=confirm)

    def tag_edit(
        self,
        account: str,
        tag: str,
        *,
        plan: bool = False,
        confirm: Confirm = False,
        **edits: Unpack[cxi_tags.TagEdits],
    ) -> pl.DataFrame:
        """Rename a tag (by name or id), change its description or parent, or replace its
        text-match terms: `name`, `description`, `parent`, `text_match` (`workbench tag edit`)."""
        made = planned(lambda: cxi_tags.edit_tag_plan_for(self.settings, account, tag, **edits))
        return self._act(made, plan=plan, confirm=confirm)

    def _toggle(
        self, account: str, tag: str, enabled: bool, plan: bool, confirm: Confirm
    ) -> pl.DataFrame:
        made = planned(
            lambda: cxi_tags.toggle_tag_plan_for(self.settings, account, tag, enabled=enabled)
        )
        return self._act(made, plan=plan, confirm=confirm)

    def tag_disable(
        self, account: str, tag: str, *, plan: bool = False, confirm: Confirm = False
    ) -> pl.DataFrame:
        """Disable a tag (`workbench tag disable`; undo with `tag_enable`)."""
        return self._toggle(account, tag, False, plan, confirm)

    def tag_enable(
        self, account: str, tag: str, *, plan: bool = False, confirm: Confirm = False
    ) -> pl.DataFrame:
        """Enable a disabled tag again (`workbench tag enable`)."""
        return self._toggle(account, tag, True, plan, confirm)

    def tag_delete(
        self, account: str, tag: str, *, plan: bool = False, confirm: Confirm = False
    ) -> pl.DataFrame:
        """Delete a tag from the account and every response (`workbench tag delete`). Cannot
        be undone: wants `confirm="<account name>"`."""
        made = planned(lambda: cxi_tags.delete_tag_plan_for(self.settings, account, tag))
        return self._act(made, plan=plan, confirm=confirm)

    def tag_apply(
        self,
        account: str,
        import_id: str,
        tags: cxi.Names,
        *,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Apply existing tags to every response of an import (`workbench tag apply`)."""
        names = cxi.split_names(tags)
        made = planned(
            lambda: cxi_tags.apply_tags_plan_for(self.settings, account, import_id, names)
        )
        return self._act(made, plan=plan, confirm=confirm)

    def onboard(
        self,
        account: str,
        category: str | None = None,
        *,
        plan: bool = False,
        confirm: Confirm = False,
        **details: Unpack[OnboardingDetails],
    ) -> pl.DataFrame:
        """Complete a CXI account's onboarding with a product category (id or name); without
        one, the error lists them (`workbench onboard`). The optional details are those of
        its options: project_name, import_name, import_source, import_metric_type,
        import_language."""
        try:
            made = planned(
                lambda: cxi.onboarding_plan_for(self.settings, account, category, **details)
            )
        except cxi.ChooseCategory as choose:
            raise PlanRefused(str(choose)) from None
        return self._act(made, plan=plan, confirm=confirm)

    def cxi_export(
        self,
        account: str,
        type: Literal["responses", "users"] = "responses",
        *,
        plan: bool = False,
        confirm: Confirm = False,
    ) -> pl.DataFrame:
        """Ask CXI to e-mail a CSV export of the account's `responses` or `users` to its user
        (`workbench cxi-export`)."""
        try:
            made = cxi.export_plan_for(self.settings, account, type)
        except PlanRefused as exc:
            raise PlanRefused(str(exc)) from None
        return self._act([made], plan=plan, confirm=confirm)
