"""The plug simulator itself: energy, the meter's hook, both protocols' details, the CLI."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
import contextlib
import logging
import os
import re
import secrets
import signal
import sys

import aiohttp
import pytest

from custom_components.gestion_energie.plugs import PlugType, TasmotaClient
from custom_components.gestion_energie.simulators import plugs as plugs_module
from custom_components.gestion_energie.simulators.plugs import (
    Fault,
    Load,
    Metering,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
    parse_args,
    plug_from_spec,
    run,
    serve,
)

from .conftest import FakeClock

LOCAL = "127.0.0.1"
TOKEN = secrets.token_urlsafe(8)  # credentials of this run, none written here
PASSWORD = secrets.token_urlsafe(8)


def house() -> tuple[SimulatedPlug, SimulatedPlug]:
    heater = SimulatedPlug(PlugType.TASMOTA, [SimulatedSocket(2000)])
    desk = SimulatedPlug(
        PlugType.GESTION_ENERGIE, [SimulatedSocket(115, power_factor=0.5), SimulatedSocket(40)]
    )
    return heater, desk


async def test_meter_hook(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    heater, desk = house()
    port = await plugs_sim.add(heater)
    await plugs_sim.add(desk)
    loads: list[Load] = []
    unsubscribe = plugs_sim.add_listener(loads.append)

    await TasmotaClient(session, LOCAL, port).set_socket(0, True)  # over HTTP
    plugs_sim.switch(desk, 0, True)  # by hand
    plugs_sim.switch(desk, 0, True)  # no change, no call
    plugs_sim.set_load(desk, 0, 230, power_factor=1)
    plugs_sim.set_load(desk, 1, 0)
    unsubscribe()
    plugs_sim.switch(heater, 0, False)

    assert [(load.power_w, load.apparent_power_va, round(load.current_a, 3)) for load in loads] == [
        (2000, 2000, 8.696),
        (2115, 2230, 9.696),
        (2230, 2230, 9.696),
        (2230, 2230, 9.696),
    ]
    assert plugs_sim.total_power() == 230


async def test_failing_listener_is_logged(
    plugs_sim: PlugSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    heater, _ = house()
    await plugs_sim.add(heater)

    def broken(load: Load) -> None:
        raise RuntimeError("meter gone")

    plugs_sim.add_listener(broken)
    plugs_sim.switch(heater, 0, True)

    assert heater.sockets[0].on
    assert "listener failed" in caplog.text


async def test_energy_integrates_only_while_on(plugs_sim: PlugSimulator, clock: FakeClock) -> None:
    heater, desk = house()
    await plugs_sim.add(heater)
    plugs_sim.switch(heater, 0, True)
    clock.now += 1800
    await plugs_sim.add(desk)  # integrates the heater's half hour first
    plugs_sim.switch(desk, 1, True)
    clock.now += 900
    plugs_sim.switch(heater, 0, False)
    clock.now += 900
    plugs_sim.advance()

    assert heater.sockets[0].energy_wh == pytest.approx(1500)
    assert [s.energy_wh for s in desk.sockets] == [0, pytest.approx(20)]


async def test_ports_and_close(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    heater, desk = house()
    first, second = await plugs_sim.add(heater), await plugs_sim.add(desk)

    assert first != second
    assert (heater.port, desk.port) == (first, second)
    await plugs_sim.close()
    assert heater.port is None
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"http://{LOCAL}:{first}/cm")


async def test_silent_plug_released_on_close(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession
) -> None:
    port = await plugs_sim.add(
        SimulatedPlug(PlugType.TASMOTA, [SimulatedSocket()], fault=Fault.SILENT)
    )
    pending = asyncio.create_task(session.get(f"http://{LOCAL}:{port}/cm?cmnd=Power"))
    await asyncio.sleep(0.05)

    await plugs_sim.close()

    async with await pending as response:
        assert response.status == 503


# --- the project's API: requests a client never sends ---------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/sockets/0", b"not json", 400),
        ("/api/sockets/0", b'{"on": 1}', 400),
        ("/api/sockets/x", b'{"on": true}', 404),
        ("/api/sockets/1", b'{"on": true}', 404),
    ],
)
async def test_project_api_bad_requests(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, path: str, body: bytes, status: int
) -> None:
    port = await plugs_sim.add(SimulatedPlug(PlugType.GESTION_ENERGIE, [SimulatedSocket()]))

    async with session.post(f"http://{LOCAL}:{port}{path}", data=body) as response:
        assert response.status == status
        assert "error" in await response.json()


# --- Tasmota commands beyond what the client sends ------------------------------------------


@pytest.fixture
async def strip(plugs_sim: PlugSimulator) -> SimulatedPlug:
    plug = SimulatedPlug(
        PlugType.TASMOTA,
        [SimulatedSocket(100), SimulatedSocket(50, power_factor=0.5)],
        metering=Metering.DEVICE,
        password=PASSWORD,
    )
    await plugs_sim.add(plug)
    return plug


async def tasmota(
    session: aiohttp.ClientSession, plug: SimulatedPlug, cmnd: str, **headers: str
) -> object:
    url = f"http://{LOCAL}:{plug.port}/cm"
    auth = {} if headers else {"user": "admin", "password": PASSWORD}
    async with session.get(url, params={**auth, "cmnd": cmnd}, headers=headers) as response:
        return await response.json()


async def test_tasmota_commands(session: aiohttp.ClientSession, strip: SimulatedPlug) -> None:
    assert await tasmota(session, strip, "power2") == {"POWER2": "OFF"}
    assert await tasmota(session, strip, "Power2 TOGGLE") == {"POWER2": "ON"}
    assert await tasmota(session, strip, "Power1 1") == {"POWER1": "ON"}
    assert await tasmota(session, strip, "Power1 false") == {"POWER1": "OFF"}
    assert await tasmota(session, strip, "Power3 ON") == {"Command": "Unknown"}
    assert await tasmota(session, strip, "Dimmer 50") == {"Command": "Unknown"}
    assert await tasmota(session, strip, "Status 42") == {"Command": "Unknown"}
    assert await tasmota(session, strip, "") == {"WARNING": "Enter command cmnd="}
    state = await tasmota(session, strip, "State")
    assert isinstance(state, dict)
    assert (state["POWER1"], state["POWER2"]) == ("OFF", "ON")
    status = await tasmota(session, strip, "Status")
    assert isinstance(status, dict)
    assert status["Status"]["Power"] == 2
    firmware = await tasmota(session, strip, "Status 2")
    assert firmware == {
        "StatusFWR": {
            "Version": "14.4.1(tasmota)",
            "BuildDateTime": "2025-01-01T00:00:00",
            "Core": "2_7_8",
            "Hardware": "ESP8266EX",
        }
    }


async def test_tasmota_one_meter_for_the_strip(
    session: aiohttp.ClientSession, strip: SimulatedPlug
) -> None:
    await tasmota(session, strip, "Power1 ON")
    await tasmota(session, strip, "Power2 ON")

    sensors = await tasmota(session, strip, "Status 8")

    assert isinstance(sensors, dict)
    energy = sensors["StatusSNS"]["ENERGY"]
    assert (energy["Power"], energy["ApparentPower"], energy["Factor"]) == (150, 200, 0.75)
    assert (energy["Voltage"], energy["Current"]) == (230, 0.87)


async def test_tasmota_basic_auth(session: aiohttp.ClientSession, strip: SimulatedPlug) -> None:
    good = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    bad = "Basic " + base64.b64encode(b"admin:nope").decode()

    assert await tasmota(session, strip, "Power1", Authorization=good) == {"POWER1": "OFF"}
    assert await tasmota(session, strip, "Power1", Authorization=bad) == {
        "WARNING": "Need user=<username>&password=<password>"
    }
    for other in ("Bearer x", "Basic !!!", "Basic " + base64.b64encode(b"\xff").decode()):
        assert "WARNING" in str(await tasmota(session, strip, "Power1", Authorization=other))


# --- command line ------------------------------------------------------------------------


@contextlib.contextmanager
def served(count: int) -> Iterator[asyncio.Event]:
    """Set the event once the simulator has logged `count` plugs served."""
    ready = asyncio.Event()
    seen: list[str] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "http://127.0.0.1:" in record.getMessage():
                seen.append(record.getMessage())
                if len(seen) == count:
                    ready.set()

    watch = Watch()
    logger = logging.getLogger(plugs_module.__name__)
    logger.addHandler(watch)
    try:
        yield ready
    finally:
        logger.removeHandler(watch)


def test_plug_specs() -> None:
    plug = plug_from_spec(
        [
            "tasmota",
            "loads=100,200,300",
            "pf=0.9,0.8",
            "on=0,2",
            "name=Multiprise",
            "id=aabbccddeeff",
            "password=p",
            "metering=device",
            "fault=truncated",
            "latency=0.5",
            "so129=1",
            "firmware=13.0.0",
        ]
    )

    assert [(s.load_w, s.power_factor, s.on) for s in plug.sockets] == [
        (100, 0.9, True),
        (200, 0.8, False),
        (300, 0.8, True),
    ]
    assert (plug.name, plug.device_id, plug.password, plug.firmware) == (
        "Multiprise",
        "aabbccddeeff",
        "p",
        "13.0.0",
    )
    assert (plug.metering, plug.fault, plug.latency, plug.total_per_channel) == (
        Metering.DEVICE,
        Fault.TRUNCATED,
        0.5,
        True,
    )
    assert SimulatedPlug(PlugType.TASMOTA, [], firmware="9.1").firmware == "9.1"
    plain = plug_from_spec(["gestion_energie", "on=all", "token=t"])
    assert [(s.load_w, s.on) for s in plain.sockets] == [(0, True)]
    assert (plain.token, plain.firmware, plain.model) == ("t", "1.0.0", "Prise simulée")


def test_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    default = parse_args([])
    assert default.port == 8180
    assert [plug.kind for plug in default.plugs] == ["gestion_energie", "tasmota", "tasmota"]

    chosen = parse_args(
        ["--port", "0", "--plug", "tasmota", "--plug", "gestion_energie", "loads=1,2"]
    )
    assert [len(plug.sockets) for plug in chosen.plugs] == [1, 2]
    for wrong in (["shelly"], ["tasmota", "colour=red"], ["tasmota", "fault=fire"]):
        with pytest.raises(SystemExit):
            parse_args(["--plug", *wrong])
    assert "unknown plug setting 'colour'" in capsys.readouterr().err


async def test_serve(session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    args = parse_args(
        ["--port", "0", "--plug", "tasmota", "loads=500", "--plug", "gestion_energie"]
    )
    stop = asyncio.Event()
    with served(2) as ready:
        task = asyncio.create_task(serve(args, stop))
        await ready.wait()
    port = int(re.findall(r"http://127.0.0.1:(\d+)", caplog.text)[0])

    await TasmotaClient(session, LOCAL, port).set_socket(0, True)
    stop.set()
    simulator = await task

    assert "Plugs draw 500 W, 500 VA, 2.17 A" in caplog.text
    assert all(plug.port is None for plug in simulator.plugs)


async def test_run_stops_on_sigterm(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with served(1) as ready:
        task = asyncio.create_task(run(parse_args(["--port", "0", "--plug", "tasmota"])))
        await ready.wait()

    os.kill(os.getpid(), signal.SIGTERM)

    await asyncio.wait_for(task, 5)


async def test_command_line(session: aiohttp.ClientSession) -> None:
    """The real program: started, asked over HTTP, stopped with Ctrl-C."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.gestion_energie.simulators.plugs",
        "--port",
        "0",
        "--plug",
        "tasmota",
        "loads=1000",
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    line = (await asyncio.wait_for(process.stderr.readline(), 20)).decode()
    match = re.search(r"http://127.0.0.1:(\d+)", line)
    assert match, line

    await TasmotaClient(session, LOCAL, int(match.group(1))).set_socket(0, True)
    process.send_signal(signal.SIGINT)
    output = (await asyncio.wait_for(process.stderr.read(), 20)).decode()

    assert await process.wait() == 0
    assert "Plugs draw 1000 W" in output
