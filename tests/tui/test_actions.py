"""The write actions from the TUI, against a served sandbox over real HTTP: the key on its pane,
the plan screen with the planned calls, escape changing nothing, "Do it" changing exactly the
planned rows in the sandbox, the store followed (the panes show it without a sync), the audit
record; a destructive action wanting the account's name; the palette listing every action."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.tui.conftest import SIZE, settle, submit_filter
from workbench.analysis.counting import Counts, count_line
from workbench.data.actions import audit
from workbench.data.sync import sync
from workbench.demo import Demo, start_demo
from workbench.settings import WootricAccount, load_settings
from workbench.tui import WorkbenchApp, acting
from workbench.tui.panes.end_users import EndUsersPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.panes.surveys import SurveysPane
from workbench.tui.panes.tags import TagsPane
from workbench.tui.preferences import SavedFilters
from workbench.tui.screens.action_form import ActionFormScreen
from workbench.tui.screens.action_plan import ActionPlanScreen
from workbench.tui.widgets.grid import FrameView

NPS = "acme-nps"
WAITS = 200
"""How many settle rounds a test waits for a run against the sandbox (bounded, not timed)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("tui-actions")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
        with start_demo(root / "demo", responses=400, seed=3) as running:
            asyncio.run(asyncio.wait_for(sync(running.settings), timeout=300))
            yield running


def app_for(demo: Demo, tmp_path: Path) -> WorkbenchApp:
    return WorkbenchApp(
        load_settings(demo.config_path, environ={}),
        config_file=demo.config_path,
        settings_loader=lambda: load_settings(demo.config_path, environ={}),
        saved_filters=SavedFilters(tmp_path / "filters.toml"),
        offer_welcome=False,
    )


def token(demo: Demo) -> str:
    config = demo.settings.account(NPS)
    assert isinstance(config, WootricAccount)
    assert config.account_token
    return config.account_token


def wootric_truth(demo: Demo, table: str) -> pl.DataFrame:
    return demo.served.sandbox.wootric.frame(token(demo), table)


def marked_for_deletion(demo: Demo) -> set[str]:
    """The end users the sandbox will delete (its ground truth of an erase request)."""
    pending = demo.served.sandbox.wootric._accounts[token(demo)].deletions
    return {str(i) for i in pending}


def excluded_ids(demo: Demo) -> set[str]:
    truth = wootric_truth(demo, "responses")
    return {str(i) for i in truth.filter(pl.col("excluded_from_calculations"))["id"].to_list()}


def plan_screen(app: WorkbenchApp) -> ActionPlanScreen:
    screen = app.screen
    assert isinstance(screen, ActionPlanScreen), f"{type(screen).__name__}: {notes(app)}"
    return screen


def notes(app: WorkbenchApp) -> str:
    return " | ".join(n.message for n in app._notifications)


def calls(screen: ActionPlanScreen) -> int:
    return sum(len(plan.calls) for plan in screen.plans)


async def run_it(pilot: Pilot[None], screen: ActionPlanScreen) -> str:
    """Press "Do it" and wait (a bounded number of rounds) until the run reports; its text."""
    await pilot.click("#go")
    for _ in range(WAITS):
        await settle(pilot)
        if not screen.running:
            break
    assert not screen.running
    return str(screen.query_one("#action-result", Static).render())


async def on_pane(pilot: Pilot[None], key: str, pane: type[Any]) -> None:
    await pilot.press(key)
    await settle(pilot)
    pilot.app.query_one(pane).focus_table()
    await settle(pilot)


async def test_exclude_plans_cancels_and_runs_with_the_store_following(
    demo: Demo, tmp_path: Path
) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit_filter(pilot, f"account:{NPS} metric:nps score:0-4")
        await on_pane(pilot, "3", ResponsesPane)
        chosen = app.selected.filter(~pl.col("excluded_from_calculations"))
        wanted = set(chosen["id"].to_list())
        assert wanted
        before = excluded_ids(demo)
        excluded_before = app.selection.excluded if app.selection else 0

        await pilot.press("x")
        await settle(pilot)
        screen = plan_screen(app)
        assert calls(screen) == len(wanted)
        lines = " ".join(str(s.render()) for s in screen.query(".action-plan-text"))
        assert f"{len(wanted):,} calls to wootric" in lines
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ActionPlanScreen)
        assert excluded_ids(demo) == before  # the plan sent nothing

        await pilot.press("x")
        await settle(pilot)
        screen = plan_screen(app)
        result = await run_it(pilot, screen)
        assert "Done." in result
        await pilot.press("escape")
        await settle(pilot)

        assert excluded_ids(demo) == before | wanted
        assert excluded_ids(demo) - before == wanted
        selection = app.selection
        assert selection is not None
        assert selection.excluded == excluded_before + len(wanted) == selection.count
        shown = str(app.query_one("#responses-count", Static).render())
        total = app.snapshot.responses.height
        assert count_line(Counts(selection.count, selection.excluded), of=total) in shown
        record = audit.records(demo.settings.store_dir)[-1]
        assert record["action"] == "exclude"
        assert record["account"] == NPS
        assert set(record["rows"]) == wanted

        # include undoes it the same way (key i), on exactly those rows again
        await pilot.press("i")
        await settle(pilot)
        screen = plan_screen(app)
        assert calls(screen) == excluded_before + len(wanted)
        await pilot.press("escape")
        await settle(pilot)


