"""Everything the meter records, on a real PostgreSQL server: states, statistics, adoption.

A throw-away cluster (Debian's packages, installed when missing) on a loopback port serves
one new database per test as the recorder's `db_url`, through Home Assistant's driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder, get_instance, history
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, UnitOfEnergy
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.sensor import label_key
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import TicMode
from tools.postgresql import PostgreSQL, postgresql_server

from .recording import (
    compile_statistics,
    hourly_indexes,
    import_source_history,
    index_entity_id,
    run_meter,
    statistics,
)

START = datetime(2026, 1, 15, 16, tzinfo=UTC)  # 17:00 in Paris, a winter evening
HOURS = 2
END = START + timedelta(hours=HOURS)
HOUR = timedelta(hours=1)


@pytest.fixture
def postgresql(socket_enabled: None) -> Iterator[PostgreSQL]:
    """A cluster for the test (sockets: its free port is found by binding one), removed after."""
    with postgresql_server(durable=False) as server:
        yield server


@pytest.fixture
def recorder_db_url(postgresql: PostgreSQL) -> Iterator[str]:
    """The recorder's database: a new one in the cluster, dropped after the test."""
    name = f"recorder_{uuid.uuid4().hex[:12]}"
    yield postgresql.create_database(name)
    postgresql.drop_database(name)


@pytest.fixture
def before_start(freezer: FrozenDateTimeFactory) -> None:
    """The clock before the simulated hours, from the meter's set-up on.

    The meter's first (real-time) frame must not come from a time after them: the model
    refuses an index that grows faster than the meter can count since an earlier reading.
    """
    freezer.move_to(START - timedelta(minutes=1))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


async def test_states_statistics_and_an_adopted_history_on_postgresql(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    before_start: None,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    recorder_mock: Recorder,
) -> None:
    assert recorder_mock.dialect_name == "postgresql"
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
    readings = await run_meter(hass, coordinator, freezer, meter, START, END, timedelta(minutes=1))
    await compile_statistics(hass, freezer, START, END)
    counting = {label: values for label, values in readings.items() if values[0][1] < values[-1][1]}
    assert counting  # the evening's peak index, and the total

    first_written: dict[str, int] = {}
    for label, values in counting.items():
        entity_id = index_entity_id(hass, label_key(label))
        changes = await get_instance(hass).async_add_executor_job(
            history.state_changes_during_period, hass, START - HOUR, END, entity_id
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
        expected = hourly_indexes(written, START, END)
        assert len(expected) == HOURS
        assert await statistics(hass, entity_id, START - HOUR) == [
            (hour, round(state, 3), round(total, 3)) for hour, state, total in expected
        ]

    # An old integration's three hours before, in kWh, ending 500 Wh below our first reading.
    label = next(iter(counting))
    ours = index_entity_id(hass, label_key(label))
    first_kwh = first_written[label] / 1000
    old = [
        (START - (3 - n) * HOUR, first_kwh - 0.5 - (2 - n) * 1.2, 10.0 + 1.2 * n) for n in range(3)
    ]
    await import_source_history(hass, "sensor.zlinky_index", UnitOfEnergy.KILO_WATT_HOUR, old)
    before = await statistics(hass, ours, START)
    response = await hass.services.async_call(
        DOMAIN,
        "adopt_history",
        {ATTR_CONFIG_ENTRY_ID: loaded_simulator.entry_id, "sources": {ours: "sensor.zlinky_index"}},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [report] = cast(list[dict[str, Any]], response["indexes"])
    assert (report["hours"], report["sum_adjustment"], report["unrecorded_energy"]) == (
        3,
        12.4,
        0.5,
    )
    after = await statistics(hass, ours, START - 3 * HOUR)
    assert after[:3] == [(hour, round(state, 3), round(total, 3)) for hour, state, total in old]
    # The seam: our hours keep their energy, on top of the old sums.
    sums_before = [total for _hour, _state, total in before]
    sums_after = [total for _hour, _state, total in after]
    assert all(total is not None for total in sums_before + sums_after)
    assert sums_after[3:] == [round(cast(float, total) + 12.4, 3) for total in sums_before]
    seam = cast(float, sums_after[3]) - cast(float, sums_after[2])
    assert seam == pytest.approx(sums_before[0], abs=1e-3)
    assert [row[:2] for row in after[3:]] == [row[:2] for row in before]
