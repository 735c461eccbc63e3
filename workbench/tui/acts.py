"""The app's side of the write actions: gather, ask, plan (in a worker), confirm, reload.

`action_act(name)` runs one of `workbench.tui.acting.ACTIONS`: it gathers what the action acts
on (the filter's selection, the row under the pane's cursor), asks the action's questions, and
has a worker build the plans, since some read the platform first. The worker never touches a
widget: it posts `ActionPlanned` or `ActionRefused`, and the handlers here push the plan screen
or say, in one line, why there is no plan. When the run changed anything the store is read
again, so every pane shows the change without a sync.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from textual import on, work
from textual.message import Message

from workbench.data.actions.cxi import ChooseCategory, ImportRefused
from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import NothingToDo, PlanRefused
from workbench.data.lock import LockBusy
from workbench.data.store import StoreError
from workbench.settings import SettingsError
from workbench.sources.errors import SourceError
from workbench.tui import acting
from workbench.tui.acting import BY_NAME, Context, PaneAction
from workbench.tui.base import WorkbenchBase
from workbench.tui.commands import PaletteCommand, bindings_for, key_display
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane

SHOWN_PROBLEMS = 8
"""A refused CSV's problems listed in the note (the rest counted)."""


@dataclass
class ActionPlanned(Message):
    name: str
    plans: list[Plan]
    target: str | None = None
    """The tag, survey or account acted on, for the plan screen's title."""
    note: str | None = None
    """What the plan leaves out of the selection, and why."""


@dataclass
class ActionRefused(Message):
    name: str
    message: str
    nothing: bool = False
    """Everything is already as asked (information, not a problem)."""


@dataclass
class ActionAsks(Message):
    """The platform answered that the action needs a choice (CXI's product category)."""

    name: str
    context: Context
    choices: dict[str, str]


