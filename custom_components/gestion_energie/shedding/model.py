"""What the shedding engine reads and what it answers: samples, loads, settings, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import itertools

THRESHOLD_RATIO = 1.3  # 54E §7: a sustained load at or below 1.3 x PCOUP never trips the meter

type Instant = float | datetime
"""A moment: seconds on any steady clock, or an aware datetime (read as a POSIX timestamp)."""


def seconds(moment: Instant) -> float:
    """Read an instant as seconds."""
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One meter reading, as the TIC delivers it.

    `seconds_left` is the cut-off model's estimate of the time before the meter opens its switch
    if the load stays (None: the present load never trips). `fresh` is False when the reading is
    a repeat of old data (the line went silent, a frame was rejected). `phase_va`: on a
    three-phase meter, the apparent power of each phase (SINSTS1-3), each checked by the meter
    against its share of PCOUP (54E §7); None on a single-phase meter.
    """

    time: float
    apparent_power_va: float
    pref_kva: float
    pcoup_kva: float
    overload_warning: bool = False  # ADPS (historic) or ADIR1-3 present
    pref_exceeded: bool = False  # STGE bit 7: reference power exceeded
    seconds_left: float | None = None
    fresh: bool = True
    phase_va: tuple[float, ...] | None = None
    off_peak: bool | None = None  # the tariff period is off-peak hours (None: not known)

    @property
    def pcoup_va(self) -> float:
        """The cut-off power in VA."""
        return self.pcoup_kva * 1000.0

    @property
    def overload_signalled(self) -> bool:
        """Whether the meter itself says the reference power is exceeded."""
        return self.overload_warning or self.pref_exceeded


@dataclass(frozen=True, slots=True)
class LoadState:
    """What a load's switch (and its power sensor, if any) reports.

    `step`: the engine's step the load is seen at, for a load of several steps (0: the user's
    own state, whatever it is; k: the k-th step the engine set). None for a switch: on is
    step 0, off its one step.
    """

    load: str  # the managed entity's id
    is_on: bool
    power_w: float | None = None
    step: int | None = None


class Unit(StrEnum):
    """How a limit is expressed."""

    VA = "VA"
    PERCENT = "%"  # of PCOUP


@dataclass(frozen=True, slots=True)
class Limit:
    """A power limit, absolute or relative to the cut-off power."""

    value: float
    unit: Unit = Unit.PERCENT

    def va(self, pcoup_va: float) -> float:
        """Return the limit in VA for a given cut-off power."""
        return self.value if self.unit is Unit.VA else self.value / 100.0 * pcoup_va


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """How one load may be managed.

    `priority`: a larger number is more important, so it is shed last and restored first.
    `may_interrupt`: may be cut while it runs; if False it is only kept from starting (switched
    off while its power sensor shows it idle), or cut in an emergency as a last resort.
    `auto_restore`: switched back on by the engine; if False the user is only notified.
    `shed_when_stale`: shed as a precaution while the meter is silent.
    `step_savings_w`: the graded steps before the last one, each with the power it saves
    compared with the user's own state (a lower setpoint, an eco preset, a lower current),
    increasing; the last step, always there, switches the load off and saves all its power.
    A switch has no graded step: its one step is off.
    `phase`: on a three-phase meter, the phase (1, 2 or 3) the load is on; None: all three
    (a three-phase load, a third of its power on each), or a single-phase meter.
    `min_run_s`: the time the load must run each day (a water heater's 4 h). While the day's
    run is short: off-peak it is not shed, and if the user left it off it is switched on when
    it fits (as a restore would), then back off once the run is done; when the rest of the day
    would not allow the run any more it is run anyway, other loads shed to make room for it.
    """

    load: str
    priority: int = 0
    declared_power_w: float = 1000.0
    power_sensor: str | None = None
    may_interrupt: bool = True
    auto_restore: bool = True
    shed_when_stale: bool = False
    step_savings_w: tuple[float, ...] = ()
    phase: int | None = None
    min_run_s: float = 0.0

    def __post_init__(self) -> None:
        """Reject steps that do not save more and more, or save more than off does."""
        bounds = (0.0, *self.step_savings_w, self.declared_power_w)
        if any(low >= high for low, high in itertools.pairwise(bounds)):
            msg = "each step must save more than the one before, and less than off"
            raise ValueError(msg)
        if self.phase not in (None, 1, 2, 3):
            msg = "a load is on phase 1, 2 or 3, or on all three"
            raise ValueError(msg)

    def phase_share(self, phase: int) -> float:
        """The share of the load's power drawn on a phase of a three-phase meter."""
        if self.phase is None:
            return 1.0 / 3.0
        return 1.0 if self.phase == phase else 0.0

    @property
    def last_step(self) -> int:
        """The number of steps: the last one is off."""
        return len(self.step_savings_w) + 1

    def saved_fraction(self, step: int) -> float:
        """The share of the load's power a step saves (0 at the user's state, 1 when off)."""
        if step <= 0:
            return 0.0
        if step >= self.last_step:
            return 1.0
        return self.step_savings_w[step - 1] / self.declared_power_w


