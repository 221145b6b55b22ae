"""A raw TCP byte stream: ser2net-style TIC bridges."""

from __future__ import annotations

import asyncio

from .base import Backoff, DataCallback, StatusCallback, StreamSource

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
