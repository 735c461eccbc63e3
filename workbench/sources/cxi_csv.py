"""Checking a CSV file before it is uploaded as a CXI import, without touching the network.

The API refuses a whole file for one bad cell, and says little about which; a local check names
every problem at once, with its row and column. The file is read with a size bound (a device
such as /dev/zero, or a file that grows while read, never fills the memory), as strict CSV (an
unclosed quote that would swallow every later row is reported at the row that opened it), and
NUL bytes, which no text CSV holds, are refused where they are.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_CSV_BYTES = 10 * 1024 * 1024
"""Imports "only work for CSVs less than 10MB in size"; the docs do not say which megabyte, so
10 MiB, the larger reading, is the bound a file must stay under (a strict "less than")."""
READ_LIMIT = 8 * MAX_CSV_BYTES
"""The most bytes read from a file to look for problems beyond its size."""
RESERVED_COLUMNS = ("tags", "wootric_response_id")
DATE_FORMATS = "yyyy-mm-dd hh:mm:ss, yyyy-mm-dd hh:mm, yyyy-mm-dd or Unix seconds"
SHOWN_PROBLEMS = 20
"""How many CSV problems an exception message lists before it only counts the rest."""

CsvSource = str | os.PathLike[str] | bytes
"""A CSV file's path (str or Path), or its raw bytes (not its text: the encoding is checked)."""


