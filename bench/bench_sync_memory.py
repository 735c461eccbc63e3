"""Peak memory, time and requests of `workbench sync` as the Wootric account grows.

Each size is one first sync of one account (responses, declines and end users) by
`workbench sync` in a process of its own, against the sandbox in another; the sync's peak RSS is
its own `ru_maxrss` (from `wait4`: a child spawned by vfork counts its parent's peak too, and
this process stays near 100 MB, below every sync's). The first size is the baseline, measured
in the same run: memory is flat in the size of the account when every other size's peak is
within 15% of it.
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
import threading
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


class PhaseSampler(threading.Thread):
    """The sync's RSS every 0.1 s, its peak kept per phase, the phase read from the store
    beside it: `read` while no compaction runs, `compact <table>` while a compaction's
    temporary files of that table exist (one name for several at once)."""

    def __init__(self, pid: int, account: Path) -> None:
        super().__init__(daemon=True)
        self.pid, self.account = pid, account
        self.peaks: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.done.wait(0.1):
            try:
                with open(f"/proc/{self.pid}/statm") as handle:
                    rss = int(handle.read().split()[1]) * page / 2**20
                temps = sorted({p.name.split(".")[1] for p in self.account.glob(".*.run-*.tmp")})
            except (OSError, IndexError, ValueError):
                continue
            phase = "compact " + "+".join(temps) if temps else "read"
            self.peaks[phase] = max(self.peaks.get(phase, 0.0), rss)

    def stop(self) -> None:
        self.done.set()
        self.join()


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
            phases = PhaseSampler(child.pid, store_dir / "acme-nps")
            phases.start()
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the sandbox's
            phases.stop()
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
        **{f"phase {name} MB": round(mb) for name, mb in phases.peaks.items()},
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