async def test_a_filter_with_nothing_to_act_on_says_so(demo: Demo, tmp_path: Path) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit_filter(pilot, "platform:cxi")
        await on_pane(pilot, "3", ResponsesPane)
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, ActionPlanScreen)
        assert "no Wootric responses" in notes(app)


async def test_erase_wants_the_account_name_typed(demo: Demo, tmp_path: Path) -> None:
    people = wootric_truth(demo, "end_users")
    target = str(people["id"][0])
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit_filter(pilot, f"account:{NPS} end_user_id={target}")
        assert set(app.selected["end_user_id"].to_list()) == {target}
        await on_pane(pilot, "2", EndUsersPane)
        await pilot.press("delete")
        await settle(pilot)
        screen = plan_screen(app)
        assert calls(screen) == 1
        typed = screen.query_one("#typed-account", Input)
        assert app.focused is typed
        await pilot.press(*"acme", "enter")
        await settle(pilot)
        assert not screen.running
        assert "Type acme-nps exactly" in str(screen.query_one("#action-result", Static).render())
        assert marked_for_deletion(demo) == set()

        typed.value = NPS
        typed.focus()
        await pilot.press("enter")
        for _ in range(WAITS):
            await settle(pilot)
            if not screen.running:
                break
        assert "Done." in str(screen.query_one("#action-result", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert marked_for_deletion(demo) == {target}  # Wootric deletes it the next day
        assert app.snapshot.table("end_users").filter(pl.col("id") == target).is_empty()
        assert audit.records(demo.settings.store_dir)[-1]["action"] == "erase"


async def test_one_action_per_pane_opens_its_plan(demo: Demo, tmp_path: Path) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        # Responses: archive the Apptentive records not archived yet (read live first)
        await submit_filter(pilot, "platform:apptentive")
        await on_pane(pilot, "3", ResponsesPane)
        await pilot.press("A")
        await settle(pilot)
        screen = plan_screen(app)
        truth = demo.served.sandbox.apptentive.ground_truth()
        archived = {
            str(r["id"]): bool(r["archived"]) for app_ in truth.values() for r in app_["records"]
        }
        selected = app.selected["id"].to_list()
        assert calls(screen) == sum(not archived.get(r, True) for r in selected)
        await pilot.press("escape")
        await settle(pilot)

        # End users: set a property on the selection's Wootric end users (asks NAME=VALUE)
        await submit_filter(pilot, f"account:{NPS} metric:nps score:0-3")
        await on_pane(pilot, "2", EndUsersPane)
        people = app.selected.filter(pl.col("end_user_id").is_not_null())
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ActionFormScreen)
        await pilot.press(*"segment=follow-up", "enter")
        await settle(pilot)
        screen = plan_screen(app)
        stored = app.snapshot.table("end_users").filter(pl.col("account") == NPS)
        expected = stored.filter(pl.col("id").is_in(people["end_user_id"].unique().to_list()))
        assert calls(screen) == expected.height > 0
        await pilot.press("escape")
        await settle(pilot)

        # Tags: disable the CXI tag under the cursor (one PUT)
        await submit_filter(pilot, "account:acme-cxi")
        await on_pane(pilot, "4", TagsPane)
        tag = app.query_one(TagsPane).current_tag()
        assert tag
        await pilot.press("d")
        await settle(pilot)
        screen = plan_screen(app)
        assert calls(screen) == 1
        assert screen.plans[0].calls[0].method == "PUT"
        await pilot.press("escape")
        await settle(pilot)

        # Surveys: deactivate the Apptentive survey under the cursor (one call)
        await submit_filter(pilot, "")
        await pilot.press("5")
        await settle(pilot)
        surveys = app.query_one(SurveysPane)
        view = surveys.query_one("#apptentive-surveys", FrameView)
        view.focus_grid()
        await settle(pilot)
        assert view.frame is not None
        active = view.frame["active"].to_list()
        if not active[0]:  # an inactive one: nothing to do, said in one line
            await pilot.press("d")
            await settle(pilot)
            assert not isinstance(app.screen, ActionPlanScreen)
            assert "already inactive" in notes(app)
        await pilot.press(*["down"] * active.index(True))
        survey = surveys.current_survey()
        assert survey is not None
        assert survey["active"]
        await pilot.press("d")
        await settle(pilot)
        screen = plan_screen(app)
        assert calls(screen) == 1
        assert survey["id"] in screen.plans[0].calls[0].path
        await pilot.press("escape")
        await settle(pilot)


async def test_the_palette_and_the_help_list_every_action(demo: Demo, tmp_path: Path) -> None:
    from workbench.tui.screens.help import help_text

    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.palette_commands()}
        for action in acting.ACTIONS:
            assert f"Action: {action.title}" in titles
        assert "Action: Log in to Crowdskout" in titles
        text = help_text(app)
        for action in acting.ACTIONS:
            assert action.title in text


