"""What a household wants to know, from a stream of verified TIC frames.

`MeterModel` keeps the latest value of every label, guards the energy indexes
(the figures the Energy dashboard records for ever) and refuses measurements beyond
what the meter can measure (one forged reading must not start an emergency), forgets
the other mode's values when the meter changes mode, and derives power now,
headroom, time left before the meter would cut off, the tariff period, Tempo
colours, the status register and overload warnings; it learns what the supplier
calls each of its indexes (see `periods.py`). Pure: no Home Assistant, no I/O,
the time is given with each frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
import logging

from ..tic import (
    CATALOGUE,
    CutoffModel,
    Frame,
    LabelSpec,
    Quantity,
    TicMode,
    parse_horodate,
    parse_value,
)
from ..tic.interpret import (
    Period,
    Stge,
    TempoColour,
    decode_demain,
    decode_ptec,
    decode_stge,
)
from .periods import label_hours
from .supply import Supply

LOGGER = logging.getLogger(__name__)

type Value = int | str | None

# An index may not rise faster than the supply's most power, with a margin for the meter's
# rounding to the watt-hour. The rise is checked from a reading at least INDEX_WINDOW_S old,
# so that the margin is granted once per window, not once per frame.
INDEX_MARGIN_WH = 2
INDEX_WINDOW_S = 60.0
# Historic mode gives the subscribed current; the contract's power is 200 VA per ampere.
VA_PER_SUBSCRIBED_AMP = 200
_OVERLOAD_LABELS = ("ADPS", "ADIR1", "ADIR2", "ADIR3")
_PHASE_POWER_LABELS = ("SINSTS1", "SINSTS2", "SINSTS3")


class _Verdict(Enum):
    ACCEPTED = auto()
    PENDING = auto()  # no confirmed reference yet: held back, not counted as refused
    REFUSED = auto()


@dataclass(slots=True)
class _Reading:
    value: int
    time: float


@dataclass(slots=True)
class _IndexGuard:
    """The last accepted reading of one energy index, and the one its rise is checked from."""

    last: _Reading
    anchor: _Reading
    confirmed: bool  # a first reading waits for a consistent second one


@dataclass(slots=True)
class MeterData:
    """The meter as known after the latest frame; entities read it."""

    mode: TicMode | None = None
    address: str | None = None
    values: dict[str, Value] = field(default_factory=dict)
    horodates: dict[str, datetime] = field(default_factory=dict)
    last_frame_time: float | None = None
    frames: int = 0
    valid_groups: int = 0
    invalid_groups: int = 0
    rejected_values: int = 0  # implausible measurements, and indexes against a confirmed reference
    apparent_power_va: int | None = None
    reference_power_va: int | None = None  # what the contract allows (PREF)
    cutoff_power_va: int | None = None  # what the switch is set to (PCOUP)
    seconds_to_cutoff: float | None = None
    status: Stge | None = None
    tariff_period: Period | None = None
    tempo_today: TempoColour | None = None
    tempo_tomorrow: TempoColour | None = None
    overload: bool = False
    # The supplier's label (LTARF) of each of its indexes seen running, and the calendar
    # (NGTF) they belong to: the meter names only the running index.
    tariff_calendar: str | None = None
    tariff_labels: dict[int, str] = field(default_factory=dict)

    @property
    def headroom_va(self) -> int | None:
        """Apparent power still available before the subscribed power."""
        if self.apparent_power_va is None or self.reference_power_va is None:
            return None
        return self.reference_power_va - self.apparent_power_va

    @property
    def headroom_percent(self) -> float | None:
        """Headroom as a share of the subscribed power."""
        headroom = self.headroom_va
        if headroom is None or not self.reference_power_va:
            return None
        return round(100 * headroom / self.reference_power_va, 1)


class MeterModel:
    """Fold frames into `MeterData`."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        self.data = MeterData()
        self._guards: dict[str, _IndexGuard] = {}
        self._cutoffs: dict[str, CutoffModel] = {}  # the total's, or one per phase
        self._running_label: tuple[int, str] | None = None  # NTARF and LTARF of the last frame
        self._supply = Supply(three_phase=False)  # until a three-phase label shows
        self._unknown_reported: set[str] = set()  # STGE fields already logged as reserved

    def update(self, frame: Frame, now: float) -> None:
        """Take one verified frame received at `now` (seconds since the epoch)."""
        data = self.data
        if data.mode is not None and frame.mode is not data.mode:
            # The other mode's labels say nothing any more (a stale PAPP would hide SINSTS).
            LOGGER.info("The meter now sends in %s mode", frame.mode)
            data.values.clear()
            data.horodates.clear()
            self._guards.clear()
        data.mode = frame.mode
        data.frames += 1
        data.valid_groups += len(frame.groups)
        data.invalid_groups += frame.invalid_groups
        data.last_frame_time = now
        if not self._supply.three_phase and any(
            CATALOGUE[label].three_phase_only for label in frame.groups
        ):
            self._supply = Supply(three_phase=True)
        values: dict[str, Value] = {}
        for label, group in frame.groups.items():
            value = parse_value(label, group.data)
            spec = CATALOGUE[label]
            if isinstance(value, int) and not self._measurable(spec, value):
                data.rejected_values += 1
                continue
            if spec.total_increasing and isinstance(value, int):
                verdict = self._check_index(label, value, now)
                if verdict is not _Verdict.ACCEPTED:
                    data.rejected_values += verdict is _Verdict.REFUSED
                    continue
            values[label] = value
            if group.horodate is not None:
                data.horodates[label] = parse_horodate(group.horodate).when
        # Warnings such as ADPS are present only while true: a frame replaces them.
        for label in _OVERLOAD_LABELS:
            data.values.pop(label, None)
        data.values.update(values)
        self._learn_tariff_label(values)
        self._derive(now)

    def _learn_tariff_label(self, values: dict[str, Value]) -> None:
        """Learn the label of the running supplier index, from this frame's groups only.

        A pair is learnt when two frames in a row agree: a frame sent as the index changes
        may hold the new NTARF with the old LTARF.
        """
        data = self.data
        calendar = _text(values.get("NGTF"))
        if calendar is not None and calendar != data.tariff_calendar:
            data.tariff_calendar = calendar
            data.tariff_labels.clear()  # another contract: its indexes mean something else
        index, label = values.get("NTARF"), _text(values.get("LTARF"))
        running = (index, label) if isinstance(index, int) and label is not None else None
        if running is not None and running == self._running_label:
            data.tariff_labels[running[0]] = running[1]
        self._running_label = running

    def restore_tariff_label(self, calendar: str | None, index: int, label: str) -> None:
        """Take back a label learnt before a restart, unless the meter told otherwise since."""
        data = self.data
        if data.tariff_calendar is not None and calendar != data.tariff_calendar:
            return
        data.tariff_calendar = calendar
        data.tariff_labels.setdefault(index, label)

    def _measurable(self, spec: LabelSpec, value: int) -> bool:
        """Whether a current or a power is within what the meter can measure at all."""
        match spec.quantity:
            case Quantity.CURRENT:
                return value <= self._supply.max_current_a
            case Quantity.APPARENT_POWER | Quantity.ACTIVE_POWER:
                power = value * 1000 if spec.unit == "kVA" else value
                supply = self._supply
                return power <= (supply.max_phase_power_va if spec.phase else supply.max_power_va)
        return True

    def _check_index(self, label: str, value: int, now: float) -> _Verdict:
        """Refuse an index that goes backwards or rises faster than the meter can count.

        A first reading is held back until the next one confirms it: nothing earlier to
        check it against, and a wrong first value would become the reference.
        """
        reading = _Reading(value, now)
        guard = self._guards.get(label)
        if guard is None:
            self._guards[label] = _IndexGuard(reading, reading, confirmed=False)
            return _Verdict.PENDING
        anchor = guard.anchor
        elapsed_h = max(now - anchor.time, 0.0) / 3600
        most = anchor.value + self._supply.max_power_va * elapsed_h + INDEX_MARGIN_WH
        if guard.last.value <= value <= most:
            if now - anchor.time >= INDEX_WINDOW_S:
                anchor = reading
            self._guards[label] = _IndexGuard(reading, anchor, confirmed=True)
            return _Verdict.ACCEPTED
        if not guard.confirmed:
            # The unconfirmed first reading may be the wrong one: start again from this one.
            self._guards[label] = _IndexGuard(reading, reading, confirmed=False)
            return _Verdict.PENDING
        return _Verdict.REFUSED

    def _derive(self, now: float) -> None:
        data = self.data
        values = data.values
        data.address = _text(values.get("ADSC") or values.get("ADCO"))
        power = values.get("SINSTS", values.get("PAPP"))
        data.apparent_power_va = power if isinstance(power, int) else None
        data.reference_power_va = _known_power(values.get("PREF"), 1000) or _known_power(
            values.get("ISOUSC"), VA_PER_SUBSCRIBED_AMP
        )
        data.cutoff_power_va = _known_power(values.get("PCOUP"), 1000) or data.reference_power_va
        self._update_cutoff(now)
        stge = values.get("STGE")
        data.status = decode_stge(f"{stge:08X}") if isinstance(stge, int) else None
        if data.status is not None and isinstance(stge, int):
            self._report_unknown(data.status, stge)
        data.tariff_period, data.tempo_today = _tariff(values, data.status)
        data.tempo_tomorrow = _tempo_tomorrow(values, data.status)
        data.overload = any(label in values for label in _OVERLOAD_LABELS) or bool(
            data.status and data.status.reference_power_exceeded
        )

    def _report_unknown(self, status: Stge, raw: int) -> None:
        """Log each STGE field seen with a reserved code, once: it shows as unknown."""
        for name in status.unknown_fields():
            if name not in self._unknown_reported:
                self._unknown_reported.add(name)
                LOGGER.warning("STGE %08X: reserved code in %s, shown as unknown", raw, name)

    def _update_cutoff(self, now: float) -> None:
        """Follow the meter's cut-off filter: on the total, or on each phase (54E §7).

        A three-phase meter checks each phase on its own against its share of PCOUP, so
        the first phase to reach its threshold tells the time left.
        """
        data = self.data
        if not data.cutoff_power_va:
            data.seconds_to_cutoff = None
            return
        phases = [data.values.get(label) for label in _PHASE_POWER_LABELS]
        if all(isinstance(power, int) for power in phases):
            readings = dict(zip(_PHASE_POWER_LABELS, phases, strict=True))
            threshold = data.cutoff_power_va / len(phases)
        else:
            readings = {"total": data.apparent_power_va}
            threshold = data.cutoff_power_va
        left: list[float] = []
        for name, power in readings.items():
            if not isinstance(power, int):
                continue
            model = self._cutoffs.setdefault(name, CutoffModel(threshold))
            model.cutoff_va = threshold
            model.update(now, power)
            if (seconds := model.seconds_left()) is not None:
                left.append(seconds)
        data.seconds_to_cutoff = min(left, default=None)


def _known_power(value: Value, va_per_unit: int) -> int | None:
    """A contract's power in VA; a power of 0 (PCOUP = 00) is no limit but an unknown one."""
    return value * va_per_unit if isinstance(value, int) and value > 0 else None


def _text(value: Value) -> str | None:
    return value if isinstance(value, str) and value else None


def _tariff(
    values: dict[str, Value], status: Stge | None
) -> tuple[Period | None, TempoColour | None]:
    """The tariff period in effect and today's Tempo colour, from PTEC or LTARF and STGE."""
    ptec = values.get("PTEC")
    if isinstance(ptec, str):
        period = decode_ptec(ptec)
        return period.period, period.tempo_colour
    today = status.tempo_today if status and status.tempo_today else None
    ltarf = values.get("LTARF")
    return (label_hours(ltarf) if isinstance(ltarf, str) else None), today


def _tempo_tomorrow(values: dict[str, Value], status: Stge | None) -> TempoColour | None:
    demain = values.get("DEMAIN")
    if isinstance(demain, str):
        return decode_demain(demain)
    return status.tempo_tomorrow if status else None
