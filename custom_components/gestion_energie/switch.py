"""A switch per socket of each plug."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.switch import SwitchDeviceClass, SwitchEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_SOCKETS
from .coordinator import GestionEnergieConfigEntry
from .plug_coordinator import PlugCoordinator
from .plug_entity import PlugEntity
from .shedding_entities import async_add_shedding_switches

PARALLEL_UPDATES = 1  # one switching request at a time per plug platform


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sockets' switches, each plug's under its subentry."""
    entry.runtime_data.subentry_entities.async_add_platform(
        entry, _socket_switches, async_add_entities
    )
    async_add_shedding_switches(entry, async_add_entities)


def _socket_switches(
    entry: GestionEnergieConfigEntry, subentry: ConfigSubentry
) -> list[SocketSwitch]:
    """A plug's switches, one per socket (none for a subentry that is no plug)."""
    coordinator = entry.runtime_data.plugs.get(subentry.subentry_id)
    if coordinator is None:
        return []
    sockets = int(subentry.data[CONF_SOCKETS])
    return [SocketSwitch(coordinator, index, single=sockets == 1) for index in range(sockets)]


class SocketSwitch(PlugEntity, SwitchEntity):
    """Switch one socket on or off."""

    _attr_device_class = SwitchDeviceClass.OUTLET

    def __init__(self, coordinator: PlugCoordinator, index: int, *, single: bool) -> None:
        """A single plug's switch is the device itself; a strip's are named by socket."""
        super().__init__(coordinator, "switch", index)
        self._socket_index = index
        if single:
            self._attr_name = None
        else:
            self._attr_translation_key = "socket"

    @property
    @override
    def available(self) -> bool:
        """Unavailable as well when the plug does not tell this socket's state."""
        socket = self.socket
        return super().available and socket is not None and socket.on is not None

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the socket is on."""
        socket = self.socket
        return None if socket is None else socket.on

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the socket on."""
        await self.coordinator.async_switch(self._socket_index, True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the socket off."""
        await self.coordinator.async_switch(self._socket_index, False)
