"""Connected plugs over their local HTTP APIs: one interface, one client per kind.

I/O only, no Home Assistant import: every client takes an `aiohttp.ClientSession`
(Home Assistant passes its shared one) and bounds every request with a timeout.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from .base import (
    DEFAULT_TIMEOUT,
    PlugAuthError,
    PlugClient,
    PlugConnectionError,
    PlugError,
    PlugInfo,
    PlugProtocolError,
    PlugState,
    SocketState,
    checked_host,
)
from .gestion_energie import (
    API_VERSION,
    ZEROCONF_TYPE,
    Announcement,
    GestionEnergieClient,
    parse_announcement,
)
from .tasmota import DEFAULT_USERNAME, TasmotaClient

if TYPE_CHECKING:
    import aiohttp


class PlugType(StrEnum):
    """The kinds of plug the integration talks to."""

    GESTION_ENERGIE = "gestion_energie"  # the project's own API
    TASMOTA = "tasmota"


def create_client(
    plug_type: PlugType | str,
    session: aiohttp.ClientSession,
    host: str,
    port: int = 80,
    *,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PlugClient:
    """Build the client for a plug of `plug_type`, from what a config entry stores."""
    if PlugType(plug_type) is PlugType.TASMOTA:
        return TasmotaClient(
            session,
            host,
            port,
            username=username or DEFAULT_USERNAME,
            password=password,
            timeout=timeout,
        )
    return GestionEnergieClient(session, host, port, token=token, timeout=timeout)


__all__ = [
    "API_VERSION",
    "DEFAULT_TIMEOUT",
    "ZEROCONF_TYPE",
    "Announcement",
    "GestionEnergieClient",
    "PlugAuthError",
    "PlugClient",
    "PlugConnectionError",
    "PlugError",
    "PlugInfo",
    "PlugProtocolError",
    "PlugState",
    "PlugType",
    "SocketState",
    "TasmotaClient",
    "checked_host",
    "create_client",
    "parse_announcement",
]
