"""Meter sources: how TIC bytes reach the decoder (radio, serial, network).

No Home Assistant import: each source runs on asyncio alone. Import the one you need from
its module (`.serialport`, `.tcp`, `.radio`), so the radio transmitter, which shares
`.radio`, does not need the serial library.
"""

from .base import (
    Backoff,
    DataCallback,
    MeterSource,
    SourceSilentError,
    SourceStatus,
    StatusCallback,
)

__all__ = [
    "Backoff",
    "DataCallback",
    "MeterSource",
    "SourceSilentError",
    "SourceStatus",
    "StatusCallback",
]
