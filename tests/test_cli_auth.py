"""`workbench auth`: the Crowdskout browser login, end to end against the served sandbox."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS
from workbench.sandbox.serve import free_port
from workbench.settings import load_settings, save_settings, settings_from
from workbench.sources.connect import open_client, token_cache

ORG = CROWDSKOUT_ORGANIZATIONS[0]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served) -> Path:
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    path = tmp_path / "config.toml"
    settings = settings_from(
        {
            "store_dir": str(tmp_path / "store"),
            "accounts": {
                "field-team": {
                    "platform": "crowdskout",
                    "base_url": served.url("crowdskout"),
                    "client_id": ORG.client_id,
                    "client_secret": ORG.client_secret,
                    "redirect_uri": f"http://127.0.0.1:{free_port()}/callback",
                },
                "acme": {
                    "platform": "apptentive",
                    "base_url": served.url("apptentive"),
                    "token": "apptentive-acme-ios",
                },
            },
        }
    )
    save_settings(settings, path)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(path))
    return path


async def test_auth_logs_in_and_the_token_opens_the_api(config, monkeypatch) -> None:
    # The "browser": follows the sandbox's auto-approving redirect back to our listener.
    monkeypatch.setattr(webbrowser, "open", lambda url: httpx.get(url, follow_redirects=True))
    import asyncio

    result = await asyncio.to_thread(CliRunner().invoke, app, ["auth", "field-team"])
    assert result.exit_code == 0, result.output
    assert "Authorized" in result.output
    settings = load_settings(config, environ={})
    cache = token_cache(settings.store_dir)
    assert (settings.store_dir / "tokens.json").stat().st_mode & 0o777 == 0o600
    client = open_client("field-team", settings.account("field-team"), tokens=cache)
    attributes = [a async for a in client.iter_attributes()]
    await client.http.aclose()
    assert attributes


def test_auth_refuses_other_platforms(config) -> None:
    result = CliRunner().invoke(app, ["auth", "acme"])
    assert result.exit_code == 2
    assert "only Crowdskout accounts" in result.output


async def test_a_crowdskout_account_without_login_says_to_run_auth(config) -> None:
    settings = load_settings(config, environ={})
    from workbench.sources.errors import AuthenticationFailed

    with pytest.raises(AuthenticationFailed, match="workbench auth field-team"):
        open_client("field-team", settings.account("field-team"), tokens=None)
