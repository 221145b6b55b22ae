"""Constants of load shedding in Home Assistant: the load subentries, events, services, storage."""

from datetime import timedelta
from typing import Final

# Loads: each one is a config subentry of the meter's entry.
SUBENTRY_LOAD: Final = "load"
CONF_SWITCH: Final = "switch"  # the managed switch's entity id
CONF_PRIORITY: Final = "priority"
CONF_POWER_SENSOR: Final = "power_sensor"
CONF_DECLARED_POWER: Final = "declared_power"  # W
CONF_INTERRUPT: Final = "interrupt"  # how the load may be shed
INTERRUPT_ALLOWED: Final = "interrupt"  # may be cut while it runs
INTERRUPT_PREVENT_START: Final = "prevent_start"  # only kept from starting
CONF_RESTORE: Final = "restore"  # how the load comes back
RESTORE_AUTO: Final = "auto"
RESTORE_NOTIFY: Final = "notify"
CONF_SHED_WHEN_STALE: Final = "shed_when_stale"
# The steps of a climate, select, water_heater or number load: target and power saved, the last
# one off (none stored: a switch, fan or light, whose one step is off).
CONF_STEPS: Final = "steps"
# The phase a load is on, on a three-phase meter: "1", "2", "3", or all three.
CONF_PHASE: Final = "phase"
PHASE_ALL: Final = "all"
PHASES: Final = (PHASE_ALL, "1", "2", "3")
CONF_MIN_RUN: Final = "min_run"  # hours the load must run each day (0: none)

DEFAULT_PRIORITY: Final = 50
MIN_PRIORITY: Final = 0
MAX_PRIORITY: Final = 100
DEFAULT_DECLARED_POWER: Final = 1000

# Events fired when the manager switches a load, with the engine's reason.
EVENT_LOAD_SHED: Final = "gestion_energie_load_shed"
EVENT_LOAD_RESTORED: Final = "gestion_energie_load_restored"

TICK_INTERVAL: Final = timedelta(seconds=5)
STORAGE_VERSION: Final = 1
SAVE_DELAY_S: Final = 10
DEFAULT_BOOST: Final = timedelta(hours=1)
MAX_BOOST: Final = timedelta(days=7)  # longer is forgetting the load, not boosting it
