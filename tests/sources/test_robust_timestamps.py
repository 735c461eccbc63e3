"""`parse_timestamp` rejects what no calendar holds with a TimestampError, never an
OverflowError, ValueError or OSError from `datetime` itself."""

from __future__ import annotations

import math

import pytest

from workbench.sources.timestamps import TimestampError, parse_timestamp, unix_seconds


@pytest.mark.parametrize(
    "value",
    [1e20, -1e20, 10**30, "99999999999999999999", 253_402_300_800, math.nan, math.inf, "1e400"],
)
def test_unix_seconds_past_the_calendar_are_a_timestamp_error(value: object) -> None:
    with pytest.raises(TimestampError):
        parse_timestamp(value)
    with pytest.raises(TimestampError):
        unix_seconds(value)


def test_milliseconds_are_named_as_a_likely_mistake() -> None:
    with pytest.raises(TimestampError, match="milliseconds"):
        parse_timestamp(1_700_000_000_000)


def test_the_calendar_edges_still_read() -> None:
    assert parse_timestamp(253_402_300_799).year == 9999  # type: ignore[union-attr]
    assert parse_timestamp("0").year == 1970  # type: ignore[union-attr]
    assert unix_seconds("2016-12-16 09:05:00 -0800") == 1_481_907_900
