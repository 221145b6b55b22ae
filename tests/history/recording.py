"""A meter's indexes recorded and compiled into statistics in a real Home Assistant, on a
simulated clock: shared by the adoption tests on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.util.unit_conversion import EnergyConverter
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.simulators.meter import SimulatedMeter
from custom_components.gestion_energie.tic import CATALOGUE

from ..test_energy_indexes import frame, index

FIVE_MINUTES = timedelta(minutes=5)
FIRST_READING = datetime(2026, 3, 1, 10, tzinfo=UTC)  # the hour of this meter's first reading
HOUR = timedelta(hours=1)
OLD_SENSOR = "sensor.linkytic_index_hchc"
# The old integration's hours before ours (Wh): index at each hour's end, and its sum;
# its hour of 10:00 overlaps ours and is not taken.
OLD_HOURS = [
    (FIRST_READING - 3 * HOUR, 4_999_000.0, 1_000.0),
    (FIRST_READING - 2 * HOUR, 4_999_500.0, 1_500.0),
    (FIRST_READING - HOUR, 5_000_000.0, 2_000.0),
    (FIRST_READING, 5_000_300.0, 2_300.0),
]


async def read_index(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    freezer: FrozenDateTimeFactory,
    at: datetime,
    wh: int,
) -> None:
    """The meter sends index 1 at `wh` at time `at`, twice (a first reading is confirmed)."""
    for second in (0, 1):
        freezer.move_to(at + timedelta(seconds=second))
        coordinator.async_receive(frame({1: wh}, 1, "HEURE CREUSE"))
        await hass.async_block_till_done()


async def compile_statistics(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, start: datetime, end: datetime
) -> None:
    """The recorder compiles each 5 minutes from `start` to `end` (and each hour that ends)."""
    await async_wait_recording_done(hass)
    period = start
    while period < end:
        freezer.move_to(period + FIVE_MINUTES + timedelta(seconds=10))
        do_adhoc_statistics(hass, start=period)
        await async_wait_recording_done(hass)
        period += FIVE_MINUTES


async def import_source_history(
    hass: HomeAssistant, entity_id: str, unit: str, rows: list[tuple[datetime, float, float]]
) -> None:
    """An old integration's sensor's hourly statistics: (start, index, sum) in `unit`."""
    metadata = StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=None,
        source="recorder",
        statistic_id=entity_id,
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=unit,
    )
    async_import_statistics(
        hass,
        metadata,
        [StatisticData(start=start, state=state, sum=total) for start, state, total in rows],
    )
    await async_wait_recording_done(hass)


async def statistics(
    hass: HomeAssistant, statistic_id: str, start: datetime, period: str = "hour"
) -> list[tuple[datetime, float | None, float | None]]:
    """(start, index, sum) of a statistic's rows from `start` on, in kWh to the Wh."""
    await async_wait_recording_done(hass)

    def read() -> Any:
        return statistics_during_period(
            hass,
            start,
            None,
            {statistic_id},
            period,  # type: ignore[arg-type]
            {"energy": UnitOfEnergy.KILO_WATT_HOUR},
            {"state", "sum"},
        )

    rows = await get_instance(hass).async_add_executor_job(read)
    return [
        (datetime.fromtimestamp(row["start"], start.tzinfo), _wh(row["state"]), _wh(row["sum"]))
        for row in rows.get(statistic_id, [])
    ]


def _wh(kwh: float | None) -> float | None:
    return None if kwh is None else round(kwh, 3)


def index_entity_id(hass: HomeAssistant, label: str = "easf01") -> str:
    """The entity id of one of the simulated meter's indexes."""
    return index(hass, label).entity_id


async def run_meter(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    freezer: FrozenDateTimeFactory,
    meter: SimulatedMeter,
    start: datetime,
    end: datetime,
    step: timedelta,
) -> dict[str, list[tuple[datetime, int]]]:
    """Feed the simulated meter's frames from `start` to `end` on the simulated clock.

    Returns what the model took of each energy index: (time, Wh) after each frame.
    """
    readings: dict[str, list[tuple[datetime, int]]] = {}
    now = start
    while now < end:
        freezer.move_to(now)
        timestamp = now.timestamp()

        def clock(timestamp: float = timestamp) -> float:
            return timestamp

        coordinator.clock = clock
        coordinator.async_receive(meter.frame(timestamp))
        await hass.async_block_till_done()
        for label, value in coordinator.data.values.items():
            if CATALOGUE[label].total_increasing and isinstance(value, int):
                readings.setdefault(label, []).append((now, value))
        now += step
    return readings


def hourly_indexes(
    readings: list[tuple[datetime, int]], start: datetime, end: datetime
) -> list[tuple[datetime, float, float]]:
    """What the hourly statistics of an index must say, from the meter's own readings.

    (hour, index at the hour's last reading, energy since the first reading), in kWh.
    """
    first = readings[0][1]
    rows = []
    hour = start
    while hour < end:
        within = [wh for at, wh in readings if hour <= at < hour + timedelta(hours=1)]
        if within:
            rows.append((hour, within[-1] / 1000, (within[-1] - first) / 1000))
        hour += timedelta(hours=1)
    return rows


async def record_first_hour(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, coordinator: MeterCoordinator
) -> str:
    """An hour of this meter's index 1 compiled into statistics; the old sensor's history.

    This meter first reads 5 000 200 Wh at 10:00:30, then 5 000 300, then 5 000 500.
    Returns the index's entity id.
    """
    for minute, wh in ((0.5, 5_000_200), (20, 5_000_300), (50, 5_000_500)):
        await read_index(hass, coordinator, freezer, FIRST_READING + timedelta(minutes=minute), wh)
    await compile_statistics(hass, freezer, FIRST_READING, FIRST_READING + HOUR)
    await import_source_history(hass, OLD_SENSOR, UnitOfEnergy.WATT_HOUR, OLD_HOURS)
    return index_entity_id(hass)
