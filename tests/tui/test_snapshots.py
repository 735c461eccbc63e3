"""SVG snapshots of the main screens: fixed data, fixed size, fixed file times, no clock.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the new SVGs before committing them.
"""

from __future__ import annotations

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
