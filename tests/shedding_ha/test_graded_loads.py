"""Loads of steps in a real Home Assistant: climate, select, number and water heater entities.

Home Assistant's `demo` integration gives a thermostat (`climate.heatpump`, heating at 20 °C),
a water heater (`water_heater.demo_water_heater_celsius`, eco at 45 °C) and a number standing
for a charger's current (`number.large_range`, 500 of 1 to 1000); a template select is a fil
pilote heater (comfort / eco / frost_protection / off). The meter is the simulated 6 kVA one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, DOMAIN
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_STEPS,
    CONF_SWITCH,
    EVENT_LOAD_RESTORED,
    EVENT_LOAD_SHED,
    INTERRUPT_ALLOWED,
    RESTORE_AUTO,
    SUBENTRY_LOAD,
)
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA

from .conftest import Meter, start_entry

FIL_PILOTE = "select.fil_pilote"
THERMOSTAT = "climate.heatpump"
CHARGER = "number.large_range"
WATER_HEATER = "water_heater.demo_water_heater_celsius"


def steps(*items: tuple[str, int | None]) -> list[dict[str, Any]]:
    return [{"target": target, "saving": saving} for target, saving in items]


# The least important first: the fil pilote heater, the thermostat, the charger, the water heater.
LOADS: dict[str, dict[str, Any]] = {
    FIL_PILOTE: {
        CONF_PRIORITY: 10,
        CONF_DECLARED_POWER: 1500,
        CONF_STEPS: steps(("eco", 500), ("frost_protection", 1000), ("off", None)),
    },
    THERMOSTAT: {
        CONF_PRIORITY: 20,
        CONF_DECLARED_POWER: 2000,
        CONF_STEPS: steps(("-2", 800), ("off", None)),
    },
    CHARGER: {
        CONF_PRIORITY: 30,
        CONF_DECLARED_POWER: 3000,
        CONF_STEPS: steps(("250", 1500), ("1", None)),
    },
    WATER_HEATER: {CONF_PRIORITY: 40, CONF_DECLARED_POWER: 2000, CONF_STEPS: steps(("off", None))},
}


async def setup_entities(hass: HomeAssistant) -> None:
    """The demo's climate, number and water heater, and a template fil pilote select."""
    platforms = [Platform.CLIMATE, Platform.NUMBER, Platform.WATER_HEATER]
    assert await async_setup_component(
        hass, "homeassistant", {}
    )  # the demo's conversation needs it
    with patch(
        "homeassistant.components.demo.COMPONENTS_WITH_CONFIG_ENTRY_DEMO_PLATFORM", platforms
    ):
        assert await async_setup_component(hass, "demo", {})
        await hass.async_block_till_done()
    select = {
        "name": "Fil pilote",
        "unique_id": "fil_pilote",
        "options": "{{ ['comfort', 'eco', 'frost_protection', 'off'] }}",
        "optimistic": True,
    }
    assert await async_setup_component(hass, "template", {"template": [{"select": [select]}]})
    await hass.async_block_till_done()
    await user_call(hass, "select", "select_option", FIL_PILOTE, option="comfort")


async def user_call(
    hass: HomeAssistant, domain: str, service: str, entity: str, **data: Any
) -> None:
    """A user's own change, under a context of their own."""
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity, **data}, blocking=True, context=Context()
    )
    await hass.async_block_till_done()


def users_states(hass: HomeAssistant) -> dict[str, Any]:
    """What the user set: the select's option, the thermostat's mode and setpoint, ..."""

    def read(entity: str) -> Any:
        state = hass.states.get(entity)
        assert state is not None, entity
        return state

    climate, heater = read(THERMOSTAT), read(WATER_HEATER)
    return {
        FIL_PILOTE: read(FIL_PILOTE).state,
        THERMOSTAT: (climate.state, climate.attributes["temperature"]),
        CHARGER: float(read(CHARGER).state),
        WATER_HEATER: (heater.state, heater.attributes["temperature"]),
    }


USERS = {
    FIL_PILOTE: "comfort",
    THERMOSTAT: ("heat", 20.0),
    CHARGER: 500.0,
    WATER_HEATER: ("eco", 45.0),
}


