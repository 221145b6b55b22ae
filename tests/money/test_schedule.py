"""The next change of tariff period: Tempo's hours, the contract's off-peak hours, profiles."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from custom_components.gestion_energie.money.schedule import (
    Change,
    format_hours,
    from_profiles,
    off_peak,
    parse_hours,
    tempo,
)
from custom_components.gestion_energie.tic import PARIS
from custom_components.gestion_energie.tic.interpret import TempoColour, decode_day_profile


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


RED, WHITE = TempoColour.RED, TempoColour.WHITE


def test_tempo_goes_off_peak_at_22_and_to_the_next_colour_at_6() -> None:
    assert tempo(paris(1, 6, 14), RED, WHITE) == Change(paris(1, 6, 22), "off_peak_red")
    assert tempo(paris(1, 6, 23), RED, WHITE) == Change(paris(1, 7, 6), "peak_white")
    # After midnight the Tempo day that began at 06:00 runs on; the next one starts at 06:00.
    assert tempo(paris(1, 7, 3), RED, WHITE) == Change(paris(1, 7, 6), "peak_white")
    assert tempo(paris(1, 7, 6), WHITE, None) == Change(paris(1, 7, 22), "off_peak_white")
    # Tomorrow's colour not announced yet: the time is known, the period is not.
    assert tempo(paris(1, 7, 23), WHITE, TempoColour.NONE) == Change(paris(1, 8, 6), None)


def test_tempo_on_the_night_clocks_go_forward() -> None:
    now = paris(3, 29, 1)  # 01:00 CET; at 02:00 clocks jump to 03:00 CEST
    change = tempo(now, RED, WHITE)
    assert change is not None
    assert change.at == paris(3, 29, 6)
    assert change.at.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=4)


def test_off_peak_hours_of_the_contract() -> None:
    two_ranges = parse_hours("01:30-07:30, 12:30-14:30")
    assert two_ranges == ((time(1, 30), time(7, 30)), (time(12, 30), time(14, 30)))
    assert off_peak(paris(5, 4, 10), two_ranges) == Change(paris(5, 4, 12, 30), "off_peak")
    assert off_peak(paris(5, 4, 13), two_ranges) == Change(paris(5, 4, 14, 30), "peak")
    assert off_peak(paris(5, 4, 23), two_ranges) == Change(paris(5, 5, 1, 30), "off_peak")
    night = parse_hours("22:00-06:00")
    assert off_peak(paris(5, 4, 23), night) == Change(paris(5, 5, 6), "peak")
    assert off_peak(paris(5, 4, 3), night) == Change(paris(5, 4, 6), "peak")
    assert off_peak(paris(5, 4, 6), night) == Change(paris(5, 4, 22), "off_peak")
    assert off_peak(paris(5, 4, 6), ()) is None
    assert format_hours(two_ranges) == "01:30-07:30, 12:30-14:30"
    assert parse_hours("") == ()


@pytest.mark.parametrize("text", ["22h-6h", "22:00-22:00", "22:00", "22:00-06:00-07:00"])
def test_off_peak_hours_that_cannot_be_read(text: str) -> None:
    with pytest.raises(ValueError, match="not a range"):
        parse_hours(text)


def test_the_supplier_profiles_tell_the_next_index() -> None:
    profile = decode_day_profile(" ".join(["00004001", "06004002", "22004001"] + ["NONUTILE"] * 8))
    assert from_profiles(paris(2, 3, 7), 2, profile, profile) == Change(
        paris(2, 3, 22), supplier_index=1
    )
    # At 23:00 index 1 runs; tomorrow's 00:00 block keeps it, 06:00 changes.
    assert from_profiles(paris(2, 3, 23), 1, profile, profile) == Change(
        paris(2, 4, 6), supplier_index=2
    )
    # Today's profile unknown (the meter sends tomorrow's only): no guess.
    assert from_profiles(paris(2, 3, 7), 2, None, profile) is None
    assert from_profiles(paris(2, 3, 23), 1, profile, None) is None
