"""Triggers of a meter device: off-peak hours start, off-peak hours end.

A blueprint or an automation picks the meter (one device) instead of an entity: an entity
selector cannot tell the tariff-period sensor from the meter's other enum sensors, a device
selector filtered on the integration and Enedis offers one choice a meter. The triggers
follow that meter's tariff-period sensor.
"""

from __future__ import annotations

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import state as state_trigger
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio

from .const import DOMAIN
from .tic.interpret import Period

OFF_PEAK_STARTED = "off_peak_started"
OFF_PEAK_ENDED = "off_peak_ended"
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In({OFF_PEAK_STARTED, OFF_PEAK_ENDED})}
)
# The periods that are not off-peak hours: a meter gone unavailable ends nothing.
OTHER_PERIODS = [period.value for period in Period if period is not Period.OFF_PEAK]


def tariff_period_entity(hass: HomeAssistant, device_id: str) -> str | None:
    """The tariff-period sensor of a meter device; None for another device."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    registry = er.async_get(hass)
    for domain, address in device.identifiers:
        if domain == DOMAIN and (
            entity_id := registry.async_get_entity_id(
                SENSOR_DOMAIN, DOMAIN, f"{address}_tariff_period"
            )
        ):
            return entity_id
    return None


def meter_tariff_period(hass: HomeAssistant, device_id: str) -> str:
    """The tariff-period sensor of a meter device, which an automation was given."""
    entity_id = tariff_period_entity(hass, device_id)
    if entity_id is None:
        msg = f"device {device_id} is not a meter with a tariff period"
        raise HomeAssistantError(msg)
    return entity_id


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """Off-peak hours starting and ending, on a meter device."""
    if tariff_period_entity(hass, device_id) is None:
        return []
    return [
        {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in (OFF_PEAK_STARTED, OFF_PEAK_ENDED)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """A state trigger on the meter's tariff-period sensor."""
    to = Period.OFF_PEAK.value if config[CONF_TYPE] == OFF_PEAK_STARTED else OTHER_PERIODS
    state_config = await state_trigger.async_validate_trigger_config(
        hass,
        {
            CONF_PLATFORM: "state",
            CONF_ENTITY_ID: meter_tariff_period(hass, config[CONF_DEVICE_ID]),
            state_trigger.CONF_TO: to,
        },
    )
    return await state_trigger.async_attach_trigger(
        hass, state_config, action, trigger_info, platform_type="device"
    )
