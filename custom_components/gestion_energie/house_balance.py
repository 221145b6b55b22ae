"""The house's unmeasured consumption: the meter's power less what the loads and plugs measure.

Its energy is an individual device of the Energy dashboard, so that the devices there add up to
the meter. The energy is counted here from the power (`meter.balance`) and kept across
restarts: the total comes back as it was and nothing is counted for the time Home Assistant
was down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import math
from typing import Any, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import Platform, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_DEVICE_ID, CONF_SOCKETS, DOMAIN
from .coordinator import GestionEnergieConfigEntry, MeterCoordinator
from .entity import MeterEntity, MeterEntityDescription
from .meter.balance import EnergyCounter, unmeasured_power
from .meter.model import MeterData
from .meter.write_policy import INDEX, POWER
from .plug_coordinator import Reading, plug_unique_id
from .shedding_manager import sensor_power_w


@dataclass(frozen=True, kw_only=True)
class BalanceSensorEntityDescription(SensorEntityDescription, MeterEntityDescription):
    """A sensor of the house's balance; its value is read from the house, not the meter."""

    value_fn: Callable[[MeterData], Any] = lambda data: None


UNMEASURED_POWER = BalanceSensorEntityDescription(
    key="unmeasured_power",
    translation_key="unmeasured_power",
    device_class=SensorDeviceClass.POWER,
    native_unit_of_measurement=UnitOfPower.WATT,
    state_class=SensorStateClass.MEASUREMENT,
    moving=POWER,
)
UNMEASURED_ENERGY = BalanceSensorEntityDescription(
    key="unmeasured_energy",
    translation_key="unmeasured_energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
    suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    moving=INDEX,
)


def measured_power_sensors(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> set[str]:
    """The power sensors of the entry's plugs and loads, each once.

    A plug's sockets' power when it measures them, else the whole plug's; a load's power
    sensor is often one of those.
    """
    registry = er.async_get(hass)
    sensors: set[str] = set()
    for coordinator in entry.runtime_data.plugs.values():
        device_id = coordinator.subentry.data[CONF_DEVICE_ID]
        if Reading.POWER in coordinator.socket_readings:
            sockets = int(coordinator.subentry.data[CONF_SOCKETS])
            unique_ids = [plug_unique_id(device_id, i, Reading.POWER) for i in range(sockets)]
        elif Reading.POWER in coordinator.device_readings:
            unique_ids = [plug_unique_id(device_id, None, Reading.POWER)]
        else:
            unique_ids = []
        for unique_id in unique_ids:
            if entity_id := registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id):
                sensors.add(entity_id)
    if entry.runtime_data.shedding is not None:
        sensors.update(
            load.config.power_sensor
            for load in entry.runtime_data.shedding.loads.values()
            if load.config.power_sensor
        )
    return sensors


def house_unmeasured_power(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> float | None:
    """The house's unmeasured power now (W); None while the meter tells no power."""

    def measured() -> Iterator[float]:
        for sensor in measured_power_sensors(hass, entry):
            power = sensor_power_w(hass, sensor)
            if power is not None and math.isfinite(power) and power > 0:
                yield power

    meter = entry.runtime_data.coordinator.data.apparent_power_va
    return unmeasured_power(None if meter is None else float(meter), measured())


@callback
def async_add_balance_sensors(
    entry: GestionEnergieConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the house's unmeasured power and energy to the meter's device."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([UnmeasuredPowerSensor(coordinator), UnmeasuredEnergySensor(coordinator)])


class BalanceSensor(MeterEntity, SensorEntity):
    """A sensor of the house's balance, written by the meter's update policy."""

    entity_description: BalanceSensorEntityDescription

    @property
    @override
    def native_value(self) -> Any:
        """The value the subclass reads."""
        return self.value


class UnmeasuredPowerSensor(BalanceSensor):
    """The house's unmeasured power."""

    def __init__(self, coordinator: MeterCoordinator) -> None:
        """A sensor of the meter's device."""
        super().__init__(coordinator, UNMEASURED_POWER)

    @property
    @override
    def value(self) -> Any:
        """Rounded to the watt, like the meter's own power."""
        power = house_unmeasured_power(self.hass, self.coordinator.config_entry)
        return None if power is None else round(power)


class UnmeasuredEnergySensor(BalanceSensor, RestoreSensor):
    """The house's unmeasured energy, counted from its power at every frame."""

    def __init__(self, coordinator: MeterCoordinator) -> None:
        """A sensor of the meter's device; its total comes back from before a restart."""
        super().__init__(coordinator, UNMEASURED_ENERGY)
        self.counter = EnergyCounter()

    @override
    async def async_added_to_hass(self) -> None:
        """Take back the total counted before a restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, (int, float, str)):
            try:
                total = float(last.native_value)
            except ValueError:
                return
            if math.isfinite(total) and total >= 0:
                self.counter.total_wh = total

    @property
    @override
    def value(self) -> Any:
        """The total to the tenth of a watt-hour."""
        return round(self.counter.total_wh, 1)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        power = house_unmeasured_power(self.hass, self.coordinator.config_entry)
        self.counter.add(self.coordinator.clock(), power)
        super()._handle_coordinator_update()
