"""scripts/develop's graded loads in a real Home Assistant: the helper's heater, thermostat,
water heater and charger entities, added as loads of the simulated meter through the load form,
their power drawn on the meter."""

from __future__ import annotations

from pathlib import Path
import sys
from typing import Any

from homeassistant.components.recorder import Recorder
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.shedding_const import (
    CONF_MIN_RUN,
    CONF_PRIORITY,
    CONF_STEPS,
    CONF_SWITCH,
    SUBENTRY_LOAD,
)

# The helper is a custom integration of scripts/develop, beside the checkout's own.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "develop"))
from custom_components.gestion_energie_develop import DOMAIN
from custom_components.gestion_energie_develop.appliances import (
    CHARGER,
    DATA_FEED,
    FIL_PILOTE,
    THERMOSTAT,
    WATER_HEATER,
    async_add_graded_loads,
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


def _loads(entry: MockConfigEntry) -> dict[str, dict[str, Any]]:
    return {
        subentry.data[CONF_SWITCH]: dict(subentry.data)
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_LOAD
    }


def _targets(load: dict[str, Any]) -> list[str]:
    return [step["target"] for step in load[CONF_STEPS]]


async def test_the_graded_loads_are_loads_of_the_meter_and_draw_on_it(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)

    loads = _loads(loaded_simulator)
    # The steps the form proposes from each entity's capabilities.
    assert _targets(loads[FIL_PILOTE.config.load]) == ["eco", "frost_protection", "off"]
    assert _targets(loads[THERMOSTAT.config.load]) == ["-2", "off"]
    assert _targets(loads[WATER_HEATER.config.load]) == ["off"]
    assert _targets(loads[CHARGER.config.load]) == ["8", "0"]
    assert {switch: load[CONF_PRIORITY] for switch, load in loads.items()} == {
        CHARGER.config.load: 5,
        FIL_PILOTE.config.load: 10,
        THERMOSTAT.config.load: 20,
        WATER_HEATER.config.load: 30,
    }
    assert loads[WATER_HEATER.config.load][CONF_MIN_RUN] == 4
    # Once: a second start adds none again (nor one the user deleted).
    await async_add_graded_loads(hass)
    assert len(_loads(loaded_simulator)) == 4

    # Shedding paused (it takes the heater down on this 6 kVA meter): the user's house, the
    # heater in comfort, the thermostat stopped, no car, the water heater off; what they draw
    # is on the meter, and one step down lowers it.
    shedding = loaded_simulator.runtime_data.shedding
    assert shedding is not None
    shedding.async_set_enabled(False)
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: FIL_PILOTE.config.load, "option": "comfort"}
    )
    await hass.services.async_call(
        "climate", "set_hvac_mode", {ATTR_ENTITY_ID: THERMOSTAT.config.load, "hvac_mode": "off"}
    )
    await hass.async_block_till_done()
    meter = loaded_simulator.runtime_data.simulator
    assert meter is not None
    hass.data[DATA_FEED].async_feed()
    assert meter.appliance_load_va == 1500
    for entity_id, service, data, load_va in (
        (FIL_PILOTE.config.load, "select_option", {"option": "eco"}, 1000),
        (CHARGER.config.load, "set_value", {"value": 16}, 1000 + 16 * 230),
        (CHARGER.config.load, "set_value", {"value": 8}, 1000 + 8 * 230),
        (WATER_HEATER.config.load, "set_operation_mode", {"operation_mode": "electric"}, None),
    ):
        before = meter.appliance_load_va
        await hass.services.async_call(
            entity_id.split(".")[0], service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
        )
        expected = before + 2000 if load_va is None else load_va
        assert meter.appliance_load_va == pytest.approx(expected)
