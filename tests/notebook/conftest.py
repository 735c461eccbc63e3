"""Fixtures for the notebook tests: a kernel of this interpreter, and one synced demo per module.

The kernel: nbclient starts kernels from kernelspecs, and the `python3` one found on a machine
may run another Python. A kernelspec written by ipykernel into a temporary directory runs
`sys.executable`, so a notebook imports the workbench under test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from workbench.notebook import SyncResult, Workbench, demo

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "workbench-tests"


@pytest.fixture(scope="session")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> KernelSpecManager:
    """A kernelspec manager that knows one kernel: this interpreter's ipykernel."""
    root = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(root / KERNEL, overrides={"display_name": "workbench tests"})
    return KernelSpecManager(kernel_dirs=[str(root)], ensure_native_kernel=False)


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a kernel: no WORKBENCH_* settings and a home of its own, so neither
    the notebook nor the CLI it runs reads the person's own configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def execute(
    path: Path, kernels: KernelSpecManager, env: dict[str, str], cwd: Path
) -> nbformat.NotebookNode:
    """Run every cell top to bottom in a fresh kernel; a failing cell raises
    CellExecutionError naming the cell and the error."""
    notebook = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernels)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=None,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return notebook


class SyncedWorkbench(Workbench):
    first_sync: SyncResult


SHARED_RESPONSES = 2_000
"""Enough responses for every segment and tag the tests look at, and a quick first sync."""


@pytest.fixture(scope="session")
def synced() -> Iterator[SyncedWorkbench]:
    """One demo, synced once per test process, shared by the API and parity tests: they may
    sync again (the sandbox's data does not change) and write files elsewhere, but never
    change the store's data. `first_sync` is what the first sync reported."""
    with demo(responses=SHARED_RESPONSES, progress=False) as workbench:
        result = workbench.sync()
        assert result.ok, result.errors
        workbench.first_sync = result  # type: ignore[attr-defined]
        yield workbench  # type: ignore[misc]
