"""Running a plan: each call journaled, sent once, read back when in doubt; then the store and
the audit log.

Exactly once. Before a call is sent its journal line says `sending`; when it answers, `done` or
`failed`. A call found `sending` by a later run (the first was killed, or the connection dropped
after the request left) is read back with its `check` before anything is sent again. A call whose
effect cannot be read back is reported `unknown` and not sent again unless asked
(`resend_unknown`). A call the server refused (4xx) changed nothing and is sent again by the
next run. The HTTP layer already never repeats a POST that may have reached the server.

The account's lock is held for the whole run: a sync of the same account, or a second run of the
same plan, waits for this one instead of interleaving with it. A run that waited finds the audit
record the other run left, newer than its plan: it reports those calls done by the earlier run
and sends nothing again (the other run removed its journal when every call succeeded).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workbench.data.actions import audit
from workbench.data.actions.journal import Journal
from workbench.data.actions.plan import Call, Plan
from workbench.data.store import Store
from workbench.settings import Settings
from workbench.sources.connect import open_client, token_cache
from workbench.sources.errors import RateLimited, SourceError

CONCURRENCY = 4
"""Calls of one plan in flight at once: enough to hide latency, few enough to stay well inside
every platform's rate limit (the HTTP layer waits for the budget in any case)."""

OnProgress = Callable[[int, int], None]
"""Told (calls finished, calls planned) after each call."""


