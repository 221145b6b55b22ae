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

# Options: the update policy and the stale-data delay.
CONF_UPDATE_INTERVAL: Final = "update_interval"
UPDATE_INTERVALS: Final = (0, 10, 30, 60)  # seconds; 0 writes every frame
DEFAULT_UPDATE_INTERVAL: Final = 10
CONF_STALE_AFTER: Final = "stale_after"
DEFAULT_STALE_AFTER: Final = 60  # seconds without a valid frame before unavailable

# How long the config flow listens for frames: historic mode at 1200 baud sends
# a full frame every 1.5 to 2 s, so several frames fit.
PROBE_TIMEOUT: Final = timedelta(seconds=12)
