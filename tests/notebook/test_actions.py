"""The notebook's write actions through the real path: a served sandbox, a synced store, the
real HTTP client. For each action: `plan=True` returns a non-empty frame and changes nothing in
the sandbox; without `confirm` it raises ActionNotConfirmed and changes nothing; `confirm=True`
changes exactly the planned rows; a destructive one wants the account's name. And the
notebook's plan is the plan the CLI prints with --dry-run, for the same filter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.actions.harness import (
    ACCOUNT,
    World,
    cli,
    enable_historical_edits,
    excluded,
    open_world,
    properties,
)
from tests.actions.test_crowdskout_actions import values
from tests.actions.test_cxi_actions import NEW, good_csv, truth, uploaded
from tests.conftest import use_config
from workbench.data.actions.plan import Plan
from workbench.data.actions.planning import PlanRefused
from workbench.data.sync import sync
from workbench.demo import Demo, demo_accounts, start_demo
from workbench.notebook import Workbench, open_workbench
from workbench.notebook.actions import ActionNotConfirmed, ImportProblems, NothingToDoNote
from workbench.sandbox.accounts import APPTENTIVE_APPS, WOOTRIC_USERS
from workbench.settings import load_settings, save_settings, settings_from

Snapshot = Callable[[], Any]


def two_steps(act: Callable[..., pl.DataFrame], snapshot: Snapshot) -> pl.DataFrame:
    """plan=True: a non-empty plan and nothing changed; no confirm: ActionNotConfirmed and
    nothing changed. Returns the plan."""
    before = snapshot()
    plan = act(plan=True)
    assert not plan.is_empty()
    assert set(plan.columns) >= {"account", "action", "method", "path", "row_ids"}
    assert snapshot() == before
    with pytest.raises(ActionNotConfirmed, match=r"Nothing was sent|cannot be undone"):
        act()
    assert snapshot() == before
    return plan


def planned_rows(plan: pl.DataFrame) -> set[str]:
    return {r for rows in plan["row_ids"].to_list() for r in rows}


def done(outcome: pl.DataFrame) -> None:
    assert not outcome.is_empty()
    assert set(outcome["status"].to_list()) == {"done"}, outcome


# --- Wootric: the action tests' world (one NPS account, 400 responses) -------------------------


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from open_world(tmp_path, monkeypatch)


@pytest.fixture
def wb(world: World) -> Iterator[Workbench]:
    with open_workbench(world.config, progress=False, time_zone="UTC") as workbench:
        yield workbench


def wootric_truth(world: World) -> Snapshot:
    def snapshot() -> list[Any]:
        return [world.truth(t).sort("id").rows() for t in ("responses", "end_users", "declines")]

    return snapshot


def test_exclude_then_undo(world: World, wb: Workbench) -> None:
    plan = two_steps(lambda **kw: wb.exclude("score:detractors", **kw), wootric_truth(world))
    rows = planned_rows(plan)
    all_ids = [str(i) for i in world.truth("responses")["id"].to_list()]
    before = excluded(world, all_ids)
    done(wb.exclude("score:detractors", confirm=True))
    after = excluded(world, all_ids)
    assert {r for r in all_ids if after[r] != before[r]} == rows
    assert wb.log()["action"].to_list()[-1] == "exclude"

    undo = wb.undo(plan=True)
    assert planned_rows(undo) == rows
    done(wb.undo(confirm=True))
    assert excluded(world, all_ids) == before


def test_include_asks_and_changes_the_planned_rows(world: World, wb: Workbench) -> None:
    done(wb.exclude('"slow"', confirm=True))
    plan = two_steps(lambda **kw: wb.include('"slow"', **kw), wootric_truth(world))
    rows = sorted(planned_rows(plan))
    done(wb.include('"slow"', confirm=True))
    assert set(excluded(world, rows).values()) == {False}


def test_email_survey(world: World, wb: Workbench) -> None:
    def act(**kw: Any) -> pl.DataFrame:
        return wb.email_survey('"slow"', subject="How are we doing?", delay=3, **kw)

    plan = two_steps(act, wootric_truth(world))
    assert world.recorder.calls("POST", "email_survey") == []
    done(act(confirm=True))
    assert len(world.recorder.calls("POST", "email_survey")) == plan.height
    assert sorted(wb.log()["rows"].to_list()[-1]) == sorted(planned_rows(plan))
    with pytest.raises(ValueError, match="1 to 31"):
        wb.email_survey('"slow"', delay=40, plan=True)


def test_set_property(world: World, wb: Workbench) -> None:
    plan = two_steps(
        lambda **kw: wb.set_property('"slow"', pricing_plan="Enterprise", **kw),
        wootric_truth(world),
    )
    done(wb.set_property('"slow"', values={"pricing_plan": "Enterprise"}, confirm=True))
    for end_user in planned_rows(plan):
        assert properties(world, "end_users", end_user)["pricing_plan"] == "Enterprise"
    with pytest.raises(ValueError, match="properties to set"):
        wb.set_property('"slow"', plan=True)


def test_erase_wants_the_account_name(world: World, wb: Workbench) -> None:
    snapshot = wootric_truth(world)
    plan = two_steps(lambda **kw: wb.erase('"slow"', **kw), snapshot)
    before = snapshot()
    with pytest.raises(ActionNotConfirmed, match=f"confirm='{ACCOUNT}'"):
        wb.erase('"slow"', confirm=True)
    assert snapshot() == before
    assert world.recorder.calls("DELETE") == []
    done(wb.erase('"slow"', confirm=ACCOUNT))
    deleted = {p.rsplit("/", 1)[1] for _, p, _ in world.recorder.calls("DELETE")}
    assert deleted == planned_rows(plan)
    with pytest.raises(PlanRefused, match=r"nobody@example\.com"):
        wb.erase(email="nobody@example.com", plan=True)
    with pytest.raises(ValueError, match="either a filter or email="):
        wb.erase(plan=True)


def test_decline_property(world: World, wb: Workbench) -> None:
    enable_historical_edits(world)
    plan = two_steps(
        lambda **kw: wb.decline_property('"slow"', persona="Champion", **kw),
        wootric_truth(world),
    )
    done(wb.decline_property('"slow"', persona="Champion", confirm=True))
    assert {properties(world, "declines", d)["persona"] for d in planned_rows(plan)} == {"Champion"}
    with pytest.raises(PlanRefused, match="no Wootric decline 123"):
        wb.decline_property(decline="123", persona="x", plan=True)


# --- the same plan from both faces ----------------------------------------------------------

PIECES = ["score:detractors", "score:promoters", "score:passives", '"slow"', '"great"']


def cli_plan(filter_text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, list[str]]:
    """What `workbench exclude --filter F --dry-run` prints: its exit status, the number of
    calls and the row of each call (every call listed, not the first five)."""
    whole = Plan.lines
    monkeypatch.setattr(Plan, "lines", lambda self, limit=5: whole(self, limit=10**6))
    code, out = cli("exclude", "--filter", filter_text, "--dry-run")
    monkeypatch.setattr(Plan, "lines", whole)
    if code != 0:
        return code, 0, []
    calls = re.search(r"([\d,]+) calls? to wootric", out)
    assert calls is not None, out
    return code, int(calls.group(1).replace(",", "")), re.findall(r"PUT /v1/responses/(\d+)", out)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(pieces=["score:detractors"], negate=False)  # more calls than the CLI lists by default
@given(
    pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=2, unique=True),
    negate=st.booleans(),
)
def test_the_notebook_plans_what_the_cli_prints(
    world: World, wb: Workbench, monkeypatch: pytest.MonkeyPatch, pieces: list[str], negate: bool
) -> None:
    filter_text = " ".join([("-" + pieces[0]) if negate else pieces[0], *pieces[1:]])
    code, calls, rows = cli_plan(filter_text, monkeypatch)
    try:
        plan = wb.exclude(filter_text, plan=True)
    except ValueError:
        assert code == 2
        return
    assert code == 0
    assert plan.height == calls == len(rows)
    assert [r for ids in plan["row_ids"].to_list() for r in ids] == rows


# --- CXI, Apptentive, Crowdskout: one demo for the module ---------------------------------------

CXI = "acme-cxi"
APPTENTIVE = "acme-ios"
CRM = "acme-crm"
APP = APPTENTIVE_APPS[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo, synced, with a CXI account that is not onboarded ("new-cxi", not synced)."""
    with start_demo(tmp_path_factory.mktemp("notebook-actions"), responses=1_500) as running:
        accounts = demo_accounts(running.served)
        accounts["new-cxi"] = {
            **accounts[CXI],
            "email": WOOTRIC_USERS[0].email,
            "account_token": NEW.account_token,
        }
        save_settings(
            settings_from({"store_dir": str(running.directory / "store"), "accounts": accounts}),
            running.config_path,
        )
        running.settings = load_settings(running.config_path, environ={})
        synced = {k: v for k, v in running.settings.accounts.items() if k != "new-cxi"}
        asyncio.run(
            asyncio.wait_for(sync(running.settings.model_copy(update={"accounts": synced})), 300)
        )
        yield running


