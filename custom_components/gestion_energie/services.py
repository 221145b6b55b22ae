"""Services of the integration, registered once in `async_setup`."""

from __future__ import annotations

import time

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry
import probatio

from .adopt_history import async_setup_history_services
from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .dashboard import async_setup_dashboard_action
from .money_services import async_setup_money_services
from .shedding_services import async_setup_shedding_services

SERVICE_SIMULATE_OVERLOAD = "simulate_overload"
ATTR_POWER = "power"
ATTR_DURATION = "duration"

SIMULATE_OVERLOAD_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_POWER): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=50_000)
        ),
        probatio.Required(ATTR_DURATION): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=3600)
        ),
    }
)


async def _async_simulate_overload(call: ServiceCall) -> None:
    """Add load to a simulated meter for a while, to watch overload handling work."""
    entry: GestionEnergieConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    simulator = entry.runtime_data.simulator
    if simulator is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_simulator",
            translation_placeholders={"entry": entry.title},
        )
    simulator.start_overload(time.time(), call.data[ATTR_POWER], call.data[ATTR_DURATION])


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SIMULATE_OVERLOAD,
        _async_simulate_overload,
        schema=SIMULATE_OVERLOAD_SCHEMA,
    )
    async_setup_shedding_services(hass)
    async_setup_history_services(hass)
    async_setup_dashboard_action(hass)
    async_setup_money_services(hass)
