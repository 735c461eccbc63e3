"""Writing a file atomically: a reader (or a crash) sees the old file or the new one, whole.

One way for every file the workbench writes in place: the config, the store's tables and parts,
exports, the token cache and the ETag cache. It lives in the bottom layer so that each of them
can use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_SUFFIX = ".tmp"
"""The temporary file is `.<name>.<random><suffix>` beside the target (the store looks for
leftovers of a process that died by this shape)."""


def write_atomic(
    path: Path,
    write: Callable[[Path], object],
    *,
    mode: int | None = None,
    exclusive: bool = False,
    suffix: str = TEMP_SUFFIX,
) -> None:
    """Write `path` through `write(temp)`: a temporary sibling, fsynced, then moved into place.

    The temporary file is in the same directory (a rename is atomic only within a filesystem)
    and is created private (0600; `mode` sets another before a byte is written). It replaces
    `path` with `os.replace`; with `exclusive` it is linked into place only if `path` does not
    exist yet (`FileExistsError` otherwise), so that two writers never replace each other's file.
    The directory is then fsynced so that the rename itself survives a crash. On any failure the
    temporary file is removed and the exception propagates unchanged; the directory must exist.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    temp = Path(name)
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temp, path)
            temp.unlink()
        else:
            os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable; not every filesystem lets a directory be fsynced."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def append_line(path: Path, line: str) -> None:
    """Append one line to a log file (mode 0600, made with its directory if new), on disk
    before this returns. O_APPEND: two writers never interleave within a line this short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
