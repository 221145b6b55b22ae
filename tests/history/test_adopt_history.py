"""The `adopt_history` action in a real Home Assistant with its recorder (SQLite)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator

from .recording import (
    FIRST_READING,
    FIVE_MINUTES,
    HOUR,
    OLD_HOURS,
    OLD_SENSOR,
    compile_statistics,
    import_source_history,
    index_entity_id,
    read_index,
    record_first_hour,
    statistics,
)


@pytest.fixture
async def recorded(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, coordinator: MeterCoordinator
) -> str:
    """An hour of this meter's index 1 compiled into statistics; the old sensor's history."""
    return await record_first_hour(hass, freezer, coordinator)


async def adopt(
    hass: HomeAssistant, entry: MockConfigEntry, sources: dict[str, str], *, dry_run: bool = False
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "adopt_history",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, "sources": sources, "dry_run": dry_run},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_a_history_is_adopted_once_and_the_series_goes_on(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    recorded: str,
) -> None:
    ours = recorded
    start = FIRST_READING - 4 * HOUR
    assert await statistics(hass, ours, start) == [(FIRST_READING, 5000.5, 0.3)]

    dry = await adopt(hass, loaded_simulator, {ours: OLD_SENSOR}, dry_run=True)
    report = {
        "entity_id": ours,
        "source": OLD_SENSOR,
        "hours": 3,
        "hours_removed": 0,
        "first_hour": (FIRST_READING - 3 * HOUR).isoformat(),
        "last_hour": (FIRST_READING - HOUR).isoformat(),
        "until": FIRST_READING.isoformat(),
        "unit": UnitOfEnergy.KILO_WATT_HOUR,
        "sum_adjustment": 2.0,  # the old sum at 10:00, in kWh
        "unrecorded_energy": 0.2,  # 5 000 000 Wh at 10:00 (old) to 5 000 200 (our first)
    }
    assert dry == {"dry_run": True, "indexes": [report]}
    assert await statistics(hass, ours, start) == [(FIRST_READING, 5000.5, 0.3)]

    assert await adopt(hass, loaded_simulator, {ours: OLD_SENSOR}) == {
        "dry_run": False,
        "indexes": [report],
    }
    adopted = [
        (FIRST_READING - 3 * HOUR, 4999.0, 1.0),
        (FIRST_READING - 2 * HOUR, 4999.5, 1.5),
        (FIRST_READING - HOUR, 5000.0, 2.0),
        (FIRST_READING, 5000.5, 2.3),  # our hour: 0.3 kWh counted, as before
    ]
    assert await statistics(hass, ours, start) == adopted

    # Twice adds nothing.
    again = await adopt(hass, loaded_simulator, {ours: OLD_SENSOR})
    assert again["indexes"][0]["sum_adjustment"] == 0
    assert await statistics(hass, ours, start) == adopted

    # The recorder's next 5-minute statistics continue the raised sums without a jump.
    await read_index(
        hass, coordinator, freezer, FIRST_READING + HOUR + timedelta(minutes=1), 5_000_600
    )
    await compile_statistics(
        hass, freezer, FIRST_READING + HOUR, FIRST_READING + HOUR + 2 * FIVE_MINUTES
    )
    five_minutes = await statistics(hass, ours, FIRST_READING + HOUR, "5minute")
    assert five_minutes[-1][1:] == (5000.6, 2.4)


@pytest.mark.parametrize(
    ("hours", "key"),
    [
        # Another meter: its index stood above ours.
        ([(FIRST_READING - HOUR, 7_000_000.0, 10.0)], "history_beyond_index"),
        # Going backwards.
        (
            [(FIRST_READING - 2 * HOUR, 4_000_000.0, 0.0), (FIRST_READING - HOUR, 3.0, 1.0)],
            "history_backwards",
        ),
        # Nothing before our first reading.
        ([(FIRST_READING + HOUR, 5_000_600.0, 1.0)], "history_empty"),
    ],
)
async def test_a_history_that_does_not_fit_is_refused_and_nothing_written(
    hass: HomeAssistant,
    loaded_simulator: MockConfigEntry,
    recorded: str,
    hours: list[tuple[datetime, float, float]],
    key: str,
) -> None:
    await import_source_history(hass, "sensor.other_meter", UnitOfEnergy.WATT_HOUR, hours)
    with pytest.raises(ServiceValidationError) as raised:
        await adopt(hass, loaded_simulator, {recorded: "sensor.other_meter"})
    assert raised.value.translation_key == key
    assert await statistics(hass, recorded, FIRST_READING - 4 * HOUR) == [
        (FIRST_READING, 5000.5, 0.3)
    ]


async def test_only_this_meters_indexes_and_energy_histories_are_taken(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, recorded: str
) -> None:
    power = index_entity_id(hass, "apparent_power")  # this meter's, but not an index
    with pytest.raises(ServiceValidationError) as raised:
        await adopt(hass, loaded_simulator, {power: OLD_SENSOR})
    assert raised.value.translation_key == "not_an_index"
    with pytest.raises(ServiceValidationError) as raised:
        await adopt(hass, loaded_simulator, {recorded: "sensor.nothing_recorded"})
    assert raised.value.translation_key == "not_an_energy_history"


async def test_an_index_without_statistics_yet_is_refused(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
) -> None:
    await read_index(hass, coordinator, freezer, FIRST_READING, 5_000_000)
    await import_source_history(hass, OLD_SENSOR, UnitOfEnergy.WATT_HOUR, OLD_HOURS)
    with pytest.raises(ServiceValidationError) as raised:
        await adopt(hass, loaded_simulator, {index_entity_id(hass): OLD_SENSOR})
    assert raised.value.translation_key == "no_reading_yet"


async def test_a_history_adopted_in_the_first_hour_is_continued_by_its_hourly_row(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
) -> None:
    """Only 5-minute statistics exist yet: the hour compiled later carries the raised sums."""
    await read_index(hass, coordinator, freezer, FIRST_READING + timedelta(minutes=1), 5_000_200)
    await compile_statistics(hass, freezer, FIRST_READING, FIRST_READING + 2 * FIVE_MINUTES)
    await import_source_history(hass, OLD_SENSOR, UnitOfEnergy.WATT_HOUR, OLD_HOURS)
    ours = index_entity_id(hass)
    assert await statistics(hass, ours, FIRST_READING) == []
    response = await adopt(hass, loaded_simulator, {ours: OLD_SENSOR})
    assert response["indexes"][0]["until"] == FIRST_READING.isoformat()
    await read_index(hass, coordinator, freezer, FIRST_READING + timedelta(minutes=40), 5_000_500)
    await compile_statistics(hass, freezer, FIRST_READING + 2 * FIVE_MINUTES, FIRST_READING + HOUR)
    assert (await statistics(hass, ours, FIRST_READING - HOUR)) == [
        (FIRST_READING - HOUR, 5000.0, 2.0),
        (FIRST_READING, 5000.5, 2.3),
    ]


async def test_adopting_again_from_a_shorter_history_equals_adopting_it_alone(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    recorded: str,
) -> None:
    """The hour only the first source had goes; sums, hourly and 5-minute, follow the second."""
    ours = recorded
    await adopt(hass, loaded_simulator, {ours: OLD_SENSOR})
    shorter = [(FIRST_READING - 2 * HOUR, 4_999_500.0, 100.0), (FIRST_READING - HOUR, 5.0e6, 600.0)]
    await import_source_history(hass, "sensor.zlinky_index", UnitOfEnergy.WATT_HOUR, shorter)
    response = await adopt(hass, loaded_simulator, {ours: "sensor.zlinky_index"})
    report = response["indexes"][0]
    assert report["sum_adjustment"] == pytest.approx(-1.4)  # 0.6 - 2.0 kWh
    assert report["hours_removed"] == 1  # 07:00, which only the first source had
    assert await statistics(hass, ours, FIRST_READING - 4 * HOUR) == [
        (FIRST_READING - 2 * HOUR, 4999.5, 0.1),
        (FIRST_READING - HOUR, 5000.0, 0.6),
        (FIRST_READING, 5000.5, 0.9),
    ]
    five_minutes = await statistics(hass, ours, FIRST_READING, "5minute")
    assert five_minutes[0][2] == pytest.approx(0.6)  # 5 000 200 Wh, our first reading
    assert five_minutes[-1][1:] == (5000.5, 0.9)
    # And the recorder's next 5-minute statistics go on from there.
    await read_index(
        hass, coordinator, freezer, FIRST_READING + HOUR + timedelta(minutes=1), 5_000_600
    )
    await compile_statistics(
        hass, freezer, FIRST_READING + HOUR, FIRST_READING + HOUR + 2 * FIVE_MINUTES
    )
    five_minutes = await statistics(hass, ours, FIRST_READING + HOUR, "5minute")
    assert five_minutes[-1][1:] == (5000.6, 1.0)
