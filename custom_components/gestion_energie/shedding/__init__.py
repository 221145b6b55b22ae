"""Smart load shedding: keep the Linky from cutting the house off, never leave a load off.

Pure Python, standard library only: no Home Assistant import and no clock of its own, so every
decision can be replayed, simulated and tested.
"""

from .engine import Event, LoadChange, SheddingEngine, Tick
from .learning import PowerLearner
from .model import (
    THRESHOLD_RATIO,
    Action,
    Instant,
    Limit,
    LoadConfig,
    LoadState,
    MeterSample,
    Notify,
    RaiseLongShed,
    Reason,
    Restore,
    Run,
    Shed,
    SheddingSettings,
    ShedLoad,
    Status,
    Unit,
)

__all__ = [
    "THRESHOLD_RATIO",
    "Action",
    "Event",
    "Instant",
    "Limit",
    "LoadChange",
    "LoadConfig",
    "LoadState",
    "MeterSample",
    "Notify",
    "PowerLearner",
    "RaiseLongShed",
    "Reason",
    "Restore",
    "Run",
    "Shed",
    "ShedLoad",
    "SheddingEngine",
    "SheddingSettings",
    "Status",
    "Tick",
    "Unit",
]
