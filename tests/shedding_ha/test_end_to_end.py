"""Load shedding end to end: a real Home Assistant, the plug simulator's HTTP plugs, a fed meter.

The house (`house.py`): the simulated meter's entry, two plugs of the plug simulator (the
project's API and Tasmota) and two loads managing their sockets' switches. Every assertion on a
socket reads the plug simulator's own state: the switching went over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
)

from custom_components.gestion_energie.const import (
    DOMAIN,
)
from custom_components.gestion_energie.shedding import LoadState
from custom_components.gestion_energie.shedding_const import (
    EVENT_LOAD_RESTORED,
    EVENT_LOAD_SHED,
)
from custom_components.gestion_energie.simulators.plugs import Fault
from tests.shedding_ha.house import HEATER, RADIATOR, House, open_house


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests reach the plug simulator on 127.0.0.1."""


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    async with open_house(hass, freezer) as house:
        yield house


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _switched(events: list[Event[dict[str, Any]]]) -> list[tuple[str, str]]:
    return [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in events]


async def test_the_house_is_set_up(hass: HomeAssistant, house: House) -> None:
    assert house.sockets() == (True, True)
    assert _state(hass, RADIATOR) == _state(hass, HEATER) == STATE_ON
    assert _state(hass, "sensor.radiateur_power") == "1500.0"
    assert _state(hass, "sensor.radiateur_status") == _state(hass, "sensor.chauffe_eau_status")
    assert _state(hass, "sensor.chauffe_eau_status") == STATE_ON
    assert _state(hass, "number.radiateur_priority") == "10"
    assert house.meter.extra_load_va == pytest.approx(3500, abs=1)


