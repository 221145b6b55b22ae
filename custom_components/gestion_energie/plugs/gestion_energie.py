"""Client of the project's own connected-object API (docs/connected-objects-api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .base import (
    CURRENT_A,
    DEFAULT_TIMEOUT,
    ENERGY_WH,
    POWER_W,
    PlugAuthError,
    PlugClient,
    PlugInfo,
    PlugProtocolError,
    PlugState,
    SocketState,
    number,
    parse_object,
    total,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp

API_VERSION: Final = 1  # bumped only by incompatible changes
ZEROCONF_TYPE: Final = "_gestion-energie._tcp.local."
MAX_SOCKETS: Final = 64  # bounds what a confused device can make us create


class GestionEnergieClient(PlugClient):
    """A home-made object speaking the project's API, with an optional bearer token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int = 80,
        *,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Talk to `host:port`, sending `token` if the object asks for one."""
        super().__init__(session, host, port, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"} if token else None

    async def get_info(self) -> PlugInfo:
        """GET /api/info."""
        data = await self._call("GET", "/api/info")
        if data.get("api") != API_VERSION:
            raise PlugProtocolError(f"{self}: not API version {API_VERSION}: {data.get('api')!r}")
        sockets = data.get("sockets")
        if isinstance(sockets, bool) or not isinstance(sockets, int):
            raise PlugProtocolError(f"{self}: sockets is not a number")
        if not 1 <= sockets <= MAX_SOCKETS:
            raise PlugProtocolError(f"{self}: {sockets} sockets")
        return PlugInfo(
            device_id=_text(data, "id"),
            model=_text(data, "model"),
            firmware=_text(data, "firmware"),
            sockets=sockets,
            name=_optional_text(data, "name"),
            manufacturer=_optional_text(data, "manufacturer"),
        )

    async def get_state(self) -> PlugState:
        """GET /api/state."""
        data = await self._call("GET", "/api/state")
        items = data.get("sockets")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_SOCKETS:
            raise PlugProtocolError(f"{self}: no sockets list")
        sockets = tuple(_socket(item, index) for index, item in enumerate(items))
        # A strip that measures only its whole self reports these; else they add up.
        current = number(data.get("current"), "current", CURRENT_A)
        power = number(data.get("power"), "power", POWER_W)
        energy = number(data.get("energy"), "energy", ENERGY_WH)
        return PlugState(
            sockets=sockets,
            current_a=current if current is not None else total([s.current_a for s in sockets]),
            power_w=power if power is not None else total([s.power_w for s in sockets]),
            energy_wh=energy if energy is not None else total([s.energy_wh for s in sockets]),
        )

    async def set_socket(self, index: int, on: bool) -> None:
        """POST /api/sockets/{index} with {"on": ...}."""
        if index < 0:
            raise ValueError(f"socket index {index}")
        data = await self._call("POST", f"/api/sockets/{index}", {"on": on})
        if _socket(data, index).on is not on:
            raise PlugProtocolError(f"{self}: socket {index} did not switch")

    async def _call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        status, reply = await self._request(method, path, headers=self._headers, body=body)
        if status in {401, 403}:
            raise PlugAuthError(f"{self}: token refused")
        if status != 200:
            raise PlugProtocolError(f"{self}: HTTP {status} on {path}")
        return parse_object(reply, self)


@dataclass(frozen=True, slots=True)
class Announcement:
    """What an object's zeroconf TXT record says, before we ask it anything."""

    device_id: str
    model: str | None
    sockets: int | None
    token_required: bool


def parse_announcement(properties: Mapping[str, str | None]) -> Announcement | None:
    """Read a `_gestion-energie._tcp` TXT record; None if it lacks an id."""
    device_id = properties.get("id")
    if not device_id:
        return None
    sockets = properties.get("sockets") or ""
    return Announcement(
        device_id=device_id,
        model=properties.get("model") or None,
        sockets=int(sockets) if sockets.isdigit() else None,
        token_required=properties.get("auth") == "1",
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise PlugProtocolError(f"{key} is not a text: {value!r:.40}")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _socket(item: object, index: int) -> SocketState:
    if not isinstance(item, dict) or not isinstance(item.get("on"), bool):
        raise PlugProtocolError(f"socket {index} has no on/off state")
    return SocketState(
        on=item["on"],
        current_a=number(item.get("current"), f"socket {index} current", CURRENT_A),
        power_w=number(item.get("power"), f"socket {index} power", POWER_W),
        energy_wh=number(item.get("energy"), f"socket {index} energy", ENERGY_WH),
    )
