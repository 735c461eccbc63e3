"""A metric card: one metric's value, its interval and n, as the analysis core computed them."""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

TITLES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}


def card_lines(metric: str, frame: pl.DataFrame) -> tuple[str, str, str]:
    """(value, interval, detail) lines for a one-row metric frame (nps, csat or ces)."""
    if frame.is_empty() or not frame["n"][0]:
        return "—", f"no {TITLES.get(metric, metric)} scores in this selection", "n = 0"
    row = frame.row(0, named=True)
    n = f"n = {row['n']:,}"
    low, high = row.get("ci_low"), row.get("ci_high")
    interval = (
        f"95% CI {low:.1f} to {high:.1f}" if low is not None and high is not None else "no interval"
    )
    if metric == "nps":
        value = f"{row['nps']:+.1f}"
        detail = f"{n} · {row['promoters']:,} promoters · {row['detractors']:,} detractors"
    elif metric == "csat":
        value = f"{row['csat']:.1f}%"
        detail = f"{n} · {row['satisfied']:,} satisfied"
    else:
        value = f"{row['mean']:.2f}" if row.get("mean") is not None else "—"
        share = row.get("agree_share")
        detail = f"{n} · {share:.0f}% agree" if share is not None else n
    return value, interval, detail


class MetricCard(Static):
    """Shows one metric for the current filter."""

    def __init__(self, metric: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.metric = metric
        self.border_title = TITLES[metric]
        self.lines: list[str] = []

    def show_metric(self, frame: pl.DataFrame) -> None:
        value, interval, detail = card_lines(self.metric, frame)
        self.remove_class("-failed")
        self.tooltip = None
        self.lines = [value, interval, detail]
        self.update(f"[b]{value}[/b]\n{interval}\n[dim]{detail}[/dim]")

    def text_height(self) -> int:
        """Lines the card's text takes wrapped at the card's content width."""
        width = max(self.content_region.width, 1)
        return max(3, sum(max(1, -(-cell_len(line) // width)) for line in self.lines))

    def show_problem(self, reason: str) -> None:
        """The metric could not be computed: the reason and what to do, in place of it."""
        self.add_class("-failed")
        self.tooltip = reason
        self.lines = reason.splitlines()
        self.update(Text(reason))
