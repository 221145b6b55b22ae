"""When the tariff period changes next, and to which period.

In standard mode the meter sends the supplier's profile of the next day (PJOURF+1: from which
time which supplier index counts); kept from the day before, it is today's profile too. Without
a profile, the tariff option's hours tell: Tempo's are fixed (off-peak 22:00 to 06:00, the
day's colour from 06:00, tomorrow's colour announced by the meter), those of Heures creuses are
the contract's, entered with the prices. Times are Europe/Paris.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..meter.periods import period_key
from ..tic import PARIS
from ..tic.interpret import Period, SwitchingBlock, TariffPeriod, TempoColour

TEMPO_PEAK_START = time(6)
TEMPO_OFF_PEAK_START = time(22)

type Hours = Sequence[tuple[time, time]]  # (start, end) of each off-peak range


@dataclass(frozen=True, slots=True)
class Change:
    """The next change of period: when, and the period from then (a name, or an index)."""

    at: datetime
    period: str | None = None
    supplier_index: int | None = None  # standard mode: the index counting from then


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, PARIS)


def from_profiles(
    now: datetime,
    running_index: int | None,
    today: Sequence[SwitchingBlock] | None,
    tomorrow: Sequence[SwitchingBlock] | None,
) -> Change | None:
    """The next block of today's or tomorrow's profile that moves to another supplier index."""
    local = now.astimezone(PARIS)
    days = ((local.date(), today), (local.date() + timedelta(days=1), tomorrow))
    current = running_index
    for day, blocks in days:
        if blocks is None:
            return None  # this day's profile is not known: the change may be in it
        for block in sorted(blocks, key=lambda block: block.start):
            at = _at(day, block.start)
            if at <= local or block.supplier_index is None:
                continue
            if block.supplier_index != current:
                return Change(at, supplier_index=block.supplier_index)
    return None


def tempo(now: datetime, today: TempoColour | None, tomorrow: TempoColour | None) -> Change | None:
    """Tempo's next change: 22:00 to the day's off-peak hours, 06:00 to the next day's colour.

    `today` is the colour of the Tempo day running now (it began at 06:00), `tomorrow` the one
    the meter announces for the Tempo day after; None or NONE when not known.
    """
    local = now.astimezone(PARIS)
    if TEMPO_PEAK_START <= local.time() < TEMPO_OFF_PEAK_START:
        at, hours, colour = _at(local.date(), TEMPO_OFF_PEAK_START), Period.OFF_PEAK, today
    else:
        day = local.date() + timedelta(days=local.time() >= TEMPO_OFF_PEAK_START)
        at, hours, colour = _at(day, TEMPO_PEAK_START), Period.PEAK, tomorrow
    known = colour is not None and colour is not TempoColour.NONE
    return Change(at, period_key(TariffPeriod(hours, colour)) if known else None)


def _in_range(moment: time, start: time, end: time) -> bool:
    return start <= moment < end if start < end else moment >= start or moment < end


def off_peak(now: datetime, hours: Hours) -> Change | None:
    """The next start or end of the contract's off-peak hours."""
    if not hours:
        return None
    local = now.astimezone(PARIS)
    in_off_peak = any(_in_range(local.time(), start, end) for start, end in hours)
    # The next boundary that leaves the current kind of hours, over today and tomorrow.
    candidates = sorted(
        _at(local.date() + timedelta(days=offset), moment)
        for offset in (0, 1)
        for start, end in hours
        for moment in ((end,) if in_off_peak else (start,))
    )
    at = next(at for at in candidates if at > local)
    return Change(at, (Period.PEAK if in_off_peak else Period.OFF_PEAK).value)


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """Off-peak ranges as a contract states them: `22:00-06:00` or `01:30-07:30, 12:30-14:30`.

    Raises ValueError when a range is not two times apart.
    """
    ranges: list[tuple[time, time]] = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        msg = f"off-peak hours {part.strip()!r}: not a range HH:MM-HH:MM"
        try:
            start, end = (time.fromisoformat(moment.strip()) for moment in part.split("-"))
        except ValueError:
            raise ValueError(msg) from None
        if start == end:
            raise ValueError(msg)
        ranges.append((start, end))
    return tuple(ranges)


def format_hours(hours: Hours) -> str:
    """Off-peak ranges as `parse_hours` reads them."""
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in hours)
