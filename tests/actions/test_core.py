"""The write side's core through the real path: `workbench exclude/include/log/undo` on a store
synced from a served sandbox, the sandbox's own tables as the ground truth. Each test is
bounded by itself (subprocess timeouts, bounded polling), never by a wall-clock assertion."""

from __future__ import annotations

import json
import signal
import time

import polars as pl

from tests.actions.harness import ACCOUNT, NPS, USER, World, api, cli, excluded, ids, one_line
from workbench.data.actions import audit
from workbench.data.actions.wootric import exclusion_plans

FILTER = "score:detractors"


def selected(world: World, text: str = FILTER) -> pl.DataFrame:
    from workbench.cli.export import filtered

    return filtered("responses", text, None)


def test_the_plan_has_a_call_per_row_to_change_and_skips_the_rest(world: World) -> None:
    rows = selected(world)
    (plan,) = exclusion_plans(rows, exclude=True)
    already = rows.filter(pl.col("excluded_from_calculations"))
    todo = rows.filter(~pl.col("excluded_from_calculations"))
    assert sorted(plan.rows) == ids(todo)
    assert sorted(s.row for s in plan.skipped) == ids(already)
    assert {c.method for c in plan.calls} == {"PUT"}
    assert {c.path for c in plan.calls} == {f"/v1/responses/{i}" for i in ids(todo)}
    assert plan.summary == f"Exclude {todo.height} responses from calculations"
    assert plan.frame().height == todo.height
    assert plan.undo == "include"
    # the same action on the same rows is the same plan (what makes a rerun find its journal)
    assert exclusion_plans(rows, exclude=True)[0].id == plan.id


def test_a_dry_run_changes_nothing(world: World) -> None:
    before = world.truth("responses")
    code, out = cli("exclude", "--filter", FILTER, "--dry-run")
    assert code == 0, out
    assert "Dry run: nothing was changed." in out
    assert "PUT /v1/responses/" in out
    assert world.truth("responses").equals(before)
    assert world.recorder.calls("PUT") == []
    assert not audit.audit_path(world.settings.store_dir).exists()


def test_off_a_terminal_without_yes_it_refuses(world: World) -> None:
    before = world.truth("responses")
    code, out = cli("exclude", "--filter", FILTER)
    assert code == 2
    assert "--yes" in one_line(out)
    assert world.truth("responses").equals(before)


def test_a_run_changes_exactly_the_planned_rows_the_store_and_the_log(world: World) -> None:
    before = world.truth("responses")
    (plan,) = exclusion_plans(selected(world), exclude=True)
    code, out = cli("exclude", "--filter", FILTER, "--yes")
    assert code == 0, out
    after = world.truth("responses")
    changed = before.join(after, on="id", suffix="_after").filter(
        pl.col("excluded_from_calculations") != pl.col("excluded_from_calculations_after")
    )
    assert ids(changed) == sorted(plan.rows)
    assert all(excluded(world, plan.rows).values())
    assert len(world.recorder.calls("PUT")) == len(plan.calls)
    # the store follows without a sync
    stored = world.table("responses").filter(pl.col("id").is_in(plan.rows))
    assert stored["excluded_from_calculations"].all()
    assert stored.height == len(plan.rows)
    # one audit record, no secret in it, and the log shows it
    (record,) = audit.records(world.settings.store_dir)
    assert record["plan"] == plan.id
    assert record["result"] == "ok"
    assert sorted(record["rows"]) == sorted(plan.rows)
    assert record["table"] == "responses"
    assert record["undo"] == "include"
    text = audit.audit_path(world.settings.store_dir).read_text()
    for secret in (USER.password, NPS.account_token, "Bearer"):
        assert secret not in text
    code, out = cli("log")
    assert code == 0
    assert "exclude" in out
    assert "ok" in out
    code, out = cli("log", "--json")
    assert code == 0
    assert f'"plan": "{plan.id}"' in out
    assert world.journals() == []  # a finished plan leaves no journal


def test_undo_includes_again_exactly_the_rows_the_exclude_changed(world: World) -> None:
    before = world.truth("responses")
    (plan,) = exclusion_plans(selected(world), exclude=True)
    assert cli("exclude", "--filter", FILTER, "--yes")[0] == 0
    code, out = cli("undo", "--dry-run")
    assert code == 0, out
    assert f"Include {len(plan.calls)} responses" in out
    code, out = cli("undo", "--yes")
    assert code == 0, out
    assert world.truth("responses").equals(
        before.with_columns(world.truth("responses")["updated_at"])
    )
    stored = world.table("responses").filter(pl.col("id").is_in(plan.rows))
    assert not stored["excluded_from_calculations"].any()
    # already-excluded rows the filter also selected stay excluded: they were never changed
    kept = [s.row for s in plan.skipped]
    assert all(excluded(world, kept).values())
    last = audit.records(world.settings.store_dir)[-1]
    assert last["undoes"] == plan.id
    assert last["action"] == "include"
    code, out = cli("undo", "--yes")
    assert code == 2
    assert "nothing to undo" in one_line(out).lower()


