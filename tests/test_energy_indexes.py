"""Energy indexes in a real Home Assistant: named after their periods, enabled once counting."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_restore_state_shutdown_restart,
)

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.diagnostics import async_get_config_entry_diagnostics
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import PARIS, Group, TicMode, encode_frame

from .conftest import SIMULATED_ADDRESS

# A winter Monday at 23:00: off-peak hours of a blue Tempo day in the simulator.
WINTER_NIGHT = datetime(2026, 1, 5, 23, tzinfo=PARIS)


def frame(
    indexes: dict[int, int], ntarf: int, ltarf: str, calendar: str = "MON FOURNISSEUR"
) -> bytes:
    """A standard frame of a meter on `calendar`, index `ntarf` running under `ltarf`."""
    groups = [
        Group("ADSC", SIMULATED_ADDRESS),
        Group("NGTF", f"{calendar:<16}"),
        Group("LTARF", f"{ltarf:<16}"),
        *(Group(f"EASF{n:02}", f"{wh:09}") for n, wh in indexes.items()),
        Group("SINSTS", "01000"),
        Group("NTARF", f"{ntarf:02}"),
    ]
    return encode_frame(groups, TicMode.STANDARD)


def index(hass: HomeAssistant, label: str) -> er.RegistryEntry:
    """The registry entry of an index, found by its unique id (which never changes)."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{SIMULATED_ADDRESS}_{label}")
    assert entity_id is not None, label
    entry = registry.async_get(entity_id)
    assert entry is not None
    return entry


def friendly_name(hass: HomeAssistant, label: str) -> str:
    state = hass.states.get(index(hass, label).entity_id)
    assert state is not None, label
    return str(state.attributes["friendly_name"])


async def receive(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory, data: bytes
) -> None:
    freezer.tick(timedelta(seconds=1))
    coordinator.async_receive(data)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("mode", "contract", "names"),
    [
        (
            TicMode.STANDARD,
            Contract.TEMPO,
            {
                "easf01": "Off-peak hours, blue days",
                "easf02": "Peak hours, blue days",
                "easf03": "Off-peak hours, white days",
                "easf04": "Peak hours, white days",
                "easf05": "Off-peak hours, red days",
                "easf06": "Peak hours, red days",
                "easd01": "Active energy drawn, distributor index 1",  # the meter never says
            },
        ),
        (TicMode.STANDARD, Contract.OFF_PEAK, {"easf01": "Off-peak hours", "easf02": "Peak hours"}),
        (TicMode.STANDARD, Contract.BASE, {"easf01": "Base"}),
        (
            TicMode.HISTORIC,
            Contract.TEMPO,
            {"bbrhcjb": "Off-peak hours, blue days", "bbrhpjr": "Peak hours, red days"},
        ),
        (TicMode.HISTORIC, Contract.OFF_PEAK, {"hchc": "Off-peak hours", "hchp": "Peak hours"}),
        (TicMode.HISTORIC, Contract.BASE, {"base": "Base"}),
    ],
)
async def test_the_simulated_meters_indexes_are_named_after_their_periods(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    freezer: FrozenDateTimeFactory,
    mode: TicMode,
    contract: Contract,
    names: dict[str, str],
) -> None:
    meter = SimulatedMeter(mode=mode, contract=contract)
    for second in range(3):
        now = WINTER_NIGHT.timestamp() + second
        await receive(hass, coordinator, freezer, meter.frame(now))
    for label, name in names.items():
        assert index(hass, label).original_name == name
        assert index(hass, label).unique_id == f"{SIMULATED_ADDRESS}_{label}"


