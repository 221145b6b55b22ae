"""Triggers of a meter device: off-peak hours start and end; Tempo red days start, end, come.

A blueprint or an automation picks the meter (one device) instead of an entity: an entity
selector cannot tell the tariff-period sensor or a Tempo colour from the meter's other enum
sensors, a device selector filtered on the integration and Enedis offers one choice a meter.
Each trigger follows one sensor of that meter; a meter lacking it (no Tempo colours on a
Base contract) does not offer it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from .tic.interpret import Period, TempoColour


@dataclass(frozen=True, slots=True)
class SensorStates:
    """Some states of one of the meter's sensors (by its description's key)."""

    key: str
    states: list[str]


TARIFF_PERIOD = "tariff_period"
TEMPO_TODAY = "tempo_today"
TEMPO_TOMORROW = "tempo_tomorrow"
RED = TempoColour.RED.name.lower()
# The known states other than the one looked for: a meter gone unavailable ends nothing.
OTHER_PERIODS = [period.value for period in Period if period is not Period.OFF_PEAK]
NOT_RED = [
    colour.name.lower()
    for colour in TempoColour
    if colour not in {TempoColour.NONE, TempoColour.RED}
]
OFF_PEAK = SensorStates(TARIFF_PERIOD, [Period.OFF_PEAK.value])
NOT_OFF_PEAK = SensorStates(TARIFF_PERIOD, OTHER_PERIODS)
RED_TODAY = SensorStates(TEMPO_TODAY, [RED])
NOT_RED_TODAY = SensorStates(TEMPO_TODAY, NOT_RED)
RED_TOMORROW = SensorStates(TEMPO_TOMORROW, [RED])

OFF_PEAK_STARTED = "off_peak_started"
OFF_PEAK_ENDED = "off_peak_ended"
RED_DAY_STARTED = "red_day_started"
RED_DAY_ENDED = "red_day_ended"
RED_DAY_ANNOUNCED = "red_day_announced"
# Each trigger: the states its sensor changes to, and those it must come from (any if None).
TRIGGERS: dict[str, tuple[SensorStates, list[str] | None]] = {
    OFF_PEAK_STARTED: (OFF_PEAK, None),
    OFF_PEAK_ENDED: (NOT_OFF_PEAK, None),
    RED_DAY_STARTED: (RED_TODAY, None),
    # From red only: a day known again after the meter was unavailable ends no red day.
    RED_DAY_ENDED: (NOT_RED_TODAY, RED_TODAY.states),
    RED_DAY_ANNOUNCED: (RED_TOMORROW, None),
}
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): probatio.In(set(TRIGGERS))}
)


def meter_sensor_entity(hass: HomeAssistant, device_id: str, key: str) -> str | None:
    """The sensor `key` of a meter device; None for another device or one without it."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    registry = er.async_get(hass)
    for domain, address in device.identifiers:
        if domain == DOMAIN and (
            entity_id := registry.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, f"{address}_{key}")
        ):
            return entity_id
    return None


def required_meter_sensor(hass: HomeAssistant, device_id: str, key: str) -> str:
    """The sensor `key` of a meter device, which an automation was given."""
    entity_id = meter_sensor_entity(hass, device_id, key)
    if entity_id is None:
        msg = f"device {device_id} is not a meter with a {key} sensor"
        raise HomeAssistantError(msg)
    return entity_id


def offered(hass: HomeAssistant, device_id: str, kinds: dict[str, str]) -> list[str]:
    """The kinds (each of one sensor, by key) whose sensor the device has."""
    return [
        kind for kind, key in kinds.items() if meter_sensor_entity(hass, device_id, key) is not None
    ]


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """The triggers whose sensor the device has: none on a device that is no meter."""
    kinds = {kind: sensor.key for kind, (sensor, _origin) in TRIGGERS.items()}
    return [
        {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in offered(hass, device_id, kinds)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """A state trigger on the meter's sensor."""
    sensor, origin = TRIGGERS[config[CONF_TYPE]]
    state_config: ConfigType = {
        CONF_PLATFORM: "state",
        CONF_ENTITY_ID: required_meter_sensor(hass, config[CONF_DEVICE_ID], sensor.key),
        state_trigger.CONF_TO: sensor.states,
    }
    if origin is not None:
        state_config[state_trigger.CONF_FROM] = origin
    state_config = await state_trigger.async_validate_trigger_config(hass, state_config)
    return await state_trigger.async_attach_trigger(
        hass, state_config, action, trigger_info, platform_type="device"
    )
