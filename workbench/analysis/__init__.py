"""The analysis core: polars frames in, polars frames or text out.

The TUI, the CLI and the notebooks call these functions, so each number is computed in exactly
one place (the formulas are in `estimators`). Nothing here talks to an API or draws a widget.
"""

from workbench.analysis.chart_text import message_box
from workbench.analysis.charts import (
    PLAIN,
    Palette,
    answer_chart,
    score_distribution_chart,
    segment_chart,
    tag_impact_chart,
    trend_chart,
)
from workbench.analysis.counting import Counts, count_line, counts, is_counted, is_excluded
from workbench.analysis.export import ExportError, read_csv, write_csv, write_parquet
from workbench.analysis.fields import UnknownNameError
from workbench.analysis.filter_model import (
    DEFAULT_EXCLUDED,
    Condition,
    Filter,
    FilterError,
    FilterSyntaxError,
    ScoreRange,
    ScoreScaleError,
)
from workbench.analysis.filter_names import KnownNames, complete, validate_filter
from workbench.analysis.filters import apply_filter, compile_filter, scored_metrics
from workbench.analysis.metrics import (
    answer_distribution,
    ces,
    compare,
    csat,
    nps,
    nps_summary_totals,
    score_distribution,
)
from workbench.analysis.scales import (
    BAND_NAMES,
    CES,
    CSAT,
    NPS,
    SCALES,
    Band,
    CesScale,
    CsatScale,
    NpsScale,
    Scales,
)
from workbench.analysis.tags import tag_impact
from workbench.analysis.trend import trend

__all__ = [
    "BAND_NAMES",
    "CES",
    "CSAT",
    "DEFAULT_EXCLUDED",
    "NPS",
    "PLAIN",
    "SCALES",
    "Band",
    "CesScale",
    "Condition",
    "Counts",
    "CsatScale",
    "ExportError",
    "Filter",
    "FilterError",
    "FilterSyntaxError",
    "KnownNames",
    "NpsScale",
    "Palette",
    "Scales",
    "ScoreRange",
    "ScoreScaleError",
    "UnknownNameError",
    "answer_chart",
    "answer_distribution",
    "apply_filter",
    "ces",
    "compare",
    "compile_filter",
    "complete",
    "count_line",
    "counts",
    "csat",
    "is_counted",
    "is_excluded",
    "message_box",
    "nps",
    "nps_summary_totals",
    "read_csv",
    "score_distribution",
    "score_distribution_chart",
    "scored_metrics",
    "segment_chart",
    "tag_impact",
    "tag_impact_chart",
    "trend",
    "trend_chart",
    "validate_filter",
    "write_csv",
    "write_parquet",
]
