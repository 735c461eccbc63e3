"""The Filter: one description of "which responses", shared by the TUI, the CLI and notebooks,
and its text form (`Filter.parse(f.to_text()) == f`).

Why one model: a CSV exported from the CLI with `--filter TEXT` must have exactly the rows the
TUI shows for the same text, so both parse into this model and compile it the same way
(`filters.compile_filter`; names and completion are in `filter_names`). It is plain data
(pydantic), so saved filters round-trip through JSON and TOML; relative dates stay relative
(`last_days`) and are resolved when compiled.

Grammar (whitespace separates terms; keys are case-insensitive):

    filter    := term*
    term      := "-" (keyed | quoted)            negation: -tag:A,B   -"refund"
               | keyed | condition | quoted | word
    keyed     := KEY ":" values
    KEY       := tag | tags-any | tags-all | tags-none | metric | score | since | until | last
               | account | platform | excluded
    values    := value ("," value)*
    condition := name OP value                    plan=Enterprise   revenue>=5000
               | name ["not"] "in" "(" values ")"  country in (US,UK)
    OP        := "=" | "!=" | ">=" | "<=" | ">" | "<"
    name      := word | quoted
    value     := word | quoted
    word      := characters other than whitespace and  " ( ) , : = ! < > \\
    quoted    := '"' (any character; \\" and \\\\ escaped) '"'

A quoted string or a bare word standing alone is a text search term. Values of keys:
`score:0-6`, `score:9`, or a band: `score:detractors|passives|promoters` (NPS),
`score:dissatisfied|neutral|satisfied` (CSAT), `score:disagree|neutral|agree` (CES);
`since:`/`until:` YYYY-MM-DD; `last:90d` or `last:12w`; `excluded:include|exclude|only`
(responses excluded from calculations are listed by default, `include`; metrics never count
them). `tag:` and `tags-any:` are the same.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.analysis.fields import nearest
from workbench.analysis.scales import BAND_NAMES, BandName

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
        "accounts", "platforms", "metrics", "tags_any", "tags_all", "tags_none", "text", "text_none"
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
        return _Parser(text).parse()

    def to_text(self) -> str:
        """The canonical text form; `Filter.parse(f.to_text()) == f`."""
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
        return tomlkit.dumps(self.model_dump(mode="json", exclude_defaults=True))

    @classmethod
    def from_toml(cls, text: str) -> Filter:
        return cls.model_validate(tomllib.loads(text))

    def is_empty(self) -> bool:
        return self == Filter()


# --- the text form ---------------------------------------------------------------------------

KEYS: Final = (
    "tag", "tags-any", "tags-all", "tags-none", "metric", "score", "since", "until", "last",
    "account", "platform", "excluded"
)  # fmt: skip
LISTED: Final = {
    "tags-all": "tags_all", "tags-none": "tags_none", "metric": "metrics",
    "account": "accounts", "platform": "platforms"
}  # fmt: skip
"""The keys that add their values to a list field of the Filter (tag: and tags-any: aside)."""
SPECIAL: Final = frozenset('"(),:=!<>\\')
EXCLUDED_VALUES: Final = ("include", "exclude", "only")
SCORE = re.compile(r"^(\d+)(?:-(\d+))?$")
LAST = re.compile(r"^(\d+)([dw])$")


def longest_last_days(today: date | None = None) -> int:
    """The longest `last:` period whose first day is still a date (year 1 or later) in every
    time zone: today's distance from 1 January of year 1, less two days of margin."""
    return (today or date.today()).toordinal() - 2


class PeriodTooLong(FilterSyntaxError):
    """`last:800000d`: a period reaching before year 1, which no calendar holds."""

    def __init__(self, text: str, position: int, value: str, longest: int) -> None:
        super().__init__(text, position, f"a period of at most {longest}d", repr(value))
        self.args = (
            f"last: {value} reaches before year 1; use a period of at most {longest:,}d "
            "(or since:YYYY-MM-DD)",
        )


@dataclass(frozen=True)
class Token:
    kind: str  # word | quoted | op | punct | neg
    value: str
    start: int


def _is_word_char(ch: str) -> bool:
    return not ch.isspace() and ch not in SPECIAL


