"""Wootric's actions on end users and declines through a served sandbox and the real CLI:
`email-survey`, `set-property`, `erase`, `decline-property`; each with its plan, a dry run
that changes nothing, the real run against the sandbox's ground truth, the store, the audit
log, and its documented errors as one line naming the row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.actions.harness import (
    NPS,
    World,
    api,
    cli,
    enable_historical_edits,
    ids,
    one_line,
    open_world,
    properties,
)
from workbench.data.actions import audit
from workbench.data.actions.wootric_people import email_survey_plans

FILTER = '"slow"'


def people(world: World, text: str = FILTER) -> list[str]:
    rows = world.table("responses").filter(pl.col("text").str.to_lowercase().str.contains("slow"))
    assert text == FILTER
    return sorted(set(rows["end_user_id"].to_list()))


def last_record(world: World) -> dict:
    return audit.records(world.settings.store_dir)[-1]


# --- email survey ------------------------------------------------------------------------------


def test_the_email_survey_is_batched_by_100_and_cannot_be_read_back() -> None:
    frame = pl.DataFrame(
        {
            "account": ["a"] * 252,
            "id": [str(i) for i in range(252)],
            "email": [f"p{i}@example.com" for i in range(250)] + [None, "p0@example.com"],
        }
    )
    (plan,) = email_survey_plans(frame, subject="Hi", delay=3)
    assert [len(c.rows) for c in plan.calls] == [100, 100, 50]
    assert all(c.check is None and c.method == "POST" for c in plan.calls)
    assert sorted(s.reason for s in plan.skipped) == [
        "an address already in the survey",
        "no usable e-mail address",
    ]
    assert plan.params == {"subject": "Hi", "delay": 3}
    with pytest.raises(ValueError, match="1 to 31"):
        email_survey_plans(frame, delay=40)


def test_email_survey_dry_run_then_run(world: World) -> None:
    before = world.truth("end_users")
    code, out = cli(
        "email-survey", "--filter", FILTER, "--subject", "How are we doing?", "--dry-run"
    )
    assert code == 0, out
    assert "POST /v1/email_survey" in out
    assert world.recorder.calls("POST", "email_survey") == []
    code, out = cli(
        "email-survey",
        "--filter",
        FILTER,
        "--subject",
        "How are we doing?",
        "--intro",
        "Hi",
        "--sender-name",
        "Acme",
        "--delay",
        "3",
        "--yes",
    )
    assert code == 0, out
    assert len(world.recorder.calls("POST", "email_survey")) == 1
    after = world.truth("end_users")
    assert after.height == before.height  # every address was a known end user
    record = last_record(world)
    assert record["action"] == "email-survey"
    assert record["result"] == "ok"
    assert sorted(record["rows"]) == people(world)
    assert record["params"]["subject"] == "How are we doing?"


def test_an_email_survey_cut_off_is_unknown_and_never_sent_twice(world: World) -> None:
    world.recorder.broken = {"/v1/email_survey": 0}
    code, out = cli("email-survey", "--filter", FILTER, "--yes")
    assert code == 1
    assert "may have been applied" in one_line(out)
    world.recorder.broken = {}
    code, out = cli("email-survey", "--filter", FILTER, "--yes")
    assert code == 1
    assert "cannot be read back" in one_line(out)
    assert "--resend-unknown" in out
    assert len(world.recorder.applied("POST", "email_survey")) == 1
    code, out = cli("email-survey", "--filter", FILTER, "--yes", "--resend-unknown")
    assert code == 0, out
    assert len(world.recorder.applied("POST", "email_survey")) == 2


# --- set a property ----------------------------------------------------------------------------


def test_set_property_changes_the_end_users_and_the_store_not_past_responses(
    world: World,
) -> None:
    targets = people(world)
    answers = world.table("responses").filter(pl.col("end_user_id").is_in(targets))
    before = {r: properties(world, "responses", r) for r in answers["id"].to_list()}
    truth = world.truth("end_users")
    code, out = cli("set-property", "persona=Champion", "--filter", FILTER, "--dry-run")
    assert code == 0, out
    assert world.truth("end_users").equals(truth)
    code, out = cli("set-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 0, out
    for end_user in targets:
        assert properties(world, "end_users", end_user)["persona"] == "Champion"
    others = [str(i) for i in truth["id"].to_list() if str(i) not in targets]
    assert all(properties(world, "end_users", o)["persona"] != "Champion" for o in others[:40])
    assert {r: properties(world, "responses", r) for r in before} == before
    stored = world.table("end_users").filter(pl.col("id").is_in(targets))
    assert stored.height == len(targets)
    assert set(stored["properties"].struct.field("persona").to_list()) == {"Champion"}
    assert sorted(last_record(world)["rows"]) == targets
    # again: nothing to do, every end user is already so
    code, out = cli("set-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 0
    assert "already" in out


def test_set_property_wrong_inputs_are_one_line(world: World) -> None:
    code, out = cli("set-property", "persona", "--filter", FILTER, "--yes")
    assert code == 2
    assert "NAME=VALUE" in one_line(out)
    code, out = cli("set-property", "persona=x", "--yes")
    assert code == 2
    assert "--filter" in one_line(out)


@pytest.fixture
def limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from open_world(tmp_path, monkeypatch, http={"max_rate_wait": 0})


def test_429_is_one_line_saying_to_run_again(limited: World) -> None:
    rate = limited.served.sandbox.world.rate
    rate.limit, rate.window = 1, 3600
    rate.exhaust(NPS.account_token)
    code, out = cli("set-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 1
    lines = [x for x in one_line(out).splitlines() if "429" in x]
    assert len(lines) == 1, out
    assert "end_user:" in lines[0]
    assert "run the same command again" in lines[0]


# --- erase -------------------------------------------------------------------------------------


def test_erase_needs_yes_off_a_terminal_and_removes_end_users_with_their_rows(
    world: World,
) -> None:
    targets = people(world)
    code, out = cli("erase", "--filter", FILTER)
    assert code == 2
    assert "--yes" in one_line(out)
    code, out = cli("erase", "--filter", FILTER, "--dry-run")
    assert code == 0
    assert "cannot be undone" in out
    assert len(world.recorder.calls("DELETE")) == 0
    code, out = cli("erase", "--filter", FILTER, "--yes")
    assert code == 0, out
    assert sorted(p.rsplit("/", 1)[1] for _, p, _ in world.recorder.calls("DELETE")) == targets
    # the store: the end users and their responses are gone at once
    assert world.table("end_users").filter(pl.col("id").is_in(targets)).is_empty()
    assert world.table("responses").filter(pl.col("end_user_id").is_in(targets)).is_empty()
    assert not world.table("responses").is_empty()
    # the platform: performed the next day at 7 AM UTC
    world.served.sandbox.world.clock.advance(2 * 86_400)
    gone = {str(i) for i in world.truth("end_users")["id"].to_list()}
    assert not gone & set(targets)
    assert not {str(i) for i in world.truth("responses")["end_user_id"].to_list()} & set(targets)
    assert last_record(world)["action"] == "erase"
    code, out = cli("undo", "--yes")
    assert code == 2  # nothing undoable: an erase has no undo


def test_erase_by_email(world: World) -> None:
    target = world.table("end_users").row(0, named=True)
    code, out = cli("erase", "--email", target["email"].upper(), "--yes")
    assert code == 0, out
    assert [p for _, p, _ in world.recorder.calls("DELETE")] == [
        f"/wootric/v1/end_users/{target['id']}"
    ]
    code, out = cli("erase", "--email", "nobody@nowhere.example", "--yes")
    assert code == 2
    assert "nobody@nowhere.example" in one_line(out)
    code, out = cli("erase", "--yes")
    assert code == 2
    assert "--filter or --email" in one_line(out)


def test_an_end_user_erased_elsewhere_is_one_line_naming_it(world: World) -> None:
    targets = people(world)
    api(world, "DELETE", f"/v1/end_users/{targets[0]}")  # in the web app, say
    world.served.sandbox.world.clock.advance(2 * 86_400)
    code, out = cli("set-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 1
    lines = [x for x in one_line(out).splitlines() if f"end_user:{targets[0]}" in x]
    assert len(lines) == 1, out
    assert "404" in lines[0]
    assert "deleted" in lines[0]
    assert sorted(last_record(world)["rows"]) == targets[1:]
    assert last_record(world)["result"] == "partial"


# --- decline-property --------------------------------------------------------------------------


def test_decline_property_answers_423_until_enabled_then_changes_the_declines(
    world: World,
) -> None:
    declines = world.table("declines").filter(pl.col("end_user_id").is_in(people(world)))
    assert declines.height >= 2
    targets = ids(declines)
    code, out = cli("decline-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 1
    lines = [x for x in one_line(out).splitlines() if "423" in x]
    assert len(lines) == 1, out  # one line for every decline the same refusal holds for
    assert "decline:" in lines[0]
    assert "enable" in lines[0]
    assert len(world.recorder.calls("PUT", "declines", ok=False)) <= 4  # the rest not sent
    enable_historical_edits(world)
    current = {e: properties(world, "end_users", e)["persona"] for e in people(world)}
    code, out = cli("decline-property", "persona=Champion", "--filter", FILTER, "--yes")
    assert code == 0, out
    assert {properties(world, "declines", d)["persona"] for d in targets} == {"Champion"}
    assert {e: properties(world, "end_users", e)["persona"] for e in people(world)} == current
    stored = world.table("declines").filter(pl.col("id").is_in(targets))
    assert set(stored["properties"].struct.field("persona").to_list()) == {"Champion"}
    code, out = cli("decline-property", "persona=x", "--decline", "123", "--yes")
    assert code == 2
    assert "123" in one_line(out)
