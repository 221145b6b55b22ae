"""Sensors of the meter: one per label it sends, and what a household wants to know."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any, override

from homeassistant.components.sensor import (
    DOMAIN as SENSOR_DOMAIN,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfReactiveEnergy,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity

from .const import DOMAIN, LOGGER
from .coordinator import GestionEnergieConfigEntry, MeterCoordinator
from .entity import MeterEntity, MeterEntityDescription, status_field
from .house_balance import async_add_balance_sensors
from .meter.model import MeterData
from .meter.periods import (
    index_period,
    is_period_index,
    period_key,
    supplier_index,
)
from .meter.write_policy import (
    CURRENT,
    EVERY_MINUTE,
    HEADROOM,
    HEADROOM_PERCENT,
    INDEX,
    POWER,
    VOLTAGE,
)
from .money_sensor import async_add_money_sensors
from .plug_sensor import plug_sensors
from .shedding_entities import (
    async_add_shedding_sensors,
    load_status_sensors,
    load_step_sensors,
)
from .tic import CATALOGUE, LabelSpec, Quantity, ValueKind
from .tic.interpret import CplState, CutoffSwitch, EuridisState, Period, TempoColour

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MeterSensorEntityDescription(SensorEntityDescription, MeterEntityDescription):
    """A meter sensor."""


def label_key(label: str) -> str:
    """Entity key of a TIC label: lower case, `+1` and `-1` spelled out (SMAXSN-1...)."""
    return label.lower().replace("+1", "_next").replace("-1", "_previous")


# Device class, unit and state class of each quantity, and how those that move with every
# frame are written. The meter counts whole units (Wh, A, V, VA, minutes): decimals would
# add nothing but zeros.
_QUANTITIES: dict[Quantity, dict[str, Any]] = {
    Quantity.ENERGY: {
        "device_class": SensorDeviceClass.ENERGY,
        "native_unit_of_measurement": UnitOfEnergy.WATT_HOUR,
        "suggested_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
        "state_class": SensorStateClass.TOTAL_INCREASING,
        # An index grows by a watt-hour every few seconds; statistics are hourly.
        "suggested_display_precision": 3,
        "moving": INDEX,
    },
    Quantity.REACTIVE_ENERGY: {
        "device_class": SensorDeviceClass.REACTIVE_ENERGY,
        "native_unit_of_measurement": UnitOfReactiveEnergy.VOLT_AMPERE_REACTIVE_HOUR,
        "suggested_unit_of_measurement": UnitOfReactiveEnergy.KILO_VOLT_AMPERE_REACTIVE_HOUR,
        "state_class": SensorStateClass.TOTAL_INCREASING,
        "suggested_display_precision": 3,
        "moving": INDEX,
    },
    Quantity.CURRENT: {
        "device_class": SensorDeviceClass.CURRENT,
        "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
        "state_class": SensorStateClass.MEASUREMENT,
        "suggested_display_precision": 0,
        "moving": CURRENT,
    },
    Quantity.VOLTAGE: {
        "device_class": SensorDeviceClass.VOLTAGE,
        "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
        "state_class": SensorStateClass.MEASUREMENT,
        "suggested_display_precision": 0,
        "moving": VOLTAGE,
    },
    Quantity.APPARENT_POWER: {
        "device_class": SensorDeviceClass.APPARENT_POWER,
        "native_unit_of_measurement": UnitOfApparentPower.VOLT_AMPERE,
        "state_class": SensorStateClass.MEASUREMENT,
        "suggested_display_precision": 0,
        "moving": POWER,
    },
    Quantity.ACTIVE_POWER: {
        "device_class": SensorDeviceClass.POWER,
        "native_unit_of_measurement": UnitOfPower.WATT,
        "state_class": SensorStateClass.MEASUREMENT,
        "suggested_display_precision": 0,
        "moving": POWER,
    },
    Quantity.DURATION: {
        "device_class": SensorDeviceClass.DURATION,
        "native_unit_of_measurement": UnitOfTime.MINUTES,
        "suggested_display_precision": 0,
    },
}

# Labels worth seeing by default; the rest (contract details, identifiers,
# calendars, the raw registers decoded elsewhere) are diagnostic and disabled.
_PRIMARY_LABELS = frozenset(
    {
        "IINST",
        "IINST1",
        "IINST2",
        "IINST3",
        "IRMS1",
        "IRMS2",
        "IRMS3",
        "URMS1",
        "URMS2",
        "URMS3",
        "SINSTS1",
        "SINSTS2",
        "SINSTS3",
        "SINSTI",
        "SMAXSN",
        "SMAXSN-1",
        "SMAXIN",
        "PREF",
        "ISOUSC",
        "PEJP",
        "LTARF",
        "MSG1",
    }
)
# These repeat what a derived sensor already shows (power now, tariff period, colours).
_SHOWN_ELSEWHERE = frozenset({"SINSTS", "PAPP", "PTEC", "DEMAIN", "STGE", "NTARF"})


def _label_value(label: str) -> Any:
    def value(data: MeterData) -> Any:
        return data.values.get(label)

    return value


def _label_time(label: str) -> Any:
    def value(data: MeterData) -> datetime | None:
        return data.horodates.get(label)

    return value


def _enabled_by_default(spec: LabelSpec, data: MeterData) -> bool:
    if spec.total_increasing:
        return bool(data.values.get(spec.label))  # unused indexes stay at zero
    return spec.label in _PRIMARY_LABELS


def label_descriptions(spec: LabelSpec, data: MeterData) -> list[MeterSensorEntityDescription]:
    """The sensor of one label, and for a horodated maximum the time it was reached."""
    key = label_key(spec.label)
    enabled = _enabled_by_default(spec, data) and spec.label not in _SHOWN_ELSEWHERE
    category = None if enabled or spec.total_increasing else EntityCategory.DIAGNOSTIC
    base = MeterSensorEntityDescription(
        key=key,
        translation_key=key,
        value_fn=_label_value(spec.label),
        entity_registry_enabled_default=enabled,
        entity_category=category,
    )
    if spec.kind is ValueKind.EMPTY:  # DATE: the value is its horodate
        return [
            replace(
                base,
                value_fn=_label_time(spec.label),
                device_class=SensorDeviceClass.TIMESTAMP,
                entity_category=EntityCategory.DIAGNOSTIC,
            )
        ]
    if spec.quantity is not None:
        base = replace(base, **_QUANTITIES[spec.quantity])
        if spec.unit == "kVA":
            base = replace(base, native_unit_of_measurement=UnitOfApparentPower.KILO_VOLT_AMPERE)
            base = replace(base, moving=None)
    descriptions = [base]
    if spec.timestamped_maximum:
        descriptions.append(
            MeterSensorEntityDescription(
                key=f"{key}_time",
                translation_key=f"{key}_time",
                device_class=SensorDeviceClass.TIMESTAMP,
                value_fn=_label_time(spec.label),
                # Off until asked for: a time has no unit, so every rise of the day's maximum
                # (nine in develop's first minute) would be an entry of the logbook.
                entity_registry_enabled_default=False,
                entity_category=category,
            )
        )
    return descriptions


def _enum(value: Any) -> str | None:
    return None if value is None else value.name.lower()


def _tempo(colour: TempoColour | None) -> str | None:
    return None if colour in {None, TempoColour.NONE} else _enum(colour)


def _last_frame(data: MeterData) -> datetime | None:
    return (
        None if data.last_frame_time is None else datetime.fromtimestamp(data.last_frame_time, UTC)
    )


def _link_quality(data: MeterData) -> float | None:
    total = data.valid_groups + data.invalid_groups
    return round(100 * data.valid_groups / total, 2) if total else None


def _status_enum(
    key: str, field: str, states: type[Enum], **kwargs: Any
) -> MeterSensorEntityDescription:
    """An enum sensor of one status-register field, its states named after the enum's."""
    read = status_field(field)
    return MeterSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENUM,
        options=[state.name.lower() for state in states],
        value_fn=lambda data: _enum(read(data)),
        **kwargs,
    )


