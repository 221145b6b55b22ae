"""The Tasmota client against simulated Tasmota plugs and strips over real HTTP."""

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
    TasmotaClient,
    create_client,
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


def tasmota(*loads: float, **settings: object) -> SimulatedPlug:
    return SimulatedPlug(
        PlugType.TASMOTA,
        [SimulatedSocket(load) for load in loads],
        **settings,  # type: ignore[arg-type]
    )


async def test_info(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    port = await plugs_sim.add(tasmota(2000, name="Chauffe-eau", device_id="5ccf7fa1b2c3"))

    info = await TasmotaClient(session, LOCAL, port).get_info()

    assert info == PlugInfo(
        device_id="5ccf7fa1b2c3",
        model="Tasmota module 0",
        firmware="14.4.1(tasmota)",
        sockets=1,
        name="Chauffe-eau",
    )


async def test_single_plug(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    plug = tasmota(2000)
    plug.sockets[0].power_factor = 0.8
    client = TasmotaClient(session, LOCAL, await plugs_sim.add(plug))

    await client.set_socket(0, True)
    clock.now += 1800
    state = await client.get_state()

    assert state.sockets == (SocketState(on=True, current_a=10.870, power_w=2000, energy_wh=1000),)
    assert (state.current_a, state.power_w, state.energy_wh) == (10.87, 2000, 1000)
    await client.set_socket(0, False)
    assert (await client.get_state()).sockets[0].on is False


async def test_strip_with_one_meter(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    client = TasmotaClient(
        session, LOCAL, await plugs_sim.add(tasmota(100, 200, 300, 400, metering=Metering.DEVICE))
    )
    assert (await client.get_info()).sockets == 4

    await client.set_socket(2, True)
    await client.set_socket(3, True)
    clock.now += 3600
    state = await client.get_state()

    assert [s.on for s in state.sockets] == [False, False, True, True]
    assert all(s.power_w is None and s.current_a is None for s in state.sockets)
    assert (state.power_w, state.current_a, state.energy_wh) == (700, 3.043, 700)


@pytest.mark.parametrize("total_per_channel", [False, True])
async def test_channel_per_relay(
    plugs_sim: PlugSimulator,
    session: aiohttp.ClientSession,
    clock: FakeClock,
    total_per_channel: bool,
) -> None:
    plug = tasmota(1000, 1500, total_per_channel=total_per_channel)
    client = TasmotaClient(session, LOCAL, await plugs_sim.add(plug))

    await client.set_socket(0, True)
    await client.set_socket(1, True)
    clock.now += 360
    await client.set_socket(0, False)
    clock.now += 360
    state = await client.get_state()

    first, second = state.sockets
    assert (first.on, first.power_w, first.current_a) == (False, 0, 0)
    assert (second.on, second.power_w, second.current_a) == (True, 1500, 6.522)
    # Total per channel only with SetOption129; else only the device's sum.
    expected = (100, 300) if total_per_channel else (None, None)
    assert (first.energy_wh, second.energy_wh) == expected
    assert (state.power_w, state.energy_wh) == (1500, 400)


async def test_relays_without_metering(
    plugs_sim: PlugSimulator, session: aiohttp.ClientSession
) -> None:
    plug = tasmota(0, 0, metering=Metering.NONE)
    plug.sockets[1].on = True
    client = TasmotaClient(session, LOCAL, await plugs_sim.add(plug))

    state = await client.get_state()

    assert state.sockets == (SocketState(on=False), SocketState(on=True))
    assert (state.power_w, state.energy_wh) == (None, None)


async def test_relay_out_of_range(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    client = TasmotaClient(session, LOCAL, await plugs_sim.add(tasmota(10, 10)))

    with pytest.raises(PlugProtocolError, match="unknown"):
        await client.set_socket(2, True)
    with pytest.raises(ValueError, match="socket index"):
        await client.set_socket(-1, True)


async def test_password(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    port = await plugs_sim.add(tasmota(10, password=PASSWORD))

    client = TasmotaClient(session, LOCAL, port, password=PASSWORD)
    await client.set_socket(0, True)
    assert (await client.get_state()).sockets[0].on
    for password in (None, "wrong"):
        with pytest.raises(PlugAuthError):
            await TasmotaClient(session, LOCAL, port, password=password).get_info()
    with pytest.raises(PlugAuthError):
        await TasmotaClient(session, LOCAL, port, username="root", password=PASSWORD).get_info()


async def test_create_client(plugs_sim: PlugSimulator, session: aiohttp.ClientSession) -> None:
    own = await plugs_sim.add(
        SimulatedPlug(PlugType.GESTION_ENERGIE, [SimulatedSocket()], token=TOKEN)
    )
    other = await plugs_sim.add(tasmota(1, password=PASSWORD))

    client = create_client("gestion_energie", session, LOCAL, own, token=TOKEN, timeout=2)
    assert isinstance(client, GestionEnergieClient)
    assert str(client) == f"127.0.0.1:{own}"
    assert (await client.get_info()).sockets == 1
    client = create_client(PlugType.TASMOTA, session, LOCAL, other, password=PASSWORD)
    assert isinstance(client, TasmotaClient)
    assert (await client.get_info()).sockets == 1
    with pytest.raises(ValueError, match="shelly"):
        create_client("shelly", session, LOCAL)
