"""Horodates: the spec's examples, seasons, the repeated autumn hour, degraded clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.gestion_energie.tic import PARIS, format_horodate, parse_horodate


def test_spec_examples() -> None:
    """54E §6.2.1.1: 25 December 2008 22:35:18 winter; 14 July 2009 07:45:53 summer."""
    winter = parse_horodate("H081225223518")
    assert winter.when == datetime(2008, 12, 25, 22, 35, 18, tzinfo=PARIS)
    assert winter.when.utcoffset() == timedelta(hours=1)
    assert (winter.summer, winter.degraded) == (False, False)
    summer = parse_horodate("E090714074553")
    assert summer.when.utcoffset() == timedelta(hours=2)
    assert summer.summer


def test_lower_case_season_means_degraded_clock() -> None:
    horodate = parse_horodate("e090714074553")
    assert horodate.degraded
    assert horodate.summer
    assert horodate.when == parse_horodate("E090714074553").when


def test_repeated_autumn_hour_is_told_apart_by_the_season() -> None:
    first = parse_horodate("E251026023000")
    second = parse_horodate("H251026023000")
    # Python compares and subtracts datetimes of one zone ignoring `fold`: go through UTC.
    assert second.when.timestamp() - first.when.timestamp() == 3600
    assert first.when.astimezone(UTC).hour == 0
    assert second.when.astimezone(UTC).hour == 1


def test_no_season() -> None:
    horodate = parse_horodate(" 240115060000")
    assert horodate.summer is None
    assert not horodate.degraded
    assert horodate.when == datetime(2024, 1, 15, 6, tzinfo=PARIS)


@pytest.mark.parametrize("raw", ["H08122522351", "X081225223518", "H0812252235x8", "H081232223518"])
def test_invalid(raw: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - from several causes
        parse_horodate(raw)


@pytest.mark.parametrize(
    "when",
    [
        datetime(2025, 3, 7, 13, 43, 49, tzinfo=PARIS),
        datetime(2025, 7, 14, 7, 45, 53, tzinfo=PARIS),
        datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 02:30 summer time, first of the two
        datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 winter time, the second
    ],
)
def test_format_round_trips(when: datetime) -> None:
    for degraded in (False, True):
        raw = format_horodate(when, degraded=degraded)
        assert parse_horodate(raw).when.timestamp() == when.timestamp()
        assert parse_horodate(raw).degraded is degraded
    assert format_horodate(when, season=False)[0] == " "
