"""The `workbench` command and `python -m workbench`: one entry, which makes the settings that
must be made before polars loads, then runs the CLI (`workbench.cli`).

`workbench sync` is a batch job whose peak memory is what a large account runs out of, so its
process asks polars' allocator (jemalloc) to hand freed pages back at once instead of keeping
them for a second or so: measured on a 1,000,000-response account, the peak fell from 384 MB to
300 MB and the sync took no longer (`bench/README.md`). The other commands and the TUI keep
polars' default, which is faster for repeated analysis.

The options are added after any already in the environment (jemalloc takes the last of each),
since a parent process that imported polars, a test run or a notebook, has put polars' own
defaults there.
"""

from __future__ import annotations

import os
import sys

SYNC_ALLOCATOR = "dirty_decay_ms:0,muzzy_decay_ms:0"
"""jemalloc's options for a `workbench sync` process (read by polars when it is imported)."""


def main() -> None:
    if sys.argv[1:2] == ["sync"]:
        before = os.environ.get("_RJEM_MALLOC_CONF")
        os.environ["_RJEM_MALLOC_CONF"] = f"{before},{SYNC_ALLOCATOR}" if before else SYNC_ALLOCATOR
    from workbench.cli import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
