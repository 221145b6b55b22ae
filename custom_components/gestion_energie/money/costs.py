"""What the household paid today, this month and this year, per period, from its indexes.

`CostLedger` takes every reading of the per-period energy indexes: the energy an index counted
since its previous reading is priced at the price of its period on the day of the reading,
and added to the running day, month and year (Europe/Paris), which reset when a new one
begins. Its state (the last index readings with the sums) is saved and restored as one
document, so that a restart neither counts an index delta twice nor loses it: the energy
counted while Home Assistant was down goes to the day of the first reading after it.
The subscription's share is not summed but computed from the price sets (`spans.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .prices import PriceSet, energy_price
from .spans import Span, paris_day, span_start, subscription_so_far

WH_PER_KWH = 1000


@dataclass(slots=True)
class PeriodSum:
    """Energy and its cost in one period."""

    energy_wh: float = 0.0
    cost: float = 0.0
    unpriced_wh: float = 0.0  # energy counted while no price set priced its period


@dataclass(slots=True)
class SpanSum:
    """The sums of one day, month or year."""

    start: date
    periods: dict[str, PeriodSum] = field(default_factory=dict)

    @property
    def energy_cost(self) -> float:
        """The cost of the energy of every period."""
        return sum(period.cost for period in self.periods.values())


@dataclass(frozen=True, slots=True)
class Reading:
    """One energy index read: the period it counts and its value."""

    period: str
    wh: int


class CostLedger:
    """Sum the cost of the energy indexes' deltas over the running day, month and year."""

    def __init__(self) -> None:
        """Start with no reading."""
        self.last_wh: dict[str, int] = {}  # by index label
        self.spans: dict[Span, SpanSum] = {}

    def record(
        self, at: datetime, readings: Mapping[str, Reading], sets: Sequence[PriceSet]
    ) -> None:
        """Take the indexes read at `at` (aware), by label; `sets` sorted by date."""
        day = paris_day(at)
        self._roll(day)
        for label, reading in readings.items():
            previous = self.last_wh.get(label)
            self.last_wh[label] = reading.wh
            if previous is None or reading.wh <= previous:
                continue  # a first reading, or a meter replaced: nothing counted yet
            delta = reading.wh - previous
            price = energy_price(sets, day, reading.period)
            for span_sum in self.spans.values():
                period = span_sum.periods.setdefault(reading.period, PeriodSum())
                period.energy_wh += delta
                if price is None:
                    period.unpriced_wh += delta
                else:
                    period.cost += delta * price / WH_PER_KWH

    def _roll(self, day: date) -> None:
        """Start new spans when `day` is in another day, month or year than theirs."""
        for span in Span:
            start = span_start(span, day)
            current = self.spans.get(span)
            if current is None or current.start < start:
                self.spans[span] = SpanSum(start)

    def total(self, span: Span, sets: Sequence[PriceSet], today: date) -> float | None:
        """The span's energy cost and subscription share so far; None before any reading."""
        self._roll(today)
        span_sum = self.spans[span]
        if not self.last_wh:
            return None
        return span_sum.energy_cost + subscription_so_far(sets, span, today)

    def as_dict(self) -> dict[str, Any]:
        """The ledger's state, to save."""
        return {
            "last_wh": dict(self.last_wh),
            "spans": {
                span.value: {
                    "start": span_sum.start.isoformat(),
                    "periods": {
                        name: [period.energy_wh, period.cost, period.unpriced_wh]
                        for name, period in span_sum.periods.items()
                    },
                }
                for span, span_sum in self.spans.items()
            },
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> CostLedger:
        """A ledger from its saved state."""
        ledger = cls()
        ledger.last_wh = {str(label): int(wh) for label, wh in stored["last_wh"].items()}
        for span, saved in stored["spans"].items():
            ledger.spans[Span(span)] = SpanSum(
                date.fromisoformat(saved["start"]),
                {
                    name: PeriodSum(float(wh), float(cost), float(unpriced))
                    for name, (wh, cost, unpriced) in saved["periods"].items()
                },
            )
        return ledger
