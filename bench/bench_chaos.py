"""The README's fault mix over the four demo accounts, beside the same sync without faults.

The sandbox runs in a process of its own, scaled to `--rows` Wootric NPS responses (the other
platforms scale from it), with the rate limit out of the way; `workbench sync` of all four
accounts runs as a person runs it, in a process of its own, into a fresh store. Printed per run:
time, the requests the sandbox answered (and the faults it injected), peak RSS of the sync, and
whether every stored table equals the sandbox's own ids. The faultless run is the baseline,
measured in the same invocation; the ratio is faulty / faultless.

    python bench/bench_chaos.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_wootric_read import counters, sandbox_process  # noqa: E402

from workbench.data.store import Store  # noqa: E402
from workbench.demo import browser_login, demo_accounts  # noqa: E402
from workbench.sandbox.accounts import (  # noqa: E402
    APPTENTIVE_APPS,
    CROWDSKOUT_ORGANIZATIONS,
    WOOTRIC_ACCOUNTS,
)
from workbench.settings import save_settings, settings_from  # noqa: E402
from workbench.sources.connect import token_cache  # noqa: E402

README_MIX = "latency=20ms,500=0.05,429=0.02,drop=0.01,expire=0.01,truncate=0.01"
CLEAN = "latency=20ms"


class Where:
    """Enough of a ServedSandbox for `demo_accounts`: where each platform is served."""

    def __init__(self, base: str) -> None:
        self.base_url = base

    def url(self, platform: str) -> str:
        return f"{self.base_url}/{platform}"


def ids(base: str, path: str) -> set[str]:
    answer = httpx.get(f"{base}/_sandbox/{path}/ids", timeout=120).json()
    if isinstance(answer, dict):  # CXI and Crowdskout wrap the list
        answer = answer.get("ids", [])
    return {str(i) for i in answer}


def exact(base: str, store_dir: Path) -> dict[str, bool]:
    nps = next(a for a in WOOTRIC_ACCOUNTS if a.product == "nps").account_token
    cxi = next(a for a in WOOTRIC_ACCOUNTS if a.product == "cxi" and a.onboarded).account_token
    checks = {
        ("acme-nps", "responses"): f"wootric/{nps}/responses",
        ("acme-nps", "declines"): f"wootric/{nps}/declines",
        ("acme-nps", "end_users"): f"wootric/{nps}/end_users",
        ("acme-cxi", "responses"): f"cxi/{cxi}/responses",
        ("acme-ios", "responses"): f"apptentive/{APPTENTIVE_APPS[0].app_id}/records",
        ("acme-crm", "end_users"): (
            f"crowdskout/{CROWDSKOUT_ORGANIZATIONS[0].organization_id}/profiles"
        ),
    }
    store = Store(store_dir)
    result = {}
    for (account, table), path in checks.items():
        frame = store.account(account).read(table)
        stored = set(frame["id"].to_list()) if not frame.is_empty() else set()
        result[f"{account}.{table}"] = stored == ids(base, path)
    return result


def run(rows: int, faults: str) -> dict[str, Any]:
    with sandbox_process(rows, 0, 1_000_000, 60.0, faults=faults) as base:
        work = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
        store_dir = work / "store"
        accounts = demo_accounts(Where(base))  # type: ignore[arg-type]
        settings = settings_from(
            {
                "store_dir": str(store_dir),
                "accounts": accounts,
                "http": {"concurrency": 8, "max_retries": 20},
            }
        )
        token = asyncio.run(browser_login("acme-crm", settings.account("acme-crm")))  # type: ignore[arg-type]
        token_cache(store_dir).store("acme-crm", token.cached())
        config = work / "config.toml"
        save_settings(settings, config)
        env = {**os.environ, "WORKBENCH_CONFIG": str(config), "NO_COLOR": "1", "COLUMNS": "200"}
        before = counters(base)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "sync", "--no-progress"],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        after = counters(base)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        return {
            "faults": faults,
            "exit": done.returncode,
            "seconds": seconds,
            "requests": delta.get("requests", sum(v for k, v in delta.items() if "fault" not in k)),
            "faults_injected": {k: v for k, v in delta.items() if k.startswith("fault_") and v},
            "peak_rss_mb": peak,
            "exact": exact(base, store_dir),
            "tail": _problems(done.stdout + done.stderr) if done.returncode else "",
        }


def _problems(output: str) -> str:
    """The summary's rows that carry an error (the table is too wide to print whole)."""
    cells = [" ".join(line.replace("│", " ").split()) for line in output.splitlines()]
    return "\n".join(c for c in cells if any(w in c for w in ("failed", "answered", "error")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    results = [run(args.rows, CLEAN), run(args.rows, README_MIX)]
    for result in results:
        print(
            f"faults {result['faults']}: exit {result['exit']}, {result['seconds']:.1f} s, "
            f"{result['requests']:,} requests, peak RSS {result['peak_rss_mb']:.0f} MB"
        )
        print(f"  injected: {result['faults_injected']}")
        print(f"  exact: {all(result['exact'].values())} {result['exact']}")
        if result["tail"]:
            print(result["tail"])
    clean, faulty = results
    print(
        f"ratio (README mix / faultless): time {faulty['seconds'] / clean['seconds']:.2f}x, "
        f"requests {faulty['requests'] / max(clean['requests'], 1):.2f}x"
    )


if __name__ == "__main__":
    main()
