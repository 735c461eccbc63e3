"""Reading Wootric responses from the sandbox on loopback: our client against a sequential pager.

The sandbox runs in its own process (uvicorn), with added latency, as a remote API would. Three
runs, each printing its figures:

1. sequential pager (the baseline): one request at a time, fixed 30-day `created` windows, pages
   1..30 each, as the public Singer tap does; it also shows how many rows such paging misses;
2. our client, unthrottled: rows/s and the ratio to the baseline;
3. our client under a rate limit (default 100 requests per 10 s): achieved rows/min as a share
   of the bound `limit x 50 per window`, the number of 429s, and requests used / ceil(N/50).

`--requests-only` instead reads responses, declines and end users once each (as a first sync
does), checks every id against the sandbox and prints requests / ceil(rows / 50) per table;
`--bursts` and `--dense-days` shape the first account (same-second bursts, days packed with rows).

    python bench/bench_wootric_read.py [--rows 100000] [--latency-ms 20] [--limit 100 --window 10]
    python bench/bench_wootric_read.py --rows 100000 --bursts 2000,2000 --dense-days 4000,4000 \
        --requests-only
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.sandbox.accounts import WOOTRIC_ACCOUNTS, WOOTRIC_USERS  # noqa: E402
from workbench.sandbox.serve import free_port  # noqa: E402
from workbench.sources.auth import WootricGrant, WootricOAuth  # noqa: E402
from workbench.sources.http import ApiClient  # noqa: E402
from workbench.sources.wootric import WootricClient, created_second  # noqa: E402

ACME = WOOTRIC_ACCOUNTS[0]
USER = WOOTRIC_USERS[0]
NPS_SHARE_OF_FIRST_ACCOUNT = 0.65


@contextlib.contextmanager
def sandbox_process(
    responses: int,
    latency_ms: int,
    limit: int,
    window: float,
    faults: str | None = None,
    shape: tuple[str, ...] = (),
) -> Iterator[str]:
    """The sandbox in a process of its own; `shape` are more `sandbox serve` flags."""
    port = free_port()
    command = [
        sys.executable, "-m", "workbench", "sandbox", "serve", "--port", str(port),
        "--responses", str(responses), "--rate-limit", str(limit),
        "--rate-window", str(window), "--faults", faults or f"latency={latency_ms}ms", *shape,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"sandbox did not start: {process.stderr.read().decode()[-500:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def counters(base: str) -> dict[str, int]:
    return httpx.get(f"{base}/_sandbox/counters").json()


def truth(base: str, table: str = "responses") -> set[str]:
    ids = httpx.get(f"{base}/_sandbox/wootric/{ACME.account_token}/{table}/ids", timeout=60)
    return {str(i) for i in ids.json()}


def client(base: str, concurrency: int) -> WootricClient:
    grant = WootricGrant(
        email=USER.email, password=SecretStr(USER.password), account_token=ACME.account_token
    )
    auth = WootricOAuth(f"{base}/wootric", grant, account="bench")
    http = ApiClient(
        account="bench", base_url=f"{base}/wootric", auth=auth, concurrency=concurrency
    )
    return WootricClient(http, concurrency=concurrency)


async def ours(base: str, concurrency: int) -> tuple[set[str], int, float]:
    wootric = client(base, concurrency)
    started = time.perf_counter()
    ids: set[str] = set()
    async for batch in wootric.response_batches():
        ids.update(str(row["id"]) for row in batch.rows)
    elapsed = time.perf_counter() - started
    requests = wootric.http.stats.requests
    await wootric.aclose()
    return ids, requests, elapsed


async def first_read(base: str, concurrency: int) -> list[tuple[str, int, int, int]]:
    """Each table read once from the start, as a first sync reads it: (table, rows, distinct
    rows that are the sandbox's, requests)."""
    found = []
    for table in ("responses", "declines", "end_users"):
        wootric = client(base, concurrency)
        if table == "end_users":
            batches = wootric.end_user_batches(by="updated")
        else:
            batches = wootric.walker(f"v1/{table}").batches()
        ids = [str(row["id"]) async for batch in batches for row in batch.rows]
        found.append((table, len(ids), len(set(ids) & truth(base, table)),
                      wootric.http.stats.requests))  # fmt: skip
        await wootric.aclose()
    return found


def print_requests(base: str, concurrency: int) -> None:
    print("| table | rows | rows read once and the sandbox's | requests | ceil(rows/50) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    total_requests = total_pages = 0
    for table, rows, right, requests in asyncio.run(first_read(base, concurrency)):
        expected = len(truth(base, table))
        pages = math.ceil(expected / 50)
        total_requests, total_pages = total_requests + requests, total_pages + pages
        flag = "" if rows == right == expected else f" (expected {expected:,}: WRONG)"
        print(f"| {table} | {rows:,} | {right:,}{flag} | {requests:,} | {pages:,} | "
              f"{requests / pages:.3f} |")  # fmt: skip
    print(f"| all three | | | {total_requests:,} | {total_pages:,} | "
          f"{total_requests / total_pages:.3f} |")  # fmt: skip


async def sequential_pager(base: str) -> tuple[set[str], int, float]:
    """One request at a time, 30-day windows walked with created[gt]/created[lt], 30 pages each."""
    wootric = client(base, 1)
    oldest = await wootric.http.get("v1/responses", params={"per_page": 1, "sort_order": "asc"})
    newest = await wootric.http.get("v1/responses", params={"per_page": 1, "sort_order": "desc"})
    start, end = created_second(oldest[0]) - 1, created_second(newest[0]) + 1
    ids: set[str] = set()
    began = time.perf_counter()
    step = 30 * 86_400
    for window_start in range(start, end, step):
        for page in range(1, 31):
            rows = await wootric.http.get(
                "v1/responses",
                params={
                    "created[gt]": window_start,
                    "created[lt]": window_start + step,
                    "page": page,
                    "per_page": 50,
                    "sort_order": "asc",
                },
            )
            ids.update(str(row["id"]) for row in rows)
            if len(rows) < 50:
                break
    elapsed = time.perf_counter() - began
    requests = wootric.http.stats.requests
    await wootric.aclose()
    return ids, requests, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="responses in the read account")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--limit", type=int, default=100, help="requests per window (throttled)")
    parser.add_argument("--window", type=float, default=10.0, help="window seconds (throttled)")
    parser.add_argument("--skip-throttled", action="store_true")
    parser.add_argument("--bursts", default="400,2200", help="same-second bursts (sandbox)")
    parser.add_argument("--dense-days", default="", help="days packed with rows (sandbox)")
    parser.add_argument("--requests-only", action="store_true", help="first-read requests only")
    args = parser.parse_args()
    responses = math.ceil(args.rows / NPS_SHARE_OF_FIRST_ACCOUNT)
    shape = ("--bursts", args.bursts, "--dense-days", args.dense_days)
    print(f"# Wootric read benchmark ({os.cpu_count()} cores), {args.latency_ms} ms added latency")
    print(f"# bursts {args.bursts or 'none'}, dense days {args.dense_days or 'none'}")

    if args.requests_only:
        with sandbox_process(responses, args.latency_ms, 0, 60, shape=shape) as base:
            print_requests(base, args.concurrency)
        return
    with sandbox_process(responses, args.latency_ms, 0, 60, shape=shape) as base:
        expected = truth(base)
        n = len(expected)
        base_ids, base_requests, base_time = asyncio.run(sequential_pager(base))
        our_ids, our_requests, our_time = asyncio.run(ours(base, args.concurrency))
    print(f"rows in the account: {n:,}")
    print("| reader | rows read | rows missed | requests | seconds | rows/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, ids, requests, seconds in (
        ("sequential pager (30-day windows)", base_ids, base_requests, base_time),
        (f"workbench client (concurrency {args.concurrency})", our_ids, our_requests, our_time),
    ):
        print(
            f"| {name} | {len(ids & expected):,} | {len(expected - ids):,} | {requests:,} | "
            f"{seconds:.1f} | {len(ids) / seconds:,.0f} |"
        )
    print(f"speed-up, rows/s: {(len(our_ids) / our_time) / (len(base_ids) / base_time):.1f}x")

    if args.skip_throttled:
        return
    with sandbox_process(responses, args.latency_ms, args.limit, args.window, shape=shape) as base:
        expected = truth(base)
        before = counters(base)
        ids, requests, seconds = asyncio.run(ours(base, args.concurrency))
        after = counters(base)
    n = len(expected)
    bound_per_minute = args.limit * 50 * 60 / args.window
    achieved = len(ids) / seconds * 60
    too_many = after.get("status_429", 0) - before.get("status_429", 0)
    print(f"\nthrottled: {args.limit} requests per {args.window:g} s")
    print("| rows read | rows missed | seconds | rows/min | bound rows/min | share | 429s |"
          " requests / ceil(N/50) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(ids & expected):,} | {len(expected - ids):,} | {seconds:.1f} | {achieved:,.0f} | "
        f"{bound_per_minute:,.0f} | {achieved / bound_per_minute:.1%} | {too_many} | "
        f"{requests / math.ceil(n / 50):.3f} |"
    )


if __name__ == "__main__":
    main()
