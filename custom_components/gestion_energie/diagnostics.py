"""Diagnostics: the meter's state and the decoder's counters, identifiers redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import GestionEnergieConfigEntry

# The meter address (ADCO/ADSC), the delivery point (PRM) and every serial number.
TO_REDACT = {"ADCO", "ADSC", "PRM", "address", "unique_id", "title", "serial_number"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: GestionEnergieConfigEntry
) -> dict[str, Any]:
    """What a bug report needs."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "decoder": asdict(coordinator.decoder.stats),
            "meter": {
                "mode": data.mode,
                "address": data.address,
                "frames": data.frames,
                "valid_groups": data.valid_groups,
                "invalid_groups": data.invalid_groups,
                "rejected_values": data.rejected_values,
                "last_frame_time": data.last_frame_time,
                "values": dict(data.values),
                "horodates": {label: when.isoformat() for label, when in data.horodates.items()},
                "status": None if data.status is None else asdict(data.status),
                "seconds_to_cutoff": data.seconds_to_cutoff,
                "overload": data.overload,
            },
        },
        TO_REDACT,
    )
