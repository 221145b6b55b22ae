"""The house's balance: what the meter counts that no load or plug measures. Pure.

The meter tells apparent power (VA), the nearest it comes to the active power the plugs
measure (W); for the resistive loads of a house the two are close. What is left once the
measured loads are taken away is the unmeasured consumption, never negative (a plug reading
ahead of a slower meter, or a power factor below one, may make the difference dip below zero).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Longer without a reading (a restart, a silent meter) and nothing is counted for the gap:
# guessing the power through it would make the energy jump.
MAX_GAP_S = 300.0


def unmeasured_power(meter_w: float | None, measured_w: Iterable[float]) -> float | None:
    """The meter's power minus the measured loads', never negative; None without a meter."""
    if meter_w is None:
        return None
    return max(0.0, meter_w - sum(measured_w))


@dataclass(slots=True)
class EnergyCounter:
    """Energy counted from power readings, in Wh: each power holds until the next reading."""

    total_wh: float = 0.0
    _since: float | None = None  # time of the power being counted
    _power_w: float | None = None

    def add(self, time: float, power_w: float | None) -> float:
        """Count the previous power up to `time`, then hold `power_w`; the total (Wh)."""
        if self._since is not None and self._power_w is not None:
            elapsed = time - self._since
            if 0 < elapsed <= MAX_GAP_S:
                self.total_wh += self._power_w * elapsed / 3600.0
        if self._since is None or time >= self._since:
            self._since, self._power_w = time, power_w
        return self.total_wh
