"""Attacks on load shedding's first promise: no load is left off for good, by any path.

Each test plays an attacker or a clumsy user against a real Home Assistant: template switches
of another integration (`tests/shedding_ha/conftest.py`) or the plug simulator's HTTP plugs
(`tests/shedding_ha/house.py`), the meter fed frame by frame, the clock moved by `freezer`.
The attacks that held when first tried are kept too, so that they keep holding.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine
import copy
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import (
    CONF_POWER_SENSOR,
    EVENT_LOAD_RESTORED,
    EVENT_LOAD_SHED,
)
from custom_components.gestion_energie.simulators.plugs import Fault
from tests.shedding_ha.conftest import Meter, open_meter, start_entry
from tests.shedding_ha.house import HEATER, RADIATOR, House, open_house
from tests.shedding_ha.test_manager import state

# The template-switch house of tests/shedding_ha: loads by priority, the least important first.
T_RADIATOR, T_HEATER, T_OVEN = "switch.radiator", "switch.water_heater", "switch.oven"


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests reach the plug simulator on 127.0.0.1."""


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    async with open_house(hass, freezer) as house:
        yield house


@pytest.fixture
async def meter(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[Meter]:
    async with open_meter(hass, freezer) as meter:
        yield meter


def _storage_key(meter: Meter) -> str:
    return f"{DOMAIN}.shedding.{meter.entry.entry_id}"


async def _shed_radiator(meter: Meter) -> None:
    """7,000 VA on 6 kVA for 8 s sheds the template house's radiator, and it alone."""
    await meter.frames(3000, 2)
    await meter.frames(7000, 4)
    assert state(meter.hass, T_RADIATOR) == STATE_OFF
    assert state(meter.hass, T_HEATER) == STATE_ON


async def _use_power_sensor(meter: Meter, sensor: str) -> None:
    """Give the template house's radiator a power sensor (the entry reloads)."""
    subentry = meter.entry.subentries["load0"]
    meter.hass.config_entries.async_update_subentry(
        meter.entry, subentry, data={**subentry.data, CONF_POWER_SENSOR: sensor}
    )
    await meter.hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()


async def _frames_until_on(meter: Meter, switch: str, power: int = 500, limit: int = 200) -> None:
    for _ in range(limit):
        await meter.frames(power)
        if state(meter.hass, switch) == STATE_ON:
            return
    raise AssertionError(f"{switch} still {state(meter.hass, switch)}")


async def _step_until_on(house: House, limit: int = 150) -> None:
    """Step the plug house (2 s and a low frame) until the radiator's socket is on."""
    for _ in range(limit):
        await house.step(2000)
        if house.sockets()[0]:
            return
    raise AssertionError("the radiator's socket stayed off")


async def _run_clock_until_done(house: House, task: asyncio.Future[Any], seconds: int) -> None:
    """Move the clock a second at a time, timers firing, until `task` is done.

    `House.step` would wait for every task, the switching that hangs on a silent plug too.
    """
    for _ in range(seconds):
        house.freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(house.hass)
        for _ in range(50):
            await asyncio.sleep(0)
        if task.done():
            return
    raise AssertionError("still running")


def _turn_on_by(
    hass: HomeAssistant, misbehave: Callable[[ServiceCall], Coroutine[Any, Any, None]]
) -> list[str]:
    """Replace `switch.turn_on` by `misbehave` for its first call, then by a working one.

    The template switches follow input booleans of the same name. Returns the switches asked.
    """
    asked: list[str] = []

    async def turn_on(call: ServiceCall) -> None:
        switches = call.data[ATTR_ENTITY_ID]
        switches = [switches] if isinstance(switches, str) else list(switches)
        asked.extend(switches)
        if len(asked) == 1:
            await misbehave(call)
            return
        booleans = [switch.replace("switch.", "input_boolean.") for switch in switches]
        await hass.services.async_call(
            "input_boolean", "turn_on", {ATTR_ENTITY_ID: booleans}, blocking=True
        )

    hass.services.async_register("switch", "turn_on", turn_on)
    return asked


# Loads left off for good


async def test_a_restore_timing_out_during_a_reload_comes_back_later(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert house.sockets() == (False, True)
    await house.step(2000, 5)
    # The plug stops answering just as the user boosts the radiator: the switch-on hangs
    # until its timeout, and the entry reloads meanwhile (a plug or load changed, say).
    house.radiator.fault = Fault.SILENT
    await hass.services.async_call(DOMAIN, "boost", {"load": RADIATOR}, blocking=True)
    reload = asyncio.ensure_future(hass.config_entries.async_reload(house.entry.entry_id))
    await _run_clock_until_done(house, reload, 120)
    assert reload.result()
    await house.entry.runtime_data.source.stop()
    assert house.sockets() == (False, True)
    assert state(hass, "sensor.radiateur_status") == "shed"  # the failed restore is held again
    house.radiator.fault = Fault.NONE
    await _step_until_on(house)
    assert state(hass, RADIATOR) == STATE_ON


async def test_a_shed_is_on_disk_before_home_assistant_can_die(
    hass: HomeAssistant, meter: Meter, hass_storage: dict[str, Any]
) -> None:
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, T_RADIATOR) == state(hass, T_HEATER) == STATE_OFF
    # Home Assistant dies now: what is on disk is all the next start will know.
    on_disk = copy.deepcopy(hass_storage.get(_storage_key(meter)))
    assert on_disk is not None
    assert on_disk["data"]["engine"]["loads"][T_RADIATOR]["hold"]["reason"] == "overload_signal"
    assert await hass.config_entries.async_unload(meter.entry.entry_id)
    hass_storage[_storage_key(meter)] = on_disk
    await start_entry(hass, meter.entry)
    assert state(hass, "sensor.radiator_status") == state(hass, "sensor.water_heater_status")
    assert state(hass, "sensor.radiator_status") == "shed"
    await _frames_until_on(meter, T_RADIATOR)
    await _frames_until_on(meter, T_HEATER)


async def test_renaming_a_shed_switch_keeps_it_managed(hass: HomeAssistant, meter: Meter) -> None:
    await _shed_radiator(meter)
    renamed = "switch.radiateur_du_salon"
    er.async_get(hass).async_update_entity(T_RADIATOR, new_entity_id=renamed)
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()  # the entry reloaded with the new entity id
    assert state(hass, renamed) == STATE_OFF
    assert meter.entry.subentries["load0"].data["switch"] == renamed
    status = hass.states.get("sensor.radiator_status")
    assert status is not None
    assert (status.state, status.attributes["switch"]) == ("shed", renamed)
    await _frames_until_on(meter, renamed)
    # The protection follows the new name: an overload sheds the radiator again.
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(9000, 30, overload=True)
    assert [event.data[ATTR_ENTITY_ID] for event in shed][:1] == [renamed]
    assert state(hass, renamed) == STATE_OFF


async def test_renaming_a_load_power_sensor_follows_it(hass: HomeAssistant, meter: Meter) -> None:
    registry = er.async_get(hass)
    sensor = registry.async_get_or_create("sensor", "test", "radiator_power")
    hass.states.async_set(sensor.entity_id, "1500", {"unit_of_measurement": "W"})
    await _use_power_sensor(meter, sensor.entity_id)
    registry.async_update_entity(sensor.entity_id, new_entity_id="sensor.radiateur_puissance")
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert meter.entry.subentries["load0"].data[CONF_POWER_SENSOR] == "sensor.radiateur_puissance"
    assert meter.manager.loads[T_RADIATOR].config.power_sensor == "sensor.radiateur_puissance"


async def test_deleting_a_shed_load_switches_it_back_on(hass: HomeAssistant, meter: Meter) -> None:
    await _shed_radiator(meter)
    await hass.services.async_call(DOMAIN, "shed", {"load": T_OVEN}, blocking=True)
    await hass.async_block_till_done()
    assert state(hass, T_OVEN) == STATE_OFF
    for load in ("load0", "load2"):
        assert hass.config_entries.async_remove_subentry(meter.entry, load)
        await hass.async_block_till_done()
        await meter.entry.runtime_data.source.stop()
    assert state(hass, T_RADIATOR) == STATE_ON  # shed by the engine: given back
    assert state(hass, T_OVEN) == STATE_OFF  # shed by hand: the user's choice stays
    assert T_RADIATOR not in meter.manager.loads


async def test_deleting_a_shed_load_of_a_plug_switches_its_socket_back_on(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(3500, 3)
    await house.step(9000, overload=True)
    assert house.sockets() == (False, False)
    assert hass.config_entries.async_remove_subentry(house.entry, "radiator")
    await house.settle()
    await house.entry.runtime_data.source.stop()
    assert house.sockets() == (True, False)  # the water heater is still managed, and shed
    assert state(hass, "sensor.chauffe_eau_status") == "shed"


async def test_removing_the_meter_switches_its_plugs_shed_sockets_back_on(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(3500, 3)
    await house.step(9000, overload=True)
    assert house.sockets() == (False, False)
    await hass.config_entries.async_remove(house.entry.entry_id)
    await hass.async_block_till_done()
    assert house.sockets() == (True, True)  # over HTTP: the plugs' entities are gone


async def test_a_shed_load_moved_to_another_switch_gives_the_old_one_back(
    hass: HomeAssistant, meter: Meter
) -> None:
    await _shed_radiator(meter)
    hass.states.async_set("switch.dryer", STATE_ON)
    subentry = meter.entry.subentries["load0"]
    hass.config_entries.async_update_subentry(
        meter.entry, subentry, data={**subentry.data, "switch": "switch.dryer"}
    )
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert state(hass, T_RADIATOR) == STATE_ON
    assert "switch.dryer" in meter.manager.loads


async def test_a_switch_that_fails_when_given_back_does_not_stop_the_reload(
    hass: HomeAssistant, meter: Meter, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(call: ServiceCall) -> None:
        raise RuntimeError("the other integration's bug")

    await _shed_radiator(meter)
    hass.services.async_register("switch", "turn_on", crash)
    assert hass.config_entries.async_remove_subentry(meter.entry, "load0")
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert "Could not switch switch.radiator back on: the other integration's bug" in caplog.text
    assert meter.entry.state is ConfigEntryState.LOADED
    assert T_RADIATOR not in meter.manager.loads


async def test_removing_the_meter_switches_its_shed_loads_back_on(
    hass: HomeAssistant, meter: Meter, hass_storage: dict[str, Any]
) -> None:
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, T_RADIATOR) == state(hass, T_HEATER) == STATE_OFF
    await meter.silence(4 * 3600 + 10, step=600)  # held for long: a repair issue each
    issues = ir.async_get(hass)
    issue_id = f"long_shed_{meter.entry.entry_id}_load0"
    assert issues.async_get_issue(DOMAIN, issue_id) is not None
    await hass.config_entries.async_remove(meter.entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, T_RADIATOR) == state(hass, T_HEATER) == STATE_ON
    assert _storage_key(meter) not in hass_storage  # the entry's .storage file is removed
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_removing_the_meter_with_a_broken_saved_state_still_removes_it(
    hass: HomeAssistant,
    meter: Meter,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_unload(meter.entry.entry_id)
    key = _storage_key(meter)
    hass_storage[key] = {"version": 1, "key": key, "data": {"engine": {"version": 99}}}
    await hass.config_entries.async_remove(meter.entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert "Ignoring the saved shedding state" in caplog.text


async def test_renaming_a_boosted_switch_keeps_the_boost(hass: HomeAssistant, meter: Meter) -> None:
    await _shed_radiator(meter)
    await hass.services.async_call(DOMAIN, "boost", {"load": T_RADIATOR}, blocking=True)
    await hass.async_block_till_done()
    assert state(hass, "sensor.radiator_status") == "boost"
    er.async_get(hass).async_update_entity(T_RADIATOR, new_entity_id="switch.radiateur")
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert state(hass, "switch.radiateur") == STATE_ON
    status = hass.states.get("sensor.radiator_status")
    assert status is not None
    assert (status.state, status.attributes["switch"]) == ("boost", "switch.radiateur")


@pytest.mark.parametrize("reading", ["5500", "1e12", "nan", "inf"])
async def test_a_power_sensor_reading_high_never_keeps_a_load_off(
    hass: HomeAssistant, meter: Meter, reading: str
) -> None:
    """The radiator (1,500 W declared) gets a power sensor that goes mad while it is shed."""
    sensor = "sensor.radiator_power"
    hass.states.async_set(sensor, "1500", {"unit_of_measurement": "W"})
    await _use_power_sensor(meter, sensor)
    await _shed_radiator(meter)
    hass.states.async_set(sensor, reading, {"unit_of_measurement": "W"})
    await _frames_until_on(meter, T_RADIATOR)  # 500 VA on 6 kVA: room for it
    # On again, the sensor still mad: a new overload still sheds enough, and it comes back.
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(7000, 4)
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [T_RADIATOR]
    await meter.frames(7000, 6)
    assert state(hass, T_HEATER) == STATE_OFF  # 7000 - 1500 is still over: the next one
    await _frames_until_on(meter, T_HEATER)
    await _frames_until_on(meter, T_RADIATOR)


async def test_a_raw_exception_from_the_switch_during_a_restore_holds_it_again(
    hass: HomeAssistant, meter: Meter, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(call: ServiceCall) -> None:
        raise RuntimeError("the other integration's bug")

    asked = _turn_on_by(hass, crash)
    await _shed_radiator(meter)
    await _frames_until_on(meter, T_RADIATOR)
    assert asked == [T_RADIATOR, T_RADIATOR]  # the crash, then the retry that worked
    assert "Could not switch switch.radiator on: the other integration's bug" in caplog.text


async def test_a_restore_that_reports_success_but_never_switches_is_tried_again(
    hass: HomeAssistant, meter: Meter
) -> None:
    async def pretend(call: ServiceCall) -> None:
        """Answers as if done, switches nothing."""

    asked = _turn_on_by(hass, pretend)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await _shed_radiator(meter)
    for _ in range(100):
        await meter.frames(500)
        if restored:
            break
    assert asked == [T_RADIATOR]
    assert state(hass, T_RADIATOR) == STATE_OFF
    # Past the settle time the switch has still not shown it on: held again, and tried again.
    await _frames_until_on(meter, T_RADIATOR)
    assert asked == [T_RADIATOR, T_RADIATOR]
    assert [event.data["reason"] for event in restored] == ["budget_available"] * 2


# Attacks that held


async def test_a_reload_while_shed_keeps_the_load_and_brings_it_back(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert house.sockets() == (False, True)
    assert await hass.config_entries.async_reload(house.entry.entry_id)
    await hass.async_block_till_done()
    await house.entry.runtime_data.source.stop()
    assert state(hass, "sensor.radiateur_status") == "shed"
    assert house.sockets() == (False, True)
    await _step_until_on(house)


async def test_a_plug_server_killed_while_shed_brings_the_load_back_once_it_returns(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert house.sockets() == (False, True)
    port = house.radiator.port
    assert port is not None
    await house.simulator.remove(house.radiator)  # the plug's server is gone: refused
    await house.step(2000, 70)
    assert state(hass, RADIATOR) == STATE_UNAVAILABLE
    assert state(hass, "sensor.radiateur_status") == "shed"
    assert house.sockets() == (False, True)
    await house.simulator.add(house.radiator, port)
    await _step_until_on(house)
    assert state(hass, "sensor.radiateur_status") == STATE_ON


async def test_a_shed_socket_switched_on_by_hand_stays_on(
    hass: HomeAssistant, house: House
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert house.sockets() == (False, True)
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: RADIATOR}, blocking=True)
    await house.settle()
    # The meter still signals the overload: the water heater goes instead, at once.
    assert house.sockets() == (True, False)
    assert state(hass, "sensor.radiateur_status") == "override"
    await house.step(7000, 10, overload=True)
    assert house.sockets() == (True, False)
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [RADIATOR, HEATER]
