"""Every error a plug client raises, against real servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import secrets
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.gestion_energie.plugs import (
    GestionEnergieClient,
    PlugAuthError,
    PlugClient,
    PlugConnectionError,
    PlugProtocolError,
    PlugType,
    TasmotaClient,
)
from custom_components.gestion_energie.plugs.base import MAX_REPLY
from custom_components.gestion_energie.simulators.plugs import (
    Fault,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)

from .conftest import CannedServer

LOCAL = "127.0.0.1"
TOKEN = secrets.token_urlsafe(8)  # credentials of this run, none written here
PASSWORD = secrets.token_urlsafe(8)
CLIENTS: dict[PlugType, type[GestionEnergieClient | TasmotaClient]] = {
    PlugType.GESTION_ENERGIE: GestionEnergieClient,
    PlugType.TASMOTA: TasmotaClient,
}
OPERATIONS: dict[str, Callable[[PlugClient], Any]] = {
    "info": lambda client: client.get_info(),
    "state": lambda client: client.get_state(),
    "switch": lambda client: client.set_socket(0, True),
}
kinds = pytest.mark.parametrize("kind", list(PlugType))
operations = pytest.mark.parametrize("operation", list(OPERATIONS))


async def faulty(
    simulator: PlugSimulator, session: aiohttp.ClientSession, kind: PlugType, **settings: Any
) -> PlugClient:
    """A client of a simulated plug made to misbehave."""
    port = await simulator.add(SimulatedPlug(kind, [SimulatedSocket(100)], **settings))
    return CLIENTS[kind](session, LOCAL, port, timeout=0.3)


@kinds
@operations
async def test_unreachable(
    session: aiohttp.ClientSession, closed_port: int, kind: PlugType, operation: str
) -> None:
    client = CLIENTS[kind](session, LOCAL, closed_port)

    with pytest.raises(PlugConnectionError, match="cannot connect"):
        await OPERATIONS[operation](client)


@kinds
@operations
async def test_no_answer_in_time(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, kind: PlugType, operation: str
) -> None:
    client = await faulty(plugs_sim, session, kind, fault=Fault.SILENT)

    with pytest.raises(PlugConnectionError, match="no answer in time"):
        await OPERATIONS[operation](client)


@kinds
async def test_latency(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, kind: PlugType
) -> None:
    client = await faulty(plugs_sim, session, kind, latency=0.05)
    assert (await client.get_info()).sockets == 1

    plugs_sim.plugs[0].latency = 1
    with pytest.raises(PlugConnectionError):
        await client.get_state()


@kinds
@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.NOT_A_PLUG, "not JSON"),
        (Fault.MALFORMED, "not JSON"),
        (Fault.TRUNCATED, "truncated"),
    ],
)
@operations
async def test_bad_replies(
    plugs_sim: PlugSimulator,
    session: aiohttp.ClientSession,
    kind: PlugType,
    fault: Fault,
    message: str,
    operation: str,
) -> None:
    client = await faulty(plugs_sim, session, kind, fault=fault)

    with pytest.raises(PlugProtocolError, match=message):
        await OPERATIONS[operation](client)


@kinds
async def test_credentials_changed_on_the_device(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, kind: PlugType
) -> None:
    client = await faulty(plugs_sim, session, kind)
    await client.get_state()

    plugs_sim.plugs[0].token = plugs_sim.plugs[0].password = secrets.token_hex(4)

    with pytest.raises(PlugAuthError):
        await client.get_state()


@kinds
async def test_the_other_kind_of_plug(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, kind: PlugType
) -> None:
    other = PlugType.TASMOTA if kind is PlugType.GESTION_ENERGIE else PlugType.GESTION_ENERGIE
    port = await plugs_sim.add(SimulatedPlug(other, [SimulatedSocket()]))

    with pytest.raises(PlugProtocolError, match="HTTP 404"):
        await CLIENTS[kind](session, LOCAL, port).get_info()


@pytest.fixture
async def not_http() -> AsyncGenerator[int]:
    """A TCP service that does not speak HTTP (say, an MQTT broker's port)."""

    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"\x20\x02\x00\x00 hello\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(babble, LOCAL, 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@kinds
async def test_not_http(session: aiohttp.ClientSession, not_http: int, kind: PlugType) -> None:
    with pytest.raises(PlugProtocolError, match="not an HTTP reply"):
        await CLIENTS[kind](session, LOCAL, not_http).get_info()


@kinds
async def test_reply_too_large(
    session: aiohttp.ClientSession, canned: CannedServer, kind: PlugType
) -> None:
    client = CLIENTS[kind](session, LOCAL, canned.port)
    canned.reply(b" " * (MAX_REPLY + 1))
    with pytest.raises(PlugProtocolError, match="too large"):
        await client.get_info()

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()  # no length announced
        await response.prepare(request)
        for _ in range(MAX_REPLY // 1024 + 2):
            await response.write(b" " * 1024)
        return response

    canned.handler = endless
    with pytest.raises(PlugProtocolError, match="too large"):
        await client.get_info()


@kinds
@pytest.mark.parametrize(
    "body", [[1, 2], "null", b"\xff\xfe{", "[" * 5000], ids=["list", "null", "binary", "deep"]
)
async def test_not_an_object(
    session: aiohttp.ClientSession, canned: CannedServer, kind: PlugType, body: object
) -> None:
    canned.reply(body)

    with pytest.raises(PlugProtocolError, match="reply is not"):
        await CLIENTS[kind](session, LOCAL, canned.port).get_state()


@kinds
async def test_server_error(
    session: aiohttp.ClientSession, canned: CannedServer, kind: PlugType
) -> None:
    canned.reply({"error": "oops"}, status=500)

    with pytest.raises(PlugProtocolError, match="HTTP 500"):
        await CLIENTS[kind](session, LOCAL, canned.port).get_state()


# --- replies of the project's API that break its contract ---------------------------------

INFO = {"api": 1, "id": "a1", "model": "m", "firmware": "1", "sockets": 2}


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({**INFO, "api": 2}, "not API version 1"),
        ({**INFO, "api": None}, "not API version 1"),
        ({**INFO, "sockets": "2"}, "sockets is not a number"),
        ({**INFO, "sockets": True}, "sockets is not a number"),
        ({**INFO, "sockets": 0}, "0 sockets"),
        ({**INFO, "sockets": 65}, "65 sockets"),
        ({**INFO, "id": ""}, "id is not a text"),
        ({**INFO, "model": 3}, "model is not a text"),
        ({**INFO, "name": ["x"]}, "name is not a text"),
    ],
)
async def test_project_info_contract(
    session: aiohttp.ClientSession, canned: CannedServer, info: object, message: str
) -> None:
    canned.reply(info)

    with pytest.raises(PlugProtocolError, match=message):
        await GestionEnergieClient(session, LOCAL, canned.port).get_info()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({}, "no sockets list"),
        ({"sockets": []}, "no sockets list"),
        ({"sockets": {"on": True}}, "no sockets list"),
        ({"sockets": [{"on": "yes"}]}, "socket 0 has no on/off"),
        ({"sockets": [{"on": True}, 1]}, "socket 1 has no on/off"),
        ({"sockets": [{"on": True, "power": "12 W"}]}, "socket 0 power is not a number"),
        ({"sockets": [{"on": True, "current": True}]}, "socket 0 current is not a number"),
        ({"sockets": [{"on": True, "energy": float("nan")}]}, "energy is not a number"),
        ({"sockets": [{"on": True}], "power": [1]}, "power is not a number"),
    ],
)
async def test_project_state_contract(
    session: aiohttp.ClientSession, canned: CannedServer, state: object, message: str
) -> None:
    canned.reply(state)

    with pytest.raises(PlugProtocolError, match=message):
        await GestionEnergieClient(session, LOCAL, canned.port).get_state()


