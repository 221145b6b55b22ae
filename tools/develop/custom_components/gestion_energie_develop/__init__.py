"""scripts/develop's helper: graded loads, and the Energy dashboard set up with a day behind it.

Not part of the integration (HACS installs `custom_components/gestion_energie` only). The
house's heaters, water heater and EV charger are entities of this helper, loads of the meter
from the first run (`appliances.py`). A new
user adds the meter's indexes to the Energy dashboard by hand; the development instance does
it once, while the dashboard has no energy source: every counting index of the simulated
meter becomes a grid source (one per tariff period), every plug's energy sensor an
individual device. The simulated meter is also given the day it would have counted before
Home Assistant first started (hourly statistics of its own household model), so the Energy
page shows consumption on first open instead of after the first hour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import logging
from typing import Any, cast

from homeassistant.components.energy.data import (
    DEVICE_CONSUMPTION_SCHEMA,
    ENERGY_SOURCE_SCHEMA,
    EnergyPreferencesUpdate,
    async_get_manager,
)
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.db_schema import StatisticsShortTerm
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
    UnitOfEnergy,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, discovery, entity_registry as er
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType
from homeassistant.util.unit_conversion import EnergyConverter

from custom_components.gestion_energie.const import DOMAIN as METER_DOMAIN
from custom_components.gestion_energie.coordinator import GestionEnergieConfigEntry
from custom_components.gestion_energie.sensor import label_key
from custom_components.gestion_energie.simulators.meter import SimulatedMeter, initial_index_wh

from .appliances import async_add_graded_loads, async_set_up_feed

DOMAIN = "gestion_energie_develop"
CONFIG_SCHEMA = cv.empty_config_schema(DOMAIN)
LOGGER = logging.getLogger(__name__)

HISTORY_HOURS = 24
# The simulated meter's first frame creates its index sensors: wait that long at most.
INDEXES_TIMEOUT_S = 60.0
APPLIANCE_PLATFORMS = (Platform.CLIMATE, Platform.NUMBER, Platform.SELECT, Platform.WATER_HEATER)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Add the appliances; their loads and the Energy dashboard once Home Assistant started."""
    stop_feed = async_set_up_feed(hass)

    @callback
    def stop(_: Event) -> None:
        stop_feed()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    for platform in APPLIANCE_PLATFORMS:
        hass.async_create_task(discovery.async_load_platform(hass, platform, DOMAIN, {}, config))

    async def set_up(hass: HomeAssistant) -> None:
        hass.async_create_background_task(async_set_up_energy(hass), DOMAIN)
        hass.async_create_background_task(async_add_graded_loads(hass), f"{DOMAIN}_loads")

    async_at_started(hass, set_up)
    return True


async def async_set_up_energy(hass: HomeAssistant) -> None:
    """Give an empty Energy dashboard the simulated meter's indexes and the plugs."""
    manager = await async_get_manager(hass)
    if manager.data is not None and manager.data["energy_sources"]:
        return  # the user's (or an earlier run's) choice
    entries = hass.config_entries.async_loaded_entries(METER_DOMAIN)
    entry = cast(GestionEnergieConfigEntry | None, next(iter(entries), None))
    if entry is None or entry.runtime_data.simulator is None:
        return
    history = HourlyHistory(entry.runtime_data.simulator, datetime.now(UTC))
    indexes = await _wait_for_indexes(hass, entry, history.labels)
    if indexes is None:
        LOGGER.warning("The simulated meter's indexes have no state: Energy dashboard not set up")
        return
    for entity_id, label in indexes.items():
        _import_history(hass, entity_id, history, label)
    sources = [
        {"type": "grid", "stat_energy_from": entity_id, "cost_adjustment_day": 0.0}
        for entity_id in indexes
    ]
    # The plugs' energy, and the rest of the house's (the meter less the plugs): the devices
    # add up to the meter.
    devices = [
        DEVICE_CONSUMPTION_SCHEMA({"stat_consumption": entity.entity_id})
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if (
            entity.config_subentry_id is not None
            or entity.unique_id == f"{entry.unique_id}_unmeasured_energy"
        )
        and entity.domain == "sensor"
        and entity.original_device_class == SensorDeviceClass.ENERGY
        and not entity.disabled
    ]
    update = {"energy_sources": ENERGY_SOURCE_SCHEMA(sources), "device_consumption": devices}
    await manager.async_update(cast(EnergyPreferencesUpdate, update))
    LOGGER.info(
        "Energy dashboard set up: %d tariff-period indexes, %d devices",
        len(sources),
        len(devices),
    )


