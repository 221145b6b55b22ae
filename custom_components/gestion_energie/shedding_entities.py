"""Entities of load shedding.

Whole-house ones (the enable switch, the shedding-active binary sensor, the available and shed
power and the number of loads shed) belong to the meter's device. Each load gets a device of
its own, linked to its subentry (so that removing the load removes them): its priority, its
status and its boost button. The managed switch itself stays where it is (another integration's
device, or one of this integration's plugs).

The platform files call the `async_add_*` functions here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, override

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.switch import SwitchEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import UnitOfApparentPower
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .entity import meter_device_info
from .meter.write_policy import HEADROOM, Moving, WriteGate
from .shedding import Status
from .shedding_const import DEFAULT_BOOST, MAX_PRIORITY, MIN_PRIORITY
from .shedding_manager import LoadStatus, ManagedLoad, SheddingManager


class SheddingEntity(Entity):
    """An entity that follows the shedding manager's decisions."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    # Whole-house values that move with every frame follow the meter's update policy.
    _moving: Moving | None = None

    def __init__(self, manager: SheddingManager, key: str, load: ManagedLoad | None = None) -> None:
        """Attach the entity to the meter's device, or to the load's."""
        self.manager = manager
        self.load = load
        self._attr_translation_key = key
        address = str(manager.entry.unique_id)
        if load is None:
            self._attr_unique_id = f"{address}_{key}"
            self._attr_device_info = meter_device_info(address)
        else:
            self._attr_unique_id = f"{load.subentry_id}_{key}"
            self._attr_device_info = DeviceInfo(
                identifiers={(DOMAIN, f"load_{load.subentry_id}")},
                name=load.title,
                entry_type=DeviceEntryType.SERVICE,
            )
        self._written: Any = None
        self._gate = None if self._moving is None else WriteGate(self._moving)

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the manager."""
        self.async_on_remove(self.manager.async_add_listener(self._handle_update))

    def _value(self) -> Any:
        """What the entity shows, compared to decide whether to write."""
        return None

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Drop a write held back for the interval's end."""
        await super().async_will_remove_from_hass()
        self.manager.coordinator.async_cancel_write_later(self._write_held_back)

    @callback
    def _handle_update(self) -> None:
        self._write_when_due(frame=True)

    @callback
    def _write_held_back(self) -> None:
        self._write_when_due(frame=False)

    def _write_when_due(self, *, frame: bool) -> None:
        value = self._value()
        gate = self._gate
        if value == self._written:
            if gate is not None:
                gate.unmoved()
            return
        coordinator = self.manager.coordinator
        if gate is not None and coordinator.async_held_back(
            gate,
            value,
            self._write_held_back,
            frame=frame,
            at_once=self._written is None or coordinator.write_now,
        ):
            return
        self._written = value
        self.async_write_ha_state()


class SheddingSwitch(SheddingEntity, SwitchEntity):
    """Shedding on or off; off, shed loads still come back in stages."""

    @property
    @override
    def is_on(self) -> bool:
        """Whether shedding is enabled."""
        return self.manager.engine.enabled

    @override
    def _value(self) -> Any:
        return self.manager.engine.enabled

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Enable shedding."""
        self.manager.async_set_enabled(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Disable shedding."""
        self.manager.async_set_enabled(False)


class SheddingActiveBinarySensor(SheddingEntity, BinarySensorEntity):
    """On while any load is held off."""

    @property
    @override
    def is_on(self) -> bool:
        """Whether a load is shed."""
        return self.manager.status.active

    @override
    def _value(self) -> Any:
        return self.manager.status.active


@dataclass(frozen=True, kw_only=True)
class SheddingSensorEntityDescription(SensorEntityDescription):
    """A whole-house shedding value from the engine's status."""

    value_fn: Callable[[Status], Any]
    moving: Moving | None = None


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


SENSORS: tuple[SheddingSensorEntityDescription, ...] = (
    SheddingSensorEntityDescription(
        key="available_power",
        translation_key="available_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda status: _rounded(status.available_va),
        moving=HEADROOM,
    ),
    SheddingSensorEntityDescription(
        key="shed_power",
        translation_key="shed_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda status: round(status.shed_power_va),
    ),
    SheddingSensorEntityDescription(
        key="loads_shed",
        translation_key="loads_shed",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda status: len(status.shed),
    ),
)


class SheddingSensor(SheddingEntity, SensorEntity):
    """A whole-house value of shedding."""

    entity_description: SheddingSensorEntityDescription

    def __init__(
        self, manager: SheddingManager, description: SheddingSensorEntityDescription
    ) -> None:
        """Describe the sensor."""
        self._moving = description.moving
        super().__init__(manager, description.key)
        self.entity_description = description

    @property
    @override
    def native_value(self) -> Any:
        """The value from the engine's status."""
        return self.entity_description.value_fn(self.manager.status)

    @override
    def _value(self) -> Any:
        return self.native_value


