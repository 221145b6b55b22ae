"""Binary sensors of the meter: the overload warning and the status register's flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GestionEnergieConfigEntry
from .entity import MeterEntity, MeterEntityDescription, status_field
from .meter.model import MeterData
from .shedding_entities import async_add_shedding_binary_sensors

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MeterBinarySensorEntityDescription(BinarySensorEntityDescription, MeterEntityDescription):
    """A flag of the meter."""


def _status_flag(field: str) -> Callable[[MeterData], bool | None]:
    read = status_field(field)

    def value(data: MeterData) -> bool | None:
        flag = read(data)
        return None if flag is None else bool(flag)

    return value


def _diagnostic(
    key: str,
    field: str,
    device_class: BinarySensorDeviceClass | None = None,
    *,
    enabled: bool = True,
) -> MeterBinarySensorEntityDescription:
    return MeterBinarySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=device_class,
        value_fn=_status_flag(field),
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=enabled,
    )


BINARY_SENSORS: tuple[MeterBinarySensorEntityDescription, ...] = (
    MeterBinarySensorEntityDescription(
        key="overload",
        translation_key="overload",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.overload,
    ),
    MeterBinarySensorEntityDescription(
        key="reference_power_exceeded",
        translation_key="reference_power_exceeded",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=_status_flag("reference_power_exceeded"),
    ),
    _diagnostic("dry_contact", "dry_contact_open", BinarySensorDeviceClass.OPENING),
    _diagnostic("cover", "cover_open", BinarySensorDeviceClass.OPENING),
    _diagnostic("overvoltage", "overvoltage", BinarySensorDeviceClass.PROBLEM),
    _diagnostic("producer", "producer", enabled=False),
    _diagnostic("negative_energy", "negative_active_energy", enabled=False),
    _diagnostic("clock_degraded", "clock_degraded", BinarySensorDeviceClass.PROBLEM),
    _diagnostic(
        "cpl_synchronised", "cpl_synchronised", BinarySensorDeviceClass.CONNECTIVITY, enabled=False
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the meter's binary sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        MeterBinarySensor(coordinator, description) for description in BINARY_SENSORS
    )
    async_add_shedding_binary_sensors(entry, async_add_entities)


class MeterBinarySensor(MeterEntity, BinarySensorEntity):
    """A flag of the meter."""

    entity_description: MeterBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the flag is raised."""
        value: bool | None = self.value
        return value
