"""The bedroom's heater of scripts/develop's house, under its own thermostat: a `climate`."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import (
    ClimateEntity,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from custom_components.gestion_energie.simulators.appliances import SETBACK_SAVING

from .appliances import THERMOSTAT, ApplianceEntity, cycle_wants_power

COMFORT_C = 19.0  # the setpoint the model's power is for
SETBACK_C = 2.0  # the model's step: this much lower saves SETBACK_SAVING


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the bedroom's heater."""
    async_add_entities([Thermostat()])


class Thermostat(ApplianceEntity, ClimateEntity):
    """A heater that heats part of each cycle, less at a lower setpoint, nothing when off."""

    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_target_temperature_step = 0.5
    _attr_min_temp = 7.0
    _attr_max_temp = 25.0

    def __init__(self) -> None:
        """Heating at the comfort setpoint."""
        super().__init__(THERMOSTAT, "Radiateur de la chambre")
        self._attr_hvac_modes = [HVACMode.HEAT, HVACMode.OFF]
        self._attr_hvac_mode = HVACMode.HEAT
        self._attr_target_temperature = COMFORT_C
        self._attr_current_temperature = COMFORT_C - 0.5

    def power_va(self, now: float) -> float:
        """Its power while its cycle heats, lowered by the model's saving per setback."""
        if self.hvac_mode is HVACMode.OFF or not cycle_wants_power(self.appliance, now):
            return 0.0
        below = max(0.0, COMFORT_C - float(self.target_temperature or COMFORT_C))
        return self.appliance.power_w * max(0.0, 1 - SETBACK_SAVING * below / SETBACK_C)

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Heat or stop."""
        self._attr_hvac_mode = hvac_mode
        self.async_changed()

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """A new setpoint."""
        if (temperature := kwargs.get(ATTR_TEMPERATURE)) is not None:
            self._attr_target_temperature = float(temperature)
        self.async_changed()
