"""Shared fixtures: a small deterministic sandbox, served on loopback by uvicorn.

Tests talk to it through a real httpx client over real TCP, as the workbench does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from workbench.sandbox import Sandbox, SandboxConfig, ServedSandbox

# CI runs the same examples every time (a failure there is reproducible); set
# HYPOTHESIS_PROFILE=explore locally to search with fresh random examples.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SMALL = dict(seed=11, responses=3_000, bursts=(400, 2_200), rate_limit=None)
"""A dataset small enough to build in well under a second, with both kinds of burst."""


def use_config(monkeypatch: pytest.MonkeyPatch, home: Path, config: Path) -> None:
    """Point the CLI at `config`, under a home of the test's own with no WORKBENCH_* of the
    person running the tests."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    for name in [n for n in os.environ if n.startswith("WORKBENCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))


def make_sandbox(**overrides: object) -> Sandbox:
    return Sandbox(SandboxConfig(**{**SMALL, **overrides}))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[ServedSandbox]:
    """One served sandbox for read-only tests; do not change its data or settings."""
    with ServedSandbox(make_sandbox()) as served:
        yield served


@pytest.fixture
def served() -> Iterator[ServedSandbox]:
    """A fresh served sandbox for a test that writes, injects faults or moves the clock."""
    with ServedSandbox(make_sandbox()) as fresh:
        yield fresh


@pytest.fixture
async def make_wootric(served: ServedSandbox):  # type: ignore[no-untyped-def]
    """Makes Wootric clients logged in to the `served` sandbox; closes them afterwards."""
    from tests import clients

    async for make in clients.make_wootric(served):
        yield make


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client
