"""CXI's actions through the real CLI, the real HTTP client and a served sandbox: import, tags,
onboarding, export. Each compares the sandbox's own data before and after."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from tests.conftest import use_config
from workbench.cli import app
from workbench.data.actions import audit
from workbench.data.actions.cxi import import_plan
from workbench.data.actions.journal import Journal
from workbench.data.actions.run import run_plan
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.demo import Demo, demo_accounts, start_demo
from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS
from workbench.settings import load_settings, save_settings, settings_from

ACCOUNT = "acme-cxi"
CXI = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi" and a.onboarded)
NEW = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi" and not a.onboarded)


def good_csv(who: str) -> str:
    """A valid CSV of three responses whose user ids start with `who`."""
    return (
        "feedback_date,feedback,score,user_id,plan\n"
        f"2024-01-01 10:00,great product,9,{who}1@example.com,Pro\n"
        f"2024-01-02,too slow to load,3,{who}2@example.com,Lite\n"
        f"1704240000,fine,7,{who}3@example.com,Pro\n"
    )


def uploaded(demo: Demo, who: str) -> list[dict[str, Any]]:
    """The sandbox's responses of the test's upload."""
    return [r for r in truth(demo)["responses"] if str(r.get("user_id", "")).startswith(who)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo, synced, with a second CXI account that is not onboarded ("new-cxi")."""
    directory = tmp_path_factory.mktemp("cxi-demo")
    with start_demo(directory, responses=1_500) as running:
        accounts = demo_accounts(running.served)
        accounts["new-cxi"] = {
            **accounts[ACCOUNT],
            "email": WOOTRIC_USERS[0].email,
            "account_token": NEW.account_token,
        }
        store_dir = running.directory / "store"
        save_settings(
            settings_from({"store_dir": str(store_dir), "accounts": accounts}), running.config_path
        )
        running.settings = load_settings(running.config_path, environ={})
        settings = running.settings.model_copy(
            update={"accounts": {ACCOUNT: running.settings.accounts[ACCOUNT]}}
        )
        asyncio.run(asyncio.wait_for(sync(settings), timeout=300))
        yield running


