"""The meter's base entity and its update policy.

Every frame reaches the coordinator at once; what reaches Home Assistant's state
machine is limited here, because every state written is stored by the recorder:
an entity writes only when its value changed, and values that move with every frame
as `meter.write_policy` says (significant moves within the update interval, indexes
once a minute). Everything else (overload, status, tariff period) is written as soon
as it changes.
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
from .meter.write_policy import Moving, WriteGate

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
    # How a value that moves with every frame is written; None: every change, at once.
    moving: Moving | None = None


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
        self._gate = None if description.moving is None else WriteGate(description.moving)
        self._period_written: object = None  # the tariff period at the last write

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Drop a write held back for the interval's end."""
        await super().async_will_remove_from_hass()
        self.coordinator.async_cancel_write_later(self._write_held_back)

    @property
    def value(self) -> Any:
        """The entity's current value from the coordinator's data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """A new frame: write the state if it changed and the policy says so."""
        self._write_when_due(frame=True)

    @callback
    def _write_held_back(self) -> None:
        self._write_when_due(frame=False)

    def _write_when_due(self, *, frame: bool) -> None:
        available = self.available
        current = (available, self.value if available else None)
        written = self._written
        gate = self._gate
        if current == written:  # the common case, kept cheap
            if gate is not None:
                gate.unmoved()
            return
        coordinator = self.coordinator
        if gate is not None:
            period = coordinator.data.tariff_period
            # A first value, a change of availability or of tariff period is news at once,
            # and so is the frame load shedding acted on (history shows what it saw).
            at_once = (
                coordinator.write_now
                or written is None
                or written[1] is None
                or available != written[0]
                or (gate.moving.with_period and period != self._period_written)
            )
            self._period_written = period
            if coordinator.async_held_back(
                gate, current[1], self._write_held_back, frame=frame, at_once=at_once
            ):
                return
        self._written = current
        self.async_write_ha_state()