async def _wait_for_indexes(
    hass: HomeAssistant, entry: GestionEnergieConfigEntry, labels: list[str]
) -> dict[str, str] | None:
    """The entity id of each label's index sensor, once every one reads a number.

    They are created by the meter's first frame, which may come after the start.
    """
    registry = er.async_get(hass)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + INDEXES_TIMEOUT_S
    while loop.time() < deadline:
        indexes = {
            entity_id: label
            for label in labels
            if (
                entity_id := registry.async_get_entity_id(
                    "sensor", METER_DOMAIN, f"{entry.unique_id}_{label_key(label)}"
                )
            )
            and (state := hass.states.get(entity_id)) is not None
            and _number(state.state) is not None
        }
        if labels and len(indexes) == len(labels):
            return indexes
        await asyncio.sleep(1)
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class HourlyHistory:
    """The simulated meter's indexes over the hours before `now`, from a twin meter."""

    def __init__(self, meter: SimulatedMeter, now: datetime) -> None:
        """Run a meter like `meter` through the last hours, reading its indexes hourly."""
        twin = SimulatedMeter(
            mode=meter.mode,
            contract=meter.contract,
            subscribed_kva=meter.subscribed_kva,
            address=meter.address,
        )
        end = now.replace(minute=0, second=0, microsecond=0)
        self.hours = [end - timedelta(hours=n) for n in range(HISTORY_HOURS, -1, -1)]
        self.indexes_wh: list[dict[str, float]] = []
        for hour in self.hours:
            for second in range(-3600, 1, 60):  # a reading a minute
                twin.load_va(hour.timestamp() + second)
            self.indexes_wh.append(twin.indexes_wh())
        self.labels = [
            label
            for label in self.indexes_wh[-1]
            if self._values(label)[0] < self._values(label)[-1]
        ]

    def rows(self, label: str, current_wh: float) -> Iterator[tuple[datetime, float, float]]:
        """(start, index at the hour's end, energy since the first hour) for each hour.

        The series is shifted so that it ends at the running meter's index: the recorder
        then carries the sums on from it without a jump.
        """
        values = self._values(label)
        shift = current_wh - values[-1]
        for start, value in zip(self.hours[:-1], values[1:], strict=True):
            yield start, value + shift, value - values[0]

    def _values(self, label: str) -> list[float]:
        return [indexes.get(label, initial_index_wh(label)) for indexes in self.indexes_wh]


def _import_history(
    hass: HomeAssistant, entity_id: str, history: HourlyHistory, label: str
) -> None:
    """Hourly statistics of the index, and the 5-minute row the recorder continues from."""
    if (state := hass.states.get(entity_id)) is None:
        return  # removed since it was seen
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT, UnitOfEnergy.KILO_WATT_HOUR)

    def to_unit(wh: float) -> float:
        return EnergyConverter.convert(wh, UnitOfEnergy.WATT_HOUR, unit)

    current_wh = EnergyConverter.convert(float(state.state), unit, UnitOfEnergy.WATT_HOUR)
    rows = [
        StatisticData(start=start, state=to_unit(index), sum=to_unit(total))
        for start, index, total in history.rows(label, current_wh)
    ]
    metadata = StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=None,
        source="recorder",
        statistic_id=entity_id,
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=unit,
    )
    async_import_statistics(hass, metadata, rows)
    # The sensor's 5-minute statistics continue from the latest 5-minute row, not from the
    # hourly ones: give them one, where the hourly series ends.
    now = datetime.now(UTC)
    last = rows[-1]
    five_minutes = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    short_term: dict[str, Any] = {**last, "start": five_minutes - timedelta(minutes=5)}
    get_instance(hass).async_import_statistics(
        metadata, [cast(StatisticData, short_term)], StatisticsShortTerm
    )