class LoadStatusSensor(SheddingEntity, SensorEntity):
    """What becomes of a load: on, off, shed, overridden by the user, boosted."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = list(LoadStatus.OPTIONS)  # noqa: RUF012 - Home Assistant's attribute

    def __init__(self, manager: SheddingManager, load: ManagedLoad) -> None:
        """The load's status."""
        super().__init__(manager, "load_status", load)

    @property
    def _switch(self) -> str:
        assert self.load is not None  # noqa: S101 - a load's entity
        return self.load.switch

    @property
    @override
    def native_value(self) -> str | None:
        """The load's status."""
        return self.manager.load_status(self._switch)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """The managed switch, why and since when it is shed, until when it is left alone."""
        status = self.manager.status
        attributes: dict[str, Any] = {
            "switch": self._switch,
            "estimated_power": round(self.manager.engine.estimated_power_w(self._switch)),
        }
        for item in status.shed:
            if item.load == self._switch:
                attributes.update(reason=item.reason.value, shed_since=_iso(item.since))
        if (until := status.overrides.get(self._switch)) is not None:
            attributes["left_alone_until"] = _iso(until)
        return attributes

    @override
    def _value(self) -> Any:
        return (self.native_value, tuple(sorted(self.extra_state_attributes.items())))


class LoadStepSensor(SheddingEntity, SensorEntity):
    """The step the engine holds a load at: 0 at the user's own state, its last step off."""

    def __init__(self, manager: SheddingManager, load: ManagedLoad) -> None:
        """The load's step."""
        super().__init__(manager, "load_step", load)
        self._switch = load.switch
        self._steps = len(load.steps)

    @property
    @override
    def native_value(self) -> int:
        """The step now."""
        return self.manager.engine.step(self._switch)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """What the step sets the entity to (none at the user's own state), and how many."""
        return {"target": self.manager.step_target(self._switch), "steps": self._steps}

    @override
    def _value(self) -> Any:
        return (self.native_value, self.manager.step_target(self._switch))


class LoadPriorityNumber(SheddingEntity, NumberEntity):
    """A load's priority: a larger number is shed last and restored first."""

    _attr_native_min_value = MIN_PRIORITY
    _attr_native_max_value = MAX_PRIORITY
    _attr_native_step = 1
    _attr_mode = NumberMode.BOX

    def __init__(self, manager: SheddingManager, load: ManagedLoad) -> None:
        """The load's priority."""
        super().__init__(manager, "priority", load)
        self._switch = load.switch

    @property
    @override
    def native_value(self) -> float:
        """The priority now."""
        return self.manager.priority(self._switch)

    @override
    def _value(self) -> Any:
        return self.native_value

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Change the priority (kept across restarts)."""
        self.manager.async_set_priority(self._switch, int(value))


class LoadBoostButton(SheddingEntity, ButtonEntity):
    """Keep the load on for an hour, switching it on if it is off."""

    def __init__(self, manager: SheddingManager, load: ManagedLoad) -> None:
        """The load's boost button."""
        super().__init__(manager, "boost", load)
        self._switch = load.switch

    @override
    async def async_press(self) -> None:
        """Boost the load."""
        self.manager.async_boost(self._switch, DEFAULT_BOOST.total_seconds())


class LoadMoveButton(SheddingEntity, ButtonEntity):
    """Move the load one place in the shedding order, without typing priorities."""

    later: bool  # shed after its neighbour, or before

    def __init__(self, manager: SheddingManager, load: ManagedLoad) -> None:
        """The load's button of one direction."""
        super().__init__(manager, "shed_later" if self.later else "shed_earlier", load)
        self._switch = load.switch

    @override
    async def async_press(self) -> None:
        """Swap places with the load next in that direction."""
        self.manager.async_move(self._switch, later=self.later)


class LoadShedEarlierButton(LoadMoveButton):
    """Shed the load before the one shed just before it now."""

    later = False


class LoadShedLaterButton(LoadMoveButton):
    """Shed the load after the one shed just after it now."""

    later = True


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _manager(entry: GestionEnergieConfigEntry) -> SheddingManager | None:
    return entry.runtime_data.shedding


@callback
def async_add_shedding_switches(
    entry: GestionEnergieConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The switch that enables shedding."""
    if (manager := _manager(entry)) is not None:
        async_add_entities([SheddingSwitch(manager, "shedding")])


@callback
def async_add_shedding_binary_sensors(
    entry: GestionEnergieConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The shedding-active binary sensor."""
    if (manager := _manager(entry)) is not None:
        async_add_entities([SheddingActiveBinarySensor(manager, "shedding_active")])


@callback
def async_add_shedding_sensors(
    entry: GestionEnergieConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The whole-house sensors."""
    if (manager := _manager(entry)) is not None:
        async_add_entities(SheddingSensor(manager, description) for description in SENSORS)


def _load_entities(
    *kinds: Callable[[SheddingManager, ManagedLoad], SheddingEntity],
) -> Callable[[GestionEnergieConfigEntry, ConfigSubentry], list[SheddingEntity]]:
    """The factory of a load's entities of `kinds` (none for a subentry that is no load)."""

    def make(entry: GestionEnergieConfigEntry, subentry: ConfigSubentry) -> list[SheddingEntity]:
        manager = _manager(entry)
        load = None if manager is None else manager.by_subentry.get(subentry.subentry_id)
        if manager is None or load is None:
            return []
        return [kind(manager, load) for kind in kinds]

    return make


load_status_sensors = _load_entities(LoadStatusSensor)  # the load's status
load_step_sensors = _load_entities(LoadStepSensor)  # the step the load is held at
load_priority_numbers = _load_entities(LoadPriorityNumber)  # the load's priority
# The load's boost button, and those moving it in the shedding order.
load_buttons = _load_entities(LoadBoostButton, LoadShedEarlierButton, LoadShedLaterButton)
