"""Load shedding's services and the load subentry flow, in a real Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_SHED, SUBENTRY_LOAD

from .conftest import Meter
from .test_manager import HEATER, OVEN, RADIATOR, WASHER, state


async def call(hass: HomeAssistant, service: str, **data: Any) -> Any:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=service == "simulate"
    )
    await hass.async_block_till_done()
    return response


async def test_shed_and_restore_by_hand(hass: HomeAssistant, meter: Meter) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await call(hass, "shed", load=HEATER)
    assert state(hass, HEATER) == STATE_OFF
    assert shed[0].data["reason"] == "manual"
    # Shed by hand: it stays off however much room there is.
    await meter.frames(1000, 100)
    assert state(hass, HEATER) == STATE_OFF
    await call(hass, "restore", load=HEATER)
    assert state(hass, HEATER) == STATE_ON
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "restore", load=HEATER)
    assert err.value.translation_key == "load_not_shed"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "shed", load="switch.unknown")
    assert err.value.translation_key == "load_not_managed"
    assert "switch.unknown is not a load managed by load shedding" in str(err.value)


async def test_boost_button_and_service(hass: HomeAssistant, meter: Meter) -> None:
    await meter.frames(3000, 2)
    await call(hass, "shed", load=OVEN)
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.oven_boost"}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, OVEN) == STATE_ON
    assert state(hass, "sensor.oven_status") == "boost"
    await call(hass, "boost", load=RADIATOR, duration={"minutes": 5})
    assert state(hass, "sensor.radiator_status") == "boost"
    await meter.frames(9000, 1, overload=True)
    assert state(hass, RADIATOR) == STATE_ON
    assert state(hass, HEATER) == STATE_OFF


async def test_priorities_and_limits_are_kept_across_restarts(
    hass: HomeAssistant, meter: Meter
) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.radiator_priority", "value": 90},
        blocking=True,
    )
    await call(hass, "set_priority", load=OVEN, priority=5)
    assert state(hass, "number.radiator_priority") == "90"
    assert state(hass, "number.oven_priority") == "5"
    await call(
        hass,
        "set_limits",
        config_entry_id=meter.entry.entry_id,
        shed_limit=5000,
        restore_limit=4000,
        unit="VA",
    )
    await hass.config_entries.async_reload(meter.entry.entry_id)
    await hass.async_block_till_done()
    await meter.entry.runtime_data.source.stop()
    assert state(hass, "number.radiator_priority") == "90"
    assert state(hass, "number.oven_priority") == "5"
    assert meter.manager.settings.shed_limit.value == 5000
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(5500, 4)  # above the new 5000 VA limit: the oven is now least important
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == [OVEN]
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "set_limits",
            config_entry_id=meter.entry.entry_id,
            shed_limit=90,
            restore_limit=95,
        )
    assert err.value.translation_key == "invalid_limits"
    await call(
        hass, "set_limits", config_entry_id=meter.entry.entry_id, shed_limit=100, restore_limit=85
    )
    assert meter.manager._data()["limits"] is None  # back to the defaults


async def test_simulate_answers_the_decisions_without_acting(
    hass: HomeAssistant, meter: Meter
) -> None:
    await meter.frames(3000, 2)
    response = await call(
        hass,
        "simulate",
        config_entry_id=meter.entry.entry_id,
        events=[
            {"at": 0, "power": 7000},
            {"at": 3, "switch": OVEN, "on": True, "power": 900},
            {"at": 6, "power": 7000},
            {"at": 30},
            {"at": 40, "power": 9500, "overload": True, "seconds_left": 20},
        ],
    )
    assert response["actions"] == [
        {
            "at": 6.0,
            "action": "shed",
            "switch": RADIATOR,
            "load": "Radiator",
            "reason": "over_limit",
            "step": 1,
            "target": "off",
        },
        {
            "at": 40.0,
            "action": "shed",
            "switch": HEATER,
            "load": "Water heater",
            "reason": "cutoff_near",
            "step": 1,
            "target": "off",
        },
        {
            "at": 40.0,
            "action": "shed",
            "switch": OVEN,
            "load": "Oven",
            "reason": "cutoff_near",
            "step": 1,
            "target": "off",
        },
        {
            "at": 40.0,
            "action": "shed",
            "switch": WASHER,
            "load": "Washer",
            "reason": "cutoff_near",
            "step": 1,
            "target": "off",
        },  # may not be cut while running: the last resort
    ]
    assert state(hass, RADIATOR) == STATE_ON  # nothing happened
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "simulate",
            config_entry_id=meter.entry.entry_id,
            events=[{"at": 0, "switch": "switch.unknown", "on": False}],
        )
    assert err.value.translation_key == "load_not_managed"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "simulate", config_entry_id="nope", events=[{"at": 0}])
    assert err.value.translation_key == "service_config_entry_not_found"


async def test_simulate_needs_the_cutoff_power_before_the_meter_gave_it(
    hass: HomeAssistant, meter: Meter
) -> None:
    meter.coordinator.data.cutoff_power_va = None
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "simulate",
            config_entry_id=meter.entry.entry_id,
            events=[{"at": 0, "power": 7000}],
        )
    assert err.value.translation_key == "simulate_needs_pcoup"
    response = await call(
        hass,
        "simulate",
        config_entry_id=meter.entry.entry_id,
        events=[{"at": 0, "power": 7000, "pcoup": 6}, {"at": 10, "power": 7000}],
    )
    assert [action["switch"] for action in response["actions"]] == [RADIATOR]


async def test_a_long_shed_action_is_described(hass: HomeAssistant, meter: Meter) -> None:
    await meter.frames(3000, 2)
    await call(hass, "shed", load=RADIATOR)
    response = await call(
        hass, "simulate", config_entry_id=meter.entry.entry_id, events=[{"at": 5 * 3600}]
    )
    assert response["actions"][0] == {
        "at": 18000.0,
        "action": "long_shed",
        "switch": RADIATOR,
        "load": "Radiator",
    }


async def test_add_a_load_through_the_subentry_flow(hass: HomeAssistant, meter: Meter) -> None:
    hass.states.async_set("switch.dryer", STATE_ON, {"friendly_name": "Sèche-linge"})
    result = await hass.config_entries.subentries.async_init(
        (meter.entry.entry_id, SUBENTRY_LOAD), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    form = {
        "switch": RADIATOR,
        "priority": 20,
        "declared_power": 2500,
        "interrupt": "prevent_start",
        "restore": "notify",
        "shed_when_stale": True,
    }
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["errors"] == {"switch": "switch_already_managed"}
    form["switch"] = "switch.nowhere"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["errors"] == {"switch": "switch_not_found"}
    form["switch"] = "switch.dryer"
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Sèche-linge"
    await hass.async_block_till_done()
    (subentry,) = (
        item for item in meter.entry.subentries.values() if item.data["switch"] == "switch.dryer"
    )
    assert subentry.data["priority"] == 20
    await meter.entry.runtime_data.source.stop()  # the entry reloaded with the new load
    assert "switch.dryer" in meter.manager.loads
    assert state(hass, "sensor.seche_linge_status") == STATE_ON
    # Reconfigure: another name and priority, the same switch is no duplicate of itself.
    started = await meter.entry.start_subentry_reconfigure_flow(hass, subentry.subentry_id)
    assert started["type"] is FlowResultType.FORM
    result = await hass.config_entries.subentries.async_configure(
        started["flow_id"], {**form, "name": "Dryer", "priority": 70}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert meter.entry.subentries[subentry.subentry_id].title == "Dryer"
    assert meter.entry.subentries[subentry.subentry_id].data["priority"] == 70
