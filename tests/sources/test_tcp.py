"""TCP bridge source against a real asyncio server on the loopback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import pytest

from custom_components.gestion_energie.sources import Backoff, SourceSilentError, SourceStatus
from custom_components.gestion_energie.sources.detect import NoTicSignalError
from custom_components.gestion_energie.sources.tcp import TcpSource, probe_tcp

from .frames import decode, historic_frame, up, wait_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# Real sockets, on the loopback only (Home Assistant's test plugin blocks them by default).
pytestmark = pytest.mark.usefixtures("socket_enabled")

FAST = Backoff(initial=0.02, maximum=0.2)


class Bridge:
    """A ser2net-like bridge: sends what `feed` gets to every connected client."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.port = 0
        self.clients: list[asyncio.StreamWriter] = []
        self.connections = 0

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.clients.append(writer)

    async def feed(self, data: bytes) -> None:
        for writer in self.clients:
            writer.write(data)
            await writer.drain()

    async def drop_clients(self) -> None:
        for writer in self.clients:
            writer.close()
        self.clients.clear()

    async def close(self) -> None:
        await self.drop_clients()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def bridge() -> AsyncIterator[Bridge]:
    bridge = Bridge()
    await bridge.open()
    yield bridge
    await bridge.close()


async def test_delivers_and_recovers_from_a_dropped_connection(
    bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    received = bytearray()
    statuses: list[SourceStatus] = []
    source = TcpSource(
        received.extend, "127.0.0.1", bridge.port, backoff=FAST, on_status=statuses.append
    )
    caplog.set_level(logging.INFO)
    await source.start()
    await source.start()  # idempotent
    await wait_for(lambda: bridge.clients)
    await bridge.feed(historic_frame(1) + historic_frame(2)[:40])
    await bridge.feed(historic_frame(2)[40:])
    await wait_for(lambda: decode(bytes(received)) == [1, 2])
    assert up(source)
    assert source.status.last_data is not None
    assert source.seconds_since_data is not None

    await bridge.drop_clients()
    await wait_for(lambda: not up(source))
    await wait_for(lambda: bridge.connections == 2)  # reconnected by itself
    await wait_for(lambda: bridge.clients)
    await bridge.feed(historic_frame(3))
    await wait_for(lambda: decode(bytes(received)) == [1, 2, 3])
    status = source.status
    assert (status.connected, status.connects, status.disconnects) == (True, 2, 1)
    assert [s.connected for s in statuses] == [True, False, True]
    await source.stop()
    await source.stop()
    assert not up(source)
    lost = [r for r in caplog.records if "unavailable" in r.getMessage()]
    back = [r for r in caplog.records if "is back" in r.getMessage()]
    assert (len(lost), len(back)) == (1, 1)


async def test_server_down_retries_with_backoff_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bridge = Bridge()
    await bridge.open()
    port = bridge.port
    await bridge.close()  # nothing listens on the port any more
    received = bytearray()
    source = TcpSource(received.extend, "127.0.0.1", port, backoff=Backoff(0.01, 0.05))
    await source.start()
    await wait_for(lambda: source.status.errors >= 5)
    assert not up(source)
    assert isinstance(source.status.last_error, ConnectionRefusedError)
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1

    bridge = Bridge()
    bridge.port = port
    await bridge.open()
    try:
        await wait_for(lambda: bridge.clients)
        await bridge.feed(historic_frame(7))
        await wait_for(lambda: decode(bytes(received)) == [7])
        assert up(source)
        assert source.status.last_error is None
    finally:
        await source.stop()
        await bridge.close()


async def test_silent_connection_is_dropped_and_reopened(bridge: Bridge) -> None:
    received = bytearray()
    source = TcpSource(received.extend, "127.0.0.1", bridge.port, backoff=FAST, silence_timeout=0.2)
    await source.start()
    await wait_for(lambda: bridge.clients)
    await bridge.feed(historic_frame(1))
    await wait_for(lambda: up(source))
    # The bridge keeps the socket open but the meter went quiet (cut TIC wire).
    await wait_for(lambda: not up(source))
    assert isinstance(source.status.last_error, SourceSilentError)
    await wait_for(lambda: bridge.connections >= 2)
    await source.stop()


async def test_stop_while_connecting_does_not_hang() -> None:
    source = TcpSource(lambda _: None, "127.0.0.1", 9, backoff=FAST)
    await source.start()
    await asyncio.sleep(0)
    with contextlib.suppress(Exception):
        await source.stop()
    assert not up(source)


async def test_probe_for_the_config_flow(bridge: Bridge) -> None:
    async def feed() -> None:
        await wait_for(lambda: bridge.clients)
        await bridge.feed(historic_frame(9))

    task = asyncio.create_task(feed())
    assert decode(await probe_tcp("127.0.0.1", bridge.port, window=2)) == [9]
    await task
    with pytest.raises(NoTicSignalError):
        await probe_tcp("127.0.0.1", bridge.port, window=0.1)
    port = bridge.port
    await bridge.close()
    with pytest.raises(ConnectionRefusedError):
        await probe_tcp("127.0.0.1", port)


async def test_a_failing_consumer_does_not_break_the_link(
    bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[bytes] = []

    def on_data(data: bytes) -> None:
        calls.append(data)
        raise ValueError("decoder bug")

    source = TcpSource(on_data, "127.0.0.1", bridge.port, backoff=FAST)
    await source.start()
    try:
        await wait_for(lambda: bridge.clients)
        await bridge.feed(b"one")
        await wait_for(lambda: calls)
        await bridge.feed(b"two")
        await wait_for(lambda: len(calls) == 2)
        assert bridge.connections == 1
        assert "decoder bug" in caplog.text
    finally:
        await source.stop()
