"""The meter's base entity and its update policy.

Every frame reaches the coordinator at once; what reaches Home Assistant's state
machine is limited here, because every state written is stored by the recorder:
an entity writes only when its value changed, and fast-moving measurements at
most once per interval chosen in the options. Everything else (overload, status,
indexes, tariff period) is written as soon as it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import MeterCoordinator
from .meter.model import MeterData

# Device types of 54E §2.2, from characters 5-6 of the meter address.
METER_TYPES = {
    "61": "Linky single-phase 60 A G3",
    "62": "Linky single-phase 90 A G1",
    "63": "Linky three-phase 60 A G1",
    "64": "Linky single-phase 60 A G3",
    "70": "Linky single-phase 60 A (pilot) G3",
    "71": "Linky three-phase 60 A (pilot) G3",
    "75": "Linky single-phase 90 A G3",
    "76": "Linky three-phase 60 A G3",
}


def status_field(field: str) -> Callable[[MeterData], Any]:
    """Read one field of the decoded status register (None until STGE is seen)."""

    def value(data: MeterData) -> Any:
        return None if data.status is None else getattr(data.status, field)

    return value


def meter_device_info(address: str) -> DeviceInfo:
    """The meter's device, described from its address (54E §2.2)."""
    model_id = address[4:6]
    return DeviceInfo(
        identifiers={(DOMAIN, address)},
        manufacturer="Enedis",
        model=METER_TYPES.get(model_id, "Linky"),
        model_id=model_id,
        hw_version=f"20{address[2:4]}",  # year of manufacture
        serial_number=address,
        name="Linky",
    )


@dataclass(frozen=True, kw_only=True)
class MeterEntityDescription(EntityDescription):
    """An entity reading one value out of `MeterData`."""

    value_fn: Callable[[MeterData], Any]
    # Measurements that move with every frame are written at most once per interval.
    fast: bool = False


class MeterEntity(CoordinatorEntity[MeterCoordinator]):
    """An entity of the meter's device that follows the update policy."""

    _attr_has_entity_name = True
    entity_description: MeterEntityDescription

    def __init__(self, coordinator: MeterCoordinator, description: MeterEntityDescription) -> None:
        """Attach the entity to the meter's device."""
        super().__init__(coordinator)
        self.entity_description = description
        # Entries are created with the meter address as unique id.
        unique_id = str(coordinator.config_entry.unique_id)
        self._attr_unique_id = f"{unique_id}_{description.key}"
        self._attr_device_info = meter_device_info(unique_id)
        self._written: tuple[bool, Any] | None = None  # (available, value) last written
        self._written_at = 0.0

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Drop a write held back for the interval's end."""
        await super().async_will_remove_from_hass()
        self.coordinator.async_cancel_write_later(self._handle_coordinator_update)

    @property
    def value(self) -> Any:
        """The entity's current value from the coordinator's data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state only when it changed, and fast values at most once per interval."""
        current = (self.available, self.value if self.available else None)
        if current == self._written:
            return
        now = self.coordinator.clock()
        # A first value, or a change of availability, is news worth writing at once.
        first = self._written is None or self._written[1] is None or current[0] != self._written[0]
        if self.entity_description.fast and not first:
            due = self._written_at + self.coordinator.update_interval_s
            if now < due:
                # Written when the interval ends, unless a later frame writes it first.
                self.coordinator.async_write_later(self._handle_coordinator_update, due)
                return
        self._written = current
        self._written_at = now
        self.async_write_ha_state()
