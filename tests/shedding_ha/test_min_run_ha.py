"""A minimum daily run in a real Home Assistant: the demo's water heater, left off by the user.

Off-peak (the simulated meter's LTARF says HEURE CREUSE) and with room, the engine switches it
on for its 4 h, across a restart of the entry, then puts back exactly the user's off.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_MIN_RUN,
    CONF_PRIORITY,
    CONF_STEPS,
    EVENT_LOAD_RESTORED,
    EVENT_LOAD_SHED,
)

from .conftest import Meter, start_entry
from .test_graded_loads import WATER_HEATER, add_entry, setup_entities, steps, user_call

LOADS = {
    WATER_HEATER: {
        CONF_PRIORITY: 40,
        CONF_DECLARED_POWER: 2000,
        CONF_STEPS: steps(("off", None)),
        CONF_MIN_RUN: 4,
    }
}


def heater(hass: HomeAssistant) -> tuple[str, float]:
    state = hass.states.get(WATER_HEATER)
    assert state is not None
    return state.state, state.attributes["temperature"]


async def test_a_water_heater_left_off_runs_its_four_hours_off_peak_then_is_left_off_again(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-01-15T10:00:00+00:00")  # 02:00 where the tests' Home Assistant is
    await setup_entities(hass)
    await user_call(hass, "water_heater", "set_temperature", WATER_HEATER, temperature=52)
    await user_call(hass, "water_heater", "set_operation_mode", WATER_HEATER, operation_mode="off")
    entry = add_entry(hass, LOADS)
    await start_entry(hass, entry)
    meter = Meter(hass, entry, freezer)
    on = async_capture_events(hass, EVENT_LOAD_RESTORED)
    off = async_capture_events(hass, EVENT_LOAD_SHED)
    # No room for its 2000 W under the restore limit (5100 VA): left off.
    await meter.frames(3500, 40)
    assert heater(hass) == ("off", 52)
    assert on == []
    # Room over the restore dwell: switched on, and says why.
    await meter.frames(2000, 40)
    assert [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in on] == [
        (WATER_HEATER, "min_run")
    ]
    assert heater(hass)[0] != "off"
    assert hass.states.get("sensor.demo_water_heater_celsius_status").state == "min_run"  # type: ignore[union-attr]
    await meter.frames(4000, 30, every=60.0)  # half an hour of its run
    # A restart of the entry: the run goes on, and the user's off is still known.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await start_entry(hass, entry)
    assert heater(hass)[0] != "off"
    await meter.frames(4000, 3 * 60 + 25, every=60.0)
    assert off == []  # not yet: 3 h 55 min
    await meter.frames(4000, 10, every=60.0)
    assert [(event.data[ATTR_ENTITY_ID], event.data["reason"]) for event in off] == [
        (WATER_HEATER, "min_run_met")
    ]
    assert heater(hass) == ("off", 52)  # exactly as the user left it
    assert len(on) == 1
    # Done for the day: left off, with room.
    await meter.frames(2000, 60)
    assert len(on) == 1
    assert hass.states.get("sensor.demo_water_heater_celsius_status").state == "off"  # type: ignore[union-attr]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_load_deleted_while_run_for_its_minimum_goes_back_to_the_users_off(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-01-15T10:00:00+00:00")
    await setup_entities(hass)
    await user_call(hass, "water_heater", "set_operation_mode", WATER_HEATER, operation_mode="off")
    entry = add_entry(hass, LOADS)
    await start_entry(hass, entry)
    meter = Meter(hass, entry, freezer)
    await meter.frames(2000, 40)
    assert heater(hass)[0] != "off"  # running for its minimum
    hass.config_entries.async_remove_subentry(entry, "load0")
    await hass.async_block_till_done()
    # Nothing will switch it off once its run is met: back to the user's off now.
    assert heater(hass)[0] == "off"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_meter_removed_while_a_load_runs_for_its_minimum_puts_back_the_users_off(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-01-15T10:00:00+00:00")
    await setup_entities(hass)
    await user_call(hass, "water_heater", "set_operation_mode", WATER_HEATER, operation_mode="off")
    entry = add_entry(hass, LOADS)
    await start_entry(hass, entry)
    await Meter(hass, entry, freezer).frames(2000, 40)
    assert heater(hass)[0] != "off"
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert heater(hass)[0] == "off"


async def test_simulate_answers_a_minimum_run_off_peak_and_not_during_peak_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-01-15T10:00:00+00:00")
    await setup_entities(hass)
    await user_call(hass, "water_heater", "set_operation_mode", WATER_HEATER, operation_mode="off")
    entry = add_entry(hass, LOADS)
    await start_entry(hass, entry)
    await Meter(hass, entry, freezer).frames(4500)  # off-peak hours, no room yet

    async def simulate(**reading: object) -> list[dict[str, object]]:
        events = [{"at": float(at), "power": 2000, **reading} for at in range(0, 70, 2)]
        response = await hass.services.async_call(
            DOMAIN,
            "simulate",
            {"config_entry_id": entry.entry_id, "events": events},
            blocking=True,
            return_response=True,
        )
        assert response is not None
        return response["actions"]  # type: ignore[return-value]

    assert await simulate(off_peak=False) == []  # peak hours, the day long enough
    answered = await simulate()  # as now: the meter says off-peak hours
    assert [(item["action"], item["reason"]) for item in answered] == [("run_on", "min_run")]
    assert heater(hass)[0] == "off"  # a dry run
    await hass.config_entries.async_unload(entry.entry_id)
