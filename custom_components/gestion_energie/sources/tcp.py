"""A raw TCP byte stream: ser2net-style TIC bridges."""

from __future__ import annotations

import asyncio
import contextlib

from .base import CLOSE_TIMEOUT, Backoff, DataCallback, StatusCallback, StreamSource
from .detect import DETECT_WINDOW, NoTicSignalError, listen

CONNECT_TIMEOUT = 10.0


class TcpSource(StreamSource):
    """Read a TIC stream from `host`:`port`, reconnecting when the connection drops."""

    def __init__(
        self,
        on_data: DataCallback,
        host: str,
        port: int,
        *,
        on_status: StatusCallback | None = None,
        silence_timeout: float = 60.0,
        backoff: Backoff | None = None,
    ) -> None:
        """Connect to `host`:`port` once started."""
        super().__init__(
            on_data, on_status=on_status, silence_timeout=silence_timeout, backoff=backoff
        )
        self.host = host
        self.port = port
        self.name = f"TIC bridge {host}:{port}"

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await asyncio.open_connection(self.host, self.port)


async def probe_tcp(host: str, port: int, *, window: float = DETECT_WINDOW) -> bytes:
    """Check a bridge for a TIC signal, for the config flow: the bytes read.

    Raises OSError (refused, unreachable, timeout) or NoTicSignalError.
    """
    async with asyncio.timeout(CONNECT_TIMEOUT):
        reader, writer = await asyncio.open_connection(host, port)
    try:
        sample = await listen(lambda: reader.read(4096), window=window)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await writer.wait_closed()
    if sample is None:
        raise NoTicSignalError(f"no TIC frame from {host}:{port}")
    return sample
