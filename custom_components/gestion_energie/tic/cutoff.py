"""The Linky cut-off rule (54E §6.2.3.9 and §7), as a model that predicts the time left.

The meter squares the apparent power drawn and smooths it, once a second, with a recursive
low-pass filter (the formula printed in the §7 graph):

    Y[n] = B * X[n]**2 + (1 - B) * Y[n-1],   B = 0.008,   X = S / PCOUP

and opens its cut-off switch as soon as Y reaches the threshold (1.3 * k)**2 with k = 1,
i.e. the filtered apparent power reaches 1.3 x PCOUP. Squaring makes it a thermal image
(heat goes as I**2), like a breaker's bimetal strip.

A constant load X from a cold start (Y = 0) gives Y[n] = X**2 * (1 - (1 - B)**n), so the
trip time is n = ln(1 - 1.69 / X**2) / ln(1 - B). That gives 247 s at 1.4 x PCOUP and 39 s
at 2.5 x PCOUP, the 250 s and 40 s of the §7 table, and never for X <= 1.3 (1.1 x PCOUP
never trips). The filter is first order with a time constant tau = -1 / ln(1 - B) = 124.5 s,
so between two readings t seconds apart (TIC frames come every 1 to 2 s, not every second)
the exact update for a load held at X is Y = X**2 + (Y - X**2) * (1 - B)**t.
"""

from __future__ import annotations

import math

FILTER_COEFFICIENT = 0.008  # B, per one-second step
THRESHOLD_RATIO = 1.3  # cut when the filtered apparent power reaches 1.3 x PCOUP
_DECAY_PER_SECOND = 1.0 - FILTER_COEFFICIENT
_LOG_DECAY = math.log(_DECAY_PER_SECOND)


class CutoffModel:
    """Track the meter's filtered apparent power and estimate the seconds left before cut-off.

    Feed it every apparent-power reading (SINSTS, or PAPP in historic mode) with its time.
    For a three-phase meter the meter checks each phase on its own: use one model per phase,
    fed with SINSTS1-3, against PCOUP / 3.

    The meter's filter state is not transmitted, so the model starts at the first reading as if
    that load had lasted long enough to settle (Y = X**2): the pessimistic guess, which is the
    right side to err on when the aim is to shed a load before the meter cuts; it converges to
    the meter's state within a few time constants (about 10 minutes).
    """

    def __init__(self, cutoff_va: float) -> None:
        """Start with no reading, for a cut-off power PCOUP given in VA."""
        self.cutoff_va = cutoff_va
        self._started = False
        self._time = 0.0
        self._power_va = 0.0
        self._filtered = 0.0  # Y, in VA squared (so that PCOUP may change without a reset)

    def update(self, timestamp: float, apparent_power_va: float) -> None:
        """Take a reading (timestamp in seconds, any origin, non-decreasing)."""
        if self._started:
            self._filtered = self._advanced(timestamp)
            self._time = max(timestamp, self._time)
        else:
            self._filtered = apparent_power_va**2
            self._time = timestamp
            self._started = True
        self._power_va = apparent_power_va

    def _advanced(self, timestamp: float) -> float:
        """Filter state at `timestamp` if the last reading held since it was taken."""
        elapsed = max(0.0, timestamp - self._time)
        target = self._power_va**2
        decay: float = _DECAY_PER_SECOND**elapsed
        return target + (self._filtered - target) * decay

    @property
    def filtered_va(self) -> float | None:
        """The filtered apparent power (VA) as the meter computes it, once there is a reading."""
        return math.sqrt(self._filtered) if self._started else None

    @property
    def threshold_va(self) -> float:
        """The filtered apparent power at which the meter cuts."""
        return THRESHOLD_RATIO * self.cutoff_va

    def seconds_left(self, at: float | None = None) -> float | None:
        """Seconds from `at` (default: the last reading) until the cut if the load stays.

        None when there is no reading yet or the present load never trips; 0.0 when the
        filtered power has already reached the threshold.
        """
        if not self._started:
            return None
        filtered = self._filtered if at is None else self._advanced(at)
        threshold = self.threshold_va**2
        if filtered >= threshold:
            return 0.0
        target = self._power_va**2
        if target <= threshold:
            return None
        return math.log((target - threshold) / (target - filtered)) / _LOG_DECAY


def trip_time(ratio: float) -> float | None:
    """Seconds to cut from a cold start under a constant load of `ratio` x PCOUP (§7 table)."""
    model = CutoffModel(1.0)
    model.update(0.0, 0.0)
    model.update(0.0, ratio)
    return model.seconds_left()