@pytest.fixture
def cli(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_config(monkeypatch, tmp_path, demo.config_path)

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def truth(demo: Demo, token: str = CXI.account_token) -> dict[str, list[dict[str, Any]]]:
    return demo.served.sandbox.cxi.ground_truth()[token]


def stored(demo: Demo, table: str) -> pl.DataFrame:
    return Store(demo.settings.store_dir).account(ACCOUNT).read(table)


def last_audit(demo: Demo) -> dict[str, Any]:
    return audit.read(demo.settings.store_dir).rows(named=True)[-1]


def one_line(result: Result) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert lines, result.output
    assert "Traceback" not in result.stderr, result.stderr
    return lines[-1]


def test_a_file_with_problems_is_refused_with_each_row_and_column(
    demo: Demo, cli: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("feedback_date,feedback,score,tags\n2024-01-01,ok,9,\nsoon,bad,x,\n")
    before = len(truth(demo)["imports"])
    result = cli("import", ACCOUNT, str(bad), "--yes")
    assert result.exit_code == 2
    assert "row 1, column 'tags'" in result.stderr
    assert "row 3, column 'feedback_date'" in result.stderr
    assert "row 3, column 'score'" in result.stderr
    assert "was not uploaded" in one_line(result)
    assert len(truth(demo)["imports"]) == before


def test_import_plans_uploads_once_and_the_store_follows(
    demo: Demo, cli: Any, tmp_path: Path
) -> None:
    good = tmp_path / "january.csv"
    good.write_text(good_text := good_csv("jan-"))
    before = {i["id"] for i in truth(demo)["imports"]}
    dry = cli(
        "import", ACCOUNT, str(good), "--name", "January", "--metric-type", "nps", "--dry-run"
    )
    assert dry.exit_code == 0, dry.output
    assert "3 rows, 5 columns (feedback_date, feedback, score, user_id, plan)" in dry.stdout
    assert "Dry run" in dry.stdout
    assert {i["id"] for i in truth(demo)["imports"]} == before

    done = cli("import", ACCOUNT, str(good), "--name", "January", "--metric-type", "nps", "--yes")
    assert done.exit_code == 0, done.output
    new = [i for i in truth(demo)["imports"] if i["id"] not in before]
    assert [(i["name"], i["metric_type"]) for i in new] == [("January", "nps")]
    import_id = str(new[0]["id"])
    surveys = stored(demo, "surveys").filter(pl.col("id") == import_id)
    assert surveys["name"].to_list() == ["January"]
    answers = stored(demo, "responses").filter(pl.col("survey_id") == import_id)
    assert sorted(answers["text"].to_list()) == ["fine", "great product", "too slow to load"]
    assert sorted(r["score"] for r in uploaded(demo, "jan-")) == [3, 7, 9]
    assert good_text.count("\n") == 4
    record = last_audit(demo)
    assert (record["action"], record["result"], record["account"]) == ("import", "ok", ACCOUNT)

    # A run found "sending" (killed after the upload) reads it back and uploads nothing again.
    plan = import_plan(ACCOUNT, str(good), name="January", metric_type="nps")
    journal = Journal(Store(demo.settings.store_dir).account(ACCOUNT).path, plan.id)
    journal.record(plan.calls[0].key, "sending")
    outcome = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert outcome.ok
    assert len(outcome.earlier) == 1
    assert not outcome.done
    assert len([i for i in truth(demo)["imports"] if i["id"] not in before]) == 1


def test_tags_are_created_edited_disabled_and_deleted(demo: Demo, cli: Any) -> None:
    names = {t["name"] for t in truth(demo)["tags"]}
    dry = cli("tag", "create", ACCOUNT, "Checkout", "--text-match", "cart", "--dry-run")
    assert dry.exit_code == 0
    assert "terms cart" in dry.stdout
    assert {t["name"] for t in truth(demo)["tags"]} == names

    made = cli("tag", "create", ACCOUNT, "Checkout", "--text-match", "cart", "--text-match", "pay")
    assert made.exit_code == 2
    assert "--yes" in one_line(made)
    made = cli(
        "tag", "create", ACCOUNT, "Checkout", "--text-match", "cart", "--text-match", "pay", "--yes"
    )
    assert made.exit_code == 0, made.output
    tag = next(t for t in truth(demo)["tags"] if t["name"] == "CHECKOUT")
    assert (tag["mode"], tag["text_match_terms"]) == ("text_match", ["cart", "pay"])
    assert {t["name"] for t in truth(demo)["tags"]} == names | {"CHECKOUT"}
    assert "CHECKOUT" in stored(demo, "tags")["name"].to_list()

    again = cli("tag", "create", ACCOUNT, "checkout", "--yes")
    assert again.exit_code == 2
    assert "already has a tag CHECKOUT" in one_line(again)

    edited = cli("tag", "edit", ACCOUNT, "checkout", "--text-match", "basket", "--yes")
    assert edited.exit_code == 0, edited.output
    tag = next(t for t in truth(demo)["tags"] if t["name"] == "CHECKOUT")
    assert tag["text_match_terms"] == ["basket"]

    taken = next(n for n in names if n != "CHECKOUT")
    refused = cli("tag", "edit", ACCOUNT, "CHECKOUT", "--name", taken, "--yes")
    assert refused.exit_code == 1
    assert "422" in refused.stdout
    assert "already been taken" in refused.stdout

    off = cli("tag", "disable", ACCOUNT, "CHECKOUT", "--yes")
    assert off.exit_code == 0, off.output
    assert next(t for t in truth(demo)["tags"] if t["name"] == "CHECKOUT")["enabled"] is False
    assert "undo: `workbench tag enable acme-cxi CHECKOUT`" in off.stdout

    gone = cli("tag", "delete", ACCOUNT, "CHECKOUT", "--yes")
    assert gone.exit_code == 0, gone.output
    assert {t["name"] for t in truth(demo)["tags"]} == names
    assert "CHECKOUT" not in stored(demo, "tags")["name"].to_list()
    record = last_audit(demo)
    assert (record["action"], record["result"]) == ("tag delete", "ok")


def test_tags_are_applied_to_an_import(demo: Demo, cli: Any, tmp_path: Path) -> None:
    good = tmp_path / "feb.csv"
    good.write_text(good_csv("feb-"))
    assert cli("import", ACCOUNT, str(good), "--name", "Feb", "--yes").exit_code == 0
    imported = next(i for i in truth(demo)["imports"] if i["name"] == "Feb")
    tag = truth(demo)["tags"][0]["name"]
    applied = cli("tag", "apply", ACCOUNT, str(imported["id"]), tag, "--yes")
    assert applied.exit_code == 0, applied.output
    mine = uploaded(demo, "feb-")
    assert len(mine) == 3
    assert all(tag in {t["name"] for t in r["tags"]} for r in mine)
    answers = stored(demo, "responses").filter(pl.col("survey_id") == str(imported["id"]))
    assert answers.height == 3
    assert all(tag in tags for tags in answers["tags"].to_list())


def test_an_account_not_onboarded_is_told_the_command_and_onboarded_by_it(
    demo: Demo, cli: Any
) -> None:
    blocked = cli("cxi-export", "new-cxi", "--yes")
    assert blocked.exit_code == 1
    assert "424" in blocked.stdout
    assert "workbench onboard ACCOUNT" in blocked.stdout

    listing = cli("onboard", "new-cxi")
    assert listing.exit_code == 2
    assert "E-Commerce" in listing.stdout
    dry = cli(
        "onboard", "new-cxi", "--category", "E-Commerce", "--project-name", "Web", "--dry-run"
    )
    assert dry.exit_code == 0
    assert not demo.served.sandbox.cxi.accounts[NEW.account_token].onboarding.onboarded

    done = cli("onboard", "new-cxi", "--category", "9", "--project-name", "Web", "--yes")
    assert done.exit_code == 0, done.output
    assert demo.served.sandbox.cxi.accounts[NEW.account_token].onboarding.onboarded
    assert [p["name"] for p in truth(demo, NEW.account_token)["projects"]] == ["Web"]
    assert cli("onboard", "new-cxi").stdout.startswith("new-cxi is already onboarded")


def test_an_export_is_requested_once_at_a_time(demo: Demo, cli: Any) -> None:
    exports = len(truth(demo)["exports"])
    assert cli("cxi-export", ACCOUNT, "--dry-run").exit_code == 0
    assert len(truth(demo)["exports"]) == exports
    asked = cli("cxi-export", ACCOUNT, "--type", "users", "--yes")
    assert asked.exit_code == 0, asked.output
    assert [e["export_type"] for e in truth(demo)["exports"][exports:]] == ["users"]
    busy = cli("cxi-export", ACCOUNT, "--yes")
    assert busy.exit_code == 1
    assert "already in progress" in busy.stdout
    assert len(truth(demo)["exports"]) == exports + 1
    assert cli("cxi-export", ACCOUNT, "--type", "everything").exit_code == 2


def test_an_upload_whose_metadata_was_not_sent_is_finished_not_uploaded_again(
    demo: Demo, cli: Any, tmp_path: Path
) -> None:
    """Killed between the upload and its PUT: the rerun finds the bare import and sends the PUT."""
    good = tmp_path / "march.csv"
    good.write_text(good_csv("mar-"))
    plan = import_plan(ACCOUNT, str(good), name="March", metric_type="csat")
    before = {i["id"] for i in truth(demo)["imports"]}

    async def upload_only() -> None:
        from workbench.sources.connect import open_client, token_cache

        client = open_client(
            ACCOUNT,
            demo.settings.account(ACCOUNT),
            demo.settings.http,
            tokens=token_cache(demo.settings.store_dir),
        )
        try:
            await client.create_import(good.read_bytes(), filename="March")  # type: ignore[union-attr]
        finally:
            await client.aclose()

    asyncio.run(asyncio.wait_for(upload_only(), timeout=60))
    journal = Journal(Store(demo.settings.store_dir).account(ACCOUNT).path, plan.id)
    journal.record(plan.calls[0].key, "sending")
    outcome = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert outcome.ok
    new = [i for i in truth(demo)["imports"] if i["id"] not in before]
    assert [(i["name"], i["metric_type"]) for i in new] == [("March", "csat")]
    assert len(uploaded(demo, "mar-")) == 3
