"""The CXI CSV check before an upload: an unclosed quote, NUL bytes and endless inputs are
reported with where they are, and nothing is uploaded (a stand-in CXI on 127.0.0.1 counts)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.sources.test_robust_shapes import StandIn, http_for
from workbench.sources.cxi import CxiClient
from workbench.sources.cxi_csv import MAX_CSV_BYTES, READ_LIMIT, CsvProblem, validate_import_csv
from workbench.sources.errors import InvalidRequest

HAVE_DEV_ZERO = Path("/dev/zero").exists()
GOOD = b"feedback_date,score,text\n2024-01-01,9,fine\n2024-01-02,3,slow\n"


def test_an_unclosed_quote_is_reported_at_the_row_that_opened_it() -> None:
    content = (
        b"feedback_date,score,text\n"
        b"2024-01-01,9,fine\n"
        b'2024-01-02,3,"slow and then\n'
        b"2024-01-03,5,this row is swallowed\n"
        b"2024-01-04,7,and this one\n"
    )
    problems = validate_import_csv(content)
    assert len(problems) == 1, problems
    assert problems[0].row == 3
    assert "never closed" in problems[0].message


def test_a_quote_closed_on_a_later_line_is_one_row() -> None:
    content = b'feedback_date,score,text\n2024-01-01,9,"two\nlines"\n2024-01-02,3,x\n'
    assert validate_import_csv(content) == []


def test_text_after_a_closing_quote_is_reported_with_its_row() -> None:
    content = b'feedback_date,score,text\n2024-01-01,9,fine\n2024-01-02,3,"slow"er\n'
    problems = validate_import_csv(content)
    assert [p.row for p in problems] == [3]
    assert "not readable CSV" in problems[0].message


def test_nul_bytes_are_refused_with_their_row_and_column() -> None:
    content = b"feedback_date,score,text\n2024-01-01,9,fine\n2024-01-02,3,sl\x00ow\n"
    problems = validate_import_csv(content)
    assert [(p.row, p.column) for p in problems] == [(3, "text")]
    assert "NUL" in problems[0].message
    header = validate_import_csv(b"feedback_date,te\x00xt\n2024-01-01,x\n")
    assert [(p.row, p.column) for p in header] == [(1, "#2")]


def test_a_utf16_file_is_named_as_such() -> None:
    problems = validate_import_csv(GOOD.decode().encode("utf-16"))
    assert len(problems) == 1
    assert "UTF-16" in str(problems[0])


@pytest.mark.skipif(not HAVE_DEV_ZERO, reason="no /dev/zero here")
def test_an_endless_device_is_refused_without_reading_it() -> None:
    problems = validate_import_csv("/dev/zero")
    assert problems == [
        CsvProblem(None, None, "'/dev/zero' is not a regular file; give the path of a CSV file")
    ]


def test_a_directory_and_a_huge_file_are_refused_by_their_kind_and_size(tmp_path: Path) -> None:
    assert "is a directory" in str(validate_import_csv(tmp_path)[0])
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # sparse: no disk used, nothing read
        handle.truncate(READ_LIMIT + 10)
    problems = validate_import_csv(huge)
    assert len(problems) == 1
    assert "under 10 MB" in problems[0].message
    assert f"{READ_LIMIT + 10:,}" in problems[0].message
    big = tmp_path / "big.csv"
    big.write_bytes(GOOD + b"2024-01-03,1,x\n" * (MAX_CSV_BYTES // 15 + 1))
    assert any("under 10 MB" in p.message for p in validate_import_csv(big))


@pytest.mark.parametrize(
    "source",
    [
        b'feedback_date,text\n2024-01-01,"open\n2024-01-02,x\n',
        b"feedback_date,text\n2024-01-01,a\x00b\n",
        "/dev/zero",
    ],
)
async def test_create_import_uploads_nothing_for_a_refused_file(source: bytes | str) -> None:
    if source == "/dev/zero" and not HAVE_DEV_ZERO:
        pytest.skip("no /dev/zero here")
    with StandIn({}) as server:
        server.routes["/v1/imports"] = lambda _request: {"id": 1, "responses": []}
        client = CxiClient(http_for(server))
        try:
            async with asyncio.timeout(30):
                with pytest.raises(InvalidRequest, match="was not uploaded") as raised:
                    await client.create_import(source)
        finally:
            await client.aclose()
        assert server.requests == []
    assert "row" in str(raised.value) or "regular file" in str(raised.value)
