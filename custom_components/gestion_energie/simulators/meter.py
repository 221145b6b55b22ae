"""A simulated Linky meter: the frames a real one would send, from a household's load.

Pure and clock-driven (every call takes the time), so tests, benchmarks and the
built-in source share it. The load is a daily curve (night base load, morning and
evening peaks) with some noise, plus what connected plugs draw (`extra_load_va`), what
other simulated appliances draw (`appliance_load_va`)
and overload episodes started on demand. Energy indexes integrate that load into
the index of the current tariff period, as the meter does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
import itertools
import math
import random
import time

from ..meter.supply import Supply
from ..sources.base import DataCallback, MeterSource, StatusCallback
from ..tic import PARIS, Group, TicMode, encode_frame, format_horodate


class Contract(StrEnum):
    """Tariff options the simulator offers."""

    BASE = "base"
    OFF_PEAK = "off_peak"  # heures creuses / heures pleines
    TEMPO = "tempo"


# (hour, watts) points of an ordinary household's day, linearly interpolated.
_DAILY_CURVE = (
    (0, 350),
    (6, 350),
    (7, 1800),
    (8, 1200),
    (12, 900),
    (13, 1400),
    (14, 700),
    (18, 1500),
    (19, 3200),
    (21, 2200),
    (23, 600),
    (24, 350),
)
_VOLTAGE = 230
_SUPPLY = Supply(three_phase=False)  # the simulated meter is single-phase
OFF_PEAK_HOURS = (22, 6)  # 22:00 to 06:00
LOAD_CURVE_PERIOD_S = 1800
_TEMPO_COLOURS = ("BLEU", "BLAN", "ROUG")
SIMULATED_ADDRESS = "042164123456"  # the first simulated meter's; the next ones count up
# Standard mode's totals: each the sum of some supplier indexes (EASF01 to EASF10), and the
# first of them. The distributor's off-peak index counts the odd ones, its peak the even ones.
_TOTALS = {
    "EASD01": ("EASF01", slice(0, None, 2)),
    "EASD02": ("EASF02", slice(1, None, 2)),
    "EAST": ("EASF01", slice(None)),
}


def daily_load_va(when: datetime) -> float:
    """The household's base load at a time of day, before noise."""
    hour = when.hour + when.minute / 60 + when.second / 3600
    for (h1, w1), (h2, w2) in itertools.pairwise(_DAILY_CURVE):
        if h1 <= hour < h2:
            return w1 + (w2 - w1) * (hour - h1) / (h2 - h1)
    return float(_DAILY_CURVE[0][1])


def initial_index_wh(label: str) -> float:
    """Where an index starts: different, stable values per index, like a meter with a past."""
    return 1_000_000 + 137_000 * (sum(map(ord, label)) % 17)


def is_off_peak(when: datetime) -> bool:
    """Whether the simulated off-peak period covers this time."""
    start, end = OFF_PEAK_HOURS
    return when.hour >= start or when.hour < end


def tempo_colour(day: datetime) -> str:
    """A deterministic Tempo calendar: red on some winter weekdays, white on others."""
    ordinal = day.date().toordinal()
    winter = day.month in {11, 12, 1, 2, 3}
    if winter and day.weekday() < 5 and ordinal % 7 == 0:
        return "ROUG"
    if ordinal % 5 == 0:
        return "BLAN"
    return "BLEU"


def tempo_day(when: datetime) -> datetime:
    """Tempo days run from 06:00 to 06:00."""
    return when - timedelta(hours=6)


@dataclass(slots=True)
class _Overload:
    extra_va: float
    until: float


def _possible_load_va(load_va: float) -> float:
    """A load added to the household's; refused if it is no load at all (negative, endless)."""
    if not (math.isfinite(load_va) and load_va >= 0):
        raise ValueError(f"a load of {load_va} VA is not physically possible")
    return load_va


