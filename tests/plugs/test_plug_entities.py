"""Plugs in a real Home Assistant: devices, switches, sensors, availability, the closed loop."""

from __future__ import annotations

from homeassistant.components.diagnostics import REDACTED
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN, PLUG_SCAN_INTERVAL
from custom_components.gestion_energie.diagnostics import async_get_config_entry_diagnostics
from custom_components.gestion_energie.plugs import PlugState, SocketState
from custom_components.gestion_energie.simulators.plugs import Fault, PlugSimulator

from .ha import NEW_TOKEN, PASSWORD, TOKEN, House, add_plug


@pytest.fixture
async def house(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, plugs_sim: PlugSimulator
) -> House:
    """The three simulated plugs, added to the simulated meter's entry."""
    house = await House(plugs_sim).start()
    await add_plug(hass, loaded_simulator, "gestion_energie", house.form(house.strip))
    await add_plug(hass, loaded_simulator, "tasmota", house.form(house.heater))
    await add_plug(hass, loaded_simulator, "tasmota", house.form(house.radiators))
    return house


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Poll every plug, as the scan interval does."""
    for plug in entry.runtime_data.plugs.values():
        assert plug.update_interval == PLUG_SCAN_INTERVAL
        await plug.async_refresh()
    await hass.async_block_till_done()


async def _switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_one_device_per_plug_linked_to_its_subentry(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    devices = dr.async_get(hass)
    for subentry in loaded_simulator.subentries.values():
        device = devices.async_get_device_by_identifier(
            (DOMAIN, subentry.unique_id or ""), loaded_simulator.entry_id
        )
        assert device is not None
        assert device.config_subentry_id == subentry.subentry_id
        assert device.name == subentry.title
        assert device.serial_number == subentry.unique_id
    strip = devices.async_get_device_by_identifier(
        (DOMAIN, house.strip.device_id), loaded_simulator.entry_id
    )
    assert strip is not None
    assert strip.manufacturer == "Gestion Énergie"
    assert strip.model == "Multiprise simulée 2 prises"
    assert strip.sw_version == "1.0.0"
    heater = devices.async_get_device_by_identifier(
        (DOMAIN, house.heater.device_id), loaded_simulator.entry_id
    )
    assert heater is not None
    assert heater.manufacturer == "Tasmota"
    assert heater.configuration_url == f"http://127.0.0.1:{house.heater.port}"
    entities = er.async_get(hass)
    for entry in er.async_entries_for_device(entities, heater.id):
        assert entry.config_subentry_id == heater.config_subentry_id


async def test_switches_and_sensors_per_socket_or_device(hass: HomeAssistant, house: House) -> None:
    # A strip: named sockets, each with its readings.
    for entity_id in ("switch.bureau_socket_1", "switch.bureau_socket_2"):
        assert _state(hass, entity_id) == STATE_OFF
    assert _state(hass, "sensor.bureau_socket_1_power") == "0.0"
    energy = hass.states.get("sensor.bureau_socket_2_energy")
    assert energy is not None
    assert energy.attributes["device_class"] == SensorDeviceClass.ENERGY
    assert energy.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert energy.attributes["unit_of_measurement"] == "kWh"
    # A single plug: its switch is the device, its readings named by what they are.
    assert _state(hass, "switch.chauffe_eau") == STATE_OFF
    for reading in ("current", "power", "energy"):
        assert _state(hass, f"sensor.chauffe_eau_{reading}") is not None
    # A strip with one meter: switches per socket, readings of the whole device.
    assert _state(hass, "switch.radiateurs_socket_2") == STATE_OFF
    assert _state(hass, "sensor.radiateurs_power") == "0.0"
    assert hass.states.get("sensor.radiateurs_socket_1_power") is None


async def test_switching_reaches_the_plug_and_reads_it_back_at_once(
    hass: HomeAssistant, house: House
) -> None:
    await _switch(hass, "turn_on", "switch.bureau_socket_1")
    assert [socket.on for socket in house.strip.sockets] == [True, False]
    assert _state(hass, "switch.bureau_socket_1") == STATE_ON
    assert _state(hass, "sensor.bureau_socket_1_power") == "120.0"
    assert float(_state(hass, "sensor.bureau_socket_1_current")) == pytest.approx(0.58, abs=0.01)
    await _switch(hass, "turn_on", "switch.radiateurs_socket_2")
    assert _state(hass, "sensor.radiateurs_power") == "1500.0"
    await _switch(hass, "turn_off", "switch.bureau_socket_1")
    assert [socket.on for socket in house.strip.sockets] == [False, False]
    assert _state(hass, "switch.bureau_socket_1") == STATE_OFF


async def test_a_switch_that_fails_says_so(hass: HomeAssistant, house: House) -> None:
    house.heater.fault = Fault.NOT_A_PLUG
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, "turn_on", "switch.chauffe_eau")
    assert raised.value.translation_key == "switch_failed"
    assert (raised.value.translation_placeholders or {})["plug"] == "Chauffe-eau"
    assert not house.heater.sockets[0].on
    assert _state(hass, "switch.chauffe_eau") == STATE_UNAVAILABLE  # read again at once


async def test_unavailable_while_a_plug_does_not_answer_and_back_after(
    hass: HomeAssistant,
    loaded_simulator: MockConfigEntry,
    house: House,
) -> None:
    plugs = {p.subentry.title: p for p in loaded_simulator.runtime_data.plugs.values()}
    # A reply that is not a plug's.
    house.radiators.fault = Fault.MALFORMED
    # Credentials changed on the plug.
    house.strip.token = NEW_TOKEN
    # A plug that went away: its server stops.
    heater_port = house.heater.port
    assert heater_port is not None
    await house.simulator._runners.pop(heater_port).cleanup()
    await _poll(hass, loaded_simulator)
    for entity_id in ("switch.radiateurs_socket_1", "switch.bureau_socket_1", "switch.chauffe_eau"):
        assert _state(hass, entity_id) == STATE_UNAVAILABLE
    assert _state(hass, "sensor.bureau_socket_1_power") == STATE_UNAVAILABLE
    keys = {title: plug.last_exception for title, plug in plugs.items()}
    assert {title: getattr(err, "translation_key", None) for title, err in keys.items()} == {
        "Radiateurs": "plug_bad_reply",
        "Bureau": "plug_auth",
        "Chauffe-eau": "plug_unreachable",
    }
    # The meter itself does not care.
    assert loaded_simulator.runtime_data.coordinator.last_update_success
    # Back.
    house.radiators.fault = Fault.NONE
    house.strip.token = TOKEN
    await house.simulator.add(house.heater, heater_port)
    await _poll(hass, loaded_simulator)
    for entity_id in ("switch.radiateurs_socket_1", "switch.bureau_socket_1", "switch.chauffe_eau"):
        assert _state(hass, entity_id) == STATE_OFF


async def test_closed_loop_the_simulated_meter_follows_the_sockets(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    meter = loaded_simulator.runtime_data.simulator
    assert meter is not None
    before = meter.extra_load_va
    assert before == 0.0
    await _switch(hass, "turn_on", "switch.chauffe_eau")
    assert meter.extra_load_va == pytest.approx(2000, abs=1)
    await _switch(hass, "turn_on", "switch.bureau_socket_1")  # 120 W at cos φ 0.9
    assert meter.extra_load_va == pytest.approx(2000 + 120 / 0.9, abs=1)
    # The meter's frames carry it: the household's load plus the plugs'.
    now = 1_750_000_000.0
    base = meter.load_va(now) - meter.extra_load_va
    assert meter.load_va(now) >= base + 2133
    await _switch(hass, "turn_off", "switch.chauffe_eau")
    await _switch(hass, "turn_off", "switch.bureau_socket_1")
    assert meter.extra_load_va == 0.0


async def test_diagnostics_list_the_plugs_without_their_secrets(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_simulator)
    plugs = {
        plug["data"]["plug_type"] + str(plug["data"]["sockets"]): plug
        for plug in diagnostics["plugs"]
    }
    strip = plugs["gestion_energie2"]
    assert strip["data"]["token"] == REDACTED
    assert strip["last_update_success"] is True
    assert strip["state"]["sockets"][0]["on"] is False
    heater = plugs["tasmota1"]
    assert heater["data"]["password"] == REDACTED
    assert PASSWORD not in str(diagnostics)


async def test_removing_a_plug_removes_its_device(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    (heater,) = (s for s in loaded_simulator.subentries.values() if s.title == "Chauffe-eau")
    hass.config_entries.async_remove_subentry(loaded_simulator, heater.subentry_id)
    await hass.async_block_till_done()
    devices = dr.async_get(hass)
    assert (
        devices.async_get_device_by_identifier(
            (DOMAIN, house.heater.device_id), loaded_simulator.entry_id
        )
        is None
    )
    assert heater.subentry_id not in loaded_simulator.runtime_data.plugs
    assert hass.states.get("switch.chauffe_eau") is None


async def test_the_loop_counts_power_when_a_plug_gives_no_current(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    runtime = loaded_simulator.runtime_data
    heater = next(p for p in runtime.plugs.values() if p.subentry.title == "Chauffe-eau")
    heater.async_set_updated_data(
        PlugState(sockets=(SocketState(on=True, power_w=1800.0),), power_w=1800.0)
    )
    assert heater.apparent_power_va == 1800.0
    assert runtime.simulator is not None
    assert runtime.simulator.extra_load_va == 0.0  # only polls feed the meter
    await heater.async_refresh()
    assert runtime.simulator.extra_load_va == 0.0  # the plug itself says it is off
    # A real meter measures the plugs itself: nothing to feed.
    runtime.simulator = None
    await heater.async_refresh()
