"""Current, power and energy sensors of the plugs: per socket, or for the whole device."""

from __future__ import annotations

from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import UnitOfElectricCurrent, UnitOfEnergy, UnitOfPower

from .const import CONF_SOCKETS
from .coordinator import GestionEnergieConfigEntry
from .plug_coordinator import PlugCoordinator, Reading
from .plug_entity import PlugEntity

# Unnamed descriptions take their device class's name ("Power"...): for a single
# plug's readings and a whole device's; a strip's sockets have their own names.
_READINGS: dict[Reading, SensorEntityDescription] = {
    Reading.CURRENT: SensorEntityDescription(
        key=Reading.CURRENT,
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
    ),
    Reading.POWER: SensorEntityDescription(
        key=Reading.POWER,
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    # Energy counted up by the plug: an individual device of the Energy dashboard.
    Reading.ENERGY: SensorEntityDescription(
        key=Reading.ENERGY,
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
    ),
}


def plug_sensors(entry: GestionEnergieConfigEntry, subentry: ConfigSubentry) -> list[PlugSensor]:
    """A plug's sensors (none for a subentry that is no plug)."""
    coordinator = entry.runtime_data.plugs.get(subentry.subentry_id)
    if coordinator is None:
        return []
    sockets = int(subentry.data[CONF_SOCKETS])
    entities = [
        PlugSensor(coordinator, reading, index, named=sockets > 1)
        for index in range(sockets)
        for reading in coordinator.socket_readings
    ]
    return entities + [PlugSensor(coordinator, reading) for reading in coordinator.device_readings]


class PlugSensor(PlugEntity, SensorEntity):
    """One reading of a socket, or of the whole plug."""

    def __init__(
        self,
        coordinator: PlugCoordinator,
        reading: Reading,
        index: int | None = None,
        *,
        named: bool = False,
    ) -> None:
        """Read `reading` of socket `index`, or of the device when `index` is None."""
        super().__init__(coordinator, reading, index)
        self.entity_description = _READINGS[reading]
        self.reading = reading
        if named:
            self._attr_translation_key = f"socket_{reading}"

    @property
    @override
    def native_value(self) -> float | None:
        """The reading; unknown when the plug left it out."""
        readings = self.socket if self.index is not None else self.coordinator.data
        return None if readings is None else self.reading.of(readings)