@pytest.mark.parametrize("reply", [{"on": False}, {"state": "on"}])
async def test_project_switch_contract(
    session: aiohttp.ClientSession, canned: CannedServer, reply: object
) -> None:
    canned.reply(reply)

    with pytest.raises(PlugProtocolError):
        await GestionEnergieClient(session, LOCAL, canned.port).set_socket(0, True)
    assert canned.requests[0].method == "POST"
    assert canned.requests[0].path == "/api/sockets/0"


# --- Tasmota replies ------------------------------------------------------------------------


async def test_tasmota_older_firmware_refusing_the_password(
    session: aiohttp.ClientSession, canned: CannedServer
) -> None:
    canned.reply({"WARNING": "Need user=<username>&password=<password>"})  # HTTP 200

    with pytest.raises(PlugAuthError):
        await TasmotaClient(session, LOCAL, canned.port, password=PASSWORD).get_info()
    assert canned.requests[0].query == {"user": "admin", "password": PASSWORD, "cmnd": "Status 0"}


STATUS = {
    "Status": {"Module": 1, "FriendlyName": "Lampe", "Topic": "lampe"},
    "StatusFWR": {"Version": "8.5.1"},
    "StatusSTS": {"POWER": "ON"},
}


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ({"WARNING": "Enter command cmnd="}, "no Status"),
        ({**STATUS, "StatusFWR": "8.5.1"}, "no StatusFWR"),
        ({**STATUS, "StatusFWR": {}}, "no firmware version"),
        ({**STATUS, "Status": {"Module": 1}}, "no firmware version"),
        ({**STATUS, "StatusSTS": {"Time": "now"}}, "no relay"),
        ({**STATUS, "StatusSTS": {f"POWER{n}": "ON" for n in (1, 40)}}, "no relay"),
    ],
)
async def test_tasmota_info_contract(
    session: aiohttp.ClientSession, canned: CannedServer, status: object, message: str
) -> None:
    canned.reply(status)

    with pytest.raises(PlugProtocolError, match=message):
        await TasmotaClient(session, LOCAL, canned.port).get_info()