class ActingApp(WorkbenchBase):
    """The write actions' flow; `WorkbenchApp` derives from it."""

    def action_act(self, name: str) -> None:
        spec = BY_NAME.get(name)
        if spec is None:
            return
        if not self.loaded:
            self.notify("The store is still being read; try again shortly.")
            return
        if self.selected_filter != self.filter:
            self.notify("The filter is still selecting its rows; try again shortly.")
            return
        ctx = Context(
            self.settings,
            self.store,
            self.selected,
            self.snapshot.table("end_users"),
            self.snapshot.table("tags"),
            self.snapshot.table("surveys"),
            current=self._under_cursor(spec),
        )
        problem = spec.check(ctx)
        if problem:
            self.notify(problem, title=spec.title, severity="warning", timeout=8)
            return
        fields = spec.fields(ctx)
        if not fields:
            self._plan(spec, ctx)
            return

        def answered(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self._plan(spec, replace(ctx, answers={**ctx.answers, **answers}))

        self.push_screen(self._form(spec, fields), answered)

    def _form(self, spec: PaneAction, fields: Any, note: str = "") -> Any:
        from workbench.tui.screens.action_form import ActionFormScreen

        return ActionFormScreen(spec.title, fields, note)

    def _under_cursor(self, spec: PaneAction) -> dict[str, Any] | None:
        """The tag, survey or account the action acts on, as the pane shows it now."""
        if spec.current == "tag":
            tag = self.pane(TagsPane).current_tag()
            return {"tag": tag} if tag else None
        if spec.current == "survey":
            return self.pane(SurveysPane).current_survey()
        if spec.current == "account":
            account = self.pane(AccountsPane).selected
            return {"account": account} if account else None
        return None

    def _plan(self, spec: PaneAction, ctx: Context) -> None:
        if spec.live:
            self.notify(f"{spec.title}: reading what is there now…", timeout=3)
        self.plan_worker(spec, ctx)

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def plan_worker(self, spec: PaneAction, ctx: Context) -> None:
        """Builds the plans (reading the platform when the builder must); posts the outcome."""
        try:
            plans = await spec.build(ctx)
        except ChooseCategory as exc:
            self.post_message(ActionAsks(spec.name, ctx, dict(exc.choices)))
        except ImportRefused as exc:
            listed = [str(p) for p in exc.problems[:SHOWN_PROBLEMS]]
            if len(exc.problems) > SHOWN_PROBLEMS:
                listed.append(f"… and {len(exc.problems) - SHOWN_PROBLEMS:,} more")
            self.post_message(ActionRefused(spec.name, "\n".join([str(exc), *listed])))
        except NothingToDo as exc:
            self.post_message(ActionRefused(spec.name, str(exc), nothing=True))
        except (PlanRefused, SettingsError, SourceError, StoreError, LockBusy, ValueError) as exc:
            self.post_message(ActionRefused(spec.name, str(exc).splitlines()[0]))
        except OSError as exc:
            self.post_message(ActionRefused(spec.name, f"{exc.strerror or exc}"))
        except Exception as exc:  # a builder's bug must still say something, not vanish
            self.post_message(
                ActionRefused(
                    spec.name, f"the plan could not be made ({type(exc).__name__}: {exc})"
                )
            )
        else:
            current = ctx.current or {}
            target = current.get("tag") or current.get("name") or current.get("account")
            self.post_message(
                ActionPlanned(spec.name, plans, str(target) if target else None, spec.note(ctx))
            )

    @on(ActionRefused)
    def action_refused(self, message: ActionRefused) -> None:
        title = BY_NAME[message.name].title
        text = message.message
        if message.nothing:
            self.notify(text, title=title, timeout=6)
        else:
            self.notify(text, title=title, severity="error", timeout=12)

    @on(ActionAsks)
    def action_asks(self, message: ActionAsks) -> None:
        spec = BY_NAME[message.name]
        account = (message.context.current or {}).get("account", "")
        note = f"{account} is not onboarded yet: every CXI call answers 424 until it is."

        def answered(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self._plan(spec, replace(message.context, answers=answers))

        fields = acting.onboarding_fields(message.choices)
        self.push_screen(self._form(spec, fields, note), answered)

    @on(ActionPlanned)
    def action_planned(self, message: ActionPlanned) -> None:
        from workbench.tui.screens.action_plan import ActionPlanScreen

        spec = BY_NAME[message.name]
        if not message.plans:
            self.notify("Nothing to do: no selected row is one this action changes.", timeout=6)
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.load_store()

        title = f"{spec.title}: {message.target}" if message.target else spec.title
        self.push_screen(
            ActionPlanScreen(
                self.settings, self.store, message.plans, title, note=message.note or ""
            ),
            closed,
        )

    # --- the palette -------------------------------------------------------------------------

    def action_commands(self) -> list[PaletteCommand]:
        """One palette entry per action ("Action: <title>"), from the panes' bindings."""
        commands = []
        for pane, title in acting.PANE_TITLES.items():
            for binding in bindings_for(acting.bindings(pane)):
                name = str(binding.action).split("'")[1]
                commands.append(
                    PaletteCommand(
                        f"Action: {binding.description}",
                        f"{title} pane, key {key_display(self, binding)}",
                        partial(self.action_act, name),
                    )
                )
        commands.append(
            PaletteCommand(
                "Action: Log in to Crowdskout",
                "Authorize a Crowdskout account through its login page (as `workbench auth`)",
                self.action_crowdskout_login,
            )
        )
        return commands

    # --- Crowdskout login --------------------------------------------------------------------

    def action_crowdskout_login(self) -> None:
        from workbench.tui.screens.crowdskout_login import LoginScreen
        from workbench.tui.screens.prompt import PromptScreen

        names = sorted(n for n, a in self.settings.accounts.items() if a.platform == "crowdskout")
        if not names:
            self.notify("No Crowdskout account is configured: add one in Accounts (a).")
            return
        chosen = self.pane(AccountsPane).selected
        if chosen in names or len(names) == 1:
            self.push_screen(LoginScreen(self.settings, chosen if chosen in names else names[0]))
            return

        def answered(name: str | None) -> None:
            if name and name.strip() in names:
                self.push_screen(LoginScreen(self.settings, name.strip()))
            elif name:
                self.notify(f"{name} is not one of {', '.join(names)}.", severity="warning")

        self.push_screen(
            PromptScreen(f"Log in which Crowdskout account? ({', '.join(names)})", names[0]),
            answered,
        )