async def test_names_are_french_in_a_french_home_assistant(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    hass.config.language = "fr"
    assert await hass.config_entries.async_setup(simulator_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = simulator_entry.runtime_data.coordinator
    await simulator_entry.runtime_data.source.stop()
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
    for second in range(3):
        await receive(hass, coordinator, freezer, meter.frame(WINTER_NIGHT.timestamp() + second))
    assert friendly_name(hass, "easf01") == "Linky Heures creuses jours bleus"
    assert index(hass, "easf06").original_name == "Heures pleines jours rouges"
    # Home Assistant makes the entity ids of a French installation in French.
    assert index(hass, "easf01").entity_id == "sensor.linky_heures_creuses_jours_bleus"
    await hass.config_entries.async_unload(simulator_entry.entry_id)


async def test_an_index_takes_the_name_the_meter_gives_it(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    """An unknown calendar: numbers first, then each index's label once it runs."""
    counts = {1: 5_000_000, 2: 3_000_000}
    await receive(hass, coordinator, freezer, frame(counts, 1, "HC HIVER"))
    await receive(hass, coordinator, freezer, frame(counts, 1, "HC HIVER"))
    assert friendly_name(hass, "easf01") == "Linky HC HIVER"
    assert friendly_name(hass, "easf02") == "Linky Active energy drawn, supplier index 2"
    entity_id = index(hass, "easf02").entity_id
    counts = {1: 5_000_000, 2: 3_000_001}
    await receive(hass, coordinator, freezer, frame(counts, 2, "HEURE PLEINE"))
    await receive(
        hass, coordinator, freezer, frame({1: 5_000_000, 2: 3_000_002}, 2, "HEURE PLEINE")
    )
    assert friendly_name(hass, "easf02") == "Linky Peak hours"
    assert index(hass, "easf02").original_name == "Peak hours"
    assert index(hass, "easf02").entity_id == entity_id  # the entity and its history stay
    assert friendly_name(hass, "easf01") == "Linky HC HIVER"
    diagnostics = await async_get_config_entry_diagnostics(hass, coordinator.config_entry)
    assert diagnostics["meter"]["tariff_calendar"] == "MON FOURNISSEUR"
    assert diagnostics["meter"]["tariff_labels"] == {1: "HC HIVER", 2: "HEURE PLEINE"}


async def test_a_learnt_name_survives_a_restart(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    counts = {1: 5_000_000, 2: 3_000_000}
    for _ in range(2):
        await receive(hass, coordinator, freezer, frame(counts, 1, "HC HIVER"))
    assert index(hass, "easf01").original_name == "HC HIVER"
    await hass.config_entries.async_unload(loaded_simulator.entry_id)
    await async_mock_restore_state_shutdown_restart(hass)  # through storage, as a restart
    assert await hass.config_entries.async_setup(loaded_simulator.entry_id)
    await hass.async_block_till_done()
    await loaded_simulator.runtime_data.source.stop()
    coordinator = loaded_simulator.runtime_data.coordinator
    assert coordinator.data.tariff_labels == {}
    # Index 2 runs now: index 1's label is not sent, and still known.
    for _ in range(2):
        await receive(hass, coordinator, freezer, frame(counts, 2, "HP HIVER"))
    assert friendly_name(hass, "easf01") == "Linky HC HIVER"
    assert friendly_name(hass, "easf02") == "Linky HP HIVER"


async def test_an_index_at_zero_is_enabled_once_it_counts_unless_the_user_disabled_it(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    zero = {1: 5_000_000, 2: 0, 3: 0}
    for _ in range(2):
        await receive(hass, coordinator, freezer, frame(zero, 1, "HEURE CREUSE"))
    registry = er.async_get(hass)
    for label in ("easf02", "easf03"):
        assert index(hass, label).disabled_by is er.RegistryEntryDisabler.INTEGRATION
    registry.async_update_entity(
        index(hass, "easf03").entity_id, disabled_by=er.RegistryEntryDisabler.USER
    )
    for wh in (1, 2):  # winter has come: the other indexes count
        await receive(hass, coordinator, freezer, frame({1: 5_000_000, 2: wh, 3: wh}, 2, "HP"))
    assert index(hass, "easf02").disabled_by is None
    assert index(hass, "easf03").disabled_by is er.RegistryEntryDisabler.USER
    # Home Assistant reloads the entry to add the entity: it shows the index.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert loaded_simulator.runtime_data.coordinator is not coordinator  # a new one
    coordinator = loaded_simulator.runtime_data.coordinator
    await loaded_simulator.runtime_data.source.stop()
    for wh in (3, 4):
        await receive(hass, coordinator, freezer, frame({1: 5_000_000, 2: wh, 3: wh}, 2, "HP"))
    state = hass.states.get(index(hass, "easf02").entity_id)
    assert state is not None
    assert state.state == "0.004"
    assert hass.states.get(index(hass, "easf03").entity_id) is None