async def test_tasmota_older_status(session: aiohttp.ClientSession, canned: CannedServer) -> None:
    """Tasmota before 9 had no DeviceName, FriendlyName was a text, no StatusNET here."""
    canned.reply(STATUS)

    info = await TasmotaClient(session, LOCAL, canned.port).get_info()

    assert (info.device_id, info.name, info.model, info.sockets) == (
        "lampe",
        "Lampe",
        "Tasmota module 1",
        1,
    )
    canned.reply({**STATUS, "Status": {"Module": "x", "FriendlyName": ["", ""], "Topic": "t"}})
    info = await TasmotaClient(session, LOCAL, canned.port).get_info()
    assert (info.name, info.model) == (None, "Tasmota")


async def test_tasmota_state_text_and_gaps(
    session: aiohttp.ClientSession, canned: CannedServer
) -> None:
    """Custom StateTexts read as unknown, missing relays too."""
    canned.reply({"StatusSTS": {"POWER1": "AN", "POWER3": "off"}, "StatusSNS": {}})

    state = await TasmotaClient(session, LOCAL, canned.port).get_state()

    assert [socket.on for socket in state.sockets] == [None, None, False]


@pytest.mark.parametrize(
    ("energy", "message"),
    [
        ([1, 2], "ENERGY is not an object"),
        ({"Power": "12"}, "ENERGY Power is not a number"),
        ({"Power": [1, None]}, None),
        ({"Power": []}, None),
    ],
)
async def test_tasmota_energy_contract(
    session: aiohttp.ClientSession, canned: CannedServer, energy: object, message: str | None
) -> None:
    canned.reply({"StatusSTS": {"POWER": "ON"}, "StatusSNS": {"ENERGY": energy}})
    client = TasmotaClient(session, LOCAL, canned.port)

    if message is None:  # incomplete channels read as not reported
        assert (await client.get_state()).power_w is None
    else:
        with pytest.raises(PlugProtocolError, match=message):
            await client.get_state()


@pytest.mark.parametrize("reply", [{"POWER": "OFF"}, {"POWER2": "ON"}, {"Command": "Unknown"}])
async def test_tasmota_switch_contract(
    session: aiohttp.ClientSession, canned: CannedServer, reply: object
) -> None:
    canned.reply(reply)

    with pytest.raises(PlugProtocolError):
        await TasmotaClient(session, LOCAL, canned.port).set_socket(0, True)
    assert canned.requests[0].query["cmnd"] == "Power1 ON"
