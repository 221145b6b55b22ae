"""scripts/develop's seed: the simulated meter and the plug simulator's default house, as the
flows would have added them, so that every sensor it makes gets a value."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
from pathlib import Path

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.simulators import plugs
from tools.develop_seed import async_plug_subentries, seed

from ..conftest import SIMULATOR_DATA


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """The plug simulator on 127.0.0.1."""


@pytest.fixture
async def default_house() -> AsyncGenerator[list[int]]:
    """The plug simulator's default house, served on free ports; their ports."""
    async with plugs.PlugSimulator() as simulator:
        yield [await simulator.add(plug) for plug in plugs.parse_args([]).plugs]


def test_the_seed_names_the_simulated_meter_after_its_source(tmp_path: Path) -> None:
    assert seed(tmp_path)
    stored = json.loads((tmp_path / ".storage" / "core.config_entries").read_text())
    (entry,) = stored["data"]["entries"]
    assert entry["title"] == f"Linky simulé {entry['unique_id']}"
    assert not seed(tmp_path)  # a configuration of its own is left alone


async def test_every_plug_sensor_of_the_seed_gets_a_value(
    hass: HomeAssistant, default_house: list[int]
) -> None:
    subentries = await async_plug_subentries()
    for subentry, port in zip(subentries, default_house, strict=True):
        subentry["data"] = {**subentry["data"], "port": port}
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="042164123456", data=SIMULATOR_DATA, subentries_data=subentries
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sensors = [
        item.entity_id
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if item.config_subentry_id is not None and item.domain == "sensor"
    ]
    assert any(entity_id.endswith("energy") for entity_id in sensors)
    unknown = [
        entity_id
        for entity_id in sensors
        if (state := hass.states.get(entity_id)) is None
        or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    ]
    assert unknown == []
    await hass.config_entries.async_unload(entry.entry_id)
