"""The remote-display endpoint, through Home Assistant's real HTTP server."""

from __future__ import annotations

from http import HTTPStatus

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gestion_energie.display import DISPLAY_URL
from custom_components.gestion_energie.tic import Group, TicMode, encode_frame


async def test_display_reports_the_meter_essentials(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, hass_client: ClientSessionGenerator
) -> None:
    await loaded_simulator.runtime_data.source.stop()
    frame = [
        Group("ADSC", "042164123456"),
        Group("IRMS1", "007"),
        Group("PREF", "06"),
        Group("SINSTS", "01650"),
        Group("LTARF", f"{'HEURE PLEINE':<16}"),
    ]
    loaded_simulator.runtime_data.coordinator.async_receive(encode_frame(frame, TicMode.STANDARD))
    client = await hass_client()
    response = await client.get(DISPLAY_URL)
    assert response.status == HTTPStatus.OK
    meter = (await response.json())["meters"][loaded_simulator.entry_id]
    assert meter["available"] is True
    assert meter["current_a"] == 7
    assert meter["subscribed_current_a"] == 30
    assert meter["power_va"] == 1650
    assert meter["headroom_va"] == 4350
    assert meter["headroom_percent"] == 72.5
    assert meter["tariff_period"] == "peak"
    assert meter["overload"] is False
    assert meter["seconds_to_cutoff"] is None


async def test_display_needs_a_token(
    hass: HomeAssistant,
    loaded_simulator: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    response = await client.get(DISPLAY_URL)
    assert response.status == HTTPStatus.UNAUTHORIZED
