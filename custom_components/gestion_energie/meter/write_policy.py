"""When a value that moves with every frame is written: the update policy, pure.

Every state written is stored by the recorder, and a meter's measurements change with
every frame, mostly by noise. A measurement is written when it moved by more than its
step from the value last written (a few percent of a power, a volt, an ampere) and stayed
there for a few frames, as soon as the update interval since its last write allows;
smaller moves are written once a refresh time has passed. Indexes are written at most once
a minute. An update interval of 0 ("real time") writes every change at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Frames in a row a value must stay beyond its step: one noisy frame is not a new level.
SETTLE_FRAMES = 3
# Moves within the step are written at most this often (long-term statistics sample
# every 5 minutes).
REFRESH_S = 300.0
INDEX_SPACING_S = 60.0


# A step, from the value last written and the contract's reference power (None: unknown).
type Step = Callable[[float, float | None], float]


def relative_step(share: float, floor: float) -> Step:
    """A step of `share` of the value last written, at least `floor`."""

    def step(written: float, _reference: float | None) -> float:
        return max(abs(written) * share, floor)

    return step


def reference_step(share: float, floor: float) -> Step:
    """A step of `share` of the reference power, at least `floor`.

    For the room left below it, which moves by the volt-amperes the power drawn moves by.
    """

    def step(_written: float, reference: float | None) -> float:
        return max((reference or 0.0) * share, floor)

    return step


def fixed_step(size: float) -> Step:
    """The same step whatever the value."""

    def step(_written: float, _reference: float | None) -> float:
        return size

    return step


@dataclass(frozen=True, slots=True)
class Moving:
    """How a value that changes with (nearly) every frame is written.

    `step`: how far from the value last written a move is news (None: every move is, as
    for indexes). `spacing_s`: the least time between two writes (None: the update
    interval of the options). `with_period`: written at once when the tariff period
    changes (an index starts or stops counting).
    """

    step: Step | None = None
    spacing_s: float | None = None
    with_period: bool = False


POWER = Moving(step=relative_step(0.05, 20))
HEADROOM = Moving(step=reference_step(0.05, 20))
HEADROOM_PERCENT = Moving(step=fixed_step(5))  # points of the reference power
CURRENT = Moving(step=fixed_step(1))
VOLTAGE = Moving(step=fixed_step(1))
INDEX = Moving(spacing_s=INDEX_SPACING_S, with_period=True)
EVERY_MINUTE = Moving(spacing_s=INDEX_SPACING_S)


class WriteGate:
    """Follows one entity's writes, and tells when its new value is due."""

    __slots__ = ("_beyond", "_side", "moving", "written", "written_at")

    def __init__(self, moving: Moving) -> None:
        """Nothing written yet."""
        self.moving = moving
        self.written: object = None
        self.written_at = 0.0
        self._beyond = 0  # frames in a row beyond the step
        self._side = 0  # above (1) or below (-1) the value written

    def consider(
        self,
        value: object,
        now: float,
        interval_s: float,
        *,
        frame: bool = True,
        reference: float | None = None,
    ) -> float | None:
        """None if `value` (not the one written) is to be written now, else when it is due.

        `frame`: called for a new frame (that counts towards settling), not by a timer.
        `reference`: the contract's reference power, for steps measured against it.
        Once it returns None, the value counts as written.
        """
        due = self._due(value, interval_s, frame=frame, reference=reference)
        if now < due:
            return due
        self.wrote(value, now)
        return None

    def _due(
        self, value: object, interval_s: float, *, frame: bool, reference: float | None
    ) -> float:
        if not interval_s:
            return self.written_at  # real time: every change
        moving = self.moving
        spacing = interval_s if moving.spacing_s is None else max(moving.spacing_s, interval_s)
        if moving.step is None:
            return self.written_at + spacing
        written = self.written
        if (
            isinstance(value, int | float)
            and isinstance(written, int | float)
            and not isinstance(value, bool)
        ):
            if frame:
                self._follow(value - written, moving.step(written, reference))
            if self._beyond < SETTLE_FRAMES:
                spacing = max(REFRESH_S, interval_s)
        return self.written_at + spacing

    def _follow(self, move: float, step: float) -> None:
        side = (move > step) - (move < -step)
        if side and side == self._side:
            self._beyond += 1
        else:
            self._beyond = 1 if side else 0
        self._side = side

    def unmoved(self) -> None:
        """A frame brought back the value written: a move in progress did not settle."""
        self._beyond = self._side = 0

    def wrote(self, value: object, now: float) -> None:
        """`value` was written at `now`."""
        self.written = value
        self.written_at = now
        self._beyond = self._side = 0