@dataclass
class Outcome:
    """How a plan's run ended, call by call."""

    plan: Plan
    done: list[Call] = field(default_factory=list)
    earlier: list[Call] = field(default_factory=list)
    """Done by an earlier run of the same plan that stopped before the end."""
    failed: list[tuple[Call, str]] = field(default_factory=list)
    unknown: list[tuple[Call, str]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    stopped: bool = False
    refusal: dict[str, int] = field(default_factory=dict)
    """The HTTP status of each call the server refused (4xx), by call key."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unknown and not self.stopped

    @property
    def result(self) -> str:
        if self.ok:
            return "ok"
        if self.stopped:
            return "stopped"
        return "partial" if self.done or self.earlier else "failed"

    def lines(self, *, limit: int = 10) -> list[str]:
        plan = self.plan
        rows = sum(len(c.rows) for c in self.done)
        head = f"{plan.account}: {plan.action} {len(self.done):,} of {len(plan.calls):,} calls done"
        head += f" ({rows:,} row{'s' if rows != 1 else ''})"
        if self.earlier:
            head += f", {len(self.earlier):,} done by an earlier run"
        out = [head]
        problems = self.problems()
        out.extend(f"  {problem}" for problem in problems[:limit])
        more = len(problems) - limit
        if more > 0:
            out.append(f"  … and {more:,} more kinds of problem (`workbench log` lists them)")
        if self.stopped:
            out.append("  stopped before the end; run the same command again to finish it")
        return out

    def problems(self) -> list[str]:
        """One line per kind of problem, naming the first row it hit and how many more: a
        refusal that holds for the whole account is one line, not one per row."""
        groups: dict[str, list[tuple[Call, str]]] = {}
        for call, message in [*self.failed, *self.unknown]:
            groups.setdefault(message.replace(call.path.lstrip("/"), "…"), []).append(
                (call, message)
            )
        lines = []
        for alike in groups.values():
            (call, message), more = alike[0], len(alike) - 1
            also = f" (and {more:,} more like it)" if more else ""
            lines.append(f"{call.key}{also}: {message}")
        return lines


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _refused(exc: BaseException) -> bool:
    """The server answered 4xx: it did not apply the call (safe to send again later)."""
    status = getattr(exc, "status", None)
    return isinstance(exc, SourceError) and status is not None and 400 <= status < 500


async def _read_back(call: Call, client: object) -> bool | None:
    if call.check is None:
        return None
    try:
        return await call.check(client)
    except (SourceError, OSError):
        return None


async def run_plan(
    settings: Settings,
    plan: Plan,
    *,
    store: Store | None = None,
    on_progress: OnProgress | None = None,
    resend_unknown: bool = False,
) -> Outcome:
    """Send the plan's calls (those an earlier run did not finish), update the store, and
    append the audit record. Raises only for what stops the run before it starts: an unknown
    account (SettingsError), a bad client setting (SourceError), the lock (LockBusy)."""
    store = store or Store(settings.store_dir)
    account_store = store.account(plan.account)
    outcome = Outcome(plan)
    if not plan.calls:
        return outcome
    client = open_client(
        plan.account,
        settings.account(plan.account),
        settings.http,
        tokens=token_cache(store.root),
    )
    journal = Journal(account_store.path, plan.id)
    try:
        async with account_store.lock().hold(wait=settings.sync.lock_wait):
            if _finished_meanwhile(store, plan):
                outcome.earlier.extend(plan.calls)  # its audit record is the other run's
                return outcome
            try:
                await _send_all(plan, client, journal, outcome, on_progress, resend_unknown)
            except asyncio.CancelledError:
                outcome.stopped = True
                raise
            finally:
                _finish(plan, account_store, store, journal, outcome)
    finally:
        await client.aclose()
    return outcome


def _finished_meanwhile(store: Store, plan: Plan) -> bool:
    """Whether another run of this very plan finished every call after the plan was built
    (while this run waited for the lock)."""
    if Journal(store.account(plan.account).path, plan.id).states():
        return False  # a run that stopped half-way: its journal says what is left
    for record in reversed(audit.records(store.root)):
        if record.get("plan") != plan.id or record.get("account") != plan.account:
            continue
        try:
            when = datetime.fromisoformat(str(record.get("time"))).timestamp()
        except ValueError:
            continue
        return when >= plan.made and record.get("result") == "ok"
    return False


ACCOUNT_WIDE = (401, 403, 423, 424)
"""Refusals that hold for every call of the plan (credentials, permission, a feature not
enabled, onboarding): after the first, the rest are not sent, and fail with its message."""


async def _send_all(
    plan: Plan,
    client: object,
    journal: Journal,
    outcome: Outcome,
    on_progress: OnProgress | None,
    resend_unknown: bool,
) -> None:
    states = journal.states()
    gate = asyncio.Semaphore(CONCURRENCY)
    finished = 0
    blocked: list[str] = []

    async def one(call: Call) -> None:
        nonlocal finished
        async with gate:
            if blocked and states.get(call.key) not in ("done", "sending", "unknown"):
                journal.record(call.key, "failed", message=f"not sent: {blocked[0]}")
                outcome.failed.append((call, blocked[0]))
            else:
                await _one(call, states.get(call.key), client, journal, outcome, resend_unknown)
                for failed, message in outcome.failed[-1:]:
                    if failed is call and outcome.refusal.get(call.key) in ACCOUNT_WIDE:
                        blocked.append(message.replace(call.path.lstrip("/"), "…"))
        finished += 1
        if on_progress is not None:
            on_progress(finished, len(plan.calls))

    async with asyncio.TaskGroup() as group:
        for call in plan.calls:
            group.create_task(one(call))


async def _one(
    call: Call,
    state: str | None,
    client: object,
    journal: Journal,
    outcome: Outcome,
    resend_unknown: bool,
) -> None:
    if state == "done":
        outcome.earlier.append(call)
        return
    if state in ("sending", "unknown"):
        applied = await _read_back(call, client)
        if applied:
            journal.record(call.key, "done")
            outcome.earlier.append(call)
            return
        if applied is None and not resend_unknown:
            message = (
                "may have reached the server before an earlier run stopped, and it cannot be "
                "read back; not sent again (check it in the platform's web app, or run again "
                "with --resend-unknown)"
            )
            journal.record(call.key, "unknown", message=message)
            outcome.unknown.append((call, message))
            return
    journal.record(call.key, "sending")
    try:
        await call.send(client)
    except (SourceError, OSError) as exc:
        status = getattr(exc, "status", None)
        outcome.statuses[str(status or type(exc).__name__)] += 1
        applied = await _read_back(call, client)
        if applied:
            journal.record(call.key, "done", status=status)
            outcome.done.append(call)
        elif applied is None and not _refused(exc):
            message = f"{_one_line(exc)}; it may have been applied, so it is not sent again"
            journal.record(call.key, "unknown", status=status, message=message)
            outcome.unknown.append((call, message))
        else:
            message = _one_line(exc)
            if isinstance(exc, RateLimited):
                message = (
                    f"{call.method} {call.path.lstrip('/')}: the rate limit kept answering 429; "
                    "wait a minute and run the same command again (what was done is not redone)"
                )
            journal.record(call.key, "failed", status=status, message=message)
            outcome.failed.append((call, message))
            if _refused(exc) and status is not None:
                outcome.refusal[call.key] = status
        return
    journal.record(call.key, "done")
    outcome.statuses["ok"] += 1
    outcome.done.append(call)


def _finish(
    plan: Plan, account_store: object, store: Store, journal: Journal, outcome: Outcome
) -> None:
    """The store follows what was done (this run's and an earlier one's), the audit log gets
    its record, and a journal with nothing left to do is removed."""
    changed = [*outcome.earlier, *outcome.done]
    problem: str | None = None
    if plan.follow is not None and changed:
        try:
            plan.follow(store.account(plan.account), changed)
        except Exception as exc:  # the API calls are done; the store is re-read by the next sync
            problem = f"the store was not updated ({_one_line(exc)}); `workbench sync` reads it"
    audit.append(
        store.root,
        {
            "account": plan.account,
            "platform": plan.platform,
            "action": plan.action,
            "plan": plan.id,
            "summary": plan.summary,
            "result": outcome.result,
            "calls": len(plan.calls),
            "done": len(changed),
            "failed": len(outcome.failed) + len(outcome.unknown),
            "statuses": dict(outcome.statuses),
            "rows": [row for call in changed for row in call.rows],
            "table": plan.table,
            "undo": plan.undo,
            "undoes": plan.undoes,
            "params": dict(plan.params),
            "problems": outcome.problems() + ([problem] if problem else []),
        },
    )
    if outcome.ok:
        with contextlib.suppress(OSError):
            journal.remove()


async def run_plans(
    settings: Settings,
    plans: Sequence[Plan],
    *,
    store: Store | None = None,
    on_progress: OnProgress | None = None,
    resend_unknown: bool = False,
) -> list[Outcome]:
    """Several accounts' plans, one after another (each holds its own account's lock)."""
    return [
        await run_plan(
            settings, plan, store=store, on_progress=on_progress, resend_unknown=resend_unknown
        )
        for plan in plans
    ]