@pytest.fixture(scope="module")
def nb(demo: Demo) -> Iterator[Workbench]:
    with open_workbench(demo.settings, progress=False, time_zone="UTC") as workbench:
        yield workbench


def sandbox(demo: Demo) -> Snapshot:
    def snapshot() -> list[Any]:
        box = demo.served.sandbox
        return [
            box.cxi.ground_truth(),
            box.apptentive.ground_truth(),
            box.crowdskout.ground_truth(),
        ]

    return snapshot


def archived(demo: Demo) -> dict[str, bool]:
    records = demo.served.sandbox.apptentive.ground_truth()[APP.app_id]["records"]
    return {str(r["id"]): bool(r["archived"]) for r in records}


def test_archive_and_unarchive(demo: Demo, nb: Workbench) -> None:
    selected = f'account:{APPTENTIVE} "crash"'
    before = archived(demo)
    plan = two_steps(lambda **kw: nb.archive(selected, **kw), sandbox(demo))
    done(nb.archive(selected, confirm=True))
    after = archived(demo)
    assert {r for r in after if after[r] != before[r]} == planned_rows(plan)
    back = two_steps(lambda **kw: nb.unarchive(selected, **kw), sandbox(demo))
    assert planned_rows(plan) <= planned_rows(back)


def test_the_notebook_plans_the_archive_the_cli_prints(
    demo: Demo, nb: Workbench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(monkeypatch, tmp_path, demo.config_path)
    whole = Plan.lines
    monkeypatch.setattr(Plan, "lines", lambda self, limit=5: whole(self, limit=10**6))
    for selected in (f"account:{APPTENTIVE}", f'account:{APPTENTIVE} -"crash"'):
        code, out = cli("archive", "--filter", selected, "--dry-run")
        assert code == 0, out
        plan = nb.archive(selected, plan=True)
        printed = re.findall(r"PUT /records/(\w+)/toggle_archive", out)
        assert [r for ids in plan["row_ids"].to_list() for r in ids] == printed
        assert f"Archive {plan.height} record" in out


def test_deactivate_survey(demo: Demo, nb: Workbench) -> None:
    def surveys() -> dict[str, bool]:
        found = demo.served.sandbox.apptentive.ground_truth()[APP.app_id]["surveys"]
        return {str(s.get("id") or s.get("_id")): bool(s.get("active")) for s in found}

    survey = next(s for s, active in surveys().items() if active)
    two_steps(lambda **kw: nb.deactivate_survey(APPTENTIVE, survey, **kw), sandbox(demo))
    before = surveys()
    done(nb.deactivate_survey(APPTENTIVE, survey, confirm=True))
    assert surveys() == {**before, survey: False}
    with pytest.warns(NothingToDoNote, match="already inactive"):
        assert nb.deactivate_survey(APPTENTIVE, survey, plan=True).is_empty()
    with pytest.raises(PlanRefused, match="no survey 'nope'"):
        nb.deactivate_survey(APPTENTIVE, "nope", plan=True)


def test_push(demo: Demo, nb: Workbench) -> None:
    name = "Notebook follow up"
    selected = 'score:detractors "slow"'
    plan = two_steps(lambda **kw: nb.push(CRM, name, selected, **kw), sandbox(demo))
    assert plan["path"].to_list()[0] == "/v1/attribute"
    assert values(demo, name) == {}
    done(nb.push(CRM, name, selected, confirm=True))
    assert set(values(demo, name)) == planned_rows(plan)
    with pytest.raises(PlanRefused, match="attribute type is one of"):
        nb.push(CRM, name, selected, type="Colour", plan=True)


def test_tags(demo: Demo, nb: Workbench) -> None:
    def tag() -> dict[str, Any] | None:
        return next((t for t in truth(demo)["tags"] if t["name"] == "NOTEBOOK"), None)

    snapshot = sandbox(demo)
    names = {t["name"] for t in truth(demo)["tags"]}
    two_steps(lambda **kw: nb.tag_create(CXI, "Notebook", text_match=["cart"], **kw), snapshot)
    done(nb.tag_create(CXI, "Notebook", text_match=["cart"], confirm=True))
    assert {t["name"] for t in truth(demo)["tags"]} == names | {"NOTEBOOK"}

    two_steps(lambda **kw: nb.tag_edit(CXI, "notebook", text_match=["basket"], **kw), snapshot)
    done(nb.tag_edit(CXI, "notebook", text_match=["basket"], confirm=True))
    assert (found := tag()) is not None
    assert found["text_match_terms"] == ["basket"]

    two_steps(lambda **kw: nb.tag_disable(CXI, "NOTEBOOK", **kw), snapshot)
    done(nb.tag_disable(CXI, "NOTEBOOK", confirm=True))
    assert (found := tag()) is not None
    assert found["enabled"] is False
    two_steps(lambda **kw: nb.tag_enable(CXI, "NOTEBOOK", **kw), snapshot)
    done(nb.tag_enable(CXI, "NOTEBOOK", confirm=True))
    assert (found := tag()) is not None
    assert found["enabled"] is True

    two_steps(lambda **kw: nb.tag_delete(CXI, "NOTEBOOK", **kw), snapshot)
    with pytest.raises(ActionNotConfirmed, match=f"confirm='{CXI}'"):
        nb.tag_delete(CXI, "NOTEBOOK", confirm=True)
    assert tag() is not None
    done(nb.tag_delete(CXI, "NOTEBOOK", confirm=CXI))
    assert {t["name"] for t in truth(demo)["tags"]} == names
    with pytest.raises(PlanRefused, match="no tag 'NOTEBOOK'"):
        nb.tag_disable(CXI, "NOTEBOOK", plan=True)
    with pytest.raises(PlanRefused, match="is an apptentive account"):
        nb.tag_create(APPTENTIVE, "X", plan=True)


def test_import_and_apply_tags(demo: Demo, nb: Workbench, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("feedback_date,feedback,score\nsoon,bad,x\n")
    with pytest.raises(ImportProblems, match="was not uploaded") as refused:
        nb.import_csv(CXI, bad, plan=True)
    assert refused.value.problems

    good = tmp_path / "mar.csv"
    good.write_text(good_csv("nb-mar-"))
    plan = two_steps(lambda **kw: nb.import_csv(CXI, good, name="Mar", **kw), sandbox(demo))
    assert planned_rows(plan) == {"Mar"}
    done(nb.import_csv(CXI, good, name="Mar", metric_type="nps", confirm=True))
    assert len(uploaded(demo, "nb-mar-")) == 3

    imported = next(i for i in truth(demo)["imports"] if i["name"] == "Mar")
    tag = truth(demo)["tags"][0]["name"]
    two_steps(lambda **kw: nb.tag_apply(CXI, str(imported["id"]), tag, **kw), sandbox(demo))
    done(nb.tag_apply(CXI, str(imported["id"]), tag, confirm=True))
    assert all(tag in {t["name"] for t in r["tags"]} for r in uploaded(demo, "nb-mar-"))


def test_onboard_and_export(demo: Demo, nb: Workbench) -> None:
    with pytest.raises(PlanRefused, match="E-Commerce"):
        nb.onboard("new-cxi", plan=True)
    two_steps(
        lambda **kw: nb.onboard("new-cxi", "E-Commerce", project_name="Web", **kw), sandbox(demo)
    )
    done(nb.onboard("new-cxi", "E-Commerce", project_name="Web", confirm=True))
    assert demo.served.sandbox.cxi.accounts[NEW.account_token].onboarding.onboarded
    with pytest.warns(NothingToDoNote, match="already onboarded"):
        assert nb.onboard("new-cxi", plan=True).is_empty()

    exports = len(truth(demo)["exports"])
    two_steps(lambda **kw: nb.cxi_export(CXI, type="users", **kw), sandbox(demo))
    done(nb.cxi_export(CXI, type="users", confirm=True))
    assert [e["export_type"] for e in truth(demo)["exports"][exports:]] == ["users"]
    with pytest.raises(PlanRefused, match="responses or users"):
        nb.cxi_export(CXI, type="everything", plan=True)
