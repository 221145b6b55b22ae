"""The base of a plug's entities: one device per plug, linked to the plug's subentry."""

from __future__ import annotations

from typing import override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import (
    CONF_DEVICE_ID,
    CONF_FIRMWARE,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_PLUG_TYPE,
    DOMAIN,
)
from .plug_coordinator import PlugCoordinator, plug_unique_id
from .plugs import PlugState, PlugType, SocketState


def plug_device_info(coordinator: PlugCoordinator) -> DeviceInfo:
    """The plug's device, as it described itself when it was configured."""
    data = coordinator.subentry.data
    tasmota = data[CONF_PLUG_TYPE] == PlugType.TASMOTA
    info = DeviceInfo(
        identifiers={(DOMAIN, data[CONF_DEVICE_ID])},
        name=coordinator.subentry.title,
        manufacturer=data.get(CONF_MANUFACTURER) or ("Tasmota" if tasmota else None),
        model=data.get(CONF_MODEL),
        sw_version=data.get(CONF_FIRMWARE),
        serial_number=data[CONF_DEVICE_ID],
    )
    if tasmota:  # Tasmota has a web page of its own
        info["configuration_url"] = f"http://{coordinator.client}"
    return info


class PlugEntity(CoordinatorEntity[PlugCoordinator]):
    """An entity of a plug's device: of a socket (`index`) or of the whole device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: PlugCoordinator, key: str, index: int | None = None) -> None:
        """Name the entity after its socket when the plug has several."""
        super().__init__(coordinator)
        self.index = index
        self._attr_unique_id = plug_unique_id(coordinator.subentry.data[CONF_DEVICE_ID], index, key)
        self._attr_device_info = plug_device_info(coordinator)
        if index is not None:
            self._attr_translation_placeholders = {"socket": str(index + 1)}

    @property
    def socket(self) -> SocketState | None:
        """The socket's last state, if the plug answered and has this socket."""
        data: PlugState | None = self.coordinator.data  # None before the first answer
        if data is None or self.index is None or self.index >= len(data.sockets):
            return None
        return data.sockets[self.index]

    @property
    @override
    def available(self) -> bool:
        """Unavailable while the plug does not answer (or before its first answer)."""
        data: PlugState | None = self.coordinator.data
        return super().available and data is not None
