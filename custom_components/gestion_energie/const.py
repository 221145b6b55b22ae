"""Constants of the Gestion Énergie integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "gestion_energie"
LOGGER: Final = logging.getLogger(__package__)

# Config entry data: which source brings the meter's bytes, and its settings.
CONF_SOURCE: Final = "source"
SOURCE_SERIAL: Final = "serial"
SOURCE_RADIO: Final = "radio"
SOURCE_NETWORK: Final = "network"
SOURCE_SIMULATOR: Final = "simulator"

CONF_MODE: Final = "mode"  # TIC mode: auto, historic or standard
MODE_AUTO: Final = "auto"
MODE_HISTORIC: Final = "historic"
MODE_STANDARD: Final = "standard"

CONF_CONTRACT: Final = "contract"  # simulator: the simulated meter's tariff option
CONF_SUBSCRIBED_KVA: Final = "subscribed_kva"  # simulator: subscribed power
CONF_METER_ADDRESS: Final = "meter_address"  # simulator: its own address, so several coexist

# Options: the update policy and the stale-data delay.
CONF_UPDATE_INTERVAL: Final = "update_interval"
UPDATE_INTERVALS: Final = (0, 10, 30, 60)  # seconds; 0 writes every frame
DEFAULT_UPDATE_INTERVAL: Final = 10
CONF_STALE_AFTER: Final = "stale_after"
DEFAULT_STALE_AFTER: Final = 60  # seconds without a valid frame before unavailable

# Options: the load-shedding engine's timing (its limits are set by an action).
CONF_SHED_RESTORE_DWELL: Final = "shed_restore_dwell"  # seconds of room before restoring
CONF_SHED_MIN_OFF: Final = "shed_min_off"  # minutes a shed load stays off at least
CONF_SHED_MAX_TOGGLES: Final = "shed_max_toggles"  # switchings per hour and load
CONF_SHED_OVERRIDE: Final = "shed_override"  # minutes a user's "on" is respected
CONF_SHED_MAX_HOURS: Final = "shed_max_hours"  # hours shed before a repair issue
# A sensor or number whose value (VA, W, kVA or kW) the shed limit follows, optional.
CONF_SHED_LIMIT_ENTITY: Final = "shed_limit_entity"
SHEDDING_OPTIONS: Final = (
    CONF_SHED_RESTORE_DWELL,
    CONF_SHED_MIN_OFF,
    CONF_SHED_MAX_TOGGLES,
    CONF_SHED_OVERRIDE,
    CONF_SHED_MAX_HOURS,
    CONF_SHED_LIMIT_ENTITY,
)

# Options: the dated price sets (money/prices.py), a list of dicts.
CONF_PRICE_SETS: Final = "price_sets"

# Serial: the port and the speed of the mode (auto tries both).
CONF_SERIAL_PORT: Final = "port"
MODE_BAUDRATES: Final = {MODE_AUTO: None, MODE_HISTORIC: 1200, MODE_STANDARD: 9600}
# Network: CONF_HOST and CONF_PORT of Home Assistant's constants.
# Radio: the wiring and air settings of radio.chip.RadioConfig.
CONF_CE_PIN: Final = "ce_pin"
CONF_SPI_BUS: Final = "spi_bus"
CONF_SPI_DEVICE: Final = "spi_device"
CONF_CHANNEL: Final = "channel"
CONF_DATA_RATE: Final = "data_rate"
CONF_PA_LEVEL: Final = "pa_level"
CONF_ADDRESS: Final = "address"
CONF_IRQ_PIN: Final = "irq_pin"

# How long the config flow listens for frames: trying both serial speeds takes two
# detection windows, and historic mode at 1200 baud sends a frame every 1.5 to 2 s.
PROBE_TIMEOUT: Final = timedelta(seconds=20)

# Plugs: each one is a config subentry of the meter's entry.
SUBENTRY_PLUG: Final = "plug"
CONF_PLUG_TYPE: Final = "plug_type"
CONF_DEVICE_ID: Final = "device_id"
CONF_MODEL: Final = "model"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_FIRMWARE: Final = "firmware"
CONF_SOCKETS: Final = "sockets"  # how many sockets the plug has
# Which readings (current, power, energy) the plug gives per socket, and which only
# for the whole device; found when the plug is configured, so that its entities exist
# even while it does not answer.
CONF_SOCKET_READINGS: Final = "socket_readings"
CONF_DEVICE_READINGS: Final = "device_readings"
PLUG_SCAN_INTERVAL: Final = timedelta(seconds=5)  # fit for load shedding
PLUG_TIMEOUT: Final = 4.0  # seconds per request, below the scan interval
NOMINAL_VOLTAGE: Final = 230.0  # what the meter's apparent power assumes of a plug's current
