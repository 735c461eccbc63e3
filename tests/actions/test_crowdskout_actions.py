"""Crowdskout's push through the real CLI, the real HTTP client and a served sandbox: the
attribute created once, the profiles the filter's people are updated in bulk, each profile whose
item Crowdskout dropped in silence reported as a failed row."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import use_config
from workbench.cli import app
from workbench.cli.export import filtered
from workbench.data.actions import audit
from workbench.data.actions.crowdskout import push_plan
from workbench.data.actions.journal import Journal
from workbench.data.actions.run import run_plan
from workbench.data.store import Store
from workbench.data.sync import sync
from workbench.demo import Demo, start_demo
from workbench.sandbox.accounts import CROWDSKOUT_ORGANIZATIONS

ACCOUNT = "acme-crm"
ORG = CROWDSKOUT_ORGANIZATIONS[0]
FILTER = 'score:detractors "slow"'
"""Responses of every platform: their people are matched to the CRM's profiles by e-mail."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with start_demo(tmp_path_factory.mktemp("crowdskout-demo"), responses=1_500) as running:
        asyncio.run(asyncio.wait_for(sync(running.settings), timeout=300))
        yield running


@pytest.fixture
def cli(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_config(monkeypatch, tmp_path, demo.config_path)

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def truth(demo: Demo) -> dict[str, list[dict[str, Any]]]:
    return demo.served.sandbox.crowdskout.ground_truth()[str(ORG.organization_id)]


def values(demo: Demo, name: str) -> dict[str, list[Any]]:
    """Profile id -> the values it holds for the attribute `name`."""
    held: dict[str, list[Any]] = {}
    for profile in truth(demo)["profiles"]:
        for item in profile.get("Attributes", []):
            if item["AttributeName"] == name:
                held.setdefault(str(profile["id"]), []).append(item["AttributeValue"])
    return held


def planned(demo: Demo, name: str) -> Any:
    rows = filtered("responses", FILTER, None)
    end_users = Store(demo.settings.store_dir).account(ACCOUNT).read("end_users")
    return push_plan(ACCOUNT, rows, end_users, attribute_name=name, attribute=None)


def test_push_creates_the_attribute_once_and_sets_it_on_exactly_the_planned_profiles(
    demo: Demo, cli: Any
) -> None:
    name = "Follow up"
    attributes = len(truth(demo)["attributes"])
    plan = planned(demo, name)
    assert plan.calls[0].path == "/v1/attribute"
    assert plan.rows
    dry = cli("push", ACCOUNT, name, "--filter", FILTER, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        f"Set {name} = Yes on {len(plan.rows)} profiles (creating the Tag attribute" in dry.stdout
    )
    assert "no acme-crm profile with its e-mail" in dry.stdout
    assert len(truth(demo)["attributes"]) == attributes
    assert values(demo, name) == {}

    done = cli("push", ACCOUNT, name, "--filter", FILTER, "--yes")
    assert done.exit_code == 0, done.output
    assert [a["name"] for a in truth(demo)["attributes"]].count(name) == 1
    held = values(demo, name)
    assert sorted(held) == sorted(plan.rows)
    assert all(v == [{"id": "true", "value": "Yes"}] for v in held.values())
    record = audit.read(demo.settings.store_dir).rows(named=True)[-1]
    assert (record["action"], record["result"], record["account"]) == ("push", "ok", ACCOUNT)
    assert sorted(record["rows"]) == sorted(plan.rows)

    again = cli("push", ACCOUNT, name, "--filter", FILTER, "--yes")
    assert again.exit_code == 0, again.output
    assert "already had the value" in again.stdout
    assert values(demo, name) == held  # no item added twice
    assert [a["name"] for a in truth(demo)["attributes"]].count(name) == 1


def test_a_bulk_call_found_in_flight_adds_nothing_twice(demo: Demo, cli: Any) -> None:
    name = "Call back"
    plan = planned(demo, name)
    first = asyncio.run(asyncio.wait_for(run_plan(demo.settings, plan), timeout=120))
    assert first.ok
    held = values(demo, name)
    assert sorted(held) == sorted(plan.rows)
    journal = Journal(Store(demo.settings.store_dir).account(ACCOUNT).path, plan.id)
    for call in plan.calls:  # as if killed after every call went out, before any was recorded
        journal.record(call.key, "sending")
    again = planned(demo, name)  # the same plan, built afresh (as a rerun builds it)
    assert again.id == plan.id
    second = asyncio.run(asyncio.wait_for(run_plan(demo.settings, again), timeout=120))
    assert second.ok
    assert len(second.earlier) == len(plan.calls)
    assert values(demo, name) == held
    assert [a["name"] for a in truth(demo)["attributes"]].count(name) == 1


def test_every_profile_crowdskout_dropped_is_a_failed_row_with_its_reason(
    demo: Demo, cli: Any
) -> None:
    before = values(demo, "Renewal Date")
    result = cli(
        "push", ACCOUNT, "Renewal Date", "--value", "2024-02-31", "--filter", FILTER, "--yes"
    )
    assert result.exit_code == 1
    plan = planned(demo, "Follow up")
    lines = [line for line in result.stderr.splitlines() if line.startswith("  profile ")]
    assert len(lines) == len(plan.rows)
    assert all("not stored: Crowdskout dropped it without an error" in line for line in lines)
    assert "Date attribute" in lines[0]
    assert f"{len(plan.rows)} profile(s) not updated" in result.stderr
    assert "profiles not updated" in result.stdout
    assert values(demo, "Renewal Date") == before
    record = audit.read(demo.settings.store_dir).rows(named=True)[-1]
    assert record["result"] == "failed"
    assert record["rows"] == []


def test_wrong_inputs_are_one_line(demo: Demo, cli: Any) -> None:
    locked = next(a["name"] for a in truth(demo)["attributes"] if a["locked"])
    cases = {
        (ACCOUNT, locked): "is locked",
        (ACCOUNT, "Seats", "--value", "lots"): "takes a number",
        (ACCOUNT, "Plan", "--value", "Gold-ish"): "has no option",
        ("acme-nps", "Seats"): "is a wootric account",
        ("nobody", "Seats"): "no account named 'nobody'",
        (ACCOUNT, "New", "--type", "Colour"): "--type is one of",
    }
    for args, message in cases.items():
        result = cli("push", *args, "--filter", FILTER, "--yes")
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.strip().count("\n") == 0, result.stderr