class SimulatedMeter:
    """A Linky meter of a chosen mode and contract, fed with the time."""

    def __init__(
        self,
        *,
        mode: TicMode = TicMode.STANDARD,
        contract: Contract = Contract.OFF_PEAK,
        subscribed_kva: int = 6,
        address: str = SIMULATED_ADDRESS,
        seed: int = 0,
    ) -> None:
        """Set up the meter; indexes start from plausible values."""
        self.mode = mode
        self.contract = contract
        self.subscribed_kva = subscribed_kva
        self.address = address
        self._extra_load_va = 0.0
        self._appliance_load_va = 0.0
        self._random = random.Random(seed)
        self._indexes_wh: dict[str, float] = {}
        self._last_time: float | None = None
        self._load_va = 0.0
        self._max_va_today = 0.0
        self._max_time = 0.0  # when today's maximum was reached
        self._curve_point = (0.0, 0.0)  # (start, average W) of the last load-curve period
        self._curve_energy = 0.0  # Wh of the load-curve period in progress
        self._overload: _Overload | None = None

    @property
    def extra_load_va(self) -> float:
        """What the connected plugs draw, on top of the household."""
        return self._extra_load_va

    @extra_load_va.setter
    def extra_load_va(self, load_va: float) -> None:
        """Take the plugs' load; refuse one that is no load at all (negative, endless)."""
        self._extra_load_va = _possible_load_va(load_va)

    @property
    def appliance_load_va(self) -> float:
        """What simulated appliances other than plugs draw (scripts/develop's heaters...)."""
        return self._appliance_load_va

    @appliance_load_va.setter
    def appliance_load_va(self, load_va: float) -> None:
        self._appliance_load_va = _possible_load_va(load_va)

    def start_overload(self, now: float, extra_va: float, duration_s: float) -> None:
        """Add `extra_va` on top of the household's load for `duration_s` seconds."""
        self._overload = _Overload(extra_va, now + duration_s)

    def load_va(self, now: float) -> float:
        """The apparent power drawn at `now` (advancing the meter's state to it)."""
        self._advance(now)
        return self._load_va

    def frame(self, now: float) -> bytes:
        """The complete frame the meter sends at `now` (seconds since the epoch)."""
        self._advance(now)
        when = datetime.fromtimestamp(now, PARIS)
        if self.mode is TicMode.HISTORIC:
            return encode_frame(self._historic_groups(when), TicMode.HISTORIC)
        return encode_frame(self._standard_groups(when), TicMode.STANDARD)

    # --- state -------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        when = datetime.fromtimestamp(now, PARIS)
        if self._overload is not None and now >= self._overload.until:
            self._overload = None
        noise = self._random.gauss(1.0, 0.05)
        load = daily_load_va(when) * max(noise, 0.5) + self.extra_load_va + self.appliance_load_va
        if self._overload is not None:
            load += self._overload.extra_va
        load = min(load, _SUPPLY.max_power_va)  # no supply carries more: its breaker trips
        if self._last_time is not None and now > self._last_time:
            # The energy of the elapsed interval, at the load held during it.
            index = self._index_label(when)
            energy = self._load_va * 0.95 * (now - self._last_time) / 3600  # cos φ ≈ 0.95
            self._indexes_wh[index] = self._index_wh(index) + energy
            if datetime.fromtimestamp(self._last_time, PARIS).date() != when.date():
                self._max_va_today = 0.0
            self._add_to_load_curve(self._last_time, now, energy)
        self._last_time = now
        self._load_va = load
        if load > self._max_va_today:
            self._max_va_today, self._max_time = load, now

    def _add_to_load_curve(self, previous: float, now: float, energy_wh: float) -> None:
        """The load curve's point: the average active power of each 30-minute period."""
        period = LOAD_CURVE_PERIOD_S
        if now // period != previous // period:
            start = (now // period - 1) * period
            self._curve_point = (start, self._curve_energy * 3600 / period)
            self._curve_energy = 0.0
        self._curve_energy += energy_wh

    def indexes_wh(self) -> dict[str, float]:
        """The indexes that counted so far (the others are at `initial_index_wh`)."""
        return dict(self._indexes_wh)

    def continue_from(self, indexes_wh: dict[str, float]) -> None:
        """Carry on counting from indexes saved or shown earlier, as a real meter keeps its own.

        No index sent afterwards is below the one given, totals included: a total above the
        sum of its supplier indexes had energy counted that was lost (in a crash), now
        counted in its first supplier index.
        """
        for label, wh in indexes_wh.items():
            if label not in _TOTALS:
                self._indexes_wh[label] = max(float(wh), self._index_wh(label))
        for total, (first, part) in _TOTALS.items():
            if total in indexes_wh:
                sent = sum(map(int, self._supplier_indexes_wh()[part]))  # as the frames sum them
                missing = indexes_wh[total] - sent
                if missing > 0:
                    self._indexes_wh[first] = self._index_wh(first) + missing

    def _index_wh(self, label: str) -> float:
        return self._indexes_wh.get(label, initial_index_wh(label))

    def _supplier_indexes_wh(self) -> list[float]:
        """EASF01 to EASF10, standard mode: those the contract does not use read zero."""
        used = {Contract.BASE: 1, Contract.OFF_PEAK: 2, Contract.TEMPO: 6}[self.contract]
        return [self._index_wh(f"EASF{n:02}") if n <= used else 0.0 for n in range(1, 11)]

    def _index_label(self, when: datetime) -> str:
        off_peak = is_off_peak(when)
        match self.contract, self.mode:
            case Contract.BASE, TicMode.HISTORIC:
                return "BASE"
            case Contract.OFF_PEAK, TicMode.HISTORIC:
                return "HCHC" if off_peak else "HCHP"
            case Contract.TEMPO, TicMode.HISTORIC:
                colour = {"BLEU": "B", "BLAN": "W", "ROUG": "R"}[tempo_colour(tempo_day(when))]
                return f"BBR{'HC' if off_peak else 'HP'}J{colour}"
        return f"EASF{self._tariff_index(when):02}"

    def _tariff_index(self, when: datetime) -> int:
        """The supplier index (1 to 6) in use, standard mode."""
        off_peak = is_off_peak(when)
        if self.contract is Contract.BASE:
            return 1
        if self.contract is Contract.OFF_PEAK:
            return 1 if off_peak else 2
        colour = _TEMPO_COLOURS.index(tempo_colour(tempo_day(when)))
        return 1 + 2 * colour + (0 if off_peak else 1)

    # --- frames ------------------------------------------------------------------------

    def _historic_groups(self, when: datetime) -> list[Group]:
        subscribed_a = self.subscribed_kva * 5  # 6 kVA <-> 30 A
        current = min(round(self._load_va / _VOLTAGE), 999)
        option, period = {
            Contract.BASE: ("BASE", "TH.."),
            Contract.OFF_PEAK: ("HC..", "HC.." if is_off_peak(when) else "HP.."),
            Contract.TEMPO: ("BBR(", self._index_label(when)[3:7]),
        }[self.contract]
        groups = [
            Group("ADCO", self.address),
            Group("OPTARIF", option),
            Group("ISOUSC", f"{subscribed_a:02}"),
        ]
        index_labels = {
            Contract.BASE: ["BASE"],
            Contract.OFF_PEAK: ["HCHC", "HCHP"],
            Contract.TEMPO: [f"BBR{p}J{c}" for c in "BWR" for p in ("HC", "HP")],
        }[self.contract]
        groups += [Group(label, f"{int(self._index_wh(label)):09}") for label in index_labels]
        groups.append(Group("PTEC", period))
        if self.contract is Contract.TEMPO:
            groups.append(Group("DEMAIN", tempo_colour(tempo_day(when) + timedelta(days=1))))
        groups.append(Group("IINST", f"{current:03}"))
        if current > subscribed_a:
            groups.append(Group("ADPS", f"{current:03}"))
        groups += [
            Group("IMAX", "090"),
            Group("PAPP", f"{min(round(self._load_va), 99999):05}"),
            Group("HHPHC", "A"),
            Group("MOTDETAT", "000000"),
        ]
        return groups

    def _standard_groups(self, when: datetime) -> list[Group]:
        season_date = format_horodate(when)
        tariff = self._tariff_index(when)
        colour_today = tempo_colour(tempo_day(when))
        colour_tomorrow = tempo_colour(tempo_day(when) + timedelta(days=1))
        calendar, label = {
            Contract.BASE: ("BASE", "BASE"),
            Contract.OFF_PEAK: (
                "H PLEINE/CREUSE",
                "HEURE CREUSE" if tariff == 1 else "HEURE PLEINE",
            ),
            Contract.TEMPO: ("TEMPO", f"{'HC' if tariff % 2 else 'HP'} {colour_today}"),
        }[self.contract]
        supplier = [int(wh) for wh in self._supplier_indexes_wh()]
        load = min(round(self._load_va), 99999)
        return [
            Group("ADSC", self.address),
            Group("VTIC", "02"),
            Group("DATE", "", season_date),
            Group("NGTF", f"{calendar:<16}"),
            Group("LTARF", f"{label:<16}"),
            Group("EAST", f"{sum(supplier):09}"),
            *(Group(f"EASF{n:02}", f"{wh:09}") for n, wh in enumerate(supplier, start=1)),
            Group("EASD01", f"{sum(supplier[0::2]):09}"),
            Group("EASD02", f"{sum(supplier[1::2]):09}"),
            Group("EASD03", f"{0:09}"),
            Group("EASD04", f"{0:09}"),
            Group("IRMS1", f"{min(round(self._load_va / _VOLTAGE), 999):03}"),
            Group("URMS1", f"{_VOLTAGE + round(math.sin(when.minute / 9.5) * 3):03}"),
            Group("PREF", f"{self.subscribed_kva:02}"),
            Group("PCOUP", f"{self.subscribed_kva:02}"),
            Group("SINSTS", f"{load:05}"),
            Group(
                "SMAXSN",
                f"{min(round(self._max_va_today), 99999):05}",
                self._horodate(self._max_time),
            ),
            Group(
                "CCASN",
                f"{min(round(self._curve_point[1]), 99999):05}",
                self._horodate(self._curve_point[0]),
            ),
            Group("UMOY1", f"{_VOLTAGE:03}", self._horodate(when.timestamp() // 600 * 600)),
            Group(
                "STGE", f"{self._status_register(when, tariff, colour_today, colour_tomorrow):08X}"
            ),
            Group("MSG1", f"{'PAS DE':<16}{'MESSAGE':<16}"),  # two display lines
            Group("PRM", "01234567890123"),
            Group("RELAIS", "001" if is_off_peak(when) else "000"),
            Group("NTARF", f"{tariff:02}"),
            Group("NJOURF", "00"),
            Group("NJOURF+1", "00"),
            Group("PJOURF+1", " ".join(["00004001", "06004002", "22004001"] + ["NONUTILE"] * 8)),
        ]

    @staticmethod
    def _horodate(moment: float) -> str:
        return format_horodate(datetime.fromtimestamp(moment, PARIS))

    def _status_register(self, when: datetime, tariff: int, today: str, tomorrow: str) -> int:
        """STGE (54E §6.2.3.14) for what the simulator models."""
        register = 0
        if self._load_va > self.subscribed_kva * 1000:
            register |= 1 << 7  # PREF exceeded
        register |= (tariff - 1) << 10  # supplier tariff index in use
        register |= (0 if is_off_peak(when) else 1) << 14  # distributor index: 1 = HC, 2 = HP
        register |= 1 << 17  # TIC output in standard mode
        register |= 0b01 << 19  # Euridis output: activated, no security
        register |= 0b10 << 21  # CPL status: registered
        register |= 1 << 23  # CPL synchronised
        if self.contract is Contract.TEMPO:
            register |= (_TEMPO_COLOURS.index(today) + 1) << 24
            register |= (_TEMPO_COLOURS.index(tomorrow) + 1) << 26
        return register


class SimulatedMeterSource(MeterSource):
    """The simulated meter as a meter source: one frame per period, in real time."""

    def __init__(
        self,
        meter: SimulatedMeter,
        on_data: DataCallback,
        *,
        on_status: StatusCallback | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Send `meter`'s frames to `on_data` once started."""
        super().__init__(on_data, on_status=on_status)
        self.meter = meter
        self.name = "simulated Linky meter"
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        # A real meter takes about 1.5 s per historic frame at 1200 baud, 1 s in standard mode.
        self.period = 1.5 if meter.mode is TicMode.HISTORIC else 1.0

    async def start(self) -> None:
        """Start sending frames."""
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop sending frames."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._data(self.meter.frame(self._clock()))
            await asyncio.sleep(self.period)
