"""Load shedding in a real Home Assistant: template switches, meter frames, the manager."""

from __future__ import annotations

from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Context, Event, HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_RESTORED, EVENT_LOAD_SHED

from .conftest import Meter

RADIATOR, HEATER, OVEN, WASHER = (
    "switch.radiator",
    "switch.water_heater",
    "switch.oven",
    "switch.washer",
)


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def user_switch(hass: HomeAssistant, entity_id: str, service: str) -> None:
    """A user's own switching, under a context of their own."""
    await hass.services.async_call(
        "switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True, context=Context()
    )
    await hass.async_block_till_done()


async def frames_until(
    meter: Meter, events: list[Event[dict[str, Any]]], count: int, power: int = 2000
) -> float:
    """Feed low-power frames every 2 s until `count` events; the seconds it took."""
    for frame in range(1, 200):
        await meter.frames(power)
        if len(events) >= count:
            return frame * 2.0
    raise AssertionError(events)


async def test_entities_devices_and_translations(hass: HomeAssistant, meter: Meter) -> None:
    entities = er.async_get(hass)
    assert state(hass, "switch.linky_load_shedding") == STATE_ON
    assert state(hass, "binary_sensor.linky_shedding_active") == STATE_OFF
    assert state(hass, "sensor.linky_loads_shed") == "0"
    assert state(hass, "sensor.linky_shed_power") == "0"
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "load_load0"), meter.entry.entry_id
    )
    assert device is not None
    assert device.name == "Radiator"
    assert device.config_subentry_id == "load0"
    names = {entry.entity_id for entry in er.async_entries_for_device(entities, device.id)}
    assert names == {
        "sensor.radiator_status",
        "sensor.radiator_step",
        "number.radiator_priority",
        "button.radiator_boost",
        "button.radiator_shed_earlier",
        "button.radiator_shed_later",
    }
    assert state(hass, "sensor.radiator_status") == STATE_ON
    assert state(hass, "number.radiator_priority") == "10"
    status = hass.states.get("sensor.water_heater_status")
    assert status is not None
    assert status.attributes["switch"] == HEATER
    assert status.attributes["estimated_power"] == 2000


async def test_sustained_overload_sheds_the_least_important_load(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 3)
    assert state(hass, "sensor.linky_power_available_for_loads") == "2100"  # 85 % x 6000 - 3000
    await meter.frames(7000, 4)
    assert state(hass, RADIATOR) == STATE_OFF
    assert state(hass, HEATER) == STATE_ON
    assert [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in shed] == [
        (RADIATOR, "over_limit")
    ]
    assert shed[0].data["load"] == "Radiator"
    assert shed[0].data["config_entry_id"] == meter.entry.entry_id
    assert state(hass, "sensor.radiator_status") == "shed"
    assert hass.states.get("sensor.radiator_status").attributes["reason"] == "over_limit"  # type: ignore[union-attr]
    assert state(hass, "binary_sensor.linky_shedding_active") == STATE_ON
    assert state(hass, "sensor.linky_loads_shed") == "1"
    assert state(hass, "sensor.linky_shed_power") == "1500"