def tokenize(text: str) -> list[Token]:
    """Words, quoted strings, operators and punctuation, each with its position."""
    tokens: list[Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            start = i
            value, i = _read_quoted(text, i)
            tokens.append(Token("quoted", value, start))
        elif text.startswith(("!=", ">=", "<="), i):
            tokens.append(Token("op", text[i : i + 2], i))
            i += 2
        elif ch in "=<>":
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch in "(),:":
            tokens.append(Token("punct", ch, i))
            i += 1
        elif (
            ch == "-"
            and _starts_term(tokens, text, i)
            and i + 1 < size
            and (text[i + 1] == '"' or _is_word_char(text[i + 1]))
        ):
            tokens.append(Token("neg", "-", i))
            i += 1
            if text[i] != '"':
                start = i
                while i < size and _is_word_char(text[i]):
                    i += 1
                tokens.append(Token("word", text[start:i], start))
        elif _is_word_char(ch):
            start = i
            while i < size and _is_word_char(text[i]):
                i += 1
            tokens.append(Token("word", text[start:i], start))
        else:
            expected = "a term" if ch != "!" else "'!=' (a lone '!' is not an operator)"
            raise FilterSyntaxError(text, i, expected, repr(ch))
    return tokens


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in '"\\':
                raise FilterSyntaxError(text, i, 'an escaped \\" or \\\\ inside quotes')
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise FilterSyntaxError(text, start, 'a closing quote (")', "an unclosed quote")


def _is(token: Token | None, kind: str, value: str) -> bool:
    """Whether `token` is of `kind` and reads `value` (case-insensitive)."""
    return token is not None and token.kind == kind and token.value.lower() == value


def _starts_term(tokens: list[Token], text: str, i: int) -> bool:
    """A '-' negates only at the start of a term: after whitespace or at the very beginning,
    and not where a value is due (`revenue >= -5`, `country in ( -x )`)."""
    if i > 0 and not text[i - 1].isspace():
        return False
    previous = tokens[-1] if tokens else None
    value_due = previous is not None and (
        previous.kind == "op" or (previous.kind == "punct" and previous.value in ":,(")
    )
    return not value_due


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.fields: dict[str, list] = {}
        self.scalars: dict[str, object] = {}

    # --- token helpers ---------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def end_position(self) -> int:
        return len(self.text)

    def fail(self, expected: str, token: Token | None = None) -> FilterSyntaxError:
        if token is None:
            return FilterSyntaxError(self.text, self.end_position(), expected)
        shown = repr(token.value) if token.kind != "quoted" else f'"{token.value}"'
        return FilterSyntaxError(self.text, token.start, expected, shown)

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect_punct(self, value: str, expected: str) -> Token:
        token = self.peek()
        if not _is(token, "punct", value):
            raise self.fail(expected, token)
        return self.take()

    def value(self, what: str) -> tuple[str, Token]:
        token = self.peek()
        if token is None or token.kind not in ("word", "quoted"):
            raise self.fail(what, token)
        self.take()
        return token.value, token

    def values(self, what: str) -> list[tuple[str, Token]]:
        out = [self.value(what)]
        while _is(self.peek(), "punct", ","):
            self.take()
            out.append(self.value("a value after ','"))
        return out

    # --- grammar ---------------------------------------------------------------------------------

    def parse(self) -> Filter:
        while self.peek() is not None:
            self.term()
        data = {**self.fields, **self.scalars}
        try:
            return Filter.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise FilterSyntaxError(
                self.text, 0, "a consistent filter", first.get("msg", str(exc))
            ) from None

    def add(self, field: str, items: list) -> None:
        self.fields.setdefault(field, []).extend(items)

    def set_once(self, field: str, value: object, token: Token) -> None:
        if field in self.scalars:
            raise self.fail(f"only one {field} term", token)
        self.scalars[field] = value

    def term(self) -> None:
        token = self.take()
        negated = token.kind == "neg"
        if negated:
            token = self.take()
        if token.kind == "word" and _is(self.peek(), "punct", ":"):
            self.take()
            self.keyed(token, negated)
        elif negated and token.kind == "quoted":
            self.add("text_none", [token.value])
        elif negated:
            raise self.fail("tag:... or a quoted phrase after '-'", token)
        elif token.kind in ("word", "quoted") and self.is_condition_next():
            self.condition(token)
        elif token.kind in ("word", "quoted"):
            self.add("text", [token.value])
        else:
            raise self.fail('a term (key:value, name=value or "text")', token)

    def is_condition_next(self) -> bool:
        after = self.peek()
        if after is None:
            return False
        if after.kind == "op":
            return True
        if _is(after, "word", "in"):
            return _is(self.peek(1), "punct", "(")
        return (
            _is(after, "word", "not")
            and _is(self.peek(1), "word", "in")
            and _is(self.peek(2), "punct", "(")
        )

    def condition(self, name: Token) -> None:
        op_token = self.take()
        if op_token.kind == "op":
            value, _ = self.value(f"a value after '{op_token.value}'")
            self.add("conditions", [Condition(field=name.value, op=op_token.value, values=[value])])
            return
        op = "in"
        if op_token.value.lower() == "not":
            self.take()
            op = "not in"
        self.expect_punct("(", "'(' after 'in'")
        values = [v for v, _ in self.values("a value in the list")]
        self.expect_punct(")", "',' or ')' to close the list")
        self.add("conditions", [Condition(field=name.value, op=op, values=values)])

    def keyed(self, key_token: Token, negated: bool) -> None:
        key = key_token.value.lower()
        if key not in KEYS:
            guess = nearest(key, KEYS)
            hint = f"a key such as {guess!r}" if guess else "one of " + ", ".join(KEYS)
            raise FilterSyntaxError(self.text, key_token.start, hint, repr(key_token.value))
        if negated and key not in ("tag", "tags-any"):
            raise self.fail("'-' only before tag: or a quoted phrase", key_token)
        items = self.values(f"a value after '{key}:'")
        texts = [v for v, _ in items]
        if key in ("tag", "tags-any"):
            self.add("tags_none" if negated else "tags_any", texts)
        elif key in LISTED:
            self.add(LISTED[key], texts)
        else:
            self.single(key, items, key_token)

    def single(self, key: str, items: list[tuple[str, Token]], key_token: Token) -> None:
        if len(items) > 1:
            raise self.fail(f"one value after '{key}:'", items[1][1])
        value, token = items[0]
        if key in ("since", "until"):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise self.fail("a date as YYYY-MM-DD", token) from None
            self.set_once(key, day, key_token)
        elif key == "last":
            match = LAST.match(value)
            if not match or int(match.group(1)[:12]) < 1:
                raise self.fail("a period such as 90d or 12w", token)
            longest = longest_last_days()
            digits = match.group(1).lstrip("0")
            days = int(digits[:12]) * (7 if match.group(2) == "w" else 1)
            if len(digits) > 12 or days > longest:
                raise PeriodTooLong(self.text, token.start, value, longest)
            self.set_once("last_days", days, key_token)
        elif key == "score":
            self.set_once("score", _score(value, self, token), key_token)
        elif key == "excluded":
            if value not in EXCLUDED_VALUES:
                raise self.fail("include, exclude or only", token)
            self.set_once("excluded", value, key_token)


def _score(value: str, parser: _Parser, token: Token) -> ScoreRange | str:
    if value in BAND_NAMES:
        return value
    match = SCORE.match(value)
    if not match:
        raise parser.fail(
            "a score (9), a range (0-6) or a band (detractors, passives, promoters; "
            "dissatisfied, neutral, satisfied; disagree, neutral, agree)",
            token,
        )
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    if low > high:
        raise parser.fail(f"a range from low to high ({high}-{low}?)", token)
    return ScoreRange(low=low, high=high)


# --- formatting --------------------------------------------------------------------------------


def quote(value: str) -> str:
    """A value as a bare word when it is one, otherwise quoted with \\ and \" escaped."""
    if value and all(_is_word_char(c) for c in value) and not value.startswith("-"):
        return value
    return _quoted(value)


def _quoted(value: str) -> str:
    """A value in double quotes, with \\ and \" escaped (free text is always quoted)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _name(value: str) -> str:
    """A condition's field: quoted also when it would read as a key word (`in`, `not`)."""
    if value.lower() in ("in", "not"):
        return '"' + value + '"'
    return quote(value)


def _listed(values: list[str]) -> str:
    return ",".join(quote(v) for v in values)


def format_filter(f: Filter) -> str:
    """The canonical text of a filter: keys in a fixed order, values quoted only when needed."""
    listed = (("account", f.accounts), ("platform", f.platforms), ("metric", f.metrics))
    dated = (
        ("since", f.since and f.since.isoformat()),
        ("until", f.until and f.until.isoformat()),
        ("last", f.last_days and f"{f.last_days}d"),
    )
    tagged = (("tag", f.tags_any), ("tags-all", f.tags_all), ("-tag", f.tags_none))
    parts = [f"{key}:{_listed(values)}" for key, values in listed if values]
    parts += [f"{key}:{value}" for key, value in dated if value]
    if isinstance(f.score, ScoreRange):
        s = f.score
        parts.append(f"score:{s.low}" if s.low == s.high else f"score:{s.low}-{s.high}")
    elif f.score:
        parts.append(f"score:{f.score}")
    parts += [f"{key}:{_listed(values)}" for key, values in tagged if values]
    for c in f.conditions:
        if c.op in ("in", "not in"):
            parts.append(f"{_name(c.field)} {c.op} ({_listed(c.values)})")
        else:
            parts.append(f"{_name(c.field)}{c.op}{quote(c.values[0])}")
    parts.extend(_quoted(t) for t in f.text)
    parts.extend("-" + _quoted(t) for t in f.text_none)
    if f.excluded != DEFAULT_EXCLUDED:
        parts.append(f"excluded:{f.excluded}")
    return " ".join(parts)
