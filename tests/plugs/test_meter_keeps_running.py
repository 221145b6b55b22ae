"""A plug and a load added to a running meter, then a restart: the meter never stops, and its
indexes never go backwards, in the states nor in the statistics the recorder compiles. Nor
after a crash, when the simulated meter's saved indexes are older than the recorder's."""

from __future__ import annotations

from datetime import datetime, timedelta
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_restore_state_shutdown_restart,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import SUBENTRY_LOAD
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.simulators.plugs import PlugSimulator
from custom_components.gestion_energie.tic import TicDecoder

from .ha import House, add_plug

START = datetime(2026, 1, 14, 9, 0, tzinfo=dt_util.UTC)
STEP_S = 60  # a frame a minute: each one counts several Wh


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


class MeterWatch:
    """Every state the meter's own entities (not its plugs' or loads') write."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.states: dict[str, list[str]] = {}
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_change)

    @callback
    def _on_change(self, event: Event[EventStateChangedData]) -> None:
        registered = er.async_get(self.hass).async_get(event.data["entity_id"])
        new = event.data["new_state"]
        if registered is None or new is None or registered.config_entry_id != self.entry.entry_id:
            return
        if registered.config_subentry_id is None:
            self.states.setdefault(new.entity_id, []).append(new.state)

    def indexes(self) -> list[str]:
        return [
            entity_id
            for entity_id in self.states
            if (state := self.hass.states.get(entity_id)) is not None
            and state.attributes.get(ATTR_STATE_CLASS) == SensorStateClass.TOTAL_INCREASING
        ]

    def unavailable(self) -> list[str]:
        return [entity_id for entity_id, seen in self.states.items() if STATE_UNAVAILABLE in seen]


async def frames(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, count: int
) -> None:
    """`count` frames of the entry's simulated meter, a minute apart."""
    for _ in range(count):
        freezer.tick(STEP_S)
        runtime = entry.runtime_data
        runtime.coordinator.async_receive(runtime.simulator.frame(time.time()))
        await hass.async_block_till_done()


async def add_load_of(hass: HomeAssistant, entry: MockConfigEntry, plug: str) -> str:
    """Put the socket of the plug subentry `plug` under load shedding; its switch."""
    (socket,) = (
        item.entity_id
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if item.config_subentry_id == plug and item.domain == "switch"
    )
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_LOAD), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"switch": socket, "priority": 20, "declared_power": 2000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return socket


async def compiled_statistics(
    hass: HomeAssistant, recorder: Recorder, entity_ids: list[str]
) -> dict[str, list[tuple[float, float]]]:
    """The 5-minute statistics (state, sum) of `entity_ids` since START, compiled now."""
    period = START
    while period + timedelta(minutes=5) <= dt_util.utcnow():
        do_adhoc_statistics(hass, start=period, period="5minute")
        period += timedelta(minutes=5)
    await async_wait_recording_done(hass)
    rows = await recorder.async_add_executor_job(
        statistics_during_period,
        hass,
        START,
        None,
        set(entity_ids),
        "5minute",
        None,
        {"state", "sum"},
    )
    return {
        entity_id: [(row["state"] or 0.0, row["sum"] or 0.0) for row in rows[entity_id]]
        for entity_id in entity_ids
    }


