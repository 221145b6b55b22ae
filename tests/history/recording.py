"""A meter's indexes recorded and compiled into statistics in a real Home Assistant, on a
simulated clock: shared by the adoption tests on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import get_instance, history
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.util.unit_conversion import EnergyConverter
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.sensor import label_key
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import CATALOGUE, TicMode

from ..test_energy_indexes import frame, index

FIVE_MINUTES = timedelta(minutes=5)
# The simulated hours run on a database server: a winter evening, 17:00 in Paris.
SERVER_START = datetime(2026, 1, 15, 16, tzinfo=UTC)
SERVER_HOURS = 2
SERVER_END = SERVER_START + timedelta(hours=SERVER_HOURS)
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


async def check_recorded_and_adopted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: MeterCoordinator,
    entry: MockConfigEntry,
) -> None:
    """The simulated meter's hours: states and hourly statistics are what it read; then an
    old integration's history adopted continues into ours without a jump.

    The same check on each database the recorder can use.
    """
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
    readings = await run_meter(
        hass, coordinator, freezer, meter, SERVER_START, SERVER_END, timedelta(minutes=1)
    )
    await compile_statistics(hass, freezer, SERVER_START, SERVER_END)
    counting = {label: values for label, values in readings.items() if values[0][1] < values[-1][1]}
    assert counting  # the evening's peak index, and the total

    first_written: dict[str, int] = {}
    for label, values in counting.items():
        entity_id = index_entity_id(hass, label_key(label))
        changes = await get_instance(hass).async_add_executor_job(
            history.state_changes_during_period, hass, SERVER_START - HOUR, SERVER_END, entity_id
        )
        written = [
            (state.last_updated, round(float(state.state) * 1000)) for state in changes[entity_id]
        ]
        # Each state written is what the meter read then, and the last one its last index.
        assert set(written) <= set(values)
        assert written[-1] == values[-1]
        first_written[label] = written[0][1]
        # Hourly statistics: the index at each hour's end, and the energy since the first
        # state written.
        expected = hourly_indexes(written, SERVER_START, SERVER_END)
        assert len(expected) == SERVER_HOURS
        assert await statistics(hass, entity_id, SERVER_START - HOUR) == [
            (hour, round(state, 3), round(total, 3)) for hour, state, total in expected
        ]

    # An old integration's three hours before, in kWh, ending 500 Wh below our first reading.
    label = next(iter(counting))
    ours = index_entity_id(hass, label_key(label))
    first_kwh = first_written[label] / 1000
    old = [
        (SERVER_START - (3 - n) * HOUR, first_kwh - 0.5 - (2 - n) * 1.2, 10.0 + 1.2 * n)
        for n in range(3)
    ]
    await import_source_history(hass, "sensor.zlinky_index", UnitOfEnergy.KILO_WATT_HOUR, old)
    before = await statistics(hass, ours, SERVER_START)
    report = await _adopt(hass, entry, ours, "sensor.zlinky_index")
    assert (report["hours"], report["sum_adjustment"], report["unrecorded_energy"]) == (
        3,
        12.4,
        0.5,
    )
    after = await statistics(hass, ours, SERVER_START - 3 * HOUR)
    assert after[:3] == [(hour, round(state, 3), round(total, 3)) for hour, state, total in old]
    # The seam: our hours keep their energy, on top of the old sums.
    sums_before = [total for _hour, _state, total in before]
    sums_after = [total for _hour, _state, total in after]
    assert all(total is not None for total in sums_before + sums_after)
    assert sums_after[3:] == [round(cast(float, total) + 12.4, 3) for total in sums_before]
    seam = cast(float, sums_after[3]) - cast(float, sums_after[2])
    assert seam == pytest.approx(sums_before[0], abs=1e-3)
    assert [row[:2] for row in after[3:]] == [row[:2] for row in before]

    # Adopted again from a source of two of those hours only: as if it had been adopted alone.
    shorter = [(hour, state, total - 11.0) for hour, state, total in old[1:]]
    await import_source_history(hass, "sensor.esphome_index", UnitOfEnergy.KILO_WATT_HOUR, shorter)
    report = await _adopt(hass, entry, ours, "sensor.esphome_index")
    assert (report["hours"], report["hours_removed"]) == (2, 1)
    assert await statistics(hass, ours, SERVER_START - 3 * HOUR) == [
        *((hour, round(state, 3), round(total, 3)) for hour, state, total in shorter),
        *((hour, state, round(cast(float, total) + 1.4, 3)) for hour, state, total in before),
    ]


async def _adopt(
    hass: HomeAssistant, entry: MockConfigEntry, ours: str, source: str
) -> dict[str, Any]:
    """The action's report of adopting `source` into `ours`."""
    response = await hass.services.async_call(
        DOMAIN,
        "adopt_history",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "sources": {ours: source}},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [report] = cast(list[dict[str, Any]], response["indexes"])
    return report
