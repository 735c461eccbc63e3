"""Fetch what changed on the platforms into the store: concurrent, incremental, resumable.

Every account runs at once, and within an account every table (each client bounds its own
requests in flight). A table is one of two kinds:

- **walked** tables (Wootric responses, declines and end users, Crowdskout profiles) are read
  window by window from a cursor. Each window's rows are written as a store part as soon as they
  arrive, and the cursor moves only over windows that are complete and contiguous from where the
  read began, so a sync killed at any instant resumes from the cursor: the rows read again are
  the same ids, which the store's upsert-by-id keeps once.
- **snapshot** tables (segments, tags, imports, surveys, ...) are small and read whole each time,
  then replace the stored table in one atomic write.

Incremental reads start `OVERLAP` seconds before the cursor, to catch rows that reached the API
late. A `--full` sync reads everything again and, at the end, removes the stored rows the
platform no longer has (deleted end users and their responses). Its progress survives a kill:
the cursor remembers the full read and the first store part it wrote, and the next run
continues it.

What the APIs do not let a sync see is said in the docs of each table's function.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from workbench.data import sync_apptentive, sync_crowdskout, sync_cxi, sync_wootric
from workbench.data.lock import LockBusy
from workbench.data.progress import AccountSummary, Failure, OnEvent, SyncEvent, SyncSummary
from workbench.data.store import AccountStore, Store, StoreError
from workbench.data.sync_tables import Plan, TableRun, TableSync
from workbench.data.time_zones import store_account
from workbench.settings import Account, Settings, SettingsError
from workbench.settings.model import unknown_account
from workbench.sources.connect import open_client, token_cache
from workbench.sources.errors import ErrorKind, SourceError
from workbench.sources.http import purpose


def account_row(store: AccountStore, platform: str, account: Account) -> None:
    """The account's one `accounts` row, written before its tables, no request made: `id` is
    the platform-side account the settings name (the Wootric and CXI account token, the
    Apptentive app id, the Crowdskout client id; the account's name when the settings have
    none), `name` the configured account name (no platform's API names the account),
    `time_zone` the zone a sync inferred (Wootric, `time_zones.py`, which rewrites this row
    when it infers another) or none: a zone set in the settings stays there and is not
    copied, so that the store never passes a setting off as inferred."""
    found = None
    for field in ("account_token", "app_id", "client_id"):
        found = found or getattr(account, field, None)
    store_account(store, platform, str(found or store.account))


PLANS: dict[str, Plan[Any, Any]] = {
    "wootric": sync_wootric.PLAN,
    "cxi": sync_cxi.PLAN,
    "apptentive": sync_apptentive.PLAN,
    "crowdskout": sync_crowdskout.PLAN,
}
"""Per platform, the tables a sync fills and the function that fills each, and the tables read
only on request (`--with NAME`), which run after the account's other tables, since they read
what those stored. Each plan is typed by its platform's client and account."""


def optional_names() -> list[str]:
    """Every name `--with` takes, sorted."""
    return sorted({name for plan in PLANS.values() for name in plan.optional})


STOP_GRACE = 10.0
"""Seconds a stopped table's task gets to release its requests and slots."""


class SyncError(Exception):
    """A sync that cannot start (unknown account); the message says what to do."""


async def sync(
    settings: Settings,
    accounts: Sequence[str] | None = None,
    *,
    store: Store | None = None,
    full: bool = False,
    since: datetime | None = None,
    refresh_days: int | None = None,
    on_event: OnEvent | None = None,
    extra: Sequence[str] = (),
) -> SyncSummary:
    """Sync the named accounts (all configured ones by default), all at once.

    `refresh_days` (default: the `sync.refresh_days` setting) is how many days of Wootric
    responses an incremental sync reads again for edits.

    Never raises for an account's own trouble (bad credentials, onboarding, a full disk): that
    account's summary says what went wrong and what to do, and the other accounts go on.
    `extra` names tables read only on request (`optional_names()`: "page-views"); an account
    whose platform has no such table ignores the name.

    Raises `SyncError` only when asked for an account the settings do not have, or for an
    `extra` table no platform has.
    """
    choices = optional_names()
    for wanted in extra:
        if wanted not in choices:
            raise SyncError(
                f"there is no optional table {wanted!r}; choose from {', '.join(choices)}"
            )
    names = list(accounts) if accounts else list(settings.accounts)
    known = list(settings.accounts)
    for name in names:
        if name not in settings.accounts:
            raise SyncError(unknown_account(name, known))
    store = store or Store(settings.store_dir)
    emit = on_event or (lambda _event: None)
    since_second = int(since.astimezone(UTC).timestamp()) if since else None
    days = settings.sync.refresh_days if refresh_days is None else refresh_days
    if days < 0:
        raise SyncError(f"refresh days must be 0 or more, not {days}")
    results = await asyncio.gather(
        *(
            _sync_account(
                settings, name, store, full, since_second, days * 86_400, emit, tuple(extra)
            )
            for name in names
        )
    )
    return SyncSummary(list(results))


async def _sync_account(
    settings: Settings,
    name: str,
    store: Store,
    full: bool,
    since: int | None,
    refresh: int,
    emit: Callable[[SyncEvent], None],
    extra: tuple[str, ...] = (),
) -> AccountSummary:
    platform = settings.accounts[name].platform
    summary = AccountSummary(name, platform)
    started = time.monotonic()
    plan = PLANS[platform]
    try:
        account = settings.account(name)
        client = open_client(name, account, settings.http, tokens=token_cache(store.root))
    except (SettingsError, SourceError) as exc:
        _account_failed(summary, exc, emit)
        return summary
    try:
        account_store = store.account(name)
        lock = account_store.lock()

        def waiting(holder: str) -> None:
            emit(SyncEvent(name, platform, "*", "waiting", message=f"waiting for {holder}"))

        async with lock.hold(wait=settings.sync.lock_wait, on_wait=waiting):
            account_store.ensure_meta(platform)
            account_store.clean_leftovers()  # we hold the lock: their writers are gone
            account_row(account_store, platform, account)

            def run_of(table: str) -> TableRun[Any, Any]:
                return plan.run(
                    client,
                    account,
                    name=name,
                    platform=platform,
                    table=table,
                    store=account_store,
                    full=full,
                    since=since,
                    emit=emit,
                    refresh=refresh,
                )

            runs = [run_of(table) for table in plan.tables]
            await _sync_tables(runs, plan.tables, settings.sync.watchdog, summary)
            optional = plan.optional
            later = [optional[n] for n in dict.fromkeys(extra) if n in optional]
            if summary.failure:  # the account's own trouble stopped every table: these too
                later = []
            for table, fill in later:  # one after another: each is many requests already
                run = run_of(table)
                summary.tables.append(run.summary)
                await _run_table(run, fill, settings.sync.watchdog)
    except (StoreError, LockBusy) as exc:
        _account_failed(summary, exc, emit)
    finally:
        summary.requests = client.http.stats.requests
        summary.waited = client.http.stats.waited
        summary.seconds = time.monotonic() - started
        await client.aclose()
    return summary


def _account_failed(summary: AccountSummary, exc: Exception, emit: OnEvent) -> None:
    """The account could not be synced at all: its summary and its `*` event say why."""
    summary.failure = failure_of(exc)
    emit(
        SyncEvent(
            summary.account,
            summary.platform,
            "*",
            "failed",
            message=summary.failure.message,
            kind=summary.failure.kind,
        )
    )


PASSING = frozenset({ErrorKind.SERVER, ErrorKind.NETWORK, ErrorKind.BAD_DATA})
"""Kinds of trouble that may be a table's own even when every table met one: they are not made
the account's."""


async def _sync_tables(
    runs: list[TableRun[Any, Any]],
    plan: Mapping[str, TableSync[Any, Any]],
    watchdog: float,
    summary: AccountSummary,
) -> None:
    """Every table of one account at once, each under the watchdog."""
    summary.tables = [run.summary for run in runs]
    kinds = await asyncio.gather(*(_run_table(run, plan[run.table], watchdog) for run in runs))
    if kinds and None not in kinds and len(set(kinds)) == 1 and kinds[0] not in PASSING:
        # Every table stopped alike (credentials, onboarding, the disk): the account's
        # trouble, said once.
        summary.failure = summary.tables[0].failure


async def _run_table(
    run: TableRun[Any, Any], fill: TableSync[Any, Any], watchdog: float
) -> ErrorKind | None:
    """Fill one table; the kind of error that stopped it, if one did.

    The watchdog stops a table that makes no progress (no request started or answered, no row
    written) for `watchdog` seconds, saying what it was waiting for; the account's other tables
    go on. A wait for a rate window the server announced is progress of its own kind and is
    bounded by the client, so it does not count as a stall.
    """
    purpose.set(run.table)  # this task's requests count for its table
    run.event("start")
    try:
        await _watched(run, fill, watchdog)
    except (SourceError, StoreError, SettingsError, Stalled) as exc:
        failure = run.summary.failure = failure_of(exc)
        run.event("failed", failure.message)
        return failure.kind
    shortfalls = getattr(run.client, "shortfalls", None) or []
    run.summary.notes.extend(str(s) for s in shortfalls if _concerns(s, run.table))
    run.event("done")
    return None


class Stalled(Exception):
    """A table that made no progress for the watchdog's time; the message says on what."""


async def _watched(run: TableRun[Any, Any], fill: TableSync[Any, Any], watchdog: float) -> None:
    task = asyncio.ensure_future(fill(run))
    seen = run.activity()
    quiet_since = time.monotonic()
    told: str | None = None
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=min(1.0, watchdog / 4))
            if done:
                task.result()
                return
            waiting = run.rate_message()
            if waiting != told:  # say when a rate wait starts and ends, not only afterwards
                told = waiting
                if waiting:
                    run.event("waiting", waiting)
                else:
                    run.event("progress")
            now = time.monotonic()
            current = run.activity()
            if current != seen or run.rate_waiting():
                seen, quiet_since = current, now
            elif now - quiet_since >= watchdog:
                await _stop(task)
                raise Stalled(
                    f"{run.name} {run.table}: no progress for {watchdog:.0f} s "
                    f"({run.waiting_on()}); stopped. Check that {run.client.http.base_url} "
                    "answers, or raise sync.watchdog in the settings"
                )
    finally:
        if not task.done():
            await _stop(task)


