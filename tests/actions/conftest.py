"""Fixtures of the action tests (tests/actions/harness.py has the helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.actions.harness import World, open_world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A served sandbox with one Wootric NPS account, synced into the test's store."""
    yield from open_world(tmp_path, monkeypatch)
