"""Shared fixtures: a real Home Assistant with the integration loaded from the checkout."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Imported before the `hass` fixture runs, so that Home Assistant finds this
# integration rather than the test harness's own `custom_components` package.
import custom_components.gestion_energie  # noqa: F401
from custom_components.gestion_energie.const import (
    CONF_CONTRACT,
    CONF_MODE,
    CONF_SOURCE,
    CONF_SUBSCRIBED_KVA,
    DOMAIN,
    SOURCE_SIMULATOR,
)
from custom_components.gestion_energie.coordinator import MeterCoordinator

# CI replays the same examples every run: a property test fails there only when the code
# changed, never by the luck of the draw; developers' runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared"
SIMULATED_ADDRESS = "042164123456"
SIMULATOR_DATA: dict[str, Any] = {
    CONF_SOURCE: SOURCE_SIMULATOR,
    CONF_MODE: "standard",
    CONF_CONTRACT: "tempo",
    CONF_SUBSCRIBED_KVA: "6",
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


@pytest.fixture
def simulator_entry(hass: HomeAssistant) -> MockConfigEntry:
    """A config entry of the built-in simulated meter, added to Home Assistant."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_simulator(
    hass: HomeAssistant, simulator_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The simulated meter's entry, set up."""
    assert await hass.config_entries.async_setup(simulator_entry.entry_id)
    await hass.async_block_till_done()
    yield simulator_entry
    await hass.config_entries.async_unload(simulator_entry.entry_id)


@pytest.fixture
async def coordinator(hass: HomeAssistant, loaded_simulator: MockConfigEntry) -> MeterCoordinator:
    """The loaded entry's coordinator, its simulated source stopped so tests feed it frames."""
    await loaded_simulator.runtime_data.source.stop()
    coordinator = loaded_simulator.runtime_data.coordinator
    assert isinstance(coordinator, MeterCoordinator)
    return coordinator
