"""The Filter: one description of "which responses", shared by the TUI, the CLI and notebooks.

Why one model: a CSV exported from the CLI with `--filter TEXT` must have exactly the rows the
TUI shows for the same text, so both parse into this model and compile it the same way
(`filters.compile_filter`). It is plain data (pydantic), so saved filters round-trip through
JSON and TOML; relative dates stay relative (`last_days`) and are resolved when compiled.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.analysis.scales import BandName

if TYPE_CHECKING:
    import polars as pl

    from workbench.analysis.filters import KnownNames

Operator = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not in"]
OPERATORS: tuple[Operator, ...] = ("=", "!=", ">", ">=", "<", "<=", "in", "not in")
Excluded = Literal["include", "exclude", "only"]
"""Which responses flagged `excluded_from_calculations` a filter's rows list: include them
(the default: tables list them, metrics never count them), exclude them, or only them."""
DEFAULT_EXCLUDED: Excluded = "include"


class FilterSyntaxError(ValueError):
    """Filter text that does not parse: where (0-based character), what was expected, found."""

    def __init__(self, text: str, position: int, expected: str, found: str | None = None) -> None:
        self.text = text
        self.position = position
        self.expected = expected
        self.found = found if found is not None else _found_at(text, position)
        super().__init__(
            f"filter syntax error at character {position + 1}: expected {expected}, "
            f"found {self.found}"
        )

    def pointer(self) -> str:
        """The text with a caret under the problem, for a terminal or the TUI's filter bar."""
        line = self.text.replace("\n", " ")
        return f"{line}\n{' ' * self.position}^"


def _found_at(text: str, position: int) -> str:
    if position >= len(text):
        return "the end of the filter"
    return repr(text[position : position + 12].split()[0] if text[position:].split() else "")


class FilterError(ValueError):
    """A filter that parses but names something unknown (or asks the impossible).

    `problems` lists each one; `suggestions` maps an unknown name to the nearest known one.
    """

    def __init__(self, problems: list[str], suggestions: dict[str, str] | None = None) -> None:
        self.problems = problems
        self.suggestions = suggestions or {}
        super().__init__("; ".join(problems))


class ScoreScaleError(FilterError):
    """A `score:` that would mix scales or ask a band of the wrong metric; one line that says
    which `metric:` to add (e.g. `score:0-6 spans NPS (0-10), CSAT (1-5) and CES (1-7) here;
    add metric:nps (or csat, ces) to say which scale`)."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


def _non_empty(values: list[str], what: str) -> list[str]:
    for value in values:
        if not value:
            raise ValueError(f"{what} cannot be an empty string")
    return values


class ScoreRange(BaseModel):
    """Scores from `low` to `high`, inclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ScoreRange:
        if self.low > self.high:
            raise ValueError(f"a score range runs low to high; {self.low}-{self.high} does not")
        return self


class Condition(BaseModel):
    """A segment condition on a column or property: `plan = Enterprise`, `country in (US, UK)`.

    Values are kept as typed text and converted to the field's type when compiled, so `zip =
    02139` keeps its leading zero on a text property and `revenue >= 5000` compares as a number
    on a numeric one. `!=` and `not in` keep responses where the field is missing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(min_length=1)
    op: Operator
    values: list[str] = Field(min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _as_text(cls, values: Any) -> Any:
        if isinstance(values, str | int | float | bool):
            values = [values]
        if isinstance(values, list | tuple):
            return [_text(v) for v in values]
        return values

    @model_validator(mode="after")
    def _arity(self) -> Condition:
        if self.op not in ("in", "not in") and len(self.values) != 1:
            raise ValueError(f"{self.op!r} compares with one value, not {len(self.values)}")
        return self


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return value


class Filter(BaseModel):
    """Which responses: every set field narrows the selection (AND); list fields as named.

    - accounts, platforms, metrics: any of the listed.
    - since/until: local calendar days, inclusive; last_days: today and the N-1 days before.
    - score: a range, or a band by name: NPS detractors/passives/promoters, CSAT dissatisfied/
      neutral/satisfied, CES disagree/neutral/agree. A band selects only rows of its metric; a
      range is refused when the rows hold several metrics and `metrics` does not pick one
      (see `filters.compile_filter`).
    - tags_any / tags_all / tags_none: at least one / every one / none of the listed tags.
    - text: every term appears in the comment (case-insensitive); text_none: none appears.
    - conditions: every condition holds.
    - excluded: responses flagged excluded from calculations are listed (include, the default),
      left out (exclude) or the only ones (only). Metrics never count them either way.
    """

    model_config = ConfigDict(extra="forbid")

    accounts: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None
    last_days: int | None = Field(default=None, ge=1)
    score: ScoreRange | BandName | None = None
    tags_any: list[str] = Field(default_factory=list)
    tags_all: list[str] = Field(default_factory=list)
    tags_none: list[str] = Field(default_factory=list)
    text: list[str] = Field(default_factory=list)
    text_none: list[str] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    excluded: Excluded = DEFAULT_EXCLUDED

    @field_validator(
        "accounts",
        "platforms",
        "metrics",
        "tags_any",
        "tags_all",
        "tags_none",
        "text",
        "text_none",
    )
    @classmethod
    def _no_empty(cls, values: list[str], info: Any) -> list[str]:
        return _non_empty(values, f"a value in {info.field_name}")

    @model_validator(mode="after")
    def _dates_ordered(self) -> Filter:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}")
        return self

    # --- text, JSON, TOML ----------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Filter:
        """The filter a person typed, e.g. `tag:PERFORMANCE score:0-6 plan=Enterprise "slow"`."""
        from workbench.analysis.filter_text import parse_filter

        return parse_filter(text)

    def to_text(self) -> str:
        """The canonical text form; `Filter.parse(f.to_text()) == f`."""
        from workbench.analysis.filter_text import format_filter

        return format_filter(self)

    def __str__(self) -> str:
        return self.to_text()

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, text: str) -> Filter:
        return cls.model_validate(json.loads(text))

    def to_toml(self) -> str:
        """A TOML table of the set fields (TOML has no null, so defaults are left out)."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_defaults=True))

    @classmethod
    def from_toml(cls, text: str) -> Filter:
        return cls.model_validate(tomllib.loads(text))

    # --- compiling -------------------------------------------------------------------------------

    def validate_names(self, known: KnownNames | pl.DataFrame | pl.LazyFrame) -> Filter:
        """Raise FilterError naming each unknown tag, field, account, platform or metric."""
        from workbench.analysis.filters import validate_filter

        validate_filter(self, known)
        return self

    def expression(
        self, schema: pl.Schema | pl.DataFrame | pl.LazyFrame, **options: Any
    ) -> pl.Expr:
        """One polars expression selecting the filter's rows; see `filters.compile_filter`.

        Give the frame rather than its schema when you have it: `score:0-6` is checked against
        the metrics its rows hold (ScoreScaleError when they hold several)."""
        from workbench.analysis.filters import compile_filter

        return compile_filter(self, schema, **options)

    def apply(self, frame: pl.DataFrame, **options: Any) -> pl.DataFrame:
        """The frame's rows the filter selects (excluded responses listed unless `excluded:`
        says otherwise); ScoreScaleError when `score:` would mix the metrics' scales."""
        return frame.filter(self.expression(frame, **options))

    def is_empty(self) -> bool:
        return self == Filter()
