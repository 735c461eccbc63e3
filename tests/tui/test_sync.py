"""The demo and syncing from the TUI, against the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.conftest import SIZE, settle
from workbench.demo import Demo, start_demo
from workbench.settings import load_settings
from workbench.settings.writing import read_document, write_config
from workbench.tui import WorkbenchApp
from workbench.tui.panes.accounts import AccountsPane
from workbench.tui.panes.responses import ResponsesPane
from workbench.tui.preferences import SavedFilters
from workbench.tui.widgets.sync_panel import SyncRow


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with start_demo(tmp_path / "demo", responses=400, seed=3) as running:
        yield running


def app_for(demo: Demo, tmp_path: Path, **options: object) -> WorkbenchApp:
    return WorkbenchApp(
        load_settings(demo.config_path, environ={}),
        config_file=demo.config_path,
        settings_loader=lambda: load_settings(demo.config_path, environ={}),
        saved_filters=SavedFilters(tmp_path / "filters.toml"),
        **options,  # type: ignore[arg-type]
    )


def add_accounts(demo: Demo, **accounts: dict[str, str]) -> None:
    document = read_document(demo.config_path)
    document["accounts"].update(accounts)
    write_config(demo.config_path, document)


async def test_demo_syncs_with_progress_and_fills_the_panes(demo: Demo, tmp_path: Path) -> None:
    app = app_for(demo, tmp_path, sync_on_start=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.active_pane == "accounts"
        await settle(pilot)
        while app.sync_state.running:
            await settle(pilot)
        rows = {r.label: r for r in app.query(SyncRow)}
        assert "acme-nps · responses" in rows
        assert rows["acme-nps · responses"].has_class("-done")
        assert app.snapshot.responses.height > 0
        assert app.query_one(ResponsesPane).rows.len() == app.snapshot.responses.height
        tree = app.query_one(AccountsPane).rows
        assert (
            tree["acme-nps"].tables["responses"]
            == app.snapshot.accounts["acme-nps"].tables["responses"]
        )
        assert tree["acme-nps"].written is not None


async def test_bad_credentials_and_onboarding_fail_alone(demo: Demo, tmp_path: Path) -> None:
    good = read_document(demo.config_path)["accounts"]["acme-nps"]
    cxi = read_document(demo.config_path)["accounts"]["acme-cxi"]
    add_accounts(
        demo,
        **{
            "wrong-password": {**good, "password": "not-the-password"},
            "initech-cxi": {
                "platform": "cxi",
                "base_url": cxi["base_url"],
                "auth_base_url": cxi["auth_base_url"],
                "client_id": "initech-cxi-client",
                "client_secret": "initech-cxi-client-secret",
            },
        },
    )
    app = app_for(demo, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.start_sync(["acme-nps", "wrong-password", "initech-cxi"])
        await settle(pilot)
        while app.sync_state.running:
            await settle(pilot)
        rows = app.query_one(AccountsPane).rows
        assert rows["wrong-password"].problem is not None
        assert rows["initech-cxi"].onboarding == "required"
        assert rows["acme-nps"].problem is None
        assert rows["acme-nps"].tables.get("responses", 0) > 0
        messages = " ".join(n.message for n in app._notifications)
        assert "onboarding" in messages.lower()
        assert "credentials" in messages.lower()
        assert app.snapshot.responses.height > 0  # the good account's data is there


async def test_a_tui_sync_waits_for_a_cli_sync_of_the_same_account(
    demo: Demo, tmp_path: Path
) -> None:
    """The TUI's sync and the CLI's share the account lock: the TUI says whom it waits for,
    then syncs, and the store is exact."""
    import os
    import subprocess
    import sys

    from tests.data.test_sync_concurrency import wait_until_held
    from workbench.data.store import Store
    from workbench.sandbox.faults import FaultSpec

    settings = load_settings(demo.config_path, environ={})
    demo.served.sandbox.world.config.faults = FaultSpec.parse("latency=30ms,seed=2")
    env = {**os.environ, "WORKBENCH_CONFIG": str(demo.config_path), "NO_COLOR": "1"}
    cli = subprocess.Popen(  # noqa: ASYNC220 - started before the app, waited for after it
        [sys.executable, "-m", "workbench", "sync", "acme-nps", "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_held(Path(settings.store_dir) / "acme-nps", cli)
        app = app_for(demo, tmp_path, sync_on_start=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            while app.sync_state.running:
                await settle(pilot)
            rows = {r.label: r for r in app.query(SyncRow)}
            assert f"waiting for process {cli.pid}" in str(rows["acme-nps"].latest.message)
            assert rows["acme-nps · responses"].has_class("-done")
    finally:
        _, err = cli.communicate(timeout=300)
        demo.served.sandbox.world.config.faults = FaultSpec()
    assert cli.returncode == 0, err
    world = demo.served.sandbox
    stored = Store(settings.store_dir).account("acme-nps").read("responses")
    token = settings.account("acme-nps").account_token  # type: ignore[union-attr]
    assert sorted(stored["id"].to_list()) == sorted(
        str(i) for i in world.wootric.ids(token, "responses")
    )
