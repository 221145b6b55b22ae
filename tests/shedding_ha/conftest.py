"""Fixtures of load shedding in a real Home Assistant: template switches and a fed meter."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_SWITCH,
    INTERRUPT_ALLOWED,
    INTERRUPT_PREVENT_START,
    RESTORE_AUTO,
    RESTORE_NOTIFY,
    SUBENTRY_LOAD,
)
from custom_components.gestion_energie.shedding_manager import SheddingManager
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from tests.test_meter import standard_frame

# name, priority, declared power, flags: the least important first
LOADS: dict[str, dict[str, Any]] = {
    "radiator": {CONF_PRIORITY: 10, CONF_DECLARED_POWER: 1500, CONF_SHED_WHEN_STALE: True},
    "water_heater": {CONF_PRIORITY: 30, CONF_DECLARED_POWER: 2000},
    "oven": {CONF_PRIORITY: 60, CONF_DECLARED_POWER: 1000, CONF_RESTORE: RESTORE_NOTIFY},
    "washer": {
        CONF_PRIORITY: 80,
        CONF_DECLARED_POWER: 2000,
        CONF_INTERRUPT: INTERRUPT_PREVENT_START,
        CONF_POWER_SENSOR: "sensor.washer_power",
    },
}


def switch_of(name: str) -> str:
    return f"switch.{name}"


def load_subentries() -> list[ConfigSubentryDataWithId]:
    return [
        ConfigSubentryDataWithId(
            data={
                CONF_SWITCH: switch_of(name),
                CONF_INTERRUPT: INTERRUPT_ALLOWED,
                CONF_RESTORE: RESTORE_AUTO,
                CONF_SHED_WHEN_STALE: False,
                **flags,
            },
            subentry_type=SUBENTRY_LOAD,
            title=name.replace("_", " ").capitalize(),
            unique_id=None,
            subentry_id=f"load{index}",
        )
        for index, (name, flags) in enumerate(LOADS.items())
    ]


async def setup_switches(hass: HomeAssistant, names: list[str]) -> None:
    """Template switches over input booleans: plain switches of another integration."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {name: {"initial": True} for name in names}}
    )

    def action(service: str, name: str) -> list[dict[str, Any]]:
        return [
            {"action": f"input_boolean.{service}", "target": {"entity_id": f"input_boolean.{name}"}}
        ]

    switches = [
        {
            "name": name,
            "unique_id": f"template_{name}",
            "state": f"{{{{ is_state('input_boolean.{name}', 'on') }}}}",
            "turn_on": action("turn_on", name),
            "turn_off": action("turn_off", name),
        }
        for name in names
    ]
    assert await async_setup_component(hass, "template", {"template": [{"switch": switches}]})
    await hass.async_block_till_done()


async def setup_house_switches(hass: HomeAssistant) -> None:
    """The template switches of `LOADS`, on, and the washer's power sensor."""
    await setup_switches(hass, list(LOADS))
    hass.states.async_set(
        "sensor.washer_power", "1900", {"unit_of_measurement": "W", "device_class": "power"}
    )


def add_house_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The simulated meter's entry with the loads of `LOADS`, added to Home Assistant."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        options={CONF_UPDATE_INTERVAL: 0},  # every value written: the tests read them at once
        subentries_data=load_subentries(),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def switches(hass: HomeAssistant) -> None:
    await setup_house_switches(hass)


@pytest.fixture
def house_entry(hass: HomeAssistant, switches: None) -> MockConfigEntry:
    return add_house_entry(hass)


class Meter:
    """Feeds the meter's coordinator with frames, the clock moving with them."""

    def __init__(
        self, hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.freezer = freezer

    @property
    def coordinator(self) -> MeterCoordinator:
        coordinator = self.entry.runtime_data.coordinator
        assert isinstance(coordinator, MeterCoordinator)
        return coordinator

    @property
    def manager(self) -> SheddingManager:
        manager = self.entry.runtime_data.shedding
        assert isinstance(manager, SheddingManager)
        return manager

    async def frames(
        self, power: int, count: int = 1, every: float = 2.0, *, overload: bool = False
    ) -> None:
        stge = 0x0002_A000 | 1 << 17 | (1 << 7 if overload else 0)
        for _ in range(count):
            self.freezer.tick(timedelta(seconds=every))
            self.coordinator.async_receive(standard_frame(power=power, stge=stge))
            await self.hass.async_block_till_done()

    async def silence(self, seconds: float, step: float = 5.0) -> None:
        """Let time pass without frames, the periodic ticks running."""
        elapsed = 0.0
        while elapsed < seconds:
            self.freezer.tick(timedelta(seconds=step))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done()
            elapsed += step


async def start_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up (or again) the meter's entry, its simulated source stopped so tests feed it."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()


@asynccontextmanager
async def open_meter(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncIterator[Meter]:
    """The house's meter entry over template switches, loaded; unloaded at the end."""
    await setup_house_switches(hass)
    entry = add_house_entry(hass)
    await start_entry(hass, entry)
    yield Meter(hass, entry, freezer)
    if hass.config_entries.async_get_entry(entry.entry_id) is not None:  # not removed
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def meter(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[Meter]:
    """The house's meter entry, loaded, its simulated source stopped so tests feed it."""
    async with open_meter(hass, freezer) as meter:
        yield meter
