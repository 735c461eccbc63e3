"""The canonical schemas: declared once, empty frames, conforming frames."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from workbench.data import TABLES, SchemaError, conform, empty, properties_struct, property_names

EXPECTED_TABLES = {
    "accounts",
    "end_users",
    "responses",
    "tags",
    "surveys",
    "survey_answers",
    "declines",
    "page_views",
    "end_user_settings",
    "projects",
    "segments",
    "nps_summaries",
}


def test_every_table_is_declared_with_a_doc_and_its_key() -> None:
    assert set(TABLES) == EXPECTED_TABLES
    for table in TABLES.values():
        assert table.doc
        assert table.doc.endswith(".")
        assert table.schema.names()[:2] == ["account", "platform"]
        assert set(table.key) <= set(table.schema.names())


def test_responses_columns() -> None:
    schema = TABLES["responses"].schema
    assert schema["score"] == pl.Int16
    assert schema["created_at"] == pl.Datetime("us", "UTC")
    assert schema["tags"] == pl.List(pl.String)
    assert schema["excluded_from_calculations"] == pl.Boolean
    assert isinstance(schema["properties"], pl.Struct)


@pytest.mark.parametrize("name", sorted(EXPECTED_TABLES))
def test_empty_frames_have_the_columns(name: str) -> None:
    frame = empty(name)
    assert frame.is_empty()
    assert frame.schema == TABLES[name].schema


def test_conform_adds_casts_and_orders() -> None:
    frame = pl.DataFrame(
        {
            "score": [9, 3],
            "id": [1, 2],
            "created_at": [datetime(2025, 1, 1, 12), datetime(2025, 1, 2)],
            "updated_at": [
                datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=-8))),
                None,
            ],
            "properties": [{"plan": "Pro", "seats": 3}, {"plan": None, "seats": None}],
        }
    )
    out = conform(frame, "responses")
    assert out.schema.names() == TABLES["responses"].schema.names()
    assert out["id"].to_list() == ["1", "2"]
    assert out.schema["score"] == pl.Int16
    assert out["created_at"][0] == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert out["updated_at"][0] == datetime(2025, 1, 1, 20, tzinfo=UTC)
    assert out["tags"].to_list() == [[], []]
    assert out["excluded_from_calculations"].to_list() == [False, False]
    assert property_names(out) == ["plan", "seats"]


def test_conform_refuses_unknown_columns_unless_told() -> None:
    frame = pl.DataFrame({"id": ["1"], "colour": ["red"]})
    with pytest.raises(SchemaError, match="responses has no column 'colour'"):
        conform(frame, "responses")
    assert "colour" not in conform(frame, "responses", extra="drop").columns


def test_conform_names_a_bad_cast() -> None:
    with pytest.raises(SchemaError, match="score"):
        conform(pl.DataFrame({"score": ["nine"]}), "responses")
    with pytest.raises(SchemaError, match="struct of properties"):
        conform(pl.DataFrame({"properties": ["plan=Pro"]}), "responses")


def test_unknown_table_lists_the_tables() -> None:
    with pytest.raises(SchemaError, match=r"no table 'response'.*responses"):
        empty("response")


def test_empty_with_properties() -> None:
    struct = properties_struct([("plan", pl.String), ("revenue", pl.Int64)])
    assert empty("end_users", struct).schema["properties"] == struct
