"""Peak memory, time and requests of `workbench sync` as the Wootric account grows.

Each size is one first sync of one account (responses, declines and end users) by
`workbench sync` in a process of its own, against the sandbox in another; the sync's peak RSS is
its own `ru_maxrss` (from `wait4`). The first size is the baseline, measured in the same run:
memory is flat in the size of the account when every other size's peak is within 15% of it.
Requests are compared, per table and together, with the fewest a reader could make,
`ceil(rows / 50)` (50 rows a page), against the aim of at most 1.10 times that.

    python bench/bench_sync_memory.py [--rows 100000 1000000] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sync import config  # noqa: E402
from bench_wootric_read import NPS_SHARE_OF_FIRST_ACCOUNT, sandbox_process  # noqa: E402

WALKED = ("responses", "declines", "end_users")
ROW = re.compile(
    r"│\s*(responses|declines|end_users)\s*│\s*([\d,]+)\s*│[^│]*│[^│]*│\s*([\d,]+)\s*│"
)


def one(rows: int, latency_ms: int, concurrency: int) -> dict[str, float]:
    """One first sync of an account of about `rows` responses."""
    total = math.ceil(rows / NPS_SHARE_OF_FIRST_ACCOUNT)
    with (
        tempfile.TemporaryDirectory() as temp,
        sandbox_process(total, latency_ms, 10**9, 1.0) as base,
    ):
        store_dir, path = Path(temp) / "store", Path(temp) / "config.toml"
        config(base, store_dir, path, concurrency)
        env = {**os.environ, "WORKBENCH_CONFIG": str(path), "NO_COLOR": "1", "COLUMNS": "200"}
        said = Path(temp) / "said.txt"
        started = time.perf_counter()
        with said.open("w") as handle:
            child = subprocess.Popen(
                [sys.executable, "-m", "workbench", "sync", "--no-progress"],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the sandbox's
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out = said.read_text()
        if child.returncode != 0:
            raise SystemExit(f"sync failed: {out[-1000:]}")
        disk = sum(p.stat().st_size for p in (store_dir / "acme-nps").glob("*.parquet"))
    found = {m.group(1): (int(m.group(2).replace(",", "")), int(m.group(3).replace(",", "")))
             for m in ROW.finditer(out)}  # fmt: skip
    if set(found) != set(WALKED):
        raise SystemExit(f"cannot read the sync summary:\n{out}")
    figures: dict[str, float] = {
        "seconds": elapsed,
        "peak_mb": usage.ru_maxrss / 1024,
        "disk_mb": disk / 2**20,
    }
    for table, (stored, requests) in found.items():
        figures[f"{table}_rows"] = stored
        figures[f"{table}_requests"] = requests
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    sizes = sorted(args.rows)
    print(f"# workbench sync memory ({os.cpu_count()} cores), {args.latency_ms} ms added latency")
    results = []
    for rows in sizes:
        figures = one(rows, args.latency_ms, args.concurrency)
        results.append((rows, figures))
        print(f"{rows:,}: {figures}", flush=True)
    baseline = results[0][1]["peak_mb"]
    print(
        "\n| responses | time | peak RSS | vs the smallest | store on disk | requests | "
        "ceil(rows/50) | ratio (aim <= 1.10) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for _, f in results:
        requests = sum(f[f"{t}_requests"] for t in WALKED)
        ideal = sum(math.ceil(f[f"{t}_rows"] / 50) for t in WALKED)
        print(
            f"| {f['responses_rows']:,.0f} | {f['seconds']:.1f} s | {f['peak_mb']:,.0f} MB | "
            f"{f['peak_mb'] / baseline:.2f}x | {f['disk_mb']:,.0f} MB | {requests:,.0f} | "
            f"{ideal:,} | {requests / ideal:.3f} |"
        )
    print("\nper table, requests / ceil(rows/50):")
    for _, f in results:
        parts = ", ".join(
            f"{t} {f[f'{t}_requests']:,.0f}/{math.ceil(f[f'{t}_rows'] / 50):,} = "
            f"{f[f'{t}_requests'] / math.ceil(f[f'{t}_rows'] / 50):.3f}"
            for t in WALKED
        )
        print(f"  {f['responses_rows']:,.0f} responses: {parts}")


if __name__ == "__main__":
    main()
