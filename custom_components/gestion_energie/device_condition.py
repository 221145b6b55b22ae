"""Conditions of a meter device: off-peak hours or not, Tempo red day today or tomorrow."""

from __future__ import annotations

from homeassistant.const import CONF_CONDITION, CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import condition
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import probatio

from .const import DOMAIN
from .device_trigger import (
    NOT_OFF_PEAK,
    OFF_PEAK,
    RED_TODAY,
    RED_TOMORROW,
    SensorStates,
    offered,
    required_meter_sensor,
)

IS_OFF_PEAK = "is_off_peak"
IS_NOT_OFF_PEAK = "is_not_off_peak"
IS_RED_DAY = "is_red_day"
IS_RED_DAY_TOMORROW = "is_red_day_tomorrow"
CONDITIONS: dict[str, SensorStates] = {
    IS_OFF_PEAK: OFF_PEAK,
    IS_NOT_OFF_PEAK: NOT_OFF_PEAK,
    IS_RED_DAY: RED_TODAY,
    IS_RED_DAY_TOMORROW: RED_TOMORROW,
}
CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(set(CONDITIONS))}
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """The conditions whose sensor the device has: none on a device that is no meter."""
    kinds = {kind: sensor.key for kind, sensor in CONDITIONS.items()}
    return [
        {CONF_CONDITION: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in offered(hass, device_id, kinds)
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """Whether the meter's sensor reads one of the condition's states."""
    sensor = CONDITIONS[config[CONF_TYPE]]
    entity_id = required_meter_sensor(hass, config[CONF_DEVICE_ID], sensor.key)

    def test(hass: HomeAssistant, _variables: TemplateVarsType) -> bool:
        return condition.state(hass, entity_id, sensor.states)

    return test
