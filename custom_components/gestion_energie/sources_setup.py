"""Build the source a config entry describes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.history import get_last_state_changes
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_HOST,
    CONF_PORT,
    EVENT_HOMEASSISTANT_STOP,
    UnitOfEnergy,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util.unit_conversion import EnergyConverter

from .const import (
    CONF_ADDRESS,
    CONF_CE_PIN,
    CONF_CHANNEL,
    CONF_CONTRACT,
    CONF_DATA_RATE,
    CONF_IRQ_PIN,
    CONF_METER_ADDRESS,
    CONF_MODE,
    CONF_PA_LEVEL,
    CONF_SERIAL_PORT,
    CONF_SOURCE,
    CONF_SPI_BUS,
    CONF_SPI_DEVICE,
    CONF_SUBSCRIBED_KVA,
    DOMAIN,
    MODE_BAUDRATES,
    SOURCE_NETWORK,
    SOURCE_RADIO,
    SOURCE_SERIAL,
    SOURCE_SIMULATOR,
)
from .radio.chip import DataRate, PaLevel, RadioConfig
from .sensor import label_key
from .simulators.meter import SIMULATED_ADDRESS, Contract, SimulatedMeter, SimulatedMeterSource
from .sources.base import DataCallback, MeterSource, StatusCallback
from .sources.radio import RadioSource, pyrf24_chip
from .sources.serialport import SerialSource
from .sources.tcp import TcpSource
from .tic import ENERGY_INDEX_LABELS, TicMode

# The radio chip's driver; the hardware edge, replaced by a fake radio in tests.
RADIO_CHIP_FACTORY = pyrf24_chip
SIMULATOR_SAVE_INTERVAL = timedelta(minutes=1)
_RECORDED_STATES_READ = 5


def radio_config(data: dict[str, Any]) -> RadioConfig:
    """The radio settings of an entry."""
    irq = data.get(CONF_IRQ_PIN)
    return RadioConfig(
        ce_pin=int(data[CONF_CE_PIN]),
        spi_bus=int(data[CONF_SPI_BUS]),
        spi_device=int(data[CONF_SPI_DEVICE]),
        channel=int(data[CONF_CHANNEL]),
        data_rate=DataRate[data[CONF_DATA_RATE].upper()],
        pa_level=PaLevel[data[CONF_PA_LEVEL].upper()],
        address=data[CONF_ADDRESS].encode("ascii"),
        irq_pin=None if irq is None else int(irq),
    )


def create_source(
    hass: HomeAssistant,
    data: dict[str, Any],
    on_data: DataCallback,
    on_status: StatusCallback | None = None,
) -> tuple[MeterSource, SimulatedMeter | None]:
    """The source of an entry's data, and the simulated meter when it is one."""
    kind = data[CONF_SOURCE]
    if kind == SOURCE_SERIAL:
        baudrate = MODE_BAUDRATES[data[CONF_MODE]]
        return SerialSource(on_data, data[CONF_SERIAL_PORT], baudrate, on_status=on_status), None
    if kind == SOURCE_NETWORK:
        return TcpSource(on_data, data[CONF_HOST], int(data[CONF_PORT]), on_status=on_status), None
    if kind == SOURCE_RADIO:
        radio = RadioSource(
            on_data, radio_config(data), chip_factory=RADIO_CHIP_FACTORY, on_status=on_status
        )
        return radio, None
    if kind == SOURCE_SIMULATOR:
        meter = SimulatedMeter(
            mode=TicMode(data[CONF_MODE]),
            contract=Contract(data[CONF_CONTRACT]),
            subscribed_kva=int(data[CONF_SUBSCRIBED_KVA]),
            address=data.get(CONF_METER_ADDRESS, SIMULATED_ADDRESS),
        )
        return SimulatedMeterSource(meter, on_data, on_status=on_status), meter
    msg = f"unknown source {kind!r}"
    raise ValueError(msg)


async def async_keep_simulated_indexes(
    hass: HomeAssistant, entry: ConfigEntry, meter: SimulatedMeter
) -> None:
    """The simulated meter's indexes carry on across reloads and restarts, as a real one's.

    Saved every minute, when Home Assistant stops and when the entry unloads: an index that
    started again from its seed would go backwards in the Energy dashboard. After a crash the
    store may be up to a minute behind what the recorder kept: the meter goes on from the
    higher of the two.
    """
    store: Store[dict[str, float]] = Store(hass, 1, f"{DOMAIN}.simulator.{entry.entry_id}")
    indexes = await _async_recorded_indexes_wh(hass, entry)
    for label, wh in (await store.async_load() or {}).items():
        indexes[label] = max(wh, indexes.get(label, wh))
    meter.continue_from(indexes)

    async def save(_event: object = None) -> None:
        await store.async_save(meter.indexes_wh())

    entry.async_on_unload(
        async_track_time_interval(hass, save, SIMULATOR_SAVE_INTERVAL, cancel_on_shutdown=True)
    )
    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, save))
    entry.async_on_unload(save)


async def _async_recorded_indexes_wh(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, float]:
    """The highest of the last values the recorder kept of each of the entry's energy indexes.

    Several are read: an unload writes "unavailable" and removes the state after the last one.
    """
    if "recorder" not in hass.config.components:
        return {}
    registry = er.async_get(hass)
    recorded: dict[str, float] = {}
    for label in ENERGY_INDEX_LABELS:
        unique_id = f"{entry.unique_id}_{label_key(label)}"
        entity_id = registry.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, unique_id)
        if entity_id is None:
            continue
        states = await get_instance(hass).async_add_executor_job(
            get_last_state_changes, hass, _RECORDED_STATES_READ, entity_id
        )
        values = [
            # The meter counts whole watt-hours: no rounding error may take one back.
            round(EnergyConverter.convert(value, unit, UnitOfEnergy.WATT_HOUR))
            for state in states.get(entity_id, [])
            if (value := _number(state.state)) is not None
            and (unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
            in EnergyConverter.VALID_UNITS
        ]
        if values:
            recorded[label] = float(max(values))
    return recorded


def _number(state: str) -> float | None:
    try:
        return float(state)
    except ValueError:
        return None