def add_entry(hass: HomeAssistant, loads: dict[str, dict[str, Any]]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        options={CONF_UPDATE_INTERVAL: 0},
        subentries_data=[
            ConfigSubentryDataWithId(
                data={
                    CONF_SWITCH: entity,
                    CONF_INTERRUPT: INTERRUPT_ALLOWED,
                    CONF_RESTORE: RESTORE_AUTO,
                    CONF_SHED_WHEN_STALE: False,
                    **flags,
                },
                subentry_type=SUBENTRY_LOAD,
                title=entity.partition(".")[2],
                unique_id=None,
                subentry_id=f"load{index}",
            )
            for index, (entity, flags) in enumerate(loads.items())
        ],
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def meter(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[Meter]:
    await setup_entities(hass)
    entry = add_entry(hass, LOADS)
    await start_entry(hass, entry)
    yield Meter(hass, entry, freezer)
    if hass.config_entries.async_get_entry(entry.entry_id) is not None:
        await hass.config_entries.async_unload(entry.entry_id)


def taken(events: list[Event[dict[str, Any]]]) -> list[tuple[str, int, str | None]]:
    return [
        (event.data[ATTR_ENTITY_ID], event.data["step"], event.data["target"]) for event in events
    ]


async def frames_until(
    meter: Meter, events: list[Event[dict[str, Any]]], count: int, power: int
) -> None:
    for _ in range(300):
        if len(events) >= count:
            return
        await meter.frames(power)
    raise AssertionError(taken(events))


async def test_an_overload_lowers_the_heaters_step_by_step_before_cutting_the_water_heater(
    hass: HomeAssistant, meter: Meter
) -> None:
    assert users_states(hass) == USERS
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await meter.frames(3000, 2)
    # Above the 6 kVA shed limit, sustained: one step at a time, the least important first.
    await frames_until(meter, shed, 1, 7000)
    assert taken(shed) == [(FIL_PILOTE, 1, "eco")]
    assert hass.states.get(FIL_PILOTE).state == "eco"  # type: ignore[union-attr]
    assert hass.states.get("sensor.fil_pilote_step").state == "1"  # type: ignore[union-attr]
    assert hass.states.get("sensor.fil_pilote_step").attributes["target"] == "eco"  # type: ignore[union-attr]
    await frames_until(meter, shed, 6, 7000)
    assert taken(shed) == [
        (FIL_PILOTE, 1, "eco"),
        (FIL_PILOTE, 2, "frost_protection"),
        (FIL_PILOTE, 3, "off"),
        (THERMOSTAT, 1, "-2"),
        (THERMOSTAT, 2, "off"),
        (CHARGER, 1, "250"),
    ]
    states = users_states(hass)
    assert states[THERMOSTAT] == ("off", 18.0)
    assert states[CHARGER] == 250.0
    assert states[WATER_HEATER] == ("eco", 45.0)  # the most important: untouched so far
    # The power falls: every load climbs back, one step at a time (as each one's minimum off
    # time ends), to exactly the user's own state.
    await frames_until(meter, restored, 6, 1000)
    climbs = {
        entity: [step for shown, step, _ in taken(restored) if shown == entity]
        for entity in (FIL_PILOTE, THERMOSTAT, CHARGER)
    }
    assert climbs == {FIL_PILOTE: [2, 1, 0], THERMOSTAT: [1, 0], CHARGER: [0]}
    assert users_states(hass) == USERS
    assert hass.states.get("sensor.fil_pilote_step").state == "0"  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.linky_shedding_active").state == "off"  # type: ignore[union-attr]


async def test_an_emergency_takes_the_steps_needed_at_once_and_the_water_heater_last(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await meter.frames(3000, 2)
    await meter.frames(14000, overload=True)  # 8000 VA too much: all four
    assert taken(shed) == [
        (FIL_PILOTE, 3, "off"),
        (THERMOSTAT, 2, "off"),
        (CHARGER, 2, "1"),
        (WATER_HEATER, 1, "off"),
    ]
    assert hass.states.get(WATER_HEATER).state == "off"  # type: ignore[union-attr]
    await frames_until(meter, restored, 8, 500)  # 3 + 2 + 2 + 1 steps back up
    assert users_states(hass) == USERS


async def test_the_users_change_of_a_lowered_thermostat_is_respected(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await meter.frames(3000, 2)
    await frames_until(meter, shed, 4, 7000)
    assert taken(shed)[-1] == (THERMOSTAT, 1, "-2")
    assert users_states(hass)[THERMOSTAT] == ("heat", 18.0)
    await user_call(hass, "climate", "set_temperature", THERMOSTAT, temperature=21)
    assert hass.states.get("sensor.heatpump_status").state == "override"  # type: ignore[union-attr]
    assert hass.states.get("sensor.heatpump_step").state == "0"  # type: ignore[union-attr]
    # Room again: the fil pilote comes back; the thermostat is the user's, at 21 °C.
    await frames_until(meter, restored, 3, 1000)
    assert [entity for entity, _, _ in taken(restored)] == [FIL_PILOTE] * 3
    assert users_states(hass)[THERMOSTAT] == ("heat", 21.0)


async def test_a_load_held_at_a_step_comes_back_to_the_users_state_after_a_restart(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await frames_until(meter, shed, 4, 7000)
    assert users_states(hass)[THERMOSTAT] == ("heat", 18.0)
    assert await hass.config_entries.async_unload(meter.entry.entry_id)
    await start_entry(hass, meter.entry)
    assert hass.states.get("sensor.heatpump_step").state == "1"  # type: ignore[union-attr]
    assert hass.states.get("sensor.fil_pilote_step").state == "3"  # type: ignore[union-attr]
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await frames_until(meter, restored, 4, 1000)
    assert users_states(hass) == USERS


async def test_a_deleted_load_held_at_a_step_is_given_back_to_the_users_state(
    hass: HomeAssistant, meter: Meter
) -> None:
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await frames_until(meter, shed, 2, 7000)
    assert users_states(hass)[FIL_PILOTE] == "frost_protection"
    hass.config_entries.async_remove_subentry(meter.entry, "load0")
    await hass.async_block_till_done()
    assert users_states(hass)[FIL_PILOTE] == "comfort"


async def test_the_load_form_proposes_steps_from_the_entitys_capabilities(
    hass: HomeAssistant, meter: Meter
) -> None:
    await user_call(hass, "select", "select_option", FIL_PILOTE, option="comfort")
    hass.config_entries.async_remove_subentry(meter.entry, "load1")  # the thermostat
    await hass.async_block_till_done()
    manager = hass.config_entries.subentries
    result = await manager.async_init(
        (meter.entry.entry_id, SUBENTRY_LOAD), context={"source": "user"}
    )
    form = {CONF_SWITCH: "climate.ecobee", CONF_PRIORITY: 20, CONF_DECLARED_POWER: 2000}
    result = await manager.async_configure(
        result["flow_id"],
        {
            **form,
            CONF_INTERRUPT: INTERRUPT_ALLOWED,
            CONF_RESTORE: RESTORE_AUTO,
            CONF_SHED_WHEN_STALE: False,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "steps"
    # The demo Ecobee has the presets home, eco and away: eco, then away, then off.
    schema = result["data_schema"]
    assert schema is not None
    suggested = {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {
        "step_1": "eco",
        "saving_1": 667,
        "step_2": "away",
        "saving_2": 1333,
        "last_step": "off",
    }
    targets = schema.schema[next(key for key in schema.schema if str(key) == "step_1")]
    # Its presets (it has no single setpoint to offer offsets of; one may still be typed).
    assert targets.config["options"] == ["home", "eco", "away"]
    assert targets.config["custom_value"] is True
    for wrong, errors in (
        ({"step_1": "eco", "saving_1": 600, "last_step": "away"}, {"base": "step_last_not_off"}),
        (
            {"step_1": "comfort", "saving_1": 900, "last_step": "off"},
            {"base": "step_unknown_target"},
        ),
        (
            {
                "step_1": "eco",
                "saving_1": 900,
                "step_2": "away",
                "saving_2": 600,
                "last_step": "off",
            },
            {"base": "step_savings"},
        ),
        ({"step_1": "eco", "last_step": "off"}, {"saving_1": "step_saving_missing"}),
        ({"saving_2": 600, "last_step": "off"}, {"step_2": "step_target_missing"}),
    ):
        result = await manager.async_configure(result["flow_id"], wrong)
        assert result["errors"] == errors, wrong
    result = await manager.async_configure(
        result["flow_id"],
        {"step_1": "eco", "saving_1": 600, "step_3": "-3", "saving_3": 1200, "last_step": "off"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_STEPS] == steps(("eco", 600), ("-3", 1200), ("off", None))
