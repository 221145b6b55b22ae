"""The house's unmeasured consumption, in the simulated house of two plugs and two loads."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.gestion_energie.const import DOMAIN
from tests.conftest import SIMULATED_ADDRESS
from tests.shedding_ha.conftest import start_entry
from tests.shedding_ha.house import House, open_house


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests reach the plug simulator on 127.0.0.1."""


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    async with open_house(hass, freezer) as house:
        await house.step(count=3)  # the plugs answered: 1500 W and 2000 W
        yield house


def _entity_id(hass: HomeAssistant, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SIMULATED_ADDRESS}_{key}"
    )
    assert entity_id is not None
    return entity_id


def _value(hass: HomeAssistant, key: str) -> float:
    state = hass.states.get(_entity_id(hass, key))
    assert state is not None
    return float(state.state)


async def test_unmeasured_power_is_the_meter_less_both_plugs_never_negative(
    hass: HomeAssistant, house: House
) -> None:
    await house.step(power=4200)
    assert _value(hass, "unmeasured_power") == 700  # 4200 - 1500 - 2000
    await house.step(power=3000)  # the meter behind the plugs
    assert _value(hass, "unmeasured_power") == 0


async def test_unmeasured_energy_counts_and_survives_a_restart_without_a_jump(
    hass: HomeAssistant, house: House
) -> None:
    state = hass.states.get(_entity_id(hass, "unmeasured_energy"))
    assert state is not None
    assert state.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL_INCREASING
    await house.step(power=5300)
    start = _value(hass, "unmeasured_energy")
    await house.step(power=5300, count=10)  # 1800 W for 20 s: 10 Wh
    counted = _value(hass, "unmeasured_energy")
    assert counted - start == pytest.approx(0.010, abs=0.0002)  # shown in kWh

    assert await hass.config_entries.async_unload(house.entry.entry_id)
    house.freezer.tick(3600)  # an hour down: nothing is guessed for it
    await start_entry(hass, house.entry)
    assert _value(hass, "unmeasured_energy") == counted
    # The simulated source may hand over one frame of its own household before it is stopped:
    # its power holds for the first step (2 s, at most the 5,300 VA of the frames, 2.9 Wh).
    await house.step(power=5300)
    resumed = _value(hass, "unmeasured_energy")
    assert 0 <= resumed - counted <= 0.003  # the hour down counted nothing (1.8 kWh)
    await house.step(power=5300, count=2)
    assert _value(hass, "unmeasured_energy") - resumed == pytest.approx(0.002, abs=0.0002)
