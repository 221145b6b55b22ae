"""Fixtures of the plug tests: the plug simulator on loopback and a client session."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine
import contextlib
import json
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.gestion_energie.simulators.plugs import PlugSimulator


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let these tests open sockets; Home Assistant's plugin still allows only 127.0.0.1."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def plugs_sim(clock: FakeClock) -> AsyncGenerator[PlugSimulator]:
    async with PlugSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


type Handler = Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]


class CannedServer:
    """A plain HTTP server on loopback whose every answer the test chooses."""

    def __init__(self) -> None:
        self.port = 0
        self.handler: Handler = self._default
        self.requests: list[web.Request] = []

    def reply(
        self, body: object, status: int = 200, content_type: str = "application/json"
    ) -> None:
        """Answer `body` (JSON-encoded unless bytes or str) to every request."""
        text = body if isinstance(body, bytes | str) else json.dumps(body)

        async def answer(request: web.Request) -> web.StreamResponse:
            return web.Response(
                body=text.encode() if isinstance(text, str) else text,
                status=status,
                content_type=content_type,
            )

        self.handler = answer

    async def _default(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        return await self.handler(request)


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncGenerator[int]:
    """Serve `app` on a free loopback port, yielded, until the block ends."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.fixture
async def canned() -> AsyncGenerator[CannedServer]:
    server = CannedServer()
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", server._dispatch)
    async with serving(app) as port:
        server.port = port
        yield server


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
