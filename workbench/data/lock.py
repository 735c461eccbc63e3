"""One writer per account at a time, across processes: the CLI's sync, the TUI's and a notebook's.

Two syncs writing one account at once used to lose rows for good (both compacted and deleted the
parts they had listed, and part numbers collided). Every writer of an account's store takes this
lock first. It is an `flock` on `<store>/<account>/.lock`: the kernel releases it when its
process ends, however it ends, so a lock left by a `kill -9` is never stale; the file itself only
says who holds it now (process id, host, command, since when), so a second run can say whom it
is waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

LOCK_NAME = ".lock"
POLL = 0.2
"""Seconds between tries while another process holds the lock."""


class LockBusy(Exception):
    """The account is being written by another process for longer than we were willing to wait."""


class AccountLock:
    """The inter-process lock of one account directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self._fd: int | None = None

    def __repr__(self) -> str:
        return f"AccountLock({str(self.path)!r}, held={self.held})"

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never blocks."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv)),
            "since": time.time(),
        }
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def holder(self) -> str:
        """Who holds the lock, in words ("process 1234 (workbench sync) since 21:04:05")."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            record = {}
        if not isinstance(record, dict) or "pid" not in record:
            return "another process"
        words = f"process {record['pid']}"
        if record.get("host") and record["host"] != socket.gethostname():
            words += f" on {record['host']}"
        if record.get("command"):
            words += f" ({record['command']})"
        with contextlib.suppress(TypeError, ValueError, OverflowError, OSError):
            words += f" since {datetime.fromtimestamp(float(record['since'])):%H:%M:%S}"
        return words

    @contextlib.asynccontextmanager
    async def hold(
        self, *, wait: float, on_wait: Callable[[str], None] | None = None
    ) -> AsyncIterator[None]:
        """Hold the lock for the block, waiting up to `wait` seconds for another holder.

        `on_wait` is told once, with the holder in words, when we have to wait. Raises
        `LockBusy` (a one-line message naming the holder) when the wait runs out.
        """
        if not self.try_acquire():
            holder = self.holder()
            if on_wait is not None:
                on_wait(holder)
            deadline = time.monotonic() + wait
            while not self.try_acquire():
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"{self.path.parent.name} is being synced by {self.holder()}; wait for "
                        "it to finish, or stop it, and run this again"
                    )
                await asyncio.sleep(POLL)
        try:
            yield
        finally:
            self.release()
