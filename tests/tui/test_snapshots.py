"""SVG snapshots of the main screens: fixed data, fixed size, fixed file times, no clock.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from tests.tui.conftest import Workspace, settle
from workbench.analysis import Filter

SIZE = (130, 40)


def run_before(*keys: str, filter_text: str | None = None, segment: str | None = None):  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if filter_text is not None:
            pilot.app.set_filter(Filter.parse(filter_text))  # type: ignore[attr-defined]
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if segment is not None:
            pilot.app.query_one("#segment-select", Select).value = segment
            await settle(pilot)

    return before


def test_responses_with_a_filter(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        workspace.app(),
        terminal_size=SIZE,
        run_before=run_before(filter_text="tag:PRICING metric:nps score:0-6"),
    )


def test_dashboard(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        workspace.app(), terminal_size=SIZE, run_before=run_before("6", segment="plan")
    )


def test_accounts(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(workspace.app(), terminal_size=SIZE, run_before=run_before("1"))


def test_tags(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(workspace.app(), terminal_size=SIZE, run_before=run_before("4"))


def test_help(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(workspace.app(), terminal_size=SIZE, run_before=run_before("question_mark"))


def test_light_theme(snap_compare, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    async def light(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.theme = "workbench-light"
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)

    assert snap_compare(workspace.app(), terminal_size=SIZE, run_before=light)


PANE_KEYS = {
    "accounts": "1",
    "end-users": "2",
    "responses": "3",
    "tags": "4",
    "surveys": "5",
    "dashboard": "6",
}
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
"""The smallest common terminal and a large one (issue 12: every pane readable at both)."""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("pane", list(PANE_KEYS))
def test_every_pane_at_small_and_large_sizes(  # type: ignore[no-untyped-def]
    snap_compare, workspace: Workspace, pane: str, size: str
) -> None:
    assert snap_compare(
        workspace.app(), terminal_size=SIZES[size], run_before=run_before(PANE_KEYS[pane])
    )