@dataclass(frozen=True)
class CsvProblem:
    """One reason CXI would refuse a CSV file.

    `row` counts records as a spreadsheet shows them: the header is row 1, the first response
    row 2 (a quoted cell spanning lines is still one row). None for the file as a whole.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where) or 'file'}: {self.message}"


_DATE_SHAPES = {
    re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"): "%Y-%m-%d %H:%M:%S",
    re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"): "%Y-%m-%d %H:%M",
    re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"): "%Y-%m-%d",
}
_UNIX_SECONDS = re.compile(r"[0-9]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_LAST_UNIX_SECOND = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NUL = (
    "the cell holds a NUL byte, which no text CSV holds (a binary or UTF-16 file?); "
    "save the file as CSV UTF-8"
)
"""Bytes that are not UTF-8 decode (with surrogateescape) to these lone surrogates."""


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def feedback_date_problem(value: str) -> str | None:
    """Why a `feedback_date` cell would be refused, or None if it is in a documented format."""
    text = value.strip()
    if not text:
        return "is blank; every row needs a feedback_date"
    if _UNIX_SECONDS.fullmatch(text):
        if int(text) > _LAST_UNIX_SECOND:
            hint = "it looks like milliseconds: divide by 1000" if len(text) >= 12 else ""
            return f"{_shown(text)} is too large for Unix seconds" + (f"; {hint}" if hint else "")
        return None
    for shape, pattern in _DATE_SHAPES.items():
        if shape.fullmatch(text):
            try:
                datetime.strptime(text, pattern)
            except ValueError:
                return f"{_shown(text)} is not a real date or time"
            return None
    return f"{_shown(text)} is not a date CXI reads; use {DATE_FORMATS}"


def read_source(source: CsvSource) -> tuple[str, bytes | None, list[CsvProblem]]:
    """The file's name and bytes as they would be uploaded (a UTF-8 BOM removed: CXI would read
    it as part of the first column's name), or the problem that kept us from reading it.

    At most `READ_LIMIT` bytes are read: a file larger than that is refused for its size alone,
    and something that is not a regular file (a directory, a device such as /dev/zero, a pipe)
    is refused before it is read."""
    if isinstance(source, bytes | bytearray | memoryview):
        content = bytes(source)
        name = "import.csv"
    else:
        path = Path(source)
        name = path.name
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                return (
                    name,
                    None,
                    [
                        CsvProblem(
                            None, None, f"{str(path)!r} is {what}; give the path of a CSV file"
                        )
                    ],
                )
            if info.st_size > READ_LIMIT:  # too big to be worth reading to look for more
                return name, None, [_size_problem(info.st_size)]
            with path.open("rb") as handle:
                content = handle.read(READ_LIMIT + 1)
            if len(content) > READ_LIMIT:  # it grew while we read it
                return name, None, [_size_problem(len(content))]
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return name, None, [CsvProblem(None, None, f"cannot read {str(path)!r}: {reason}")]
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    return name, content, []


def _size_problem(size: int) -> CsvProblem:
    more = "more than " if size > READ_LIMIT else ""
    return CsvProblem(
        None,
        None,
        f"the file is {more}{size:,} bytes; CXI imports take files under 10 MB "
        f"({MAX_CSV_BYTES:,} bytes): split it into several imports",
    )


def validate_import_csv(source: CsvSource) -> list[CsvProblem]:
    """Every reason CXI would refuse this CSV import, without touching the network.

    The documented rules: under 10 MB; UTF-8; a `feedback_date` column with a value in every row
    in one of the documented formats (yyyy-mm-dd hh:mm:ss, yyyy-mm-dd hh:mm, yyyy-mm-dd, Unix
    seconds); `score`, when present, integers or blank; no reserved column (`tags`,
    `wootric_response_id`). Where the docs are silent this errs on the side of refusing, since a
    refused upload costs the analyst a rename while a half-understood one costs wrong data:
    column names must match exactly (a near miss such as `Feedback_Date` or `Tags` is reported
    with a hint), a column name may not repeat, a row may not hold more values than the header
    names, a quote must close (strict CSV, as the server's parser is) and no cell may hold a NUL
    byte. An empty list means the file may be uploaded.
    """
    _, content, problems = read_source(source)
    if content is None:
        return problems
    return problems + content_problems(content)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def content_problems(content: bytes) -> list[CsvProblem]:
    """The checks of `validate_import_csv` on the bytes as they would be uploaded."""
    problems: list[CsvProblem] = []
    if len(content) >= MAX_CSV_BYTES:
        problems.append(_size_problem(len(content)))
    if content.startswith(_UTF16_BOMS):
        problems.append(
            CsvProblem(None, None, "the file is UTF-16 text; save it as CSV UTF-8 and try again")
        )
        return problems
    text = content.decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row_number = 1
    line = 1
    """The physical line the next record starts on (a quoted cell may span lines)."""
    try:
        header = next(reader, None)
        line = reader.line_num + 1
        if not header or all(not cell.strip() for cell in header):
            problems.append(
                CsvProblem(
                    1,
                    None,
                    "the file has no header row; the first row must name the "
                    "columns, feedback_date among them",
                )
            )
            return problems
        problems += _header_problems(header)
        columns = [_column_name(header, i) for i in range(len(header))]
        date_at = header.index("feedback_date") if "feedback_date" in header else None
        score_at = header.index("score") if "score" in header else None
        rows = 0
        for record in reader:
            row_number += 1
            rows += 1
            line = reader.line_num + 1
            problems += _row_problems(row_number, record, columns, date_at, score_at)
    except csv.Error as exc:
        problems.append(_unreadable(row_number + 1, line, str(exc)))
        return problems
    if rows == 0:
        problems.append(CsvProblem(None, None, "the file has a header but no responses"))
    return problems


def _unreadable(row: int, line: int, reason: str) -> CsvProblem:
    where = f" (line {line} of the file)" if line != row else ""
    if "unexpected end of data" in reason:
        return CsvProblem(
            row,
            None,
            f"a quote opened in this row{where} is never closed, so every later line would be "
            'read into one cell; close the quote (a quote inside a cell is written "")',
        )
    return CsvProblem(
        row,
        None,
        f"the row{where} is not readable CSV ({reason}); quote cells that contain quotes "
        'and write a quote inside a cell as ""; nothing after it was checked',
    )


def _column_name(header: Sequence[str], index: int) -> str:
    name = header[index]
    if not name.strip() or _NOT_UTF8.search(name):
        return f"#{index + 1}"
    return name


def _header_problems(header: list[str]) -> list[CsvProblem]:
    problems: list[CsvProblem] = []
    for index, name in enumerate(header):
        if "\x00" in name:
            problems.append(CsvProblem(1, f"#{index + 1}", _NUL))
        if _NOT_UTF8.search(name):
            problems.append(
                CsvProblem(
                    1,
                    f"#{index + 1}",
                    "the column name is not UTF-8 text; save the file as CSV UTF-8",
                )
            )
    for name in dict.fromkeys(header):
        count = header.count(name)
        if name.strip() and count > 1:
            problems.append(
                CsvProblem(
                    1, name, f"the name appears {count} times; each column needs its own name"
                )
            )
    for name in dict.fromkeys(header):
        folded = name.strip().lower()
        if folded in RESERVED_COLUMNS:
            what = "the name is" if name == folded else f"the name is too close to {folded!r},"
            problems.append(
                CsvProblem(
                    1,
                    name,
                    f"{what} reserved in CXI imports (reserved: {', '.join(RESERVED_COLUMNS)}); "
                    "rename or remove the column",
                )
            )
    if "feedback_date" not in header:
        message = "there is no feedback_date column; it is the one mandatory column"
        near = [name for name in header if name.strip().lower() == "feedback_date"]
        if near:
            message += f" (rename {near[0]!r} to exactly feedback_date)"
        elif len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            message += " (the columns seem separated by something other than commas)"
        problems.append(CsvProblem(1, "feedback_date", message))
    return problems


def _row_problems(
    row: int, record: list[str], columns: list[str], date_at: int | None, score_at: int | None
) -> list[CsvProblem]:
    problems: list[CsvProblem] = []
    if not record:
        if date_at is not None:
            problems.append(
                CsvProblem(row, "feedback_date", "the row is empty; remove the empty line")
            )
        return problems
    extra = record[len(columns) :]
    if any(value.strip() for value in extra):
        problems.append(
            CsvProblem(
                row,
                None,
                f"the row has {len(record)} values but the header names {len(columns)} "
                "columns; quote cells that contain commas",
            )
        )
    for index, value in enumerate(record):
        if "\x00" in value:
            column = columns[index] if index < len(columns) else f"#{index + 1}"
            problems.append(CsvProblem(row, column, _NUL))
    for index, value in enumerate(record[: len(columns)]):
        if _NOT_UTF8.search(value):
            problems.append(
                CsvProblem(
                    row, columns[index], "the cell is not UTF-8 text; save the file as CSV UTF-8"
                )
            )
    if date_at is not None:
        value = record[date_at] if date_at < len(record) else ""
        if not _NOT_UTF8.search(value):
            reason = feedback_date_problem(value)
            if reason:
                problems.append(CsvProblem(row, "feedback_date", reason))
    if score_at is not None and score_at < len(record):
        value = record[score_at].strip()
        if value and not _NOT_UTF8.search(value) and not _INTEGER.fullmatch(value):
            problems.append(
                CsvProblem(row, "score", f"{_shown(value)} is not an integer (blank is allowed)")
            )
    return problems


def problems_message(name: str, problems: Sequence[CsvProblem]) -> str:
    """What `create_import` says when it refuses a file: the first problems and how many more."""
    count = len(problems)
    lines = [f"{name} was not uploaded: CXI would refuse it for {count:,} problem(s):"]
    lines += [f"  - {problem}" for problem in problems[:SHOWN_PROBLEMS]]
    if count > SHOWN_PROBLEMS:
        lines.append(f"  ... and {count - SHOWN_PROBLEMS:,} more")
    lines.append("Fix the file and import it again")
    return "\n".join(lines)


__all__ = [
    "MAX_CSV_BYTES",
    "RESERVED_COLUMNS",
    "CsvProblem",
    "CsvSource",
    "content_problems",
    "feedback_date_problem",
    "problems_message",
    "read_source",
    "validate_import_csv",
]
