"""Colours for what CSS cannot style: chart palettes and score colours, from the theme in use.

Why: charts are text built by plotext and cells are Arrow strings with markup, so neither sees
the stylesheet; both take their colours from the theme's variables here, and are rebuilt when
the theme changes, so they follow it like everything else.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.color import Color

from workbench.analysis import Palette
from workbench.tui.views import ScoreColours


def _hex(variables: Mapping[str, str], name: str, fallback: str) -> str:
    try:
        return Color.parse(variables.get(name, fallback)).hex6
    except Exception:  # a theme variable that is not a colour
        return Color.parse(fallback).hex6


def _rgb(variables: Mapping[str, str], name: str, fallback: str) -> tuple[int, int, int]:
    return Color.parse(_hex(variables, name, fallback)).rgb


def score_colours(variables: Mapping[str, str]) -> ScoreColours:
    """Promoters in the theme's success colour, passives in warning, detractors in error."""
    return ScoreColours(
        promoter=_hex(variables, "success", "#57AB5A"),
        passive=_hex(variables, "warning", "#F2A541"),
        detractor=_hex(variables, "error", "#E5534B"),
        other=_hex(variables, "foreground-muted", "#9DA5B4"),
    )


def chart_palette(variables: Mapping[str, str]) -> Palette:
    """A chart palette from the theme: lines in primary, bands muted, signals as the cells."""
    return Palette(
        line=_rgb(variables, "primary", "#4C9BE8"),
        band=_rgb(variables, "foreground-muted", "#9DA5B4"),
        promoter=_rgb(variables, "success", "#57AB5A"),
        passive=_rgb(variables, "warning", "#F2A541"),
        detractor=_rgb(variables, "error", "#E5534B"),
        positive=_rgb(variables, "success", "#57AB5A"),
        negative=_rgb(variables, "error", "#E5534B"),
        bar=_rgb(variables, "accent", "#F2A541"),
        ticks=_rgb(variables, "foreground", "#D7DAE0"),
    )