@pytest.mark.parametrize(
    ("power", "overload", "reason", "frames"),
    [
        (7000, True, "overload_signal", 1),  # STGE bit 7: at once
        (7000, False, "over_limit", 4),  # SINSTS above PCOUP for the shed dwell (5 s)
    ],
    ids=["stge_bit_7", "sinsts_above_pcoup"],
)
async def test_an_overload_switches_the_least_important_plug_off_then_back_on(
    hass: HomeAssistant, house: House, power: int, overload: bool, reason: str, frames: int
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    assert shed == []
    await house.step(power, frames - 1, overload=overload)
    assert shed == []
    await house.step(power, overload=overload)
    # The radiator's plug (project's API) switched its socket off; the water heater's stays on.
    assert house.sockets() == (False, True)
    assert _switched(shed) == [(RADIATOR, reason)]
    assert shed[0].data == {
        ATTR_ENTITY_ID: RADIATOR,
        "load": "Radiateur",
        "reason": reason,
        "step": 1,  # a switch's one step: off
        "target": "off",
        "config_entry_id": house.entry.entry_id,
        "subentry_id": "radiator",
    }
    assert _state(hass, RADIATOR) == STATE_OFF
    assert _state(hass, "sensor.radiateur_status") == "shed"
    assert _state(hass, "binary_sensor.linky_shedding_active") == STATE_ON
    assert _state(hass, "sensor.linky_shed_power") == "1500"
    # The power falls back: nothing comes back before the minimum off time (120 s) ...
    await house.step(2000, 55)  # 110 s
    assert restored == []
    assert house.sockets() == (False, True)
    # ... then the radiator does, the fresh frames having shown room for it.
    took = await house.step_until(restored, 1, 2000)
    assert 110 + took <= 130
    assert house.sockets() == (True, True)
    assert _switched(restored) == [(RADIATOR, "budget_available")]
    assert restored[0].data["subentry_id"] == "radiator"
    assert _state(hass, RADIATOR) == STATE_ON
    assert _state(hass, "sensor.radiateur_status") == STATE_ON
    assert _state(hass, "binary_sensor.linky_shedding_active") == STATE_OFF
    assert _state(hass, "sensor.linky_loads_shed") == "0"


async def test_a_big_overload_sheds_both_plugs_least_important_first(
    hass: HomeAssistant, house: House
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    await house.step(9000, overload=True)
    assert house.sockets() == (False, False)
    assert _switched(shed) == [(RADIATOR, "overload_signal"), (HEATER, "overload_signal")]
    # Back in stages, the most important (the water heater) first.
    await house.step_until(restored, 1, 1500)
    assert house.sockets() == (False, True)
    await house.step_until(restored, 2, 3500)
    assert house.sockets() == (True, True)
    assert [event.data[ATTR_ENTITY_ID] for event in restored] == [HEATER, RADIATOR]


async def test_a_plug_that_stops_answering_while_shed_is_restored_once_it_answers(
    hass: HomeAssistant, house: House
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert house.sockets() == (False, True)
    # The radiator's plug stops answering: its next poll times out (4 s), its switch is
    # unavailable.
    house.radiator.fault = Fault.SILENT
    await house.step(2000, 6)
    assert _state(hass, RADIATOR) == STATE_UNAVAILABLE
    assert _state(hass, "sensor.radiateur_status") == "shed"
    # Room again, well past the minimum off time, while the plug is still silent: nothing
    # breaks, the meter and the other plug go on, and the socket stays off.
    await house.step(2000, 60)
    assert house.sockets() == (False, True)
    assert restored == []
    assert _state(hass, HEATER) == STATE_ON
    assert house.coordinator.last_update_success
    # The plug answers again: the radiator comes back.
    house.radiator.fault = Fault.NONE
    await house.step_until(restored, 1, 2000)
    assert house.sockets() == (True, True)
    assert _state(hass, RADIATOR) == STATE_ON
    assert _state(hass, "sensor.radiateur_status") == STATE_ON
    assert _switched(shed) == [(RADIATOR, "overload_signal")]
    assert _switched(restored) == [(RADIATOR, "budget_available")]


async def test_closed_loop_shedding_a_socket_lowers_the_simulated_meter(
    hass: HomeAssistant, house: House
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    data = house.coordinator.data
    # The simulated meter's own frames: its household (~350 VA at night) plus both plugs.
    await house.step(count=3)
    before = data.apparent_power_va
    assert before is not None
    assert 3500 < before < 4000
    # A kettle and an oven on top for two minutes: above PCOUP, the meter raises STGE bit 7.
    house.meter.start_overload(time.time(), 2500, 120)
    await house.step()
    assert house.sockets() == (False, True)
    assert _switched(shed) == [(RADIATOR, "overload_signal")]
    # The plug read back at once after switching: the simulated meter already counts it.
    assert house.meter.extra_load_va == pytest.approx(2000, abs=1)
    await house.step()
    after = data.apparent_power_va
    assert after is not None
    assert after - (before + 2500) == pytest.approx(-1500, abs=150)
    assert after < 6000
    assert data.status is not None
    assert not data.status.reference_power_exceeded
    # The overload over, the radiator comes back and the meter shows it again.
    await house.step_until(restored, 1)
    assert house.sockets() == (True, True)
    await house.step()
    back = data.apparent_power_va
    assert back is not None
    assert back == pytest.approx(before, abs=150)
    assert house.meter.extra_load_va == pytest.approx(3500, abs=1)
    assert len(shed) == 1


async def test_a_restore_the_plug_refuses_is_held_again_and_tried_later(
    hass: HomeAssistant, house: House, caplog: pytest.LogCaptureFixture
) -> None:
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    await house.step(2000, 5)
    # The plug answers anything but a plug's reply just as the user boosts the radiator.
    house.radiator.fault = Fault.NOT_A_PLUG
    await hass.services.async_call(DOMAIN, "boost", {"load": RADIATOR}, blocking=True)
    await hass.async_block_till_done()
    assert "Could not switch switch.radiateur on: " in caplog.text
    assert house.sockets() == (False, True)
    assert _state(hass, RADIATOR) == STATE_UNAVAILABLE  # read again at once after the failure
    assert _state(hass, "sensor.radiateur_status") == "shed"  # held again, not forgotten
    await house.step(2000, 70)
    assert house.sockets() == (False, True)
    house.radiator.fault = Fault.NONE
    await house.step_until(restored, 2)
    assert house.sockets() == (True, True)
    assert _switched(restored) == [(RADIATOR, "boost"), (RADIATOR, "budget_available")]
    assert _state(hass, "sensor.radiateur_status") == "boost"  # on, and kept on for an hour


async def test_a_shed_plug_unavailable_at_start_comes_back_once_it_answers(
    hass: HomeAssistant, house: House
) -> None:
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    assert await hass.config_entries.async_unload(house.entry.entry_id)
    # Home Assistant restarts while the radiator's plug answers nonsense.
    house.radiator.fault = Fault.NOT_A_PLUG
    assert await hass.config_entries.async_setup(house.entry.entry_id)
    await hass.async_block_till_done()
    await house.entry.runtime_data.source.stop()
    assert _state(hass, RADIATOR) == STATE_UNAVAILABLE
    assert _state(hass, "sensor.radiateur_status") == "shed"
    await house.step(2000, 70)
    assert house.sockets() == (False, True)
    assert _state(hass, "sensor.radiateur_status") == "shed"
    house.radiator.fault = Fault.NONE
    await house.step_until(restored, 1, 2000)
    assert house.sockets() == (True, True)


async def test_a_restore_into_a_switch_that_is_gone_waits_for_it(
    hass: HomeAssistant, house: House, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant would skip a missing switch without a word: the manager does not."""
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await house.step(3500, 3)
    await house.step(7000, overload=True)
    # The engine still believes the switch off (its integration reloading, say) when it goes.
    hass.states.async_remove(RADIATOR)
    house.manager.engine.update_load(LoadState(RADIATOR, is_on=False), time.time())
    await house.step(2000, 70)
    assert "Could not switch switch.radiateur on: it is unavailable" in caplog.text
    assert restored == []
    assert _state(hass, "sensor.radiateur_status") == "shed"
    assert caplog.text.count("Could not switch") == 1  # then it waits for the switch
