"""The water heater of scripts/develop's house: a `water_heater`, heating or off."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    STATE_ELECTRIC,
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import ATTR_TEMPERATURE, STATE_OFF, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from .appliances import WATER_HEATER, ApplianceEntity


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the water heater."""
    async_add_entities([WaterHeater()])


class WaterHeater(ApplianceEntity, WaterHeaterEntity):
    """A resistance water heater: its full power while it heats."""

    _attr_supported_features = (
        WaterHeaterEntityFeature.OPERATION_MODE | WaterHeaterEntityFeature.TARGET_TEMPERATURE
    )
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_min_temp = 45.0
    _attr_max_temp = 65.0

    def __init__(self) -> None:
        """Left off by the user, as off-peak contacts leave it in the day."""
        super().__init__(WATER_HEATER, "Ballon d'eau chaude")
        self._attr_operation_list = [STATE_ELECTRIC, STATE_OFF]
        self._attr_current_operation = STATE_ELECTRIC if WATER_HEATER.starts_on else STATE_OFF
        self._attr_target_temperature = 55.0
        self._attr_current_temperature = 50.0

    def power_va(self, now: float) -> float:
        """Its power whenever it heats."""
        return 0.0 if self.current_operation == STATE_OFF else self.appliance.power_w

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        """Heat or stop."""
        self._attr_operation_list = [STATE_ELECTRIC, STATE_OFF]
        self._attr_current_operation = operation_mode
        self.async_changed()

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """A new target temperature."""
        if (temperature := kwargs.get(ATTR_TEMPERATURE)) is not None:
            self._attr_target_temperature = float(temperature)
        self.async_changed()
