"""Frames shaped for display: the columns a pane shows, formatted, coloured and escaped.

Nothing here computes a metric: categories come from `analysis.score_distribution` (so the
colour of a 7 follows the configured bands), impacts from `analysis.tag_impact`. What is here is
presentation: which columns, in which order, dates as text, comments on one line, Rich markup
escaped so a comment containing `[bold]` shows as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl
import pyarrow as pa
from rich.text import Text
from textual.markup import escape as content_escape

from workbench.analysis import score_distribution
from workbench.analysis.multiple import format_p

DATE_FORMAT = "%Y-%m-%d %H:%M"
RESPONSE_COLUMNS = ("score", "metric", "comment", "tags", "date", "account")
_MARKUP_TAG = r"(\\*)\[([a-zA-Z#/@])"


@dataclass(frozen=True)
class ScoreColours:
    """Colours (hex) for score categories, taken from the theme so they follow it."""

    promoter: str = "#57AB5A"
    passive: str = "#F2A541"
    detractor: str = "#E5534B"
    other: str = "#9DA5B4"

    def of(self, category: str | None) -> str:
        return {
            "promoter": self.promoter,
            "satisfied": self.promoter,
            "agree": self.promoter,
            "passive": self.passive,
            "detractor": self.detractor,
        }.get(category or "", self.other)


@cache
def score_categories() -> pl.DataFrame:
    """(metric, score, category) for every score of NPS, CSAT and CES, from the analysis bands."""
    empty = pl.DataFrame(
        schema={
            "metric": pl.String,
            "score": pl.Int16,
            "excluded_from_calculations": pl.Boolean,
        }
    )
    return pl.concat(
        score_distribution(empty, metric).select(
            pl.lit(metric).alias("metric"), pl.col("score").cast(pl.Int16), "category"
        )
        for metric in ("nps", "csat", "ces")
    )


def escape_markup(column: pl.Expr) -> pl.Expr:
    """Rich's `escape`, vectorised: a `[` that could open a tag gets a backslash (and any
    backslashes before it are doubled), so comments render literally."""
    return column.str.replace_all(_MARKUP_TAG, r"${1}${1}\[${2}")


def one_line(column: pl.Expr) -> pl.Expr:
    return column.str.replace_all(r"[\r\n\t]+", " ")


def plain(value: object) -> str:
    """A displayed cell as the text it shows (markup removed), for copying."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return Text.from_markup(value).plain
        except Exception:  # not markup after all: shown literally
            return value
    return str(value)


def as_tsv(header: list[str] | None, rows: list[tuple[object, ...]]) -> str:
    """Rows as tab-separated text (tabs and newlines inside a cell become spaces)."""

    def cell(value: object) -> str:
        return " ".join(plain(value).split("\t")).replace("\n", " ")

    lines = ["\t".join(header)] if header else []
    lines.extend("\t".join(cell(v) for v in row) for row in rows)
    return "\n".join(lines) + "\n"


def display_table(frame: pl.DataFrame, columns: dict[str, str] | None = None) -> pa.Table:
    """A small frame as display text: floats to one decimal, times as dates, lists joined,
    strings escaped; `columns` picks and renames (source -> label), in order."""
    chosen = columns or {c: c for c in frame.columns}
    exprs: list[pl.Expr] = []
    for source, label in chosen.items():
        if source not in frame.columns:
            exprs.append(pl.lit("").alias(label))
            continue
        dtype = frame.schema[source]
        col = pl.col(source)
        if dtype.is_float() and source.startswith("p_"):
            text = col.map_elements(format_p, return_dtype=pl.String)
        elif dtype.is_float():
            text = col.round(1).cast(pl.String)
        elif isinstance(dtype, pl.Datetime):
            text = col.dt.strftime(DATE_FORMAT)
        elif isinstance(dtype, pl.Date):
            text = col.dt.strftime("%Y-%m-%d")
        elif isinstance(dtype, pl.List):
            text = escape_markup(col.list.join(", "))
        elif isinstance(dtype, pl.Struct):
            text = escape_markup(col.struct.json_encode())
        elif dtype == pl.String:
            text = escape_markup(one_line(col))
        else:
            text = col.cast(pl.String)
        exprs.append(text.fill_null("").alias(label))
    return frame.select(exprs).to_arrow() if exprs else pa.table({})


def answer_bars(answers: pl.DataFrame, surveys: pl.DataFrame, width: int = 30) -> str:
    """Each survey's questions with a bar per choice (length by its share), as Rich markup."""
    if answers.is_empty():
        return "[dim]No survey answers stored.[/]"
    names = {(a, i): n for a, i, n in surveys.select("account", "id", "name").iter_rows()}
    lines: list[str] = []
    current: tuple[str, str] | None = None
    question: str | None = None
    for row in answers.iter_rows(named=True):
        survey = (row["account"], row["survey_id"])
        if survey != current:
            current = survey
            title = names.get(survey) or row["survey_id"]
            lines.append(f"\n[b]{_escape(str(title))}[/b] [dim]({_escape(row['account'])})[/]")
            question = None
        if row["question_id"] != question:
            question = row["question_id"]
            lines.append(f"  {_escape(str(row['question']))} [dim]{row['question_type']}[/]")
        if row["choice"] is None:
            lines.append(f"    [dim]free text · {row['count']:,} answers[/]")
            continue
        share = row["share"] or 0.0
        bar = "█" * max(1 if row["count"] else 0, round(width * share / 100))
        choice = _escape(str(row["choice"]))[:24].ljust(24)
        lines.append(f"    {choice} [$accent]{bar}[/] {row['count']:,} ({share:.0f}%)")
    return "\n".join(lines).strip("\n")


def _escape(text: str) -> str:
    """Escape for Textual content markup (which also reads `[$variable]`)."""
    return content_escape(text).replace("[$", "\\[$")
