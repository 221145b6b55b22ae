"""Attacks with values: readings that would blind or fool load shedding, and noisy links.

Issue 17, "Values that blind or fool the shedding": a real Home Assistant with the simulated
meter's entry and four loads under shedding (template switches), fed frames by the test as
the clock moves. Each finding is reproduced as the attacker or the clumsy supplier did it;
the attacks that held are kept too (noise through a pseudo-terminal, fuzzed captures, TCP
bridges that trickle or flood).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
import logging
import os
from pathlib import Path
import random
import time
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from hypothesis import given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.gestion_energie.const import (
    CONF_MODE,
    CONF_SERIAL_PORT,
    CONF_SOURCE,
    DOMAIN,
    SOURCE_SERIAL,
    SUBENTRY_PLUG,
)
from custom_components.gestion_energie.meter.model import MeterModel
from custom_components.gestion_energie.meter.supply import Supply
from custom_components.gestion_energie.plug_flow import async_probe_plug
from custom_components.gestion_energie.plugs import PlugType
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_SHED
from custom_components.gestion_energie.simulators.meter import SimulatedMeter
from custom_components.gestion_energie.simulators.plugs import (
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
    plug_from_spec,
)
from custom_components.gestion_energie.sources.tcp import TcpSource
from custom_components.gestion_energie.tic import Group, TicDecoder
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from tests.meter.test_model import T0
from tests.plugs.conftest import serving
from tests.shedding_ha.conftest import Meter, add_house_entry, setup_house_switches
from tests.sources.frames import decode, historic_frame
from tests.sources.test_serial import Pty
from tests.sources.test_tcp import FAST, Bridge
from tests.test_meter import standard_frame
from tests.tic.samples import SAMPLES, listings, verified

STGE = 0x0002_A000 | 1 << 17  # what the tests' meter sends: standard mode, nothing wrong
QUIET_VA, OVERLOAD_VA = 1200, 9000  # on PREF = PCOUP = 6 kVA


class House(Meter):
    """The meter's entry and its loads; frames of the test's choosing, the clock moving."""

    async def send(self, frame: bytes, count: int = 1, every: float = 2.0) -> None:
        for _ in range(count):
            self.freezer.tick(timedelta(seconds=every))
            self.coordinator.async_receive(frame)
            await self.hass.async_block_till_done()

    def sensor(self, key: str) -> str:
        """The state of the meter's sensor `key` (its unique id's suffix)."""
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "sensor", DOMAIN, f"{SIMULATED_ADDRESS}_{key}"
        )
        assert entity_id is not None, key
        state = self.hass.states.get(entity_id)
        assert state is not None, entity_id
        return state.state


@pytest.fixture
async def house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[House]:
    """The simulated meter's entry with the shedding tests' four loads, its source stopped."""
    await setup_house_switches(hass)
    entry = add_house_entry(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    yield House(hass, entry, freezer)
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def sheds(hass: HomeAssistant) -> list[Event[dict[str, Any]]]:
    return async_capture_events(hass, EVENT_LOAD_SHED)


# STGE fields with a code 54E §6.2.3.14 reserves: the five values tried.
RESERVED_STGE = {
    "cutoff_switch_7": (STGE | 0b111 << 1, "cutoff_switch"),
    "supplier_index_code_10": (STGE & ~(0xF << 10) | 10 << 10, "supplier_index"),
    "supplier_index_code_15": (STGE | 0xF << 10, "supplier_index"),
    "euridis_0b10": (STGE & ~(0b11 << 19) | 0b10 << 19, "euridis"),
    "cpl_0b11": (STGE | 0b11 << 21, "cpl"),
}


@pytest.mark.parametrize(("stge", "field"), RESERVED_STGE.values(), ids=list(RESERVED_STGE))
async def test_stge_with_a_reserved_code_keeps_every_other_value_flowing(
    house: House,
    sheds: list[Event[dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
    stge: int,
    field: str,
) -> None:
    """Was: a ValueError on every frame, the power frozen, 0 sheds at 9 kVA for 90 s."""
    await house.frames(QUIET_VA, count=3)
    with caplog.at_level(logging.WARNING):
        await house.send(standard_frame(power=OVERLOAD_VA, stge=stge), count=45)
    assert house.sensor("apparent_power") == str(OVERLOAD_VA)
    assert sheds
    # The register's defined fields are read; the reserved one is unknown, and logged once.
    status = house.coordinator.data.status
    assert status is not None
    assert status.unknown_fields() == [field]
    assert status.standard_mode
    if field in {"cutoff_switch", "supplier_index"}:  # the others' sensors are disabled
        assert house.sensor(field) == STATE_UNKNOWN
    assert len([r for r in caplog.records if "reserved code" in r.getMessage()]) == 1
    # An unknown cut-off switch state is not taken for an open switch.
    issues = ir.async_get(house.hass)
    assert issues.async_get_issue(DOMAIN, f"cutoff_open_{house.entry.entry_id}") is None


async def test_one_power_reading_beyond_what_the_meter_measures_sheds_nothing(
    house: House, sheds: list[Event[dict[str, Any]]]
) -> None:
    """Was: one frame with SINSTS = 99999 shed both loads (cutoff_near).

    A single-phase Linky measures at most 90 A at 253 V (22,770 VA): 99999 VA is refused
    like an implausible index, and counted.
    """
    await house.frames(QUIET_VA, count=5)
    rejected = house.coordinator.data.rejected_values
    await house.send(standard_frame(power=QUIET_VA, SINSTS="99999"))
    assert house.sensor("apparent_power") == str(QUIET_VA)
    assert house.coordinator.data.rejected_values == rejected + 1
    await house.frames(QUIET_VA, count=30)
    assert sheds == []
    assert house.sensor("rejected_values") == str(rejected + 1)


async def test_pcoup_zero_falls_back_on_the_reference_power(
    house: House, sheds: list[Event[dict[str, Any]]]
) -> None:
    """Was: PCOUP = 00, 9 kVA for 90 s, 0 sheds."""
    await house.send(standard_frame(power=OVERLOAD_VA, PCOUP="00"), count=45)
    assert house.coordinator.data.cutoff_power_va == 6000  # PREF
    assert house.sensor("time_to_cutoff") != STATE_UNKNOWN
    assert sheds


async def test_mode_switch_forgets_what_the_other_modes_labels_said(
    house: House, sheds: list[Event[dict[str, Any]]]
) -> None:
    """Was: 9,200 VA drawn in historic mode but the standard 1,150 VA still used, 0 sheds.

    And back: the display kept the historic IINST.
    """
    await house.send(standard_frame(power=1150), count=5)
    historic = historic_frame(2_000_000, power=9200, current=40, address=SIMULATED_ADDRESS)
    await house.send(historic, count=45)
    assert house.sensor("apparent_power") == "9200"
    assert "SINSTS" not in house.coordinator.data.values
    assert sheds
    assert house.sensor("iinst") == "40"
    await house.send(standard_frame(power=1150), count=2)
    assert house.sensor("iinst") == STATE_UNKNOWN
    assert "PAPP" not in house.coordinator.data.values
    assert house.sensor("apparent_power") == "1150"


async def test_an_index_rising_faster_than_any_supply_is_refused(house: House) -> None:
    """Was: +2 Wh every 10 ms (720 kW) accepted; the guard granted its margin every frame."""
    start = 5_000_000
    await house.send(standard_frame(east=start), count=2)
    rejected = house.coordinator.data.rejected_values
    for step in range(1, 101):  # one second of it
        await house.send(standard_frame(east=start + 2 * step), every=0.01)
    accepted = house.coordinator.data.values["EAST"]
    assert isinstance(accepted, int)
    # 3 s since the reference reading: a single-phase supply gives at most 19 Wh in that time,
    # and the rounding margin (2 Wh) is granted once, not once per frame.
    assert accepted <= start + 19 + 2
    assert house.coordinator.data.rejected_values >= rejected + 2 * 90  # EAST and EASF01
    # A real meter's reading afterwards is accepted again.
    await house.send(standard_frame(east=start + 30), every=60)
    assert house.coordinator.data.values["EAST"] == start + 30
    assert float(house.sensor("east")) == (start + 30) / 1000  # shown in kWh


class HostilePlug:
    """A plug on loopback, of the project's API and Tasmota's, reporting the test's current."""

    device_id = "0badc0ffee01"

    def __init__(self) -> None:
        self.current_a = 0.5
        self.port = 0

    async def info(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"api": 1, "id": self.device_id, "model": "Prise", "firmware": "1.0", "sockets": 1}
        )

    async def state(self, request: web.Request) -> web.Response:
        socket = {"on": True, "current": self.current_a, "power": 100.0, "energy": 10.0}
        return web.json_response({"sockets": [socket]})

    async def tasmota(self, request: web.Request) -> web.Response:
        """Every status section at once, whatever the command."""
        energy = {"Total": 1.0, "Power": 100, "Current": self.current_a}
        return web.json_response(
            {
                "Status": {"Module": 1, "DeviceName": "Prise", "Topic": "tasmota_hostile"},
                "StatusFWR": {"Version": "14.1.0"},
                "StatusNET": {"Mac": "0B:AD:C0:FF:EE:02"},
                "StatusSTS": {"POWER": "ON"},
                "StatusSNS": {"ENERGY": energy},
            }
        )