async def test_overload_signal_sheds_as_many_as_needed_then_restores_in_stages(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [RADIATOR, HEATER]
    assert {event.data["reason"] for event in shed} == {"overload_signal"}
    assert (state(hass, RADIATOR), state(hass, HEATER), state(hass, OVEN)) == (
        STATE_OFF,
        STATE_OFF,
        STATE_ON,
    )
    # Room again: the minimum off time, then one load at a time, most important first.
    await meter.frames(2000, 50)  # 100 s
    assert restored == []
    await frames_until(meter, restored, 1)
    assert [event.data[ATTR_ENTITY_ID] for event in restored] == [HEATER]
    assert restored[0].data["reason"] == "budget_available"
    second = await frames_until(meter, restored, 2)
    assert second >= 8  # the meter must show the first before the second comes
    assert [event.data[ATTR_ENTITY_ID] for event in restored] == [HEATER, RADIATOR]
    assert state(hass, RADIATOR) == state(hass, HEATER) == STATE_ON
    assert state(hass, "binary_sensor.linky_shedding_active") == STATE_OFF


async def test_a_silent_meter_never_restores_and_sheds_the_flagged_loads(
    hass: HomeAssistant, meter: Meter
) -> None:
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, HEATER) == STATE_OFF
    await meter.frames(2000, 5)
    await meter.silence(300)  # the meter goes silent well past the minimum off time
    assert restored == []
    assert state(hass, HEATER) == STATE_OFF
    # A full restore dwell of fresh readings is needed again.
    await meter.frames(2000, 20)
    assert restored == []
    await frames_until(meter, restored, 1)
    assert [event.data[ATTR_ENTITY_ID] for event in restored] == [HEATER]
    # The radiator is flagged "shed when the meter is silent": restored, then shed on silence.
    await frames_until(meter, restored, 2)
    assert state(hass, RADIATOR) == STATE_ON
    shed.clear()
    await meter.silence(40)
    assert [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in shed] == [
        (RADIATOR, "stale_meter")
    ]


async def test_a_user_turning_a_shed_load_on_is_respected(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await meter.frames(7000, 4)
    assert state(hass, RADIATOR) == STATE_OFF
    await meter.frames(5500, 5)
    await user_switch(hass, RADIATOR, "turn_on")
    assert state(hass, RADIATOR) == STATE_ON
    assert state(hass, "sensor.radiator_status") == "override"
    assert "left_alone_until" in hass.states.get("sensor.radiator_status").attributes  # type: ignore[union-attr]
    await meter.frames(7000, 6)
    assert state(hass, RADIATOR) == STATE_ON
    assert state(hass, HEATER) == STATE_OFF
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [RADIATOR, HEATER]


async def test_the_late_echo_of_an_overtaken_command_is_no_override(
    hass: HomeAssistant, meter: Meter
) -> None:
    manager = meter.manager
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, RADIATOR) == STATE_OFF
    # An "on" asked earlier by the manager lands after its newer "off": still shed.
    stale = Context()
    manager._contexts[stale.id] = 0  # the step asked: on (the user's own state)
    hass.states.async_set(RADIATOR, STATE_ON, context=stale)
    await hass.async_block_till_done()
    assert state(hass, "sensor.radiator_status") == "shed"


async def test_shedding_survives_a_restart_and_is_reconciled(
    hass: HomeAssistant, meter: Meter
) -> None:
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, RADIATOR) == state(hass, HEATER) == STATE_OFF
    assert await hass.config_entries.async_unload(meter.entry.entry_id)
    # While Home Assistant was down, someone switched the water heater back on.
    await hass.services.async_call(
        "input_boolean", "turn_on", {ATTR_ENTITY_ID: "input_boolean.water_heater"}, blocking=True
    )
    assert await hass.config_entries.async_setup(meter.entry.entry_id)
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert state(hass, "sensor.radiator_status") == "shed"
    assert state(hass, "sensor.water_heater_status") == STATE_ON
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await frames_until(meter, restored, 1)
    assert [event.data[ATTR_ENTITY_ID] for event in restored] == [RADIATOR]


async def test_a_broken_saved_state_is_ignored(
    hass: HomeAssistant, meter: Meter, hass_storage: dict[str, object]
) -> None:
    assert await hass.config_entries.async_unload(meter.entry.entry_id)
    key = f"{DOMAIN}.shedding.{meter.entry.entry_id}"
    hass_storage[key] = {"version": 1, "key": key, "data": {"engine": {"version": 99}}}
    assert await hass.config_entries.async_setup(meter.entry.entry_id)
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert state(hass, "sensor.radiator_status") == STATE_ON


