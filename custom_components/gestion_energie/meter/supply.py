"""What a Linky supply can physically carry: the bounds of a plausible reading (54E §6.1).

A meter measures up to its maximum current IMAX (90 A single-phase, 60 A on each phase of a
three-phase meter) at a voltage within the supply's range; a reading above that is not a
measurement but a corrupted or forged value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_VOLTAGE_V: Final = 253  # 230 V + 10 %, the top of the supply's range (EN 50160)
SINGLE_PHASE_MAX_A: Final = 90  # IMAX of a single-phase Linky, 60 A and 90 A models (§6.1.1)
THREE_PHASE_MAX_A: Final = 60  # IMAX of each phase of a three-phase Linky (§6.1.2)


@dataclass(frozen=True, slots=True)
class Supply:
    """The most a meter can measure, single- or three-phase."""

    three_phase: bool

    @property
    def max_current_a(self) -> int:
        """The most current a phase can carry."""
        return THREE_PHASE_MAX_A if self.three_phase else SINGLE_PHASE_MAX_A

    @property
    def max_phase_power_va(self) -> int:
        """The most apparent power on one phase."""
        return self.max_current_a * MAX_VOLTAGE_V

    @property
    def max_power_va(self) -> int:
        """The most apparent power of the whole supply (active power is never more)."""
        return self.max_phase_power_va * (3 if self.three_phase else 1)


# Whatever a house holds, it is behind one of these: the most any of its appliances can draw.
LARGEST_PHASE_CURRENT_A: Final = SINGLE_PHASE_MAX_A
LARGEST_PHASE_POWER_W: Final = Supply(three_phase=False).max_phase_power_va
