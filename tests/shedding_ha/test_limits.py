"""In Home Assistant: per-phase shedding, a limit following an entity, a minimum daily run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.gestion_energie.const import (
    CONF_SHED_LIMIT_ENTITY,
    CONF_UPDATE_INTERVAL,
    DOMAIN,
)
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_MIN_RUN,
    CONF_PHASE,
    CONF_PRIORITY,
    CONF_SWITCH,
    EVENT_LOAD_SHED,
    SUBENTRY_LOAD,
)
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from tests.test_meter import standard_frame

from .conftest import open_meter, setup_switches, start_entry

# The least important load is on phase 1; the water heater on phase 2; the oven on all three.
LOADS: dict[str, dict[str, Any]] = {
    "radiator": {CONF_PRIORITY: 10, CONF_DECLARED_POWER: 1500, CONF_PHASE: "1"},
    "water_heater": {CONF_PRIORITY: 30, CONF_DECLARED_POWER: 1500, CONF_PHASE: "2"},
    "oven": {CONF_PRIORITY: 60, CONF_DECLARED_POWER: 3000, CONF_PHASE: "all"},
}


async def start_switch_loads(
    hass: HomeAssistant, loads: dict[str, dict[str, Any]]
) -> MockConfigEntry:
    """The simulated meter's entry with a load on `switch.<name>` for each of `loads`, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        options={CONF_UPDATE_INTERVAL: 0},
        subentries_data=[
            ConfigSubentryDataWithId(
                data={CONF_SWITCH: f"switch.{name}", **flags},
                subentry_type=SUBENTRY_LOAD,
                title=name,
                unique_id=None,
                subentry_id=name,
            )
            for name, flags in loads.items()
        ],
    )
    entry.add_to_hass(hass)
    await start_entry(hass, entry)
    return entry


async def test_an_overload_on_phase_2_sheds_only_the_loads_on_phase_2(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_switches(hass, list(LOADS))
    entry = await start_switch_loads(hass, LOADS)
    shed = async_capture_events(hass, EVENT_LOAD_SHED)

    async def frames(*phases: int, count: int = 1) -> None:
        first, second, third = (f"{va:05}" for va in phases)
        for _ in range(count):
            freezer.tick(timedelta(seconds=2))
            frame = standard_frame(power=sum(phases), SINSTS1=first, SINSTS2=second, SINSTS3=third)
            entry.runtime_data.coordinator.async_receive(frame)
            await hass.async_block_till_done()

    await frames(1500, 1500, 1500, count=2)
    # 5800 VA in all, under the 6 kVA limit; phase 2 over its 2000 VA for the dwell time.
    await frames(1500, 2800, 1500, count=5)
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == ["switch.water_heater"]
    assert hass.states.get("switch.radiator").state == "on"  # type: ignore[union-attr]
    assert hass.states.get("switch.water_heater").state == "off"  # type: ignore[union-attr]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_shed_limit_follows_an_entity_bounded_and_with_a_fallback(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set("sensor.solar_limit", "4", {"unit_of_measurement": "kW"})
    async with open_meter(hass, freezer) as meter:
        shed = async_capture_events(hass, EVENT_LOAD_SHED)
        hass.config_entries.async_update_entry(
            meter.entry,
            options={**meter.entry.options, CONF_SHED_LIMIT_ENTITY: "sensor.solar_limit"},
        )
        await hass.async_block_till_done()
        await meter.entry.runtime_data.source.stop()
        manager = meter.manager
        assert manager.engine.settings.shed_limit_va(6000) == 4000
        assert manager.engine.settings.restore_limit_va(6000) == 3400  # 85 % of it, as set
        await meter.frames(3000, 2)
        await meter.frames(4500, 4)  # under the 6 kVA limit, above the followed 4 kVA
        assert [event.data[ATTR_ENTITY_ID] for event in shed] == ["switch.radiator"]
        # Never above 1.3 x PCOUP.
        hass.states.async_set("sensor.solar_limit", "20000", {"unit_of_measurement": "W"})
        await hass.async_block_till_done()
        assert manager.engine.settings.shed_limit_va(6000) == 7800
        # Unavailable: the limits set apply.
        hass.states.async_set("sensor.solar_limit", "unavailable")
        await hass.async_block_till_done()
        assert manager.engine.settings == manager.settings
        assert manager.engine.settings.shed_limit_va(6000) == 6000


async def test_off_peak_a_water_heater_short_of_its_daily_run_is_not_shed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await setup_switches(hass, ["water_heater", "oven"])
    loads = {
        "water_heater": {CONF_PRIORITY: 10, CONF_DECLARED_POWER: 2000, CONF_MIN_RUN: 4},
        "oven": {CONF_PRIORITY: 60, CONF_DECLARED_POWER: 2000},
    }
    entry = await start_switch_loads(hass, loads)
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    for power in (3000, 3000, 7000, 7000, 7000, 7000):
        freezer.tick(timedelta(seconds=2))
        # LTARF "HEURE CREUSE": off-peak hours.
        entry.runtime_data.coordinator.async_receive(standard_frame(power=power))
        await hass.async_block_till_done()
    assert [event.data[ATTR_ENTITY_ID] for event in shed] == ["switch.oven"]
    await hass.config_entries.async_unload(entry.entry_id)
