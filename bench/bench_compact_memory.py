"""Peak memory and time of `AccountStore.compact` alone, on a synthetic responses table.

Why alone: the compaction is the end of every sync and the part of its memory that grew with
the account; measured without the read, what grows is the compaction's own. Each size is a
store of `rows` responses written as parts of `--part-rows` (every tenth part followed by
later versions of 5% of the ids so far and tombstones of 1%), compacted in a process of its
own whose peak RSS is its `ru_maxrss` (from `wait4`) and whose RSS is sampled every 10 ms to
tell the phases apart. The
smallest size is the baseline of the same run: the compaction is flat when every other size's
peak is within 15% of it. The compacted table is checked against `scan` on a sample of ids.

    python bench/bench_compact_memory.py [--rows 100000 1000000 2000000] [--part-rows 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
WORDS = np.array(
    [
        "the",
        "app",
        "is",
        "slow",
        "support",
        "was",
        "great",
        "pricing",
        "too",
        "high",
        "love",
        "it",
        "checkout",
        "broke",
        "would",
        "recommend",
        "onboarding",
        "confusing",
        "fast",
        "reliable",
    ]
)


def part(n: np.ndarray, seed: int) -> pl.DataFrame:
    """The responses numbered `n`, shaped like the store's responses table."""
    pick = np.random.default_rng(seed)
    count = len(n)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    created = [base + timedelta(seconds=int(s)) for s in n * 37]
    words = pick.integers(0, len(WORDS), (count, 8))
    return pl.DataFrame(
        {
            "account": "acme-nps",
            "platform": "wootric",
            "id": [f"r{i:09d}" for i in n],
            "end_user_id": [f"u{i // 3:09d}" for i in n],
            "user_ref": [f"user{i // 3}@example.com" for i in n],
            "survey_id": "s1",
            "metric": "nps",
            "score": pl.Series(pick.integers(0, 11, count), dtype=pl.Int16),
            "text": [" ".join(WORDS[w]) for w in words],
            "created_at": pl.Series(created, dtype=pl.Datetime("us", "UTC")),
            "updated_at": pl.Series(created, dtype=pl.Datetime("us", "UTC")),
            "tags": [["PRICING"] if w[0] < 3 else [] for w in words],
            "sentiment": "neutral",
            "excluded_from_calculations": False,
            "origin_url": "https://example.com/checkout",
            "properties": [{"plan": "Enterprise", "country": "US"}] * count,
        }
    )


def build(root: Path, rows: int, part_rows: int) -> None:
    """The store: parts of new rows, each followed now and then by later versions and
    tombstones of earlier ids (so the winners come from many parts, out of order)."""
    from workbench.data.store import Store

    store = Store(root).account("acme-nps")
    store.ensure_meta("wootric")
    pick = np.random.default_rng(7)
    for number, start in enumerate(range(0, rows, part_rows)):
        store.append("responses", part(np.arange(start, min(start + part_rows, rows)), number))
        if number % 10 != 9:
            continue  # every tenth part: later versions of 5% and tombstones of 1% of the rows
        seen = start + part_rows
        chosen = pick.choice(seen, seen // 20 + seen // 100, replace=False)
        edited, gone = np.sort(chosen[: seen // 20]), chosen[seen // 20 :]
        later = part(edited, number).with_columns(pl.col("updated_at") + timedelta(days=400))
        store.append("responses", later)
        ids = pl.DataFrame({"id": [f"r{i:09d}" for i in gone]})
        tombstones = ids.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("updated_at"))
        store.append("responses", tombstones, deleted=True)
    scanned = store.scan("responses")
    assert scanned is not None
    scanned.select("id", "score").collect().write_parquet(root / "expected.parquet")


def child(root: Path) -> None:
    """Compact and print the RSS timeline (MB every 10 ms) with the phase each sample fell in."""
    from workbench.data import store as store_module

    phase = ["start"]
    try:
        from workbench.data import store_compact
    except ImportError:
        store_compact = None
    if store_compact is not None:
        for name in ("winners", "runs", "merged"):
            original = getattr(store_compact, name)

            def wrapped(*a: object, _f=original, _n=name, **k: object) -> object:  # type: ignore[no-untyped-def]
                phase[0] = _n
                return _f(*a, **k)

            setattr(store_compact, name, wrapped)
    samples: list[tuple[str, float]] = []
    done = threading.Event()

    def sample() -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not done.is_set():
            with open("/proc/self/statm") as handle:
                rss = int(handle.read().split()[1]) * page / 2**20
            samples.append((phase[0], rss))
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    if os.environ.get("COMPACT_ROWS"):
        store_module.COMPACT_ROWS = int(os.environ["COMPACT_ROWS"])  # type: ignore[misc]
    store = store_module.Store(root).account("acme-nps")
    thread.start()
    started = time.perf_counter()
    store.compact("responses")
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    peaks: dict[str, float] = {}
    for name, rss in samples:
        peaks[name] = max(peaks.get(name, 0.0), rss)
    print(json.dumps({"seconds": elapsed, "phases": peaks, "start": samples[0][1]}))


def check(root: Path, expected: pl.DataFrame) -> int:
    """The compacted file against `scan` before it: same height, same ids in the same order."""
    table = pl.read_parquet(root / "acme-nps" / "responses.parquet", columns=["id", "score"])
    if not table.equals(expected):
        raise SystemExit("the compacted table differs from scan's rows and order")
    return table.height


def run(*args: object) -> tuple[bytes, float]:
    """This script in a process of its own: what it printed and its peak RSS in MB (the
    parent stays small, so the child's peak is its own and not a copy of the parent's)."""
    command = [sys.executable, __file__, *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return out, usage.ru_maxrss / 1024


def one(rows: int, part_rows: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        run("--build", root, "--rows", rows, "--part-rows", part_rows)
        parts = len(list((root / "acme-nps").glob("*.parts/*.parquet")))
        out, peak = run("--child", root)
        figures = json.loads(out)
        figures["peak_mb"] = peak
        figures["rows"] = check(root, pl.read_parquet(root / "expected.parquet"))
        figures["parts"] = parts
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 2_000_000])
    parser.add_argument("--part-rows", type=int, default=10_000)
    parser.add_argument("--child", type=Path, help="(internal) compact the store there")
    parser.add_argument("--build", type=Path, help="(internal) write a store there")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.build:
        build(args.build, args.rows[0], args.part_rows)
        return
    print(f"# compaction alone ({os.cpu_count()} cores), parts of {args.part_rows:,} rows")
    results = [(rows, one(rows, args.part_rows)) for rows in sorted(args.rows)]
    baseline = float(results[0][1]["peak_mb"])  # type: ignore[arg-type]
    print("\n| rows written | parts | rows kept | time | peak RSS | vs the smallest | by phase |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for rows, f in results:
        phases = ", ".join(f"{k} {v:,.0f} MB" for k, v in f["phases"].items())  # type: ignore[union-attr]
        peak = float(f["peak_mb"])  # type: ignore[arg-type]
        print(
            f"| {rows:,} | {f['parts']} | {f['rows']:,} | {f['seconds']:.1f} s | {peak:,.0f} MB | "
            f"{peak / baseline:.2f}x | {phases} |"
        )


if __name__ == "__main__":
    main()
