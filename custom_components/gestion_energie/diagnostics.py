"""Diagnostics: the meter's state and the decoder's counters, identifiers redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_DEVICE_ID
from .coordinator import GestionEnergieConfigEntry
from .plugs import PlugState

# The meter address (ADCO/ADSC), the delivery point (PRM), every serial number, the
# plugs' credentials, and where the plugs and the bridge are (hosts; device ids are often
# MAC addresses).
TO_REDACT = {
    "ADCO", "ADSC", "PRM", "address", "unique_id", "title", "serial_number",
    CONF_TOKEN, CONF_USERNAME, CONF_PASSWORD, CONF_HOST, CONF_DEVICE_ID,
}  # fmt: skip


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
                "tariff_calendar": data.tariff_calendar,
                "tariff_labels": dict(data.tariff_labels),  # what the meter calls its indexes
            },
            "plugs": [
                {
                    "title": plug.subentry.title,
                    "unique_id": plug.subentry.unique_id,
                    "data": dict(plug.subentry.data),
                    "last_update_success": plug.last_update_success,
                    "last_exception": repr(plug.last_exception) if plug.last_exception else None,
                    "state": _state(plug.data),
                }
                for plug in entry.runtime_data.plugs.values()
            ],
        },
        TO_REDACT,
    )


def _state(state: PlugState | None) -> dict[str, Any] | None:
    """A plug's last readings; None before its first answer."""
    return None if state is None else asdict(state)
