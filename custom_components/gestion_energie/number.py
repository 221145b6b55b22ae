"""Number entities: each managed load's priority."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GestionEnergieConfigEntry
from .shedding_entities import load_priority_numbers

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the loads' priorities."""
    entry.runtime_data.subentry_entities.async_add_platform(
        entry, load_priority_numbers, async_add_entities
    )
