"""The workbench in Jupyter: open a configuration (or the demo), sync, and analyse.

    from workbench import demo

    wb = demo()                      # the sandbox, one account per platform
    wb.sync()                        # a progress bar, then a table of what was fetched
    wb.nps(by="pricing_plan")        # a polars DataFrame: nps, its interval, counts
    wb.nps("country=US since:2026-01-01")
    wb.trend_chart(every="month")    # a plotext chart, shown in a monospace block
    wb.compare("pricing_plan=Enterprise", "pricing_plan=Free")
    wb.export("pricing.csv", filter="tag:PRICING score:detractors")

This is a face, like the CLI and the TUI: it holds no business logic. Tables come from
`workbench.data.tables.load_table`, numbers from `workbench.analysis`, charts from
`workbench.analysis.charts`, so the same filter gives the same numbers and the same CSV
everywhere. A filter is a `Filter` or its text form (`Filter.parse`).

The functions below `Workbench` take frames a notebook already holds (`nps(frame,
filter="plan=Enterprise")`); the chart helpers turn analysis frames into Charts.
"""

from workbench.analysis import Filter, Palette, answer_distribution, read_csv
from workbench.analysis.charts import DEFAULT, PLAIN
from workbench.notebook.display import (
    Chart,
    Report,
    TextBlock,
    answer_chart,
    score_distribution_chart,
    segment_chart,
    tag_impact_chart,
    trend_chart,
)
from workbench.notebook.frames import (
    as_filter,
    ces,
    compare,
    csat,
    export,
    nps,
    score_distribution,
    select,
    tag_impact,
    trend,
)
from workbench.notebook.progress import SyncProgress, SyncResult
from workbench.notebook.session import Workbench, demo, open_workbench

__all__ = [
    "DEFAULT",
    "PLAIN",
    "Chart",
    "Filter",
    "Palette",
    "Report",
    "SyncProgress",
    "SyncResult",
    "TextBlock",
    "Workbench",
    "answer_chart",
    "answer_distribution",
    "as_filter",
    "ces",
    "compare",
    "csat",
    "demo",
    "export",
    "nps",
    "open_workbench",
    "read_csv",
    "score_distribution",
    "score_distribution_chart",
    "segment_chart",
    "select",
    "tag_impact",
    "tag_impact_chart",
    "trend",
    "trend_chart",
]
