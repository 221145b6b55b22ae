"""The client of the project's own API against simulated objects over real HTTP."""

from __future__ import annotations

import secrets

import aiohttp
import pytest

from custom_components.gestion_energie.plugs import (
    GestionEnergieClient,
    PlugAuthError,
    PlugInfo,
    PlugProtocolError,
    PlugType,
    SocketState,
    parse_announcement,
)
from custom_components.gestion_energie.simulators.plugs import (
    Metering,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)

from .conftest import FakeClock

LOCAL = "127.0.0.1"
TOKEN = secrets.token_urlsafe(8)  # credentials of this run, none written here
PASSWORD = secrets.token_urlsafe(8)


def strip(*loads: float, **settings: object) -> SimulatedPlug:
    return SimulatedPlug(
        PlugType.GESTION_ENERGIE,
        [SimulatedSocket(load) for load in loads],
        **settings,  # type: ignore[arg-type]
    )


async def test_info(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    port = await plugs_sim.add(strip(120, 40, name="Bureau", device_id="a4cf12000001"))

    info = await GestionEnergieClient(session, LOCAL, port).get_info()

    assert info == PlugInfo(
        device_id="a4cf12000001",
        model="Multiprise simulée 2 prises",
        firmware="1.0.0",
        sockets=2,
        name="Bureau",
        manufacturer="Gestion Énergie",
    )


async def test_switching_and_readings(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    plug = strip(230, 115, 0)
    plug.sockets[1].power_factor = 0.5
    client = GestionEnergieClient(session, LOCAL, await plugs_sim.add(plug))

    await client.set_socket(0, True)
    await client.set_socket(1, True)
    clock.now += 3600
    await client.set_socket(1, False)
    clock.now += 1800
    state = await client.get_state()

    assert state.sockets == (
        SocketState(on=True, current_a=1.0, power_w=230.0, energy_wh=345.0),
        SocketState(on=False, current_a=0.0, power_w=0.0, energy_wh=115.0),
        SocketState(on=False, current_a=0.0, power_w=0.0, energy_wh=0.0),
    )
    assert (state.current_a, state.power_w, state.energy_wh) == (1.0, 230.0, 460.0)
    assert [socket.on for socket in plug.sockets] == [True, False, False]


async def test_strip_measuring_only_itself(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    plug = strip(100, 200, 300, 400, metering=Metering.DEVICE)
    client = GestionEnergieClient(session, LOCAL, await plugs_sim.add(plug))
    await client.set_socket(1, True)
    await client.set_socket(3, True)
    clock.now += 360

    state = await client.get_state()

    assert [s.on for s in state.sockets] == [False, True, False, True]
    assert all(s.power_w is None and s.energy_wh is None for s in state.sockets)
    assert (state.power_w, state.current_a, state.energy_wh) == (600.0, 2.609, 60.0)


async def test_object_without_metering(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession
) -> None:
    client = GestionEnergieClient(
        session, LOCAL, await plugs_sim.add(strip(100, metering=Metering.NONE))
    )

    state = await client.get_state()

    assert state.sockets == (SocketState(on=False),)
    assert (state.power_w, state.current_a, state.energy_wh) == (None, None, None)


async def test_token(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    port = await plugs_sim.add(strip(100, token=TOKEN))

    assert (await GestionEnergieClient(session, LOCAL, port, token=TOKEN).get_info()).sockets
    for token in (None, "wrong"):
        client = GestionEnergieClient(session, LOCAL, port, token=token)
        with pytest.raises(PlugAuthError):
            await client.get_info()
        with pytest.raises(PlugAuthError):
            await client.get_state()
        with pytest.raises(PlugAuthError):
            await client.set_socket(0, True)


async def test_socket_out_of_range(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession
) -> None:
    client = GestionEnergieClient(session, LOCAL, await plugs_sim.add(strip(100, 100)))

    with pytest.raises(PlugProtocolError, match="HTTP 404"):
        await client.set_socket(2, True)
    with pytest.raises(ValueError, match="socket index"):
        await client.set_socket(-1, True)


def test_zeroconf_announcement() -> None:
    announcement = parse_announcement(
        {"id": "a4cf12000001", "model": "Multiprise", "sockets": "4", "auth": "1"}
    )

    assert announcement is not None
    assert (announcement.device_id, announcement.model) == ("a4cf12000001", "Multiprise")
    assert (announcement.sockets, announcement.token_required) == (4, True)
    bare = parse_announcement({"id": "x", "sockets": None, "model": ""})
    assert bare is not None
    assert (bare.model, bare.sockets, bare.token_required) == (None, None, False)
    assert parse_announcement({"model": "no id"}) is None
