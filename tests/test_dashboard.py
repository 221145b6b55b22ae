"""The meter's dashboard, written by the `create_dashboard` action into Lovelace's storage."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.websocket_api import DOMAIN as WEBSOCKET_DOMAIN
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import template
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from tests.shedding_ha.house import HEATER, RADIATOR, House, open_house

DASHBOARDS_LIST = "lovelace/dashboards/list"  # the command whose handler holds the collection


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
    rows = {
        row if isinstance(row, str) else row["entity"]
        for card in cards
        if card["type"] == "entities"
        for row in card["entities"]
    }
    # A load's rows are named without the load's name, the title of their card.
    heater_card = next(card for card in cards if card.get("title") == "Chauffe-eau")
    assert {"entity": "button.chauffe_eau_shed_earlier", "name": "Shed earlier"} in heater_card[
        "entities"
    ]
    assert {
        "sensor.linky_time_before_cut_off",
        "sensor.linky_tariff_period",
        "sensor.linky_tempo_colour_tomorrow",
        RADIATOR,
        HEATER,
        "sensor.radiateur_status",
        "number.radiateur_priority",
        "number.chauffe_eau_priority",
        "button.radiateur_shed_later",
        "button.chauffe_eau_shed_earlier",
        # Money: found by unique id, whatever the language named the entities.
        "sensor.linky_cost_today",
        "sensor.linky_cost_this_month",
        "sensor.linky_current_price",
        "sensor.linky_next_period_change",
    } <= rows, rows
    # The loads' cards in their shedding order: the radiator (priority 10) is shed first.
    titles = [card.get("title") for card in cards]
    assert titles.index("Radiateur") < titles.index("Chauffe-eau")
    assert {"energy-date-selection", "energy-devices-graph"} <= {card["type"] for card in cards}

    # Asked again, the dashboard (maybe edited since) is left as it is.
    with pytest.raises(ServiceValidationError, match="/linky-042164123456"):
        await create(hass, house.entry)


async def test_without_dashboards_the_action_says_so(hass: HomeAssistant, house: House) -> None:
    with pytest.raises(HomeAssistantError) as raised:
        await create(hass, house.entry)
    assert raised.value.translation_key == "no_lovelace"


async def test_if_lovelace_changes_its_handler_the_action_says_so_and_writes_nothing(
    hass: HomeAssistant, house: House
) -> None:
    assert await async_setup_component(hass, "lovelace", {})
    handlers = hass.data[WEBSOCKET_DOMAIN]
    _handler, schema = handlers[DASHBOARDS_LIST]
    handlers[DASHBOARDS_LIST] = (lambda *_args: None, schema)  # no collection behind it
    with pytest.raises(HomeAssistantError) as raised:
        await create(hass, house.entry)
    assert raised.value.translation_key == "no_lovelace"
    assert "linky-042164123456" not in hass.data[LOVELACE_DATA].dashboards


def _order(hass: HomeAssistant, cards: list[dict[str, Any]]) -> str:
    """The shedding order as the dashboard's markdown card shows it now."""
    card = next(card for card in cards if card["type"] == "markdown")
    return str(template.Template(card["content"], hass).async_render(parse_result=False))


async def _press(hass: HomeAssistant, button: str) -> None:
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    await hass.async_block_till_done()


def _priority(hass: HomeAssistant, load: str) -> str:
    state = hass.states.get(f"number.{load}_priority")
    assert state is not None
    return state.state


async def test_loads_move_in_the_shedding_order_by_their_buttons(
    hass: HomeAssistant, house: House
) -> None:
    assert await async_setup_component(hass, "lovelace", {})
    await create(hass, house.entry)
    dashboard = hass.data[LOVELACE_DATA].dashboards["linky-042164123456"]
    cards = _cards(await dashboard.async_load(False))
    manager = house.entry.runtime_data.shedding
    assert manager is not None
    assert _order(hass, cards) == "1. Radiateur (10)\n1. Chauffe-eau (60)"

    # The water heater moved before the radiator: their priorities swap.
    await _press(hass, "button.chauffe_eau_shed_earlier")
    assert (_priority(hass, "chauffe_eau"), _priority(hass, "radiateur")) == ("10", "60")
    assert _order(hass, cards) == "1. Chauffe-eau (10)\n1. Radiateur (60)"
    assert manager.shedding_order() == [HEATER, RADIATOR]
    # First already: nothing moves.
    await _press(hass, "button.chauffe_eau_shed_earlier")
    assert manager.shedding_order() == [HEATER, RADIATOR]

    # Equal priorities (typed in): the name decides, and one step breaks the tie.
    await _set_priority(hass, "radiateur", 10)
    assert manager.shedding_order() == [HEATER, RADIATOR]
    await _press(hass, "button.chauffe_eau_shed_later")
    assert (_priority(hass, "chauffe_eau"), _priority(hass, "radiateur")) == ("11", "10")
    assert _order(hass, cards) == "1. Radiateur (10)\n1. Chauffe-eau (11)"
    # A tie at the top of the scale: the neighbour steps down instead.
    await _set_priority(hass, "radiateur", 100)
    await _set_priority(hass, "chauffe_eau", 100)
    await _press(hass, "button.chauffe_eau_shed_later")
    assert (_priority(hass, "chauffe_eau"), _priority(hass, "radiateur")) == ("100", "99")
    assert manager.shedding_order() == [RADIATOR, HEATER]


async def _set_priority(hass: HomeAssistant, load: str, value: int) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": f"number.{load}_priority", "value": value},
        blocking=True,
    )