async def test_onboarding_is_a_form_where_the_424_shows(demo: Demo, tmp_path: Path) -> None:
    from tests.tui.test_sync import add_accounts
    from workbench.settings.writing import read_document
    from workbench.tui.panes.accounts import AccountsPane

    cxi = read_document(demo.config_path)["accounts"]["acme-cxi"]
    add_accounts(
        demo,
        **{
            "initech-cxi": {
                "platform": "cxi",
                "base_url": cxi["base_url"],
                "auth_base_url": cxi["auth_base_url"],
                "client_id": "initech-cxi-client",
                "client_secret": "initech-cxi-client-secret",
            }
        },
    )
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_sync(["initech-cxi"])
        for _ in range(WAITS):
            await settle(pilot)
            if not app.sync_state.running:
                break
        await pilot.press("1")
        pane = app.query_one(AccountsPane)
        assert pane.rows["initech-cxi"].onboarding == "required"
        pane.selected = "initech-cxi"
        pane._show_detail()
        await settle(pilot)
        assert "Press o" in str(pane.query_one("#account-detail", Static).render())
        assert pane.query_one("#onboard").display  # a button under the note (and the key o)
        await pilot.click("#onboard")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormScreen), notes(app)
        category = form.query_one("#field-category", Input)
        assert category.value  # the first product category the API offers
        form.query_one("#field-project_name", Input).value = "Feedback"
        await pilot.click("#plan")
        await settle(pilot)
        screen = plan_screen(app)
        assert [(c.method, c.path) for c in screen.plans[0].calls] == [("PUT", "/v1/onboarding")]
        assert "Done." in await run_it(pilot, screen)
        record = audit.records(demo.settings.store_dir)[-1]
        assert (record["action"], record["account"]) == ("onboard", "initech-cxi")


async def test_crowdskout_login_from_the_palette(demo: Demo, tmp_path: Path) -> None:
    import httpx

    from workbench.tui.screens.crowdskout_login import LoginScreen

    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        command = next(
            c for c in app.palette_commands() if c.title == "Action: Log in to Crowdskout"
        )
        command.run()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        for _ in range(WAITS):
            await pilot.pause()
            if screen.url:
                break
        assert screen.url in str(screen.query_one("#login-url", Static).render())

        def browse() -> int:  # the person's browser: the sandbox approves and redirects back
            with httpx.Client(follow_redirects=True, timeout=30) as browser:
                return browser.get(screen.url).status_code

        assert await asyncio.to_thread(browse) == 200
        for _ in range(WAITS):
            await pilot.pause()
            if screen.authorized:
                break
        assert screen.authorized
        assert "Authorized acme-crm" in str(screen.query_one("#login-state", Static).render())


async def test_the_plan_says_which_selected_rows_it_leaves_alone(
    demo: Demo, tmp_path: Path
) -> None:
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await submit_filter(pilot, "metric:nps score:0-1")
        await on_pane(pilot, "3", ResponsesPane)
        others = app.selected.filter(pl.col("platform") != "wootric")
        assert others.height  # other platforms' NPS responses too: Wootric alone can exclude
        await pilot.press("x")
        await settle(pilot)
        screen = plan_screen(app)
        note = str(screen.query_one("#action-note", Static).render())
        counts = sorted(others.group_by("platform").len().iter_rows())
        listed = ", ".join(f"{n:,} {platform}" for platform, n in counts)
        assert f"Left alone: {listed} responses" in note
        assert (
            calls(screen)
            == app.selected.filter(
                (pl.col("platform") == "wootric") & ~pl.col("excluded_from_calculations")
            ).height
        )
        await pilot.press("escape")
        await settle(pilot)
