"""The lowest subscribed power that would not have cut off, over the days seen.

For every subscribed power offered (3 to 36 kVA) a cut-off model (54E §7, `tic/cutoff.py`) is
fed with every apparent-power reading: a peak at or below 1.3 x the power never trips, above
it trips only if it lasts. Each day keeps which powers would have cut that day, with load
shedding as it acted (the meter's readings) and without it (the readings plus the power shed),
and its highest peak (the readings', or the meter's own SMAXSN). The advice is the lowest power
that cut on no day kept; it is backed once enough days are kept.

The filter of each model starts as if the first reading had lasted (the model's pessimistic
start): a restart under a heavy load may count a cut that did not happen, never the reverse.
The total apparent power is followed, also on three-phase meters (which check each phase).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..tic import CutoffModel

SUBSCRIBED_POWERS_KVA = (3, 6, 9, 12, 15, 18, 24, 30, 36)
ENOUGH_DAYS = 30  # days of readings before the advice is worth a repair issue
HISTORY_DAYS = 366


@dataclass(slots=True)
class DayPeaks:
    """One day's highest peak, and the subscribed powers that would have cut."""

    max_va: float = 0.0
    cut: set[int] = field(default_factory=set)  # kVA, with load shedding as it acted
    cut_unshed: set[int] = field(default_factory=set)  # kVA, had nothing been shed

    def as_list(self) -> list[Any]:
        """The day as saved."""
        return [self.max_va, sorted(self.cut), sorted(self.cut_unshed)]


class PeakWatch:
    """Follow the readings with one cut-off model per subscribed power, day by day."""

    def __init__(self) -> None:
        """No day seen yet."""
        self.days: dict[date, DayPeaks] = {}
        self._models = {kva: CutoffModel(kva * 1000) for kva in SUBSCRIBED_POWERS_KVA}
        self._unshed = {kva: CutoffModel(kva * 1000) for kva in SUBSCRIBED_POWERS_KVA}

    def update(
        self,
        day: date,
        timestamp: float,
        apparent_va: float,
        shed_va: float = 0.0,
        meter_max_va: float | None = None,
    ) -> None:
        """Take a reading of `day` (Europe/Paris) at `timestamp` (seconds)."""
        peaks = self.days.get(day)
        if peaks is None:
            peaks = self.days[day] = DayPeaks()
            oldest = day - timedelta(days=HISTORY_DAYS)
            for old in [kept for kept in self.days if kept <= oldest]:
                del self.days[old]
        peaks.max_va = max(peaks.max_va, apparent_va, meter_max_va or 0.0)
        for models, cut, power in (
            (self._models, peaks.cut, apparent_va),
            (self._unshed, peaks.cut_unshed, apparent_va + shed_va),
        ):
            for kva, model in models.items():
                model.update(timestamp, power)
                if model.seconds_left() == 0.0:
                    cut.add(kva)

    def as_dict(self) -> dict[str, Any]:
        """The days kept, to save."""
        return {day.isoformat(): peaks.as_list() for day, peaks in self.days.items()}

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> PeakWatch:
        """A watch from the days saved (the models start afresh)."""
        watch = cls()
        for day, (max_va, cut, cut_unshed) in stored.items():
            watch.days[date.fromisoformat(day)] = DayPeaks(
                float(max_va), {int(kva) for kva in cut}, {int(kva) for kva in cut_unshed}
            )
        return watch


@dataclass(frozen=True, slots=True)
class Advice:
    """The subscribed power advised, and why."""

    recommended_kva: int | None  # lowest power that cut on no day; None: no day, or none fits
    without_shedding_kva: int | None  # the same had load shedding not acted
    current_kva: int | None
    days: int
    enough_days: bool
    highest_peak_va: float
    cut_days: dict[int, int]  # per power, the days it would have cut (with shedding)
    saving_per_year: float | None  # at the subscription prices entered, if both are known

    @property
    def lower_fits(self) -> bool:
        """Whether a lower power than the current one would have done, on enough days."""
        return (
            self.enough_days
            and self.recommended_kva is not None
            and self.current_kva is not None
            and self.recommended_kva < self.current_kva
        )


def _lowest(days: Mapping[date, DayPeaks], unshed: bool) -> int | None:
    if not days:
        return None
    cut = set().union(*((peaks.cut_unshed if unshed else peaks.cut) for peaks in days.values()))
    return next((kva for kva in SUBSCRIBED_POWERS_KVA if kva not in cut), None)


def advise(
    days: Mapping[date, DayPeaks],
    current_kva: int | None,
    subscription_by_kva: Mapping[int, float],
) -> Advice:
    """The advice from the days kept; `subscription_by_kva`: € a month of each power known."""
    recommended = _lowest(days, unshed=False)
    saving = None
    if recommended is not None and current_kva is not None:
        now, then = subscription_by_kva.get(current_kva), subscription_by_kva.get(recommended)
        if now is not None and then is not None:
            saving = round(12 * (now - then), 2)
    return Advice(
        recommended_kva=recommended,
        without_shedding_kva=_lowest(days, unshed=True),
        current_kva=current_kva,
        days=len(days),
        enough_days=len(days) >= ENOUGH_DAYS,
        highest_peak_va=max((peaks.max_va for peaks in days.values()), default=0.0),
        cut_days={
            kva: sum(kva in peaks.cut for peaks in days.values()) for kva in SUBSCRIBED_POWERS_KVA
        },
        saving_per_year=saving,
    )
