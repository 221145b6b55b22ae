"""The meter in a real Home Assistant: entities, update policy, guards, staleness, repairs."""

from __future__ import annotations

from datetime import UTC, timedelta
import itertools
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.tic import Group, TicMode, encode_frame

ADDRESS = "042164123456"


def standard_frame(
    power: int = 1200,
    east: int = 1_000_000,
    stge: int = 0x0002_A000 | 1 << 17,
    ltarf: str = "HEURE CREUSE",
    **extra: str,
) -> bytes:
    groups = [
        Group("ADSC", ADDRESS),
        Group("VTIC", "02"),
        Group("EAST", f"{east:09}"),
        Group("EASF01", f"{east:09}"),
        Group("EASF02", f"{0:09}"),
        Group("IRMS1", f"{power // 230:03}"),
        Group("URMS1", "231"),
        Group("PREF", "06"),
        Group("PCOUP", "06"),
        Group("SINSTS", f"{power:05}"),
        Group("SMAXSN", "05400", "E241126101500"),
        Group("LTARF", f"{ltarf:<16}"),
        Group("STGE", f"{stge:08X}"),
    ]
    # `extra` adds labels, or replaces the data of those above.
    by_label = {group.label: group for group in groups}
    by_label.update((label, Group(label, data)) for label, data in extra.items())
    return encode_frame(list(by_label.values()), TicMode.STANDARD)


async def test_meter_device_and_label_sensors(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    entry_id = coordinator.config_entry.entry_id
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, ADDRESS), entry_id)
    assert device is not None
    assert device.manufacturer == "Enedis"
    assert device.serial_number == ADDRESS
    assert device.hw_version == "2021"
    assert device.model == "Linky single-phase 60 A G3"
    # An index is published once a second reading confirms the first.
    for _ in range(2):
        freezer.tick(timedelta(seconds=1))
        coordinator.async_receive(standard_frame())
    await hass.async_block_till_done()
    entities = er.async_get(hass)
    east = entities.async_get_entity_id("sensor", DOMAIN, f"{ADDRESS}_east")
    assert east == "sensor.linky_total_active_energy_drawn"
    state = hass.states.get(east)
    assert state is not None
    assert state.state == "1000.0"
    assert state.attributes["device_class"] == SensorDeviceClass.ENERGY
    assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert state.attributes["unit_of_measurement"] == "kWh"  # Wh natively, kWh suggested
    # An index that stays at zero is not in use: disabled by default.
    unused_id = entities.async_get_entity_id("sensor", DOMAIN, f"{ADDRESS}_easf02")
    assert unused_id is not None
    unused = entities.async_get(unused_id)
    assert unused is not None
    assert unused.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    current = hass.states.get("sensor.linky_rms_current_phase_1")
    assert current is not None
    assert current.attributes["device_class"] == SensorDeviceClass.CURRENT
    assert current.attributes["unit_of_measurement"] == "A"
    # The time of the day's maximum: off by default (each rise would be a logbook entry).
    maximum_time = entities.async_get_entity_id("sensor", DOMAIN, f"{ADDRESS}_smaxsn_time")
    assert maximum_time is not None
    registered = entities.async_get(maximum_time)
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    reached = coordinator.data.horodates["SMAXSN"]
    assert reached.astimezone(UTC).isoformat() == "2024-11-26T08:15:00+00:00"  # E: UTC+2