@dataclass(frozen=True, slots=True)
class SheddingSettings:
    """The whole-house settings; times are in seconds."""

    shed_limit: Limit = Limit(100.0)  # shed when the power stays above this for shed_dwell_s
    restore_limit: Limit = Limit(85.0)  # restore only when power + the load's estimate fits
    shed_dwell_s: float = 5.0
    restore_dwell_s: float = 60.0
    emergency_seconds_left_s: float = 60.0  # shed at once when the cut is nearer than this
    emergency_on_overload_signal: bool = True  # ADPS/ADIR/STGE bit 7 count as an emergency
    settle_s: float = 8.0  # plug latency + meter period: a command shows on the meter by then
    stale_after_s: float = 30.0  # no fresh reading for this long: the meter is silent
    min_off_s: float = 120.0
    max_toggles_per_hour: int = 6
    override_respect_s: float = 3600.0
    max_shed_s: float = 4 * 3600.0
    idle_power_w: float = 15.0  # below this a non-interruptible load is idle
    day_offset_s: float = 0.0  # the local time's offset from UTC: where a day starts

    def __post_init__(self) -> None:
        """Reject settings that cannot work."""
        if self.shed_limit.unit is not self.restore_limit.unit:
            msg = "shed and restore limits must use the same unit"
            raise ValueError(msg)
        if self.restore_limit.value >= self.shed_limit.value:
            msg = "the restore limit must be below the shed limit"
            raise ValueError(msg)
        if self.max_toggles_per_hour < 2:
            msg = "at least two toggles per hour are needed to shed and restore"
            raise ValueError(msg)

    def shed_limit_va(self, pcoup_va: float) -> float:
        """Return the shed limit in VA, never above the meter's own 1.3 x PCOUP threshold."""
        return min(self.shed_limit.va(pcoup_va), THRESHOLD_RATIO * pcoup_va)

    def restore_limit_va(self, pcoup_va: float) -> float:
        """Return the restore limit in VA, kept below the shed limit."""
        return min(self.restore_limit.va(pcoup_va), self.shed_limit_va(pcoup_va))


class Reason(StrEnum):
    """Why the engine acts."""

    OVER_LIMIT = "over_limit"  # the power stayed above the shed limit
    CUTOFF_NEAR = "cutoff_near"  # the cut-off model gives little time left
    OVERLOAD_SIGNAL = "overload_signal"  # the meter signals the reference power is exceeded
    PREVENT_START = "prevent_start"  # a non-interruptible idle load would not fit if it started
    STALE_METER = "stale_meter"  # the meter is silent
    MANUAL = "manual"  # the user asked
    BUDGET_AVAILABLE = "budget_available"  # the load fits again
    BOOST = "boost"  # the user keeps the load on for a while
    LONG_SHED = "long_shed"  # shed longer than the maximum
    MIN_RUN = "min_run"  # its minimum run of the day: off-peak, or the rest of the day is short
    MIN_RUN_MET = "min_run_met"  # the run the engine started is done: back to the user's off


@dataclass(frozen=True, slots=True)
class Shed:
    """Take the load down to `step` (the last step: off)."""

    load: str
    reason: Reason
    step: int = 1


@dataclass(frozen=True, slots=True)
class Restore:
    """Bring the load back up to `step` (0: exactly the user's own state)."""

    load: str
    reason: Reason
    step: int = 0


@dataclass(frozen=True, slots=True)
class Run:
    """Switch a load the user left off on (`on`) for its minimum run, or back off when done.

    Off is the user's own state here: switched back to it, the load is not held.
    """

    load: str
    on: bool
    reason: Reason = Reason.MIN_RUN


@dataclass(frozen=True, slots=True)
class Notify:
    """Tell the user (a notify-only load could come back on)."""

    load: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class RaiseLongShed:
    """The load has been shed longer than the maximum: raise a repair issue, once."""

    load: str
    since: float


type Action = Shed | Restore | Run | Notify | RaiseLongShed


@dataclass(frozen=True, slots=True)
class ShedLoad:
    """A load the engine holds off."""

    load: str
    reason: Reason
    since: float
    estimated_power_w: float  # what the step it is held at saves
    long_shed: bool
    step: int = 1  # the step it is held at
    last_step: int = 1  # its number of steps (the last one is off)


@dataclass(frozen=True, slots=True)
class Status:
    """What the engine holds and sees, for sensors and diagnostics."""

    enabled: bool
    meter_stale: bool
    shed: tuple[ShedLoad, ...]
    overrides: dict[str, float]  # load -> until when the user's choice is respected
    reserved_va: float  # restored but not yet seen by the meter
    releasing_va: float  # shed but not yet seen by the meter
    expected_va: float | None  # last reading corrected by the two above
    available_va: float | None  # restore limit minus the expected power
    shed_power_va: float  # estimated power of the loads held off
    seconds_left: float | None

    @property
    def active(self) -> bool:
        """Whether any load is held off."""
        return bool(self.shed)
