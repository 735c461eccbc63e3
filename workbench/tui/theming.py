"""Colours for what CSS cannot style: chart palettes and score colours, from the theme in use.

Why: charts are text built by plotext and cells are Arrow strings with markup, so neither sees
the stylesheet; both take their colours from the theme's variables here, and are rebuilt when
the theme changes, so they follow it like everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.color import Color

from workbench.analysis import Palette
from workbench.tui.views import ScoreColours

FALLBACKS = {
    "primary": "#4C9BE8",
    "accent": "#F2A541",
    "success": "#57AB5A",
    "warning": "#F2A541",
    "error": "#E5534B",
    "foreground": "#D7DAE0",
    "foreground-muted": "#9DA5B4",
}
"""The colour of each theme variable used here, for a theme that lacks it (or spoils it)."""

SCORE_ROLES = {
    "promoter": "success",
    "passive": "warning",
    "detractor": "error",
    "other": "foreground-muted",
}
CHART_ROLES = {
    "line": "primary",
    "band": "foreground-muted",
    "promoter": "success",
    "passive": "warning",
    "detractor": "error",
    "positive": "success",
    "negative": "error",
    "bar": "accent",
    "ticks": "foreground",
}
"""Which theme variable colours each part (of the score cells, of the charts)."""


def _hex(variables: Mapping[str, str], name: str) -> str:
    fallback = FALLBACKS[name]
    try:
        return Color.parse(variables.get(name, fallback)).hex6
    except Exception:  # a theme variable that is not a colour
        return Color.parse(fallback).hex6


def score_colours(variables: Mapping[str, str]) -> ScoreColours:
    """Promoters in the theme's success colour, passives in warning, detractors in error."""
    return ScoreColours(**{part: _hex(variables, name) for part, name in SCORE_ROLES.items()})


def chart_palette(variables: Mapping[str, str]) -> Palette:
    """A chart palette from the theme: lines in primary, bands muted, signals as the cells."""
    parts: dict[str, Any] = {
        part: Color.parse(_hex(variables, name)).rgb for part, name in CHART_ROLES.items()
    }
    return Palette(**parts)