async def test_values_and_interpretation_reach_the_state_machine(
    hass: HomeAssistant, coordinator: MeterCoordinator, loaded_simulator: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(loaded_simulator, options={CONF_UPDATE_INTERVAL: 0})
    coordinator.async_receive(standard_frame(power=1500))
    await hass.async_block_till_done()
    assert hass.states.get("sensor.linky_power_now").state == "1500"  # type: ignore[union-attr]
    assert hass.states.get("sensor.linky_headroom").state == "4500"  # type: ignore[union-attr]
    assert hass.states.get("sensor.linky_tariff_period").state == "off_peak"  # type: ignore[union-attr]
    assert hass.states.get("sensor.linky_cut_off_switch").state == "closed"  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.linky_overload").state == STATE_OFF  # type: ignore[union-attr]


async def feed(
    hass: HomeAssistant,
    coordinator: MeterCoordinator,
    freezer: FrozenDateTimeFactory,
    seconds: int = 1,
    **frame: Any,
) -> None:
    """One frame a second for `seconds`, the held-back writes' timer running meanwhile."""
    for _ in range(seconds):
        freezer.tick(timedelta(seconds=1))
        coordinator.async_receive(standard_frame(**frame))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def record_writes(hass: HomeAssistant, entity_id: str) -> list[State]:
    """The states written for `entity_id` from now on."""
    written: list[State] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"] is not None:
            written.append(event.data["new_state"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return written


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None
    return current.state


async def test_overload_is_written_at_once_and_a_settled_power_within_the_interval(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    assert coordinator.update_interval_s == 10
    await feed(hass, coordinator, freezer, 20, power=1000)
    assert state(hass, "sensor.linky_power_now") == "1000"
    overload = 1 << 7 | 1 << 17
    await feed(hass, coordinator, freezer, power=7000, stge=overload)
    assert state(hass, "binary_sensor.linky_overload") == STATE_ON  # at once
    # One frame is not a new level yet: it may be noise.
    assert state(hass, "sensor.linky_power_now") == "1000"
    await feed(hass, coordinator, freezer, 2, power=7000, stge=overload)
    assert state(hass, "sensor.linky_power_now") == "7000"  # three frames: settled
    # Back down: settled after three frames, but written only 10 s after the last write.
    await feed(hass, coordinator, freezer, 3, power=1000)
    assert state(hass, "sensor.linky_power_now") == "7000"
    assert state(hass, "binary_sensor.linky_overload") == STATE_OFF
    await feed(hass, coordinator, freezer, 6, power=1000)
    assert state(hass, "sensor.linky_power_now") == "7000"
    await feed(hass, coordinator, freezer, power=1000)
    assert state(hass, "sensor.linky_power_now") == "1000"


async def test_a_change_held_back_is_written_when_the_interval_ends(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    await feed(hass, coordinator, freezer, 20, power=1100)
    await feed(hass, coordinator, freezer, 3, power=2500)  # settled: written
    await feed(hass, coordinator, freezer, 3, power=1100)  # settled, too soon: held back
    assert state(hass, "sensor.linky_power_now") == "2500"
    # The meter stops sending: no frame changes the power again.
    freezer.tick(timedelta(seconds=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, "sensor.linky_power_now") == "2500"
    freezer.tick(timedelta(seconds=1))  # 10 s after the last write
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert state(hass, "sensor.linky_power_now") == "1100"
    assert state(hass, "sensor.linky_headroom") == "4900"


async def test_small_moves_are_written_every_five_minutes(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    await feed(hass, coordinator, freezer, 20, power=1000)
    assert state(hass, "sensor.linky_power_now") == "1000"
    written = record_writes(hass, "sensor.linky_power_now")
    # Noise within 5 %: nothing new to write for minutes, then one write in five minutes.
    for second in range(320):
        await feed(hass, coordinator, freezer, power=1000 + (second % 3) * 20)
        if second == 280:
            assert written == []
    assert len(written) == 1
    assert written[0].state in {"1020", "1040"}


async def test_indexes_are_written_once_a_minute_and_at_once_on_a_new_tariff_period(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    east = "sensor.linky_total_active_energy_drawn"
    written = record_writes(hass, east)
    for index in range(2_000_000, 2_000_130):  # a watt-hour a second
        await feed(hass, coordinator, freezer, east=index)
    # The first values (the index is confirmed by a second reading), then once a minute.
    times = [written_state.last_updated.timestamp() for written_state in written]
    assert [later - earlier for earlier, later in itertools.pairwise(times)][-2:] == [60, 60]
    assert len(written) <= 4
    assert state(hass, east) != "2000.129"
    await feed(hass, coordinator, freezer, east=2_000_130, ltarf="HEURE PLEINE")
    assert state(hass, east) == "2000.13"
    assert state(hass, "sensor.linky_tariff_period") == "peak"


async def test_real_time_policy_writes_every_change(
    hass: HomeAssistant, coordinator: MeterCoordinator, loaded_simulator: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(loaded_simulator, options={CONF_UPDATE_INTERVAL: 0})
    for power in (1000, 1001, 1002):
        coordinator.async_receive(standard_frame(power=power))
        await hass.async_block_till_done()
        assert hass.states.get("sensor.linky_power_now").state == str(power)  # type: ignore[union-attr]


async def test_an_index_going_backwards_is_never_recorded(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    east = "sensor.linky_total_active_energy_drawn"
    for index in (2_000_000, 2_000_001):
        freezer.tick(timedelta(seconds=1))
        coordinator.async_receive(standard_frame(east=index))
        await hass.async_block_till_done()
    assert hass.states.get(east).state == "2000.001"  # type: ignore[union-attr]
    rejected_before = coordinator.data.rejected_values
    assert rejected_before == 0  # first readings wait for confirmation: not refusals
    freezer.tick(timedelta(seconds=1))
    coordinator.async_receive(standard_frame(east=1_999_000))  # backwards
    freezer.tick(timedelta(seconds=1))
    coordinator.async_receive(standard_frame(east=9_999_999))  # 8 MWh in a second
    await hass.async_block_till_done()
    assert hass.states.get(east).state == "2000.001"  # type: ignore[union-attr]
    assert coordinator.data.rejected_values == rejected_before + 4  # EAST and EASF01, twice


async def test_silent_meter_turns_unavailable_then_recovers(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    coordinator.async_receive(standard_frame())
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=65))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.linky_power_now").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    issues = ir.async_get(hass)
    entry_id = coordinator.config_entry.entry_id
    assert issues.async_get_issue(DOMAIN, f"no_data_{entry_id}") is not None
    coordinator.async_receive(standard_frame(power=900))
    await hass.async_block_till_done()
    assert hass.states.get("sensor.linky_power_now").state == "900"  # type: ignore[union-attr]
    assert issues.async_get_issue(DOMAIN, f"no_data_{entry_id}") is None


async def test_open_cutoff_switch_raises_a_repair_issue(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    issue_id = f"cutoff_open_{coordinator.config_entry.entry_id}"
    coordinator.async_receive(standard_frame(stge=1 << 1 | 1 << 17))  # open on overpower
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert hass.states.get("sensor.linky_cut_off_switch").state == "open_overpower"  # type: ignore[union-attr]
    coordinator.async_receive(standard_frame())
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_only_corrupt_data_for_minutes_raises_a_repair_issue(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    issue_id = f"checksum_errors_{coordinator.config_entry.entry_id}"
    corrupt = standard_frame().replace(b"SINSTS\t01200", b"SINSTS\t01300")
    corrupt = bytes(
        b ^ 0x01 if b == ord("A") else b for b in corrupt
    )  # break every group with an A
    bad_only = b"\x02\nEAST\t000000001\t!\r\x03"
    for _ in range(7):
        coordinator.async_receive(bad_only)
        freezer.tick(timedelta(minutes=1))
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    coordinator.async_receive(corrupt)  # some groups still pass: frames again
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_unload_stops_the_source(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    source = loaded_simulator.runtime_data.source
    assert await hass.config_entries.async_unload(loaded_simulator.entry_id)
    assert source._task is None


async def test_last_frame_time_is_not_written_with_every_interval(
    hass: HomeAssistant, coordinator: MeterCoordinator, freezer: FrozenDateTimeFactory
) -> None:
    written: list[str] = []
    hass.bus.async_listen(
        EVENT_STATE_CHANGED, lambda event: written.append(event.data["entity_id"])
    )
    for second in range(60):
        freezer.tick(timedelta(seconds=1))
        coordinator.async_receive(standard_frame(power=1000 + second))
    await hass.async_block_till_done()
    entry = er.async_get(hass).async_get(f"sensor.linky_{'last_valid_frame'}")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert "sensor.linky_last_valid_frame" not in written
    # That frames arrive is still known: the link quality, and the time in the data.
    assert hass.states.get("sensor.linky_link_quality").state == "100.0"  # type: ignore[union-attr]
    assert coordinator.data.last_frame_time == freezer().timestamp()
