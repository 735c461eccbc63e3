"""Syncing a Wootric account of 1,000,000 responses from the sandbox on loopback into the store.

The sandbox runs in its own process. The sync runs as a person runs it, `workbench sync` in a
process of its own, so that its peak RSS is its own. Printed:

1. `workbench sync` of one account (responses, declines and end users): total time, response
   rows/s, all rows/s, requests, peak RSS of the sync process;
2. loading the stored responses back: `load_table` (polars) and, for scale, pandas'
   `read_parquet` of the same file;
3. the baseline, measured in the same run on the same sandbox: a sequential pager (one request
   at a time, 30-day windows, as the public Singer tap reads) collecting the rows into a list,
   run for `--baseline-seconds`; its rows/s and the ratio.

    python bench/bench_sync.py [--rows 1000000] [--baseline-seconds 30] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_wootric_read import ACME, NPS_SHARE_OF_FIRST_ACCOUNT, client, sandbox_process  # noqa: E402

from workbench.data.store import Store  # noqa: E402
from workbench.data.tables import load_table  # noqa: E402
from workbench.sandbox.accounts import WOOTRIC_USERS  # noqa: E402
from workbench.settings import save_settings, settings_from  # noqa: E402
from workbench.sources.wootric import created_second  # noqa: E402

USER = WOOTRIC_USERS[0]


def config(base: str, store_dir: Path, path: Path, concurrency: int) -> None:
    account = {
        "platform": "wootric",
        "base_url": f"{base}/wootric",
        "email": USER.email,
        "password": USER.password,
        "account_token": ACME.account_token,
    }
    settings = settings_from(
        {
            "store_dir": str(store_dir),
            "accounts": {"acme-nps": account},
            "http": {"concurrency": concurrency},
        }
    )
    save_settings(settings, path)


async def baseline(base: str, seconds: float) -> tuple[int, float]:
    """The sequential pager for `seconds`: rows read and the time taken."""
    wootric = client(base, 1)
    oldest = await wootric.http.get("v1/responses", params={"per_page": 1, "sort_order": "asc"})
    rows: list[dict] = []
    start = created_second(oldest[0]) - 1
    step = 30 * 86_400
    began = time.perf_counter()
    window = start
    while time.perf_counter() - began < seconds:
        for page in range(1, 31):
            found = await wootric.http.get(
                "v1/responses",
                params={
                    "created[gt]": window,
                    "created[lt]": window + step,
                    "page": page,
                    "per_page": 50,
                    "sort_order": "asc",
                },
            )
            rows.extend(found)
            if len(found) < 50 or time.perf_counter() - began >= seconds:
                break
        window += step
    elapsed = time.perf_counter() - began
    await wootric.aclose()
    return len(rows), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses in the account")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument(
        "--latency-ms", type=int, default=20, help="added to every answer, as a remote API has"
    )
    args = parser.parse_args()
    total = math.ceil(args.rows / NPS_SHARE_OF_FIRST_ACCOUNT)
    print(
        f"sandbox: {total:,} responses in all, about {args.rows:,} in the synced account, "
        f"{args.latency_ms} ms added latency"
    )
    with (
        tempfile.TemporaryDirectory() as temp,
        sandbox_process(total, args.latency_ms, 10**9, 1.0) as base,
    ):
        expected = len(httpx.get(f"{base}/_sandbox/wootric/{ACME.account_token}/responses/ids",
                                 timeout=120).json())  # fmt: skip
        store_dir, path = Path(temp) / "store", Path(temp) / "config.toml"
        config(base, store_dir, path, args.concurrency)
        env = {**os.environ, "WORKBENCH_CONFIG": str(path), "NO_COLOR": "1"}
        command = [sys.executable, "-m", "workbench", "sync", "--no-progress"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            raise SystemExit(f"sync failed: {done.stderr[-1000:]}")
        print(done.stdout)
        store = Store(store_dir)
        account = store.account("acme-nps")
        rows = {t: account.read(t).height for t in ("responses", "declines", "end_users")}
        print(f"sync: {elapsed:.1f} s, {rows['responses']:,} of {expected:,} responses, "
              f"{rows['responses'] / elapsed:,.0f} responses/s, "
              f"{sum(rows.values()) / elapsed:,.0f} rows/s over the three tables")  # fmt: skip
        print(f"sync: peak RSS {max(peak, before) / 1024:,.0f} MB (aim: under 300 MB)")
        began = time.perf_counter()
        frame = load_table(store, "responses")
        load = time.perf_counter() - began
        print(f"load: load_table(responses) {frame.height:,} rows in {load:.2f} s")
        import pandas as pd

        began = time.perf_counter()
        pandas_frame = pd.read_parquet(store_dir / "acme-nps" / "responses.parquet")
        pandas_load = time.perf_counter() - began
        print(f"load: pandas.read_parquet {len(pandas_frame):,} rows in {pandas_load:.2f} s "
              f"({pandas_load / load:.1f}x our load time)")  # fmt: skip
        read, seconds = asyncio.run(baseline(base, args.baseline_seconds))
        rate = read / seconds
        print(f"baseline: sequential pager {read:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s; "
              f"at that rate 1M responses take {args.rows / rate / 60:.1f} min")  # fmt: skip
        print(
            f"ratio: sync {rows['responses'] / elapsed / rate:.1f}x the sequential pager "
            "(responses/s, the sync also storing declines and end users)"
        )


if __name__ == "__main__":
    main()
