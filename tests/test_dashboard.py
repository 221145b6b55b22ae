"""The meter's dashboard, written by the `create_dashboard` action into Lovelace's storage."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from tests.shedding_ha.house import HEATER, RADIATOR, House, open_house


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests reach the plug simulator on 127.0.0.1."""


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    async with open_house(hass, freezer) as house:
        await house.step(count=2)
        yield house


async def create(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "create_dashboard",
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def _cards(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [card for section in config["views"][0]["sections"] for card in section["cards"]]


async def test_the_dashboard_shows_the_meter_the_loads_and_the_devices(
    hass: HomeAssistant, house: House
) -> None:
    assert await async_setup_component(hass, "lovelace", {})
    assert await create(hass, house.entry) == {"url": "/linky-042164123456"}

    dashboard = hass.data[LOVELACE_DATA].dashboards["linky-042164123456"]
    assert dashboard.config is not None
    assert dashboard.config["title"] == house.entry.title
    assert dashboard.config["mode"] == "storage"  # the user edits it like any other
    cards = _cards(await dashboard.async_load(False))
    gauge = next(card for card in cards if card["type"] == "gauge")
    assert gauge["entity"] == "sensor.linky_power_now"
    # Green to the subscribed 6 kVA, red from PCOUP, the needle's end where the meter cuts.
    assert [segment["from"] for segment in gauge["segments"]] == [0, 6000, 6000]
    assert gauge["max"] == 7800
    rows = {row for card in cards if card["type"] == "entities" for row in card["entities"]}
    assert {
        "sensor.linky_time_before_cut_off",
        "sensor.linky_tariff_period",
        "sensor.linky_tempo_colour_tomorrow",
        RADIATOR,
        HEATER,
        "sensor.radiateur_status",
        "number.radiateur_priority",
        "number.chauffe_eau_priority",
    } <= rows, rows
    assert {"energy-date-selection", "energy-devices-graph"} <= {card["type"] for card in cards}

    # Asked again, the dashboard (maybe edited since) is left as it is.
    with pytest.raises(ServiceValidationError, match="/linky-042164123456"):
        await create(hass, house.entry)


async def test_without_dashboards_the_action_says_so(hass: HomeAssistant, house: House) -> None:
    with pytest.raises(HomeAssistantError) as raised:
        await create(hass, house.entry)
    assert raised.value.translation_key == "no_lovelace"