async def test_adding_a_plug_and_a_load_then_restarting_never_takes_an_index_back(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator_entry: MockConfigEntry,
    plugs_sim: PlugSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(START)
    house = await House(plugs_sim).start()
    entry = simulator_entry
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()  # the test sends the frames, a minute apart
    watch = MeterWatch(hass, entry)
    await frames(hass, entry, freezer, 6)
    runtime = entry.runtime_data
    await hass.services.async_call(
        DOMAIN,
        "simulate_overload",
        {"config_entry_id": entry.entry_id, "power": 2000, "duration": 3600},
        blocking=True,
    )

    heater = await add_plug(hass, entry, "tasmota", house.form(house.heater))
    await frames(hass, entry, freezer, 6)
    socket = await add_load_of(hass, entry, heater.subentry_id)
    await frames(hass, entry, freezer, 6)

    # Neither addition reloaded the entry: the same source and meter ran on, every meter entity
    # stayed available, and the plug and the load are in use.
    assert entry.runtime_data is runtime
    assert watch.unavailable() == []
    assert heater.subentry_id in runtime.plugs
    assert runtime.shedding is not None
    assert socket in runtime.shedding.loads
    assert hass.states.get(socket) is not None
    # The overload simulated before them runs on (the household alone draws less).
    simulator = runtime.simulator
    assert simulator is not None
    assert simulator.load_va(time.time()) - simulator.extra_load_va > 2000

    # A restart: the simulated meter's indexes carry on from where they were.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await async_mock_restore_state_shutdown_restart(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    await frames(hass, entry, freezer, 12)

    indexes = watch.indexes()
    assert indexes
    for entity_id in indexes:
        values = [float(value) for value in watch.states[entity_id] if value != STATE_UNAVAILABLE]
        assert values == sorted(values), entity_id
    counting = [ids for ids in indexes if len(set(watch.states[ids]) - {STATE_UNAVAILABLE}) > 1]
    assert counting  # an index counted all along, and was checked

    statistics = await compiled_statistics(hass, recorder_mock, counting)
    for entity_id, rows in statistics.items():
        states = [state for state, _ in rows]
        sums = [total for _, total in rows]
        assert len(rows) >= 6, entity_id
        assert states == sorted(states), entity_id
        assert sums == sorted(sums), entity_id
        assert sums[-1] > sums[0]


async def test_after_a_crash_the_simulated_meter_goes_on_from_what_the_recorder_kept(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    simulator_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(START)
    entry = simulator_entry
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    watch = MeterWatch(hass, entry)
    await frames(hass, entry, freezer, 3)
    async_fire_time_changed(hass)  # the minute's save of the indexes
    await hass.async_block_till_done()
    saved = hass_storage[f"{DOMAIN}.simulator.{entry.entry_id}"]["data"]
    # Then the crash: what counted after that save is recorded, and never saved (the unload
    # stands in for the process that died).
    with patch.object(Store, "async_save"):
        await frames(hass, entry, freezer, 2)
        await async_wait_recording_done(hass)
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert hass_storage[f"{DOMAIN}.simulator.{entry.entry_id}"]["data"] == saved
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    await frames(hass, entry, freezer, 3)

    indexes = watch.indexes()
    assert len(indexes) >= 4  # EAST, EASF01, EASF02, EASD01, EASD02 (one counting)
    for entity_id in indexes:
        values = [float(value) for value in watch.states[entity_id] if value != STATE_UNAVAILABLE]
        assert values == sorted(values), (entity_id, values)


def sent_indexes(meter: SimulatedMeter, now: float) -> dict[str, int]:
    """The energy indexes of the frame the meter sends at `now`, standard mode."""
    (frame,) = TicDecoder().feed(meter.frame(now))
    return {label: int(group.data) for label, group in frame.groups.items() if label[:3] == "EAS"}


@pytest.mark.parametrize("contract", list(Contract))
def test_a_simulated_meter_never_sends_a_total_below_the_one_it_goes_on_from(
    contract: Contract,
) -> None:
    start = START.timestamp()
    before = SimulatedMeter(contract=contract)
    before.frame(start)
    earlier = sent_indexes(before, start + 3000)
    shown = sent_indexes(before, start + 3600)
    # The recorder kept the totals of the last frame and the supplier indexes of an earlier one.
    kept = {label: float(wh) for label, wh in earlier.items() if label.startswith("EASF")} | {
        label: float(wh) for label, wh in shown.items() if not label.startswith("EASF")
    }
    meter = SimulatedMeter(contract=contract)
    meter.continue_from(kept)

    after = sent_indexes(meter, start + 3601)
    assert [label for label, wh in kept.items() if after[label] < wh] == []
    supplier = [wh for label, wh in after.items() if label.startswith("EASF")]
    assert after["EAST"] == sum(supplier)
    assert (after["EASD01"], after["EASD02"]) == (sum(supplier[0::2]), sum(supplier[1::2]))
