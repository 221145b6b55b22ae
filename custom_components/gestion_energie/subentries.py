"""Plugs and loads (subentries) added, changed or removed while the meter keeps running.

Reloading the meter's entry for a plug or a load would stop its source: every meter entity
would go unavailable and the Energy dashboard would see the indexes start again. Instead the
platforms give a factory of each subentry's entities, and a change replaces only the changed
subentries' coordinators and entities, and reads the loads again into the shedding manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .plug_coordinator import async_remove_plug, async_setup_plugs
from .shedding_const import SUBENTRY_LOAD

if TYPE_CHECKING:
    from .coordinator import GestionEnergieConfigEntry

type EntityFactory = Callable[[GestionEnergieConfigEntry, ConfigSubentry], Iterable[Entity]]


@dataclass(slots=True)
class _Platform:
    make: EntityFactory
    add: AddConfigEntryEntitiesCallback


@dataclass(slots=True)
class SubentryEntities:
    """The entities of each subentry, and how each platform makes them."""

    _platforms: list[_Platform] = field(default_factory=list)
    _entities: dict[str, list[Entity]] = field(default_factory=dict)  # by subentry id

    @callback
    def async_add_platform(
        self,
        entry: GestionEnergieConfigEntry,
        make: EntityFactory,
        add: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Add a platform's entities of every subentry now, and of those added later."""
        platform = _Platform(make, add)
        self._platforms.append(platform)
        for subentry in entry.subentries.values():
            self._add(entry, platform, subentry)

    def _add(
        self, entry: GestionEnergieConfigEntry, platform: _Platform, subentry: ConfigSubentry
    ) -> None:
        entities = list(platform.make(entry, subentry))
        if entities:
            platform.add(entities, config_subentry_id=subentry.subentry_id)
            self._entities.setdefault(subentry.subentry_id, []).extend(entities)

    @callback
    def async_add(self, entry: GestionEnergieConfigEntry, subentry: ConfigSubentry) -> None:
        """Add a subentry's entities on every platform."""
        for platform in self._platforms:
            self._add(entry, platform, subentry)

    async def async_remove(self, subentry_id: str, *, deleted: bool) -> None:
        """Take a subentry's entities away (a deleted subentry's states with them)."""
        for entity in self._entities.pop(subentry_id, []):
            if entity.hass is not None:  # None: never added
                await entity.async_remove(force_remove=deleted)


def subentry_settings(entry: GestionEnergieConfigEntry) -> dict[str, tuple[Any, ...]]:
    """What each subentry is made of: a change to it replaces its entities."""
    return {
        subentry.subentry_id: (subentry.subentry_type, subentry.title, dict(subentry.data))
        for subentry in entry.subentries.values()
    }


async def async_apply_subentry_changes(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    before: dict[str, tuple[Any, ...]],
    after: dict[str, tuple[Any, ...]],
) -> None:
    """Replace what the subentries changed from `before` to `after` made, the meter untouched."""
    runtime = entry.runtime_data
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    for subentry_id in changed:
        await runtime.subentry_entities.async_remove(subentry_id, deleted=subentry_id not in after)
        await async_remove_plug(entry, subentry_id)
    await async_setup_plugs(hass, entry)  # the plugs added or changed
    kinds = {
        settings[0] for key in changed for settings in (before.get(key), after.get(key)) if settings
    }
    if SUBENTRY_LOAD in kinds and runtime.shedding is not None:
        await runtime.shedding.async_reload_loads()
    for subentry_id in changed & after.keys():
        runtime.subentry_entities.async_add(entry, entry.subentries[subentry_id])
