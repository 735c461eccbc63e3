"""The one zone rule (choose_time_zone) and a bad zone name as one clear line everywhere."""

from __future__ import annotations

import pytest

from workbench.analysis.dates import choose_time_zone, zone
from workbench.data.time_zones import AccountZone
from workbench.settings import SettingsError, settings_from

ZONES = {
    "acme-nps": AccountZone("acme-nps", "America/Los_Angeles", "inferred"),
    "globex": AccountZone("globex", "Europe/London", "settings"),
    "acme-ios": AccountZone("acme-ios", "UTC", "default"),
}


def test_a_single_account_uses_its_zone() -> None:
    choice = choose_time_zone(ZONES, ["acme-nps"])
    assert choice.time_zone == "America/Los_Angeles"
    assert choice.note is None
    assert "inferred" in choice.label


def test_accounts_in_different_zones_use_utc_and_say_why() -> None:
    choice = choose_time_zone(ZONES, ["acme-nps", "globex"])
    assert choice.time_zone == "UTC"
    assert choice.note is not None
    assert "acme-nps America/Los_Angeles" in choice.note
    assert "globex Europe/London" in choice.note


def test_the_display_zone_and_a_pick_win_in_that_order() -> None:
    assert choose_time_zone(ZONES, ["acme-nps"], display="Asia/Tokyo").time_zone == "Asia/Tokyo"
    picked = choose_time_zone(ZONES, ["acme-nps"], chosen="UTC", display="Asia/Tokyo")
    assert picked.time_zone == "UTC"
    mixed = choose_time_zone(ZONES, None, display="Europe/Paris")
    assert mixed.time_zone == "Europe/Paris"
    assert mixed.note is None


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"display": {"time_zone": "Europe/Pariss"}}, "display.time_zone"),
        (
            {"accounts": {"a": {"platform": "apptentive", "token": "t", "time_zone": "Mars/X"}}},
            "accounts.a.time_zone",
        ),
    ],
)
def test_a_bad_zone_in_the_settings_is_one_clear_line(data, key) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError) as caught:
        settings_from(data)
    message = str(caught.value)
    assert "\n" not in message
    assert key in message
    assert "unknown time zone" in message


def test_a_bad_zone_passed_is_one_line_with_the_nearest_name() -> None:
    with pytest.raises(
        ValueError, match=r"^unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'\?$"
    ):
        zone("Europe/Pariss")
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere/Land'") as caught:
        choose_time_zone(ZONES, ["acme-nps"], chosen="Nowhere/Land")
    assert "\n" not in str(caught.value)
