"""Conditions of a meter device: in off-peak hours, or in other hours (not unknown)."""

from __future__ import annotations

from homeassistant.const import CONF_CONDITION, CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import condition
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import probatio

from .const import DOMAIN
from .device_trigger import OTHER_PERIODS, meter_tariff_period, tariff_period_entity
from .tic.interpret import Period

IS_OFF_PEAK = "is_off_peak"
IS_NOT_OFF_PEAK = "is_not_off_peak"
CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In({IS_OFF_PEAK, IS_NOT_OFF_PEAK})}
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """In off-peak hours or not, on a meter device."""
    if tariff_period_entity(hass, device_id) is None:
        return []
    return [
        {CONF_CONDITION: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in (IS_OFF_PEAK, IS_NOT_OFF_PEAK)
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """Whether the meter's tariff-period sensor reads off-peak (or another known period)."""
    entity_id = meter_tariff_period(hass, config[CONF_DEVICE_ID])
    states = [Period.OFF_PEAK.value] if config[CONF_TYPE] == IS_OFF_PEAK else OTHER_PERIODS

    def test(hass: HomeAssistant, _variables: TemplateVarsType) -> bool:
        return condition.state(hass, entity_id, states)

    return test