@pytest.fixture
async def hostile_plug(socket_enabled: None) -> AsyncGenerator[HostilePlug]:
    plug = HostilePlug()
    app = web.Application()
    app.router.add_get("/api/info", plug.info)
    app.router.add_get("/api/state", plug.state)
    app.router.add_get("/cm", plug.tasmota)
    async with serving(app) as port:
        plug.port = port
        yield plug


@pytest.mark.parametrize("kind", list(PlugType))
@pytest.mark.parametrize("current", [-12.5, 1e308])
async def test_a_plug_reading_outside_the_physically_possible_is_refused(
    hass: HomeAssistant, hostile_plug: HostilePlug, kind: PlugType, current: float
) -> None:
    """Was: -12.5 A and 1e308 A recorded; 1e308 A made the simulated meter raise OverflowError."""
    title, data = await async_probe_plug(
        hass, kind, {"host": "127.0.0.1", "port": hostile_plug.port}
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        subentries_data=[
            ConfigSubentryDataWithId(
                data=data,
                subentry_type=SUBENTRY_PLUG,
                title=title,
                unique_id=None,
                subentry_id="hostile",
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    meter = entry.runtime_data.simulator
    assert isinstance(meter, SimulatedMeter)
    plug = entry.runtime_data.plugs["hostile"]
    assert plug.apparent_power_va == pytest.approx(0.5 * 230)
    hostile_plug.current_a = current
    await plug.async_refresh()
    await hass.async_block_till_done()
    # Nothing recorded: the plug's readings are unavailable, the meter sees no load of it.
    states = [
        state
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if entity.config_subentry_id == "hostile" and entity.domain == "sensor"
        if (state := hass.states.get(entity.entity_id)) is not None
    ]
    assert states
    assert {state.state for state in states} == {STATE_UNAVAILABLE}
    assert meter.extra_load_va == 0.0
    assert meter.frame(time.time())
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("load_va", [-1.0, float("inf"), float("nan")])
def test_the_simulated_meter_refuses_a_plug_load_that_is_no_load(load_va: float) -> None:
    meter = SimulatedMeter()
    with pytest.raises(ValueError, match="not physically possible"):
        meter.extra_load_va = load_va


def test_the_simulated_meter_measures_no_more_than_its_supply_carries() -> None:
    meter = SimulatedMeter()
    meter.extra_load_va = 1e300  # as many plugs at their most as you like
    (frame,) = TicDecoder().feed(meter.frame(time.time()))
    assert int(frame.groups["SINSTS"].data) == Supply(three_phase=False).max_power_va


@pytest.mark.parametrize(
    ("load_w", "power_factor"),
    [(-2875.0, None), (float("inf"), None), (1e308, None), (100.0, 0.0), (100.0, 1.5)],
)
async def test_the_plug_simulator_refuses_what_no_socket_can_carry(
    socket_enabled: None, load_w: float, power_factor: float | None
) -> None:
    async with PlugSimulator() as simulator:
        plug = SimulatedPlug(PlugType.TASMOTA, [SimulatedSocket(100.0)])
        await simulator.add(plug)
        with pytest.raises(ValueError, match="not physically possible"):
            simulator.set_load(plug, 0, load_w, power_factor)
    factor = 1.0 if power_factor is None else power_factor
    with pytest.raises(ValueError, match="not physically possible"):
        plug_from_spec(["tasmota", f"loads={load_w}", f"pf={factor}"])


# The attacks that held, kept: noise and floods through the real links, fuzzed captures.

NOISE_BYTES = 3 * 1024 * 1024
FLOOD_FRAMES = 900  # ten seconds of 90 frames/s, sent as fast as the link takes them
STILL_INDEX = 1_234_567  # a meter standing still: frames sent back to back keep one index


async def write_all(pty: Pty, data: bytes) -> None:
    """Write everything to the pty, waiting while the reader catches up."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(pty.master, view[:4096]) :]
        except BlockingIOError:
            await asyncio.sleep(0.001)


async def until(condition: Callable[[], object]) -> None:
    """Let the link work until `condition()` (bounded, in case it never comes)."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(condition)


@pytest.mark.timeout(120)
async def test_megabytes_of_noise_then_a_frame_flood_through_a_pty(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """Random bytes, then frames back to back, on a real serial port: only real frames count."""
    pty = Pty(tmp_path / "ttyTIC")
    address = "012345678910"  # the frames' ADCO
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {address}",
        unique_id=address,
        data={CONF_SOURCE: SOURCE_SERIAL, CONF_SERIAL_PORT: str(pty.link), CONF_MODE: "historic"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator = entry.runtime_data.coordinator
    try:
        await until(lambda: pty.speed() == 1200)  # the source has the port open
        await write_all(pty, random.Random(17).randbytes(NOISE_BYTES))
        await write_all(pty, historic_frame(STILL_INDEX, power=1))
        await until(lambda: coordinator.data.frames == 1)
        assert entry.runtime_data.source.status.bytes_received > NOISE_BYTES  # all went through
        assert coordinator.decoder.stats.groups_ok == len(historic_groups())  # the frame's only
        assert coordinator.data.values["PAPP"] == 1
        for count in range(2, FLOOD_FRAMES + 2):
            await write_all(pty, historic_frame(STILL_INDEX, power=count))
        await until(lambda: coordinator.data.frames == FLOOD_FRAMES + 1)
        assert coordinator.data.values["PAPP"] == FLOOD_FRAMES + 1
        # Nothing but what the frames said: no label, no value from the noise.
        labels = {group.label for group in historic_groups()}
        assert set(coordinator.data.values) <= labels
        assert coordinator.data.values["BASE"] == STILL_INDEX
    finally:
        assert await hass.config_entries.async_unload(entry.entry_id)
        pty.unplug()


def historic_groups() -> list[Group]:
    """The groups of the tests' historic frame."""
    (frame,) = TicDecoder().feed(historic_frame(STILL_INDEX))
    return list(frame.groups.values())


CAPTURES = [
    (SAMPLES / "pyteleinfo_captured_frames.bin").read_bytes(),
    *(capture.raw() for capture in listings()),
]


@st.composite
def fuzzed_captures(draw: st.DrawFn) -> bytes:
    """A real capture with a few bytes flipped, replaced, deleted, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(CAPTURES)))
    for _ in range(draw(st.integers(min_value=1, max_value=30))):
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        match draw(st.sampled_from(["flip", "replace", "delete", "insert", "repeat"])):
            case "flip":
                data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
            case "replace":
                data[at] = draw(st.integers(min_value=0, max_value=255))
            case "delete":
                del data[at]
            case "insert":
                data.insert(at, draw(st.integers(min_value=0, max_value=255)))
            case "repeat":
                data[at:at] = data[at : at + draw(st.integers(min_value=1, max_value=80))]
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(fuzzed_captures())
def test_fuzzed_captures_never_raise_nor_emit_a_group_that_was_not_sent(data: bytes) -> None:
    """Every group out was sent whole, with its checksum right; the model takes every frame."""
    model = MeterModel()
    for number, frame in enumerate(TicDecoder().feed(data)):
        assert verified(frame.groups, frame.mode, data)
        model.update(frame, T0 + 2 * number)


@pytest.fixture
async def bridge(socket_enabled: None) -> AsyncGenerator[Bridge]:
    bridge = Bridge()
    await bridge.open()
    yield bridge
    await bridge.close()


async def test_a_tcp_bridge_that_trickles_byte_by_byte(bridge: Bridge) -> None:
    received = bytearray()
    source = TcpSource(received.extend, "127.0.0.1", bridge.port, backoff=FAST)
    await source.start()
    try:
        await until(lambda: bridge.clients)
        for byte in historic_frame(1) + historic_frame(2):
            await bridge.feed(bytes([byte]))
        await until(lambda: decode(bytes(received)) == [1, 2])
    finally:
        await source.stop()


async def test_a_tcp_bridge_that_floods(bridge: Bridge) -> None:
    """Thousands of frames and megabytes of noise in one go: every frame, once, in order."""
    received = bytearray()
    source = TcpSource(received.extend, "127.0.0.1", bridge.port, backoff=FAST)
    await source.start()
    frames = 3000
    try:
        await until(lambda: bridge.clients)
        noise = random.Random(5).randbytes(NOISE_BYTES).replace(b"\x02", b"")
        await bridge.feed(noise + b"".join(historic_frame(index) for index in range(frames)))
        await until(lambda: len(received) >= len(noise) + frames * len(historic_frame(0)))
        assert decode(bytes(received)) == list(range(frames))
        assert source.status.connects == 1
    finally:
        await source.stop()


async def test_no_contract_power_at_all_falls_back_on_limits_set_in_va(
    hass: HomeAssistant, house: House, sheds: list[Event[dict[str, Any]]]
) -> None:
    """PCOUP = PREF = 00: the meter gives no limit; the user's limits in VA stand for it."""
    frame = standard_frame(power=OVERLOAD_VA, PCOUP="00", PREF="00")
    await house.send(frame, count=45)
    assert house.coordinator.data.cutoff_power_va is None
    # Nothing to compare the power with: no reading the engine can use, as if the meter were
    # silent (the radiator is shed as a precaution for that).
    assert {event.data["reason"] for event in sheds} <= {"stale_meter"}
    await hass.services.async_call(
        DOMAIN,
        "set_limits",
        {
            "config_entry_id": house.entry.entry_id,
            "shed_limit": 6000,
            "restore_limit": 5000,
            "unit": "VA",
        },
        blocking=True,
    )
    await house.send(frame, count=45)
    assert "over_limit" in {event.data["reason"] for event in sheds}
