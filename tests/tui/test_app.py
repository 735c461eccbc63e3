"""App-wide behaviour: themes (persisted), help, the command palette, accounts, welcome, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Button, Input, Select

from tests.tui.conftest import SIZE, Workspace, settle
from workbench.settings import load_settings, save_settings, settings_from
from workbench.tui import WorkbenchApp
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.screens.account_form import AccountFormScreen
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.welcome import WelcomeScreen
from workbench.tui.themes import load_theme_file, load_themes
from workbench.tui.theming import chart_palette, score_colours
from workbench.tui.widgets.table import Grid

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_themes_are_dark_light_and_high_contrast() -> None:
    themes, problems = load_themes([ROOT / "themes"])
    assert problems == []
    names = {t.name: t for t in themes}
    assert {"workbench-dark", "workbench-light", "workbench-high-contrast"} <= set(names)
    assert names["workbench-dark"].dark
    assert not names["workbench-light"].dark


def test_a_broken_theme_file_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text('name = "typo"\nprimary = "#123456"\nsecondry = "#000"\n')
    (tmp_path / "bad.json").write_text('{"name": "bad", "primary": "not a colour"}')
    (tmp_path / "ok.json").write_text('{"name": "ok", "primary": "#336699"}')
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["ok"]
    reasons = {p.path.name: p.reason for p in problems}
    assert "secondry" in reasons["typo.toml"]
    assert "bad.json" in reasons
    assert load_theme_file(tmp_path / "ok.json").primary == "#336699"


def user_theme(workspace: Workspace) -> None:
    user_themes = Path(workspace.root / "xdg_config_home" / "workbench" / "themes")
    user_themes.mkdir(parents=True)
    (user_themes / "mine.toml").write_text('primary = "#AA3377"\nsuccess = "#00AA00"\n')


async def test_theme_switch_is_persisted_and_recolours(workspace: Workspace) -> None:
    user_theme(workspace)
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "workbench-dark"
        assert "mine" in app.available_themes
        app.theme = "workbench-light"
        await settle(pilot)
        colours = score_colours(app.theme_variables)
        assert colours.promoter == "#2E7D32"
        grid = app.query_one(ResponsesPane).query_one(Grid)
        cell = grid.backend.get_cell_at(0, 0)  # type: ignore[union-attr]
        shown = {colours.promoter, colours.passive, colours.detractor, colours.other}
        assert cell.split("]")[0][1:] in shown
        assert chart_palette(app.theme_variables).line == (11, 99, 182)
    document = tomllib.loads(workspace.config.read_text())
    assert document["theme"] == "workbench-light"
    assert document["store_dir"] == str(workspace.store)
    again = workspace.app()
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "workbench-light"


async def test_help_screen_opens_and_closes(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_lists_every_action_and_runs_one(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.palette_commands()]
        for wanted in (
            "Export to CSV",
            "Sync all accounts",
            "Save filter",
            "Load filter",
            "Add account",
            "Show Dashboard",
            "Help",
            "Change theme",
        ):
            assert wanted in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"show dashb")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.active_pane == "dashboard"


async def test_add_edit_and_remove_an_account(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AccountFormScreen)
        form.query_one("#field-name", Input).value = "initech"
        form.query_one("#field-platform", Select).value = "apptentive"
        await pilot.pause()
        assert form.query_one("#row-token").display
        assert not form.query_one("#row-email").display
        assert form.query_one("#field-token", Input).password
        form.query_one("#save", Button).press()
        await pilot.pause()
        assert "token" in str(form.query_one("#form-error").render())  # missing: said so
        form.query_one("#field-token", Input).value = "s3cret-token"
        form.query_one("#save", Button).press()
        await settle(pilot)
        assert "initech" in app.settings.accounts
        assert app.query_one(AccountsPane).rows["initech"].configured
        app.edit_account("initech")
        await pilot.pause()
        edit = app.screen
        assert isinstance(edit, AccountFormScreen)
        assert edit.query_one("#field-token", Input).value == ""  # a secret is never shown
        edit.query_one("#field-app_id", Input).value = "app-42"
        edit.query_one("#save", Button).press()
        await settle(pilot)
        stored = load_settings(workspace.config, environ={}).accounts["initech"]
        assert stored.app_id == "app-42"  # type: ignore[union-attr]
        assert stored.token.get_secret_value() == "s3cret-token"  # type: ignore[union-attr]
        app.query_one(AccountsPane).selected = "initech"
        app.query_one(AccountsPane).action_remove()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#yes")
        await settle(pilot)
        assert "initech" not in load_settings(workspace.config, environ={}).accounts
        assert "initech" not in app.settings.accounts


async def test_welcome_screen_without_accounts_or_data(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = tmp_path / "config.toml"
    save_settings(settings_from({"store_dir": str(tmp_path / "empty-store")}), config)
    app = WorkbenchApp(load_settings(config, environ={}), config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)


async def test_a_damaged_store_becomes_a_notification(workspace: Workspace) -> None:
    (workspace.store / "acme" / "responses.parquet").write_bytes(b"not parquet at all")
    app = workspace.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = " ".join(n.message for n in app._notifications)
        assert "workbench store repair" in messages
        assert app.sub_title == "the store could not be read"
