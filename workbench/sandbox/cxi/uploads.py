"""CXI CSV uploads: the checks and messages of the real upload, and the rows they make."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from workbench.sandbox.cxi.catalog import RESPONSE_SCHEMA

# --- CSV uploads --------------------------------------------------------------------------------

MAX_CSV_BYTES = 10 * 1024 * 1024
""""Imports only work for CSVs less than 10MB in size": 10 MiB itself is refused."""
RESERVED_COLUMNS = ("tags", "wootric_response_id")
SPECIAL_COLUMNS = ("feedback", "feedback_date", "user_id", "score")
MAX_REPORTED_PROBLEMS = 50
DATE_FORMATS = (
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"), "%Y-%m-%d %H:%M"),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "%Y-%m-%d"),
)
DATE_HELP = "use yyyy-mm-dd hh:mm:ss, yyyy-mm-dd hh:mm, yyyy-mm-dd or a Unix timestamp"


@dataclass(frozen=True)
class CsvProblem:
    """One reason an upload is refused, located as a spreadsheet shows it (header = row 1)."""

    row: int
    column: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class CsvRejected(ValueError):
    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems
        super().__init__(problems[0].message)


@dataclass
class ParsedCsv:
    feedback: list[str | None] = field(default_factory=list)
    user_id: list[str | None] = field(default_factory=list)
    feedback_date: list[int] = field(default_factory=list)
    score: list[int | None] = field(default_factory=list)
    custom_properties: list[list[dict[str, str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.feedback_date)


def parse_feedback_date(text: str) -> int | None:
    """Unix seconds for one of the four documented formats, read as UTC; None if invalid.

    The docs do not say which time zone a naive date is in; a Rails app reads it in `Time.zone`,
    which is UTC unless configured, so the sandbox reads UTC.
    """
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,12}", value):
        return int(value)
    for pattern, fmt in DATE_FORMATS:
        if pattern.fullmatch(value):
            try:
                moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
            except ValueError:
                return None
            return int(moment.timestamp())
    return None


def parse_feedback_csv(raw: bytes) -> ParsedCsv:
    """The rows of an upload, or CsvRejected naming every row and column that breaks a rule."""
    if len(raw) >= MAX_CSV_BYTES:
        raise CsvRejected(
            [
                CsvProblem(
                    0,
                    None,
                    f"The file is {len(raw)} bytes; imports only work for CSVs less than 10 MB",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected(
            [CsvProblem(0, None, f"The file is not UTF-8 encoded (byte {exc.start} is invalid)")]
        ) from None
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, None)
    if header is None or not any(h.strip() for h in header):
        raise CsvRejected([CsvProblem(1, None, "The CSV file is empty; row 1 must be a header")])
    columns = _header_columns(header)
    parsed = ParsedCsv()
    problems: list[CsvProblem] = []
    for row_number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are skipped, as a spreadsheet import would
        if len(record) > len(header):
            problems.append(
                CsvProblem(
                    row_number,
                    None,
                    f"Row {row_number} has {len(record)} cells but the header has {len(header)}",
                )
            )
        else:
            _read_row(row_number, record, columns, parsed, problems)
        if len(problems) >= MAX_REPORTED_PROBLEMS:
            break
    if problems:
        raise CsvRejected(problems)
    if not len(parsed):
        raise CsvRejected([CsvProblem(2, None, "The CSV file has a header but no rows")])
    return parsed


def _header_columns(header: list[str]) -> list[tuple[int, str, str]]:
    """(index, name, role) for each named column: a special column's name or "property"."""
    problems: list[CsvProblem] = []
    columns: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for index, raw_name in enumerate(header):
        name = raw_name.strip()
        if not name:
            continue  # an unnamed column (e.g. a trailing comma) carries no property
        lowered = name.lower()
        where = f"(row 1, column {index + 1})"
        if lowered in RESERVED_COLUMNS:
            problems.append(
                CsvProblem(
                    1, name, f'Column "{name}" is a reserved name and cannot be used {where}'
                )
            )
        elif lowered in seen:
            problems.append(CsvProblem(1, name, f'Column "{name}" appears twice {where}'))
        seen.add(lowered)
        columns.append((index, name, lowered if lowered in SPECIAL_COLUMNS else "property"))
    if not any(role == "feedback_date" for _, _, role in columns):
        problems.append(
            CsvProblem(
                1, "feedback_date", 'The mandatory column "feedback_date" is missing (row 1)'
            )
        )
    if problems:
        raise CsvRejected(problems)
    return columns


def _read_row(
    row_number: int,
    record: list[str],
    columns: list[tuple[int, str, str]],
    parsed: ParsedCsv,
    problems: list[CsvProblem],
) -> None:
    values: dict[str, str | None] = {"feedback": None, "user_id": None}
    feedback_date: int | None = None
    score: int | None = None
    properties: list[dict[str, str]] = []
    ok = True
    for index, name, role in columns:
        cell = record[index].strip() if index < len(record) else ""
        if role == "feedback_date":
            feedback_date = parse_feedback_date(cell) if cell else None
            if feedback_date is None:
                ok = False
                shown = f'"{cell[:40]}" is not a valid date' if cell else "a value is required"
                problems.append(
                    CsvProblem(
                        row_number,
                        name,
                        f'Row {row_number}, column "{name}": {shown}; {DATE_HELP}',
                    )
                )
        elif role == "score":
            if cell and not re.fullmatch(r"[+-]?[0-9]+", cell):
                ok = False
                problems.append(
                    CsvProblem(
                        row_number,
                        name,
                        f'Row {row_number}, column "{name}": "{cell[:40]}" is not an integer '
                        "(scores must be integers; blank cells are allowed)",
                    )
                )
            elif cell:
                score = int(cell)
        elif role in ("feedback", "user_id"):
            values[role] = cell or None
        elif cell:
            properties.append({"key": name, "data_type": "string", "value": cell})
    if ok and feedback_date is not None:
        parsed.feedback.append(values["feedback"])
        parsed.user_id.append(values["user_id"])
        parsed.feedback_date.append(feedback_date)
        parsed.score.append(score)
        parsed.custom_properties.append(properties)


def responses_from_csv(parsed: ParsedCsv, first_id: int, import_id: int) -> pl.DataFrame:
    """Uploaded rows as responses: no tags, no sentiment until the analysis has run."""
    n = len(parsed)
    return pl.DataFrame(
        {
            "id": list(range(first_id, first_id + n)),
            "import_id": [import_id] * n,
            "feedback": parsed.feedback,
            "translated_feedback": [None] * n,
            "user_id": parsed.user_id,
            "feedback_date": parsed.feedback_date,
            "score": parsed.score,
            "sentiment": [None] * n,
            "tag_ids": [[] for _ in range(n)],
            "project_ids": [[] for _ in range(n)],
            "custom_properties": parsed.custom_properties,
        },
        schema=RESPONSE_SCHEMA,
    )
