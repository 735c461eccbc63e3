"""What a pane says when its computation fails: one line with the reason and what to do.

Why one place: every pane fails alone (the others still follow the filter), and each says so
the same way, in place of its content: the pane, the reason (the exception's type and first
line, never a traceback) and what a person can do about it. The traceback goes to the log.
"""

from __future__ import annotations

import logging

log = logging.getLogger("workbench.tui")

PANE_TITLES = {
    "responses": "Responses",
    "end-users": "End users",
    "tags": "Tags",
    "surveys": "Surveys",
    "dashboard": "Dashboard",
    "nps": "NPS",
    "csat": "CSAT",
    "ces": "CES",
    "trend": "The trend",
    "distribution": "The score distribution",
    "segments": "The segments",
    "impact": "Tag impact",
}
ADVICE = {
    "responses": "press ctrl+r to read the store again; the other panes still follow the filter",
    "dashboard": "pick another metric or segment, or change the filter",
    "end-users": "change the filter, or press ctrl+r to read the store again",
    "tags": "change the filter, or press ctrl+r to read the store again",
    "surveys": "change the filter, or press ctrl+r to read the store again",
}
MAX_REASON = 160


def reason(exc: BaseException) -> str:
    """The exception as one short line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    first = lines[0].strip() if lines else ""
    if len(first) > MAX_REASON:
        first = first[: MAX_REASON - 1] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def advice(pane: str) -> str:
    return ADVICE.get(pane, ADVICE["dashboard"])


def describe(what: str, exc: BaseException, *, pane: str | None = None) -> str:
    """One line for the screen: what failed, why, and what to do. Logs the traceback."""
    log.error("%s could not be computed", what, exc_info=exc)
    title = PANE_TITLES.get(what, what)
    return f"{title} could not be computed: {reason(exc)}. What to do: {advice(pane or what)}."
