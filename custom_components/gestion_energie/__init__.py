"""Gestion Énergie: a French home's energy hub around its Linky meter."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .blueprint_install import async_install_blueprints
from .const import DOMAIN, SHEDDING_OPTIONS
from .coordinator import GestionEnergieConfigEntry, MeterCoordinator, RuntimeData
from .display import MeterDisplayView
from .money_manager import MoneyTracker, store
from .plug_coordinator import async_setup_plugs
from .services import async_setup_services
from .shedding_manager import SheddingManager, async_remove_shedding
from .sources_setup import async_keep_simulated_indexes, create_source
from .subentries import async_apply_subentry_changes, subentry_settings
from .voice import async_setup_voice

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services, the display endpoint and Assist's intents; offer the blueprints."""
    async_setup_services(hass)
    hass.http.register_view(MeterDisplayView())
    async_setup_voice(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> bool:
    """Start the meter's source and its entities."""
    coordinator = MeterCoordinator(hass, entry)
    source, simulator = create_source(
        hass, dict(entry.data), coordinator.async_receive, coordinator.async_source_status
    )
    if simulator is not None:
        await async_keep_simulated_indexes(hass, entry, simulator)
    entry.runtime_data = RuntimeData(coordinator=coordinator, source=source, simulator=simulator)
    await async_setup_plugs(hass, entry)
    # Load shedding of the loads (subentries), from its saved state.
    entry.runtime_data.shedding = SheddingManager(hass, entry, coordinator)
    await entry.runtime_data.shedding.async_start()
    # Costs count from the first frame, before the sensors read them.
    entry.runtime_data.money = MoneyTracker(hass, entry, coordinator)
    await entry.runtime_data.money.async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await source.start()
    coordinator.async_start_watchdog()
    settings = _settings(entry)
    subentries = subentry_settings(entry)
    one_change_at_a_time = asyncio.Lock()

    async def apply_changes(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> None:
        # A new source or shedding timing rebuilds the entry; a plug or a load added, changed
        # or removed (subentries) replaces only what it made, the meter's source running on;
        # the other options (the update policy) apply by themselves.
        nonlocal subentries
        if _settings(entry) != settings:
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        async with one_change_at_a_time:
            before, subentries = subentries, subentry_settings(entry)
            await async_apply_subentry_changes(hass, entry, before, subentries)

    entry.async_on_unload(entry.add_update_listener(apply_changes))
    return True


def _settings(entry: ConfigEntry) -> tuple[Any, ...]:
    """What a reload applies: the source's settings and the shedding timing."""
    timing = {key: entry.options.get(key) for key in SHEDDING_OPTIONS}
    return dict(entry.data), timing


async def async_unload_entry(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> bool:
    """Stop load shedding, then the source, and remove the entities.

    Shedding stops first, while the switches it may give back (its loads deleted) still work,
    this entry's plugs' among them.
    """
    if entry.runtime_data.shedding is not None:
        await entry.runtime_data.shedding.async_stop()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.source.stop()
        if entry.runtime_data.money is not None:
            await entry.runtime_data.money.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> None:
    """The meter's entry is removed: give back the loads shedding held off, forget the state."""
    await async_remove_shedding(hass, entry)
    await store(hass, entry).async_remove()
