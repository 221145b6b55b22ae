"""The EV charger of scripts/develop's house: its charging current, a `number`."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberMode
from homeassistant.const import UnitOfElectricCurrent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from .appliances import CHARGER, CHARGER_MAX_A, ApplianceEntity, charger_power_va


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the charger."""
    async_add_entities([ChargerCurrent()])


class ChargerCurrent(ApplianceEntity, NumberEntity):
    """The current the charger gives the car: 0 A (not charging) up to its maximum."""

    _attr_device_class = NumberDeviceClass.CURRENT
    _attr_native_unit_of_measurement = UnitOfElectricCurrent.AMPERE
    _attr_native_min_value = 0
    _attr_native_max_value = CHARGER_MAX_A
    _attr_native_step = 1
    _attr_mode = NumberMode.SLIDER
    _attr_icon = "mdi:ev-station"

    def __init__(self) -> None:
        """No car charging yet: the user sets a current to charge one."""
        super().__init__(CHARGER, "Borne de recharge")
        self._attr_native_value = 0

    def power_va(self, now: float) -> float:
        """The car draws the current it is given."""
        return charger_power_va(float(self.native_value or 0))

    async def async_set_native_value(self, value: float) -> None:
        """Give the car another current."""
        self._attr_native_value = value
        self.async_changed()
