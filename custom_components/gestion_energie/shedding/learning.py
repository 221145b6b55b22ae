"""Each load's power, learned from the step the meter shows when it switches."""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from statistics import median
from typing import Any

KEPT_STEPS = 5  # the median of the last few accepted steps is the estimate
TRUSTED_STEPS = 3  # until then the declared power votes too, so one odd step cannot rule
MIN_STEP_VA = 30.0  # smaller steps are lost in the meter's noise and rounding
PLAUSIBLE_RATIO = 2.5  # a step more than 2.5x away from the declared power is something else


@dataclass(slots=True)
class PowerLearner:
    """The estimated power of one load.

    A power sensor reading taken while the load runs wins (a reading more than 2.5x the
    declared power is none of this load's, and is not taken); otherwise the median of the last
    accepted meter steps, with the declared power as one more vote until three steps are known.
    A step is accepted only if it has the expected sign, is above the meter's noise and is
    within a factor of 2.5 of the declared power (another appliance switching at the same moment
    gives wild steps).
    """

    declared_w: float
    steps: list[float] = field(default_factory=list)
    measured_w: float | None = None

    @property
    def estimate_w(self) -> float:
        """The best guess of the power this load draws when it runs."""
        if self.measured_w is not None:
            return self.measured_w
        if len(self.steps) < TRUSTED_STEPS:
            return median([self.declared_w, *self.steps])  # the declared power as one vote
        return median(self.steps)

    @property
    def restore_need_w(self) -> float:
        """The power that must fit before a restore: the smaller of the guess and the declared.

        Meter steps err upwards (another appliance starting at the same moment adds to the
        step), and an estimate that is too high would keep a load off for good: the restore
        trusts the declared power when it is lower, and a wrong restore is shed again.
        """
        if self.measured_w is not None:
            return self.measured_w
        return min(self.estimate_w, self.declared_w)

    def is_plausible(self, step_va: float) -> bool:
        """Whether a meter step (positive: power added) can be this load switching on."""
        if step_va < MIN_STEP_VA:
            return False
        low, high = self.declared_w / PLAUSIBLE_RATIO, self.declared_w * PLAUSIBLE_RATIO
        return low <= step_va <= high

    def is_plausible_reading(self, power_w: float) -> bool:
        """Whether a power sensor's reading can be this load's (0 W, idle, included)."""
        return math.isfinite(power_w) and 0.0 <= power_w <= self.declared_w * PLAUSIBLE_RATIO

    def observe_step(self, step_va: float) -> bool:
        """Learn from a step the meter showed as this load switched; False if rejected."""
        if not self.is_plausible(step_va):
            return False
        self.steps = [*self.steps[-(KEPT_STEPS - 1) :], step_va]
        return True

    def observe_running(self, power_w: float) -> None:
        """Learn from the load's own power sensor while it runs."""
        self.measured_w = power_w

    def to_dict(self) -> dict[str, Any]:
        """Return the learned values, JSON-able."""
        return {"steps": list(self.steps), "measured_w": self.measured_w}

    @classmethod
    def from_dict(cls, declared_w: float, data: dict[str, Any]) -> PowerLearner:
        """Rebuild from `to_dict` output."""
        learner = cls(declared_w, [float(step) for step in data["steps"]])
        measured = data["measured_w"]
        # A reading saved before readings were checked may be one this load cannot draw.
        if measured is not None and learner.is_plausible_reading(float(measured)):
            learner.measured_w = float(measured)
        return learner
