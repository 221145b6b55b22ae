"""A compact view of the meter for small displays by the door (ESP8266 and the like).

`GET /api/gestion_energie/display` with a long-lived access token answers one small
JSON object per meter: what the original project's display polled (current, subscribed
current, tariff period) and what a household needs at a glance (power, headroom). Meters
are keyed by config entry id, not by title: a title holds the meter's address by
default, and any user may read this endpoint. See docs/remote-display.md.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.config_entries import ConfigEntryState

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .meter.model import MeterData

DISPLAY_URL = "/api/gestion_energie/display"


def meter_summary(data: MeterData) -> dict[str, Any]:
    """The essentials of one meter, in base units, None where the meter does not tell."""
    values = data.values
    current = values.get("IINST", values.get("IRMS1"))
    subscribed = values.get("ISOUSC")
    if subscribed is None and data.reference_power_va is not None:
        subscribed = round(data.reference_power_va / 200)  # 200 VA per ampere, as ISOUSC
    return {
        "current_a": current,
        "subscribed_current_a": subscribed,
        "max_current_a": values.get("IMAX"),
        "power_va": data.apparent_power_va,
        "headroom_va": data.headroom_va,
        "headroom_percent": data.headroom_percent,
        "tariff_period": None if data.tariff_period is None else data.tariff_period.value,
        "overload": data.overload,
        "seconds_to_cutoff": None
        if data.seconds_to_cutoff is None
        else round(data.seconds_to_cutoff),
        "last_frame_time": data.last_frame_time,
    }


class MeterDisplayView(HomeAssistantView):
    """The meters' essentials, for authenticated remote displays."""

    url = DISPLAY_URL
    name = "api:gestion_energie:display"
    requires_auth = True

    async def get(self, request: web.Request) -> web.Response:
        """One object per loaded meter, keyed by its config entry id."""
        hass = request.app[KEY_HASS]
        entries: list[GestionEnergieConfigEntry] = hass.config_entries.async_entries(DOMAIN)
        meters = {
            entry.entry_id: {
                "available": entry.runtime_data.coordinator.last_update_success,
                **meter_summary(entry.runtime_data.coordinator.data),
            }
            for entry in entries
            if entry.state is ConfigEntryState.LOADED
        }
        return self.json({"meters": meters})
