"""Standard-mode horodates (54E §6.2.1.1): SAAMMJJhhmmss, S being the season."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_WINTER = timezone(timedelta(hours=1))
_SUMMER = timezone(timedelta(hours=2))


@dataclass(frozen=True, slots=True)
class Horodate:
    """A meter timestamp: when, in which season, and whether the meter's clock was degraded."""

    # Aware, Europe/Paris, with `fold` set in the repeated autumn hour. Python ignores `fold`
    # when comparing or subtracting datetimes of one zone: compare `.timestamp()` values.
    when: datetime
    summer: bool | None  # None when the meter sends no season (DPM/FPM)
    degraded: bool  # season letter in lower case: the clock ran out of autonomy


def parse_horodate(raw: str) -> Horodate:
    """Parse a 13-character horodate; raise `ValueError` if it is not one.

    The season letter fixes the UTC offset (H = UTC+1, E = UTC+2), so the hour repeated when
    summer time ends is told apart; without a season the local time is read in Europe/Paris.
    """
    if len(raw) != 13 or not raw[1:].isdigit() or not raw[1:].isascii():
        msg = f"not a horodate: {raw!r}"
        raise ValueError(msg)
    season = raw[0]
    fields = [int(raw[i : i + 2]) for i in range(1, 13, 2)]
    year, month, day, hour, minute, second = fields
    if season == " ":
        naive = datetime(2000 + year, month, day, hour, minute, second)
        return Horodate(naive.replace(tzinfo=PARIS), summer=None, degraded=False)
    if season not in "HEhe":
        msg = f"unknown season {season!r} in {raw!r}"
        raise ValueError(msg)
    summer = season in "Ee"
    fixed = datetime(
        2000 + year, month, day, hour, minute, second, tzinfo=_SUMMER if summer else _WINTER
    )
    return Horodate(fixed.astimezone(PARIS), summer=summer, degraded=season.islower())


def format_horodate(when: datetime, *, degraded: bool = False, season: bool = True) -> str:
    """Format an aware datetime as a horodate (used by encoders and simulators)."""
    local = when.astimezone(PARIS)
    if not season:
        letter = " "
    else:
        offset = local.utcoffset()
        letter = "E" if offset is not None and offset > timedelta(hours=1) else "H"
        letter = letter.lower() if degraded else letter
    return letter + local.strftime("%y%m%d%H%M%S")


__all__ = ["PARIS", "Horodate", "format_horodate", "parse_horodate"]
