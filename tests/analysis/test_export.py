"""CSV and Parquet export: read back equal, awkward text survives, no partial file ever."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis.frames import responses, synthetic
from workbench.analysis import ExportError, Filter, read_csv, write_csv, write_parquet
from workbench.analysis import export as export_module
from workbench.analysis.filters import apply_filter

AWKWARD = [
    "plain",
    "commas, and more, commas",
    'quotes "inside" and ""doubled""',
    "line one\nline two\r\nline three",
    "emoji 😀🎉 and accents é ñ 中文",
    "",
    None,
    " leading and trailing spaces ",
    "semi;colon",
]


def awkward_frame() -> pl.DataFrame:
    rows = [
        {
            "account": "acme",
            "platform": "wootric",
            "id": str(i),
            "metric": "nps",
            "score": i % 11,
            "text": text,
            "created_at": datetime(2025, 1, 1, 12, 0, i, 123456 * (i % 2), tzinfo=UTC),
            "tags": [["A", "B"], [], None][i % 3],
            "excluded_from_calculations": i % 2 == 0,
            "properties": {"plan": 'Pro, "big"' if i else None, "revenue": i * 10, "ratio": i / 3},
        }
        for i, text in enumerate(AWKWARD)
    ]
    return responses(rows)


def test_csv_read_back_equals_the_frame(tmp_path: Path) -> None:
    frame = awkward_frame()
    path = write_csv(frame, tmp_path / "out.csv")
    back = read_csv(path, frame.schema)
    assert back.equals(frame)  # "" and null stay apart, [] and null too


def test_csv_with_bom_reads_back_equal(tmp_path: Path) -> None:
    frame = awkward_frame()
    path = write_csv(frame, tmp_path / "excel.csv", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfaccount,")
    assert read_csv(path, frame.schema).equals(frame)


def test_csv_shape(tmp_path: Path) -> None:
    frame = awkward_frame()
    text = write_csv(frame, tmp_path / "out.csv").read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    assert header[-3:] == ["property.plan", "property.ratio", "property.revenue"]  # name order
    assert header[: len(frame.columns) - 1] == frame.columns[:-1]
    assert "2025-01-01T12:00:01.123456Z" in text
    assert "2025-01-01T12:00:00Z" in text
    assert "A;B" in text
    assert '"quotes ""inside"" and """"doubled"""""' in text


def test_csv_column_order_is_stable_whatever_the_property_order(tmp_path: Path) -> None:
    frame = awkward_frame()
    reordered = frame.with_columns(
        pl.struct(
            pl.col("properties").struct.field("revenue"),
            pl.col("properties").struct.field("ratio"),
            pl.col("properties").struct.field("plan"),
        ).alias("properties")
    )
    a = write_csv(frame, tmp_path / "a.csv").read_bytes()
    b = write_csv(reordered, tmp_path / "b.csv").read_bytes()
    assert a == b


def test_csv_timestamps_are_written_in_utc(tmp_path: Path) -> None:
    frame = awkward_frame().with_columns(pl.col("created_at").dt.convert_time_zone("Asia/Tokyo"))
    text = write_csv(frame, tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "2025-01-01T12:00:00Z" in text
    assert "+09" not in text


def test_columns_may_name_properties(tmp_path: Path) -> None:
    path = write_csv(awkward_frame(), tmp_path / "few.csv", columns=["id", "plan", "score"])
    assert path.read_text(encoding="utf-8").splitlines()[0] == "id,property.plan,score"


def test_a_filtered_export_has_the_filtered_rows(tmp_path: Path) -> None:
    frame = synthetic(500)
    selected = apply_filter(Filter.parse('tag:PRICING "slow"'), frame)
    back = read_csv(write_csv(selected, tmp_path / "f.csv"), frame.schema)
    assert back["id"].to_list() == selected["id"].to_list()


comments = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(
    deadline=None, max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.none() | comments, min_size=1, max_size=8))
def test_any_comment_survives_the_round_trip(tmp_path: Path, texts: list[str | None]) -> None:
    frame = responses([{"id": str(i), "text": t} for i, t in enumerate(texts)])
    path = write_csv(frame, tmp_path / "h.csv")
    assert read_csv(path, frame.schema)["text"].to_list() == texts


def test_reading_without_a_schema_rebuilds_nested_columns(tmp_path: Path) -> None:
    frame = awkward_frame()
    back = read_csv(write_csv(frame, tmp_path / "out.csv"))
    assert back.schema["tags"] == pl.List(pl.String)
    assert back.schema["created_at"] == pl.Datetime("us", "UTC")
    assert isinstance(back.schema["properties"], pl.Struct)
    assert back["tags"].to_list() == frame["tags"].to_list()


def test_parquet_round_trip(tmp_path: Path) -> None:
    frame = awkward_frame()
    path = write_parquet(frame, tmp_path / "out.parquet")
    assert pl.read_parquet(path).equals(frame)


def test_parquet_of_frames_without_properties(tmp_path: Path) -> None:
    frame = responses([{"id": "1", "score": 9}])
    path = write_parquet(frame, tmp_path / "out.parquet")
    assert pl.read_parquet(path)["id"].to_list() == ["1"]


# --- failures leave nothing behind ----------------------------------------------------------------


def test_a_failed_write_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("the previous export\n", encoding="utf-8")

    def half_then_fail(self: pl.DataFrame, file: Path, **_: object) -> None:
        Path(file).write_text("account,plat", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", half_then_fail)
    with pytest.raises(ExportError) as caught:
        write_csv(awkward_frame(), target)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert os.listdir(tmp_path) == ["out.csv"]
    assert target.read_text(encoding="utf-8") == "the previous export\n"


def test_an_interrupted_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: pl.DataFrame, file: Path, **_: object) -> None:
        Path(file).write_text("account", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(awkward_frame(), tmp_path / "out.csv")
    assert os.listdir(tmp_path) == []


def test_a_failed_rename_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export_module.os, "replace", refuse)
    with pytest.raises(ExportError, match="Permission denied"):
        write_parquet(awkward_frame(), tmp_path / "out.parquet")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing/out.csv", "does not exist"),
        ("", "is a directory"),
        ("file/out.csv", "does not exist"),
    ],
)
def test_an_unwritable_path_gets_one_clear_line(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    target = tmp_path / name if name else tmp_path
    with pytest.raises(ExportError) as caught:
        write_csv(awkward_frame(), target)
    message = str(caught.value)
    assert message.startswith(f"cannot write {target}: ")
    assert reason in message
    assert "\n" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_gets_one_clear_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="Permission denied"):
            write_csv(awkward_frame(), locked / "out.csv")
    finally:
        locked.chmod(0o700)
