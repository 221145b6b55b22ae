"""Buttons: each managed load's boost, and its moves in the shedding order."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GestionEnergieConfigEntry
from .shedding_entities import load_buttons

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the loads' buttons."""
    entry.runtime_data.subentry_entities.async_add_platform(entry, load_buttons, async_add_entities)
