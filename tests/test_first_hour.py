"""What a new user sees in the first hour: states that say something, no digits for nothing,
no sensor that cannot have a value, and titles that tell the meters apart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import TicMode

from .conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from .test_energy_indexes import receive
from .test_meter import standard_frame


def entity_of(hass: HomeAssistant, key: str, domain: str = "sensor") -> str | None:
    return er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{SIMULATED_ADDRESS}_{key}")


def state_of(hass: HomeAssistant, key: str) -> Any:
    entity_id = entity_of(hass, key)
    assert entity_id is not None, key
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


async def test_the_time_before_cut_off_says_when_none_is_coming(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    await receive(hass, coordinator, freezer, standard_frame(power=1200))
    quiet = state_of(hass, "time_to_cutoff")
    assert quiet.state == "none"  # translated "No cut-off coming"
    assert ATTR_UNIT_OF_MEASUREMENT not in quiet.attributes
    await receive(hass, coordinator, freezer, standard_frame(power=9000))
    coming = state_of(hass, "time_to_cutoff")
    assert float(coming.state) > 0
    assert coming.attributes[ATTR_UNIT_OF_MEASUREMENT] == "s"
    await receive(hass, coordinator, freezer, standard_frame(power=1200))
    assert state_of(hass, "time_to_cutoff").state == "none"


async def test_whole_units_are_shown_without_decimals(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    await receive(hass, coordinator, freezer, standard_frame(power=1200))
    registry = er.async_get(hass)
    precisions: dict[str, int | None] = {}
    for key in ("time_to_cutoff", "irms1", "urms1", "pref", "apparent_power", "headroom"):
        entity_id = entity_of(hass, key)
        assert entity_id is not None, key
        entry = registry.async_get(entity_id)
        assert entry is not None
        sensor_options = dict(entry.options.get("sensor") or {})
        precisions[key] = sensor_options.get("suggested_display_precision")
    # The time before cut-off is a duration only while a cut is coming; then whole seconds.
    assert precisions == {
        "time_to_cutoff": None,
        "irms1": 0,
        "urms1": 0,
        "pref": 0,
        "apparent_power": 0,
        "headroom": 0,
    }
    await receive(hass, coordinator, freezer, standard_frame(power=9000))
    entity_id = entity_of(hass, "time_to_cutoff")
    assert entity_id is not None
    entry = registry.async_get(entity_id)
    assert entry is not None
    assert entry.options["sensor"]["suggested_display_precision"] == 0


@pytest.mark.parametrize(("contract", "colours"), [("base", False), ("tempo", True)])
async def test_tempo_colours_exist_on_a_tempo_contract_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, contract: str, colours: bool
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SIMULATED_ADDRESS,
        data={**SIMULATOR_DATA, "contract": contract},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract(contract))
    for _ in range(2):
        freezer.tick(timedelta(seconds=1))
        entry.runtime_data.coordinator.async_receive(
            meter.frame(freezer.time_to_freeze.timestamp())
        )
        await hass.async_block_till_done()
    assert state_of(hass, "tariff_period").state != STATE_UNKNOWN
    for key in ("tempo_today", "tempo_tomorrow"):
        assert (entity_of(hass, key) is not None) is colours, key
    if colours:
        assert state_of(hass, "tempo_today").state in {"blue", "white", "red"}
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_short_message_reads_without_the_meters_padding(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    await receive(hass, coordinator, freezer, standard_frame(MSG1=f"{'PAS DE':<16}{'MESSAGE':<16}"))
    assert state_of(hass, "msg1").state == "PAS DE MESSAGE"


async def test_a_french_home_assistant_titles_a_simulated_meter_in_french(
    hass: HomeAssistant,
) -> None:
    hass.config.language = "fr"
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simulator"}
    )
    form = {key: value for key, value in SIMULATOR_DATA.items() if key != "source"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Linky simulé {SIMULATED_ADDRESS}"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)