async def _stop(task: asyncio.Future[None]) -> None:
    """Cancel a table's task and give it a moment to let go of what it holds; a task that
    will not end is left behind rather than holding up the account's other tables."""
    task.cancel()
    await asyncio.wait({task}, timeout=STOP_GRACE)
    if task.done() and not task.cancelled():
        with contextlib.suppress(BaseException):
            task.result()  # retrieved, so asyncio does not log it as never retrieved


def _concerns(shortfall: object, table: str) -> bool:
    what = getattr(shortfall, "what", None)
    return what is None or what == table


SYNC_KINDS: tuple[tuple[type[Exception], ErrorKind], ...] = (
    (LockBusy, ErrorKind.BUSY),
    (StoreError, ErrorKind.STORE),
    (SettingsError, ErrorKind.SETTINGS),
    (Stalled, ErrorKind.STALLED),
)
"""The kinds of the sync's own troubles; a source error carries its kind."""


def failure_of(exc: Exception) -> Failure:
    """The summary's failure for an exception a sync caught: its kind, decided here once."""
    if isinstance(exc, SourceError):
        kind = exc.kind
    else:
        kind = next((k for cls, k in SYNC_KINDS if isinstance(exc, cls)), ErrorKind.SERVER)
    return Failure(kind, str(exc) or type(exc).__name__)
