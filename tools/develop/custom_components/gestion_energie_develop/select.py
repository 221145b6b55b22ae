"""The fil pilote heater of scripts/develop's house: a `select` of its orders."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from custom_components.gestion_energie.simulators.appliances import FIL_PILOTE_ORDERS

from .appliances import FIL_PILOTE, ApplianceEntity


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the living room's heater."""
    async_add_entities([FilPiloteHeater()])


class FilPiloteHeater(ApplianceEntity, SelectEntity):
    """A heater on fil pilote: comfort, eco, frost protection or off; it heats whenever on."""

    _attr_icon = "mdi:radiator"

    def __init__(self) -> None:
        """A heater in comfort."""
        super().__init__(FIL_PILOTE, "Radiateur du salon")
        self._attr_options = list(FIL_PILOTE_ORDERS)
        self._attr_current_option = FIL_PILOTE_ORDERS[0]

    def power_va(self, now: float) -> float:
        """Each order below comfort is one of the model's steps."""
        return self.step_power_va(self.options.index(str(self.current_option)))

    async def async_select_option(self, option: str) -> None:
        """Send the order."""
        self._attr_options = list(FIL_PILOTE_ORDERS)
        self._attr_current_option = option
        self.async_changed()