async def test_a_load_shed_for_long_raises_a_repair_issue_and_a_notification(
    hass: HomeAssistant, meter: Meter
) -> None:
    await meter.frames(3000, 2)
    await meter.frames(7000, 4)
    assert state(hass, RADIATOR) == STATE_OFF
    await meter.silence(4 * 3600 + 10, step=600)
    issue_id = f"long_shed_{meter.entry.entry_id}_load0"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "long_shed"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["load"] == "Radiator"
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert "Radiator" in notifications[issue_id]["message"]
    assert notifications[issue_id]["title"] == "Radiator shed for long"
    await hass.services.async_call(DOMAIN, "restore", {"load": RADIATOR}, blocking=True)
    await hass.async_block_till_done()
    assert state(hass, RADIATOR) == STATE_ON
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert issue_id not in notifications


async def test_a_notify_only_load_is_not_restored_but_announced(
    hass: HomeAssistant, meter: Meter
) -> None:
    await meter.frames(3000, 2)
    await hass.services.async_call(DOMAIN, "boost", {"load": RADIATOR}, blocking=True)
    await hass.services.async_call(DOMAIN, "boost", {"load": HEATER}, blocking=True)
    await meter.frames(9000, 1, overload=True)
    assert state(hass, OVEN) == STATE_OFF  # the boosted loads are left alone
    assert state(hass, "sensor.radiator_status") == "boost"
    await meter.frames(2000, 70)
    assert state(hass, OVEN) == STATE_OFF
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notifications["load_can_return_load2"]["message"] == (
        "There is room again for Oven: switch it back on when you want."
    )


async def test_an_idle_load_that_may_not_be_cut_is_kept_from_starting(
    hass: HomeAssistant, meter: Meter
) -> None:
    hass.states.async_set(
        "sensor.washer_power", "0.002", {"unit_of_measurement": "kW", "device_class": "power"}
    )
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(4500, 3)
    assert [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in shed] == [
        (WASHER, "prevent_start")
    ]
    hass.states.async_set("sensor.washer_power", "unknown")
    await hass.async_block_till_done()


async def test_the_enable_switch(hass: HomeAssistant, meter: Meter) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: "switch.linky_load_shedding"}, blocking=True
    )
    await meter.frames(3000, 2)
    await meter.frames(9000, 3, overload=True)
    assert shed == []
    assert state(hass, "switch.linky_load_shedding") == STATE_OFF
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: "switch.linky_load_shedding"}, blocking=True
    )
    await meter.frames(9000, 1, overload=True)
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [RADIATOR, HEATER]
    assert state(hass, "switch.linky_load_shedding") == STATE_ON


async def test_a_failing_switch_is_logged_and_shedding_goes_on(
    hass: HomeAssistant, meter: Meter, caplog: pytest.LogCaptureFixture
) -> None:
    async def refuse(call: ServiceCall) -> None:
        raise HomeAssistantError("the plug does not answer")

    hass.services.async_register("switch", "turn_off", refuse)
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert "Could not switch switch.radiator off: the plug does not answer" in caplog.text
    assert state(hass, "sensor.radiator_status") == "shed"  # as decided; the switch tells later


async def test_state_is_saved_when_home_assistant_stops(
    hass: HomeAssistant, meter: Meter, hass_storage: dict[str, Any]
) -> None:
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    saved = hass_storage[f"{DOMAIN}.shedding.{meter.entry.entry_id}"]["data"]
    assert saved["engine"]["loads"][RADIATOR]["hold"]["reason"] == "overload_signal"


async def test_unavailable_switches_and_odd_sensor_values_are_skipped(
    hass: HomeAssistant, meter: Meter
) -> None:
    hass.states.async_set("input_boolean.radiator", STATE_UNAVAILABLE)
    hass.states.async_set(RADIATOR, STATE_UNAVAILABLE)
    hass.states.async_set("sensor.washer_power", "n/a")
    await hass.async_block_till_done()
    assert state(hass, "sensor.radiator_status") == STATE_UNKNOWN
    await meter.frames(3000, 2)
    assert meter.manager._power_w(meter.manager.loads[WASHER]) is None