INTERPRETED: tuple[MeterSensorEntityDescription, ...] = (
    MeterSensorEntityDescription(
        key="apparent_power",
        translation_key="apparent_power",
        value_fn=lambda data: data.apparent_power_va,
        **_QUANTITIES[Quantity.APPARENT_POWER],
    ),
    MeterSensorEntityDescription(
        key="headroom",
        translation_key="headroom",
        value_fn=lambda data: data.headroom_va,
        **{**_QUANTITIES[Quantity.APPARENT_POWER], "moving": HEADROOM},
    ),
    MeterSensorEntityDescription(
        key="headroom_percent",
        translation_key="headroom_percent",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.headroom_percent,
        moving=HEADROOM_PERCENT,
    ),
    MeterSensorEntityDescription(
        key="reference_power",
        translation_key="reference_power",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        suggested_display_precision=0,
        value_fn=lambda data: data.reference_power_va,
    ),
    MeterSensorEntityDescription(
        key="tariff_period",
        translation_key="tariff_period",
        device_class=SensorDeviceClass.ENUM,
        options=[period.value for period in Period],
        value_fn=lambda data: None if data.tariff_period is None else data.tariff_period.value,
    ),
    _status_enum("cutoff_switch", "cutoff_switch", CutoffSwitch),
    MeterSensorEntityDescription(
        key="supplier_index",
        translation_key="supplier_index",
        value_fn=status_field("supplier_index"),
    ),
    MeterSensorEntityDescription(
        key="distributor_index",
        translation_key="distributor_index",
        value_fn=status_field("distributor_index"),
        entity_registry_enabled_default=False,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    *(
        _status_enum(
            key,
            field,
            states,
            entity_registry_enabled_default=False,
            entity_category=EntityCategory.DIAGNOSTIC,
        )
        for key, field, states in (
            ("euridis", "euridis", EuridisState),
            ("cpl_state", "cpl", CplState),
        )
    ),
    MeterSensorEntityDescription(
        key="mobile_peak_notice",
        translation_key="mobile_peak_notice",
        value_fn=status_field("mobile_peak_notice"),
        entity_registry_enabled_default=False,
    ),
    MeterSensorEntityDescription(
        key="mobile_peak",
        translation_key="mobile_peak",
        value_fn=status_field("mobile_peak"),
        entity_registry_enabled_default=False,
    ),
    # A new time with every frame: enabled, it would fill the recorder and the device's
    # activity with a row per interval. That frames arrive is shown without it: entities
    # turn unavailable and a repair issue is raised when they stop, the link quality
    # counts rejected groups, diagnostics hold the time. Disabled, like other integrations'
    # "last seen" sensors; enabled, it is written once a minute.
    MeterSensorEntityDescription(
        key="last_frame",
        translation_key="last_frame",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_last_frame,
        moving=EVERY_MINUTE,
    ),
    MeterSensorEntityDescription(
        key="link_quality",
        translation_key="link_quality",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_link_quality,
        moving=EVERY_MINUTE,
    ),
    MeterSensorEntityDescription(
        key="rejected_groups",
        translation_key="rejected_groups",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.invalid_groups,
    ),
    MeterSensorEntityDescription(
        key="rejected_values",
        translation_key="rejected_values",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.rejected_values,
    ),
)


NO_CUTOFF = "none"  # the time before cut-off's state while no cut is coming
TIME_TO_CUTOFF = MeterSensorEntityDescription(
    key="time_to_cutoff",
    translation_key="time_to_cutoff",
    device_class=SensorDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    suggested_display_precision=0,
    value_fn=lambda data: None if data.seconds_to_cutoff is None else round(data.seconds_to_cutoff),
)


# Only a Tempo contract has colours: created once the meter tells today's (or already known).
TEMPO: tuple[MeterSensorEntityDescription, ...] = (
    MeterSensorEntityDescription(
        key="tempo_today",
        translation_key="tempo_today",
        device_class=SensorDeviceClass.ENUM,
        options=["blue", "white", "red"],
        value_fn=lambda data: _tempo(data.tempo_today),
    ),
    MeterSensorEntityDescription(
        key="tempo_tomorrow",
        translation_key="tempo_tomorrow",
        device_class=SensorDeviceClass.ENUM,
        options=["blue", "white", "red"],
        value_fn=lambda data: _tempo(data.tempo_tomorrow),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the interpreted sensors now, and a label's sensors when it is first seen."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(MeterSensor(coordinator, description) for description in INTERPRETED)
    async_add_entities([TimeToCutoffSensor(coordinator, TIME_TO_CUTOFF)])
    seen: set[str] = set()
    not_counting: dict[str, str] = {}  # unique ids of the indexes not seen counting, by label
    registry = er.async_get(hass)
    tempo = [MeterSensor(coordinator, description) for description in TEMPO]
    tempo_known = any(
        registry.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, str(sensor.unique_id))
        for sensor in tempo
    )

    @callback
    def add_new_labels() -> None:
        nonlocal tempo_known
        data = coordinator.data
        if not tempo_known and data.tempo_today is not None:
            tempo_known = True
            async_add_entities(tempo)
        new = [label for label in data.values if label not in seen]
        if new:
            seen.update(new)
            sensors: list[MeterSensor] = []
            for label in new:
                spec = CATALOGUE[label]
                label_sensors = [
                    _label_sensor(coordinator, label, description)
                    for description in label_descriptions(spec, data)
                ]
                if spec.total_increasing:
                    not_counting[label] = str(label_sensors[0].unique_id)
                sensors += label_sensors
            async_add_entities(sensors)
        if not_counting:
            _enable_indexes_that_count(hass, data, not_counting)

    if tempo_known:
        async_add_entities(tempo)
    add_new_labels()
    entry.async_on_unload(coordinator.async_add_listener(add_new_labels))
    async_add_shedding_sensors(entry, async_add_entities)
    for factory in (plug_sensors, load_status_sensors, load_step_sensors):
        entry.runtime_data.subentry_entities.async_add_platform(entry, factory, async_add_entities)
    async_add_balance_sensors(entry, async_add_entities)
    async_add_money_sensors(entry, async_add_entities)


@callback
def _enable_indexes_that_count(
    hass: HomeAssistant, data: MeterData, not_counting: dict[str, str]
) -> None:
    """Enable an energy index created disabled (it read zero) once it counts.

    A Tempo red-day index may read zero for months before it belongs on the Energy dashboard.
    An index the user disabled stays so. Home Assistant reloads the entry to add the entity.
    """
    counting = [label for label in not_counting if data.values.get(label)]
    if not counting:
        return
    registry = er.async_get(hass)
    for label in counting:
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, not_counting.pop(label))
        entry = registry.async_get(entity_id) if entity_id else None
        if entry is not None and entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION:
            LOGGER.info("Energy index %s counts: %s enabled", label, entry.entity_id)
            registry.async_update_entity(entry.entity_id, disabled_by=None)


def _label_sensor(
    coordinator: MeterCoordinator, label: str, description: MeterSensorEntityDescription
) -> MeterSensor:
    """The sensor of a label: energy indexes that may be named after a period have their own."""
    if is_period_index(label):
        return EnergyIndexSensor(coordinator, description, label)
    return MeterSensor(coordinator, description)


class MeterSensor(MeterEntity, SensorEntity):
    """A sensor of the meter."""

    entity_description: MeterSensorEntityDescription

    def __init__(
        self, coordinator: MeterCoordinator, description: MeterSensorEntityDescription
    ) -> None:
        """Describe the sensor."""
        super().__init__(coordinator, description)

    @property
    @override
    def native_value(self) -> Any:
        """The value, as the description reads it."""
        return self.value


class TimeToCutoffSensor(MeterSensor):
    """Seconds before the meter would cut off, or "none" (translated) while no cut is coming.

    A duration alone would read "unknown" whenever the house draws less than it may, which
    is most of the time and says nothing. The sensor has no state class (it is kept out of
    statistics), so its state may be a word when there is no number: a duration while a cut
    is coming, "none" otherwise (and unknown until the meter tells its cut-off power).
    """

    @property
    def _cut_coming(self) -> bool:
        return self.coordinator.data.seconds_to_cutoff is not None

    @property
    @override
    def device_class(self) -> SensorDeviceClass | None:
        """A duration while a cut is coming."""
        return SensorDeviceClass.DURATION if self._cut_coming else None

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """Seconds while a cut is coming."""
        return UnitOfTime.SECONDS if self._cut_coming else None

    @property
    @override
    def suggested_display_precision(self) -> int | None:
        """Whole seconds while a cut is coming."""
        return 0 if self._cut_coming else None

    @property
    @override
    def native_value(self) -> Any:
        """The seconds left; "none" when the meter's cut-off power is known and not reached."""
        if self._cut_coming:
            return self.value
        return NO_CUTOFF if self.coordinator.data.cutoff_power_va else None


@dataclass(frozen=True, slots=True)
class _LearntLabel(ExtraStoredData):
    """What a supplier index keeps across restarts: the label the meter gave it."""

    calendar: str | None
    label: str

    @override
    def as_dict(self) -> dict[str, Any]:
        return {"calendar": self.calendar, "label": self.label}


class EnergyIndexSensor(MeterSensor, RestoreEntity):
    """An energy index, named after the tariff period it counts when the meter tells it.

    Its name may change as the meter names its index (LTARF): the new name is written at once
    and Home Assistant's registry follows. The unique id, and so the entity id, never change.
    """

    def __init__(
        self, coordinator: MeterCoordinator, description: MeterSensorEntityDescription, label: str
    ) -> None:
        """Name the index from what the meter told so far."""
        super().__init__(coordinator, description)
        self.label = label
        self._supplier_index = supplier_index(label)
        self._attr_translation_key, self._attr_translation_placeholders = self._name()

    def _name(self) -> tuple[str | None, dict[str, str]]:
        """Translation key and placeholders of the name: the period, else the index's number."""
        data = self.coordinator.data
        period = index_period(self.label, data.tariff_calendar, data.tariff_labels)
        if period is None:
            return self.entity_description.translation_key, {}
        if isinstance(period, str):  # the supplier's own words
            return "index_label", {"label": period}
        return f"index_{period_key(period)}", {}

    def _follow_name(self) -> bool:
        """Take the name the meter's data gives now; True if it changed."""
        name = self._name()
        if name == (self.translation_key, self.translation_placeholders):
            return False
        self._attr_translation_key, self._attr_translation_placeholders = name
        # Home Assistant derives these from the translation key once and keeps them: forget.
        for derived in ("_name_translation_key", "_unit_of_measurement_translation_key", "name"):
            self.__dict__.pop(derived, None)
        return True

    @override
    async def async_added_to_hass(self) -> None:
        """Take back the label learnt before a restart, then follow the meter."""
        await super().async_added_to_hass()
        restored = await self.async_get_last_extra_data()
        if self._supplier_index is not None and restored is not None:
            learnt = restored.as_dict()
            calendar, label = learnt.get("calendar"), learnt.get("label")
            if isinstance(label, str) and (calendar is None or isinstance(calendar, str)):
                self.coordinator.model.restore_tariff_label(calendar, self._supplier_index, label)
        self._follow_name()

    @property
    @override
    def extra_restore_state_data(self) -> ExtraStoredData | None:
        """The label the meter gave this supplier index, if it did."""
        data = self.coordinator.data
        if self._supplier_index is None or self._supplier_index not in data.tariff_labels:
            return None
        return _LearntLabel(data.tariff_calendar, data.tariff_labels[self._supplier_index])

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        renamed = self._follow_name()
        super()._handle_coordinator_update()
        if renamed:  # once in an index's life: shown at once, not at the next write
            self.async_write_ha_state()