def test_undo_of_an_unknown_plan_is_one_line(world: World) -> None:
    code, out = cli("undo", "0123456789abcdef", "--yes")
    assert code == 2
    assert "workbench log" in one_line(out)


def test_a_run_killed_with_sigkill_is_finished_by_the_next_without_doing_any_row_twice(
    world: World,
) -> None:
    (plan,) = exclusion_plans(selected(world), exclude=True)
    assert len(plan.calls) >= 12
    world.recorder.delay = 0.3
    first = world.popen("exclude", "--filter", FILTER, "--yes")
    try:
        done: list[str] = []
        for _ in range(600):  # at most a minute
            journals = world.journals()
            if journals:
                lines = [json.loads(x) for x in journals[0].read_text().splitlines() if x]
                done = [x["key"] for x in lines if x["state"] == "done"]
                if len(done) >= 5:
                    break
            if first.poll() is not None:
                break
            time.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL, first.stdout.read() if first.stdout else ""
    assert 5 <= len(done) < len(plan.calls)
    world.recorder.delay = 0.0
    world.recorder.phase = 2
    second = world.popen("exclude", "--filter", FILTER, "--yes")
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    assert "done by an earlier run" in one_line(out)
    applied = world.recorder.applied("PUT", "/v1/responses/")
    per_row: dict[str, list[int]] = {}
    for phase, path in applied:
        per_row.setdefault(path.rsplit("/", 1)[1], []).append(phase)
    assert sorted(per_row) == sorted(plan.rows)
    assert {row: len(p) for row, p in per_row.items() if len(p) != 1} == {}
    journaled_done = {key.split(":", 1)[1] for key in done}
    assert not [row for row in journaled_done if 2 in per_row[row]]
    assert all(excluded(world, plan.rows).values())
    assert (
        world.table("responses")
        .filter(pl.col("id").is_in(plan.rows))["excluded_from_calculations"]
        .all()
    )
    assert world.journals() == []


def test_two_runs_of_the_same_plan_at_once_do_no_row_twice(world: World) -> None:
    (plan,) = exclusion_plans(selected(world), exclude=True)
    world.recorder.delay = 0.05
    runs = [world.popen("exclude", "--filter", FILTER, "--yes") for _ in range(2)]
    outs = []
    try:
        for run in runs:
            outs.append(run.communicate(timeout=120)[0])
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
    assert [r.returncode for r in runs] == [0, 0], outs
    assert any("done by an earlier run" in out for out in outs), outs
    applied = [path.rsplit("/", 1)[1] for _, path in world.recorder.applied("PUT")]
    assert sorted(applied) == sorted(plan.rows)
    assert all(excluded(world, plan.rows).values())


def test_an_answer_lost_after_the_write_is_read_back_not_failed(world: World) -> None:
    (plan,) = exclusion_plans(selected(world), exclude=True)
    lost, failing = plan.rows[0], plan.rows[1]
    world.recorder.broken = {f"/v1/responses/{lost}": 0, f"/v1/responses/{failing}": 500}
    code, out = cli("exclude", "--filter", FILTER, "--yes")
    assert code == 0, out
    one_line(out)
    assert all(excluded(world, plan.rows).values())
    record = audit.records(world.settings.store_dir)[-1]
    assert record["result"] == "ok"
    assert sorted(record["rows"]) == sorted(plan.rows)


def test_a_response_deleted_on_the_platform_is_one_line_naming_it(world: World) -> None:
    (plan,) = exclusion_plans(selected(world), exclude=True)
    gone = plan.rows[0]
    end_user = str(world.table("responses").filter(pl.col("id") == gone)["end_user_id"][0])
    api(world, "DELETE", f"/v1/end_users/{end_user}/responses/{gone}")
    code, out = cli("exclude", "--filter", FILTER, "--yes")
    assert code == 1
    lines = [line for line in one_line(out).splitlines() if f"response:{gone}" in line]
    assert len(lines) == 1, out
    assert "404" in lines[0], out
    assert "deleted" in lines[0], out
    others = [r for r in plan.rows if r != gone]
    assert all(excluded(world, others).values())
    record = audit.records(world.settings.store_dir)[-1]
    assert record["result"] == "partial"
    assert gone not in record["rows"]
    assert sorted(record["rows"]) == sorted(others)
    code, out = cli("log")
    assert "partial" in out


def test_a_filter_selecting_nothing_is_one_line(world: World) -> None:
    code, out = cli("exclude", "--filter", '"no comment says this, surely"', "--yes")
    assert code == 2
    assert "no rows" in one_line(out)
    assert ACCOUNT not in audit.audit_path(world.settings.store_dir).parent.name
