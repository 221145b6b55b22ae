"""Lights and fans in graded steps in a real Home Assistant: the demo's dimmable light and fan.

The proposed steps dim the light (then switch it off) and slow the fan (then stop it); every
step is undone to exactly the user's brightness and speed.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.gestion_energie.shedding_actuators import propose_steps, steps_to_data
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

from .conftest import Meter, start_entry
from .test_graded_loads import add_entry, frames_until, taken, user_call

LIGHT = "light.ceiling_lights"
FAN = "fan.living_room_fan"


async def setup_demo(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    platforms = [Platform.FAN, Platform.LIGHT]
    with patch(
        "homeassistant.components.demo.COMPONENTS_WITH_CONFIG_ENTRY_DEMO_PLATFORM", platforms
    ):
        assert await async_setup_component(hass, "demo", {})
        await hass.async_block_till_done()


def levels(hass: HomeAssistant) -> tuple[Any, ...]:
    light, fan = hass.states.get(LIGHT), hass.states.get(FAN)
    assert light is not None
    assert fan is not None
    return light.state, light.attributes.get("brightness"), fan.state, fan.attributes["percentage"]


async def test_a_light_is_dimmed_and_a_fan_slowed_before_either_is_off_and_both_come_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_demo(hass)
    await user_call(hass, "light", "turn_on", LIGHT, brightness=200)
    await user_call(hass, "fan", "turn_on", FAN, percentage=100)
    users = levels(hass)
    assert users == ("on", 200, "on", 100)
    light_steps = propose_steps(hass.states.get(LIGHT), 600)  # type: ignore[arg-type]
    fan_steps = propose_steps(hass.states.get(FAN), 900)  # type: ignore[arg-type]
    assert [step.target for step in light_steps] == ["50", "off"]
    assert [step.target for step in fan_steps] == ["66", "33", "off"]
    entry = add_entry(
        hass,
        {
            LIGHT: {
                CONF_PRIORITY: 10,
                CONF_DECLARED_POWER: 600,
                CONF_STEPS: steps_to_data(light_steps),
            },
            FAN: {
                CONF_PRIORITY: 20,
                CONF_DECLARED_POWER: 900,
                CONF_STEPS: steps_to_data(fan_steps),
            },
        },
    )
    await start_entry(hass, entry)
    meter = Meter(hass, entry, freezer)
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    restored = async_capture_events(hass, EVENT_LOAD_RESTORED)
    await meter.frames(3000, 2)
    await frames_until(meter, shed, 1, 6500)
    assert taken(shed) == [(LIGHT, 1, "50")]
    assert levels(hass) == ("on", 128, "on", 100)  # dimmed to 50 %
    await frames_until(meter, shed, 4, 6500)
    assert taken(shed) == [(LIGHT, 1, "50"), (LIGHT, 2, "off"), (FAN, 1, "66"), (FAN, 2, "33")]
    assert levels(hass) == ("off", None, "on", 33)
    # Room again: back one step at a time (each after its minimum off time), to the user's own.
    await frames_until(meter, restored, 4, 1000)
    assert sorted(taken(restored)) == [
        (FAN, 0, None),
        (FAN, 1, "66"),
        (LIGHT, 0, None),
        (LIGHT, 1, "50"),
    ]
    assert levels(hass) == users
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_load_form_offers_a_lights_brightness_and_a_fans_speeds_as_steps(
    hass: HomeAssistant,
) -> None:
    await setup_demo(hass)
    entry = add_entry(hass, {})
    await start_entry(hass, entry)
    manager = hass.config_entries.subentries
    for entity, choices, proposed in (
        (LIGHT, ["75", "50", "25"], {"step_1": "50", "saving_1": 300, "last_step": "off"}),
        (
            FAN,
            ["66", "33"],
            {"step_1": "66", "saving_1": 200, "step_2": "33", "saving_2": 400, "last_step": "off"},
        ),
    ):
        result = await manager.async_init(
            (entry.entry_id, SUBENTRY_LOAD), context={"source": "user"}
        )
        result = await manager.async_configure(
            result["flow_id"],
            {
                CONF_SWITCH: entity,
                CONF_PRIORITY: 20,
                CONF_DECLARED_POWER: 600,
                CONF_INTERRUPT: INTERRUPT_ALLOWED,
                CONF_RESTORE: RESTORE_AUTO,
                CONF_SHED_WHEN_STALE: False,
            },
        )
        assert result["step_id"] == "steps"
        schema = result["data_schema"]
        assert schema is not None
        fields = {str(key): key for key in schema.schema}
        assert schema.schema[fields["step_1"]].config["options"] == choices
        suggested = {
            name: key.description["suggested_value"]
            for name, key in fields.items()
            if key.description and "suggested_value" in key.description
        }
        assert suggested == proposed
        # A step past full brightness or speed, or a last step that is not off: refused.
        for wrong, error in (
            ({"step_1": "150", "saving_1": 100, "last_step": "off"}, "step_unknown_target"),
            ({"step_1": "50", "saving_1": 100, "last_step": "25"}, "steps_not_for_switch"),
            ({"step_1": "50", "saving_1": 700, "last_step": "off"}, "step_savings"),
        ):
            result = await manager.async_configure(result["flow_id"], wrong)
            assert result["errors"] == {"base": error}, wrong
        result = await manager.async_configure(
            result["flow_id"], {"step_1": "50", "saving_1": 250, "last_step": "off"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_STEPS] == [
            {"target": "50", "saving": 250.0},
            {"target": "off", "saving": None},
        ]
    await hass.config_entries.async_unload(entry.entry_id)
