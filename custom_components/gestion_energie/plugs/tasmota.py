"""Client of Tasmota plugs and strips over Tasmota's HTTP command API (`/cm?cmnd=...`).

Facts of Tasmota's replies this relies on:
- `/cm` answers the command's JSON; a wrong or missing password gets HTTP 401 (older
  firmware: HTTP 200) with `{"WARNING": "Need user=<username>&password=<password>"}`, and
  an unknown command `{"Command": "Unknown"}`.
- Relays appear as `POWER` (a single relay) or `POWER1`..`POWERn`, valued "ON"/"OFF".
- `Status 0` holds every status section: `Status` (DeviceName, FriendlyName, Module),
  `StatusFWR` (Version), `StatusNET` (Mac), `StatusSTS` (the relays), `StatusSNS`.
- `Status 10` is `StatusSNS`, whose `ENERGY` has Power (W) and Current (A) as a number,
  or a list with one value per channel on multi-channel devices, and Total (kWh) summed
  over the channels unless SetOption129 lists it per channel too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from .base import (
    CURRENT_A,
    DEFAULT_TIMEOUT,
    ENERGY_KWH,
    POWER_W,
    Bounds,
    PlugAuthError,
    PlugClient,
    PlugInfo,
    PlugProtocolError,
    PlugState,
    SocketState,
    number,
    parse_object,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp

DEFAULT_USERNAME: Final = "admin"  # Tasmota's web user is always admin
_RELAY = re.compile(r"POWER(\d*)")
_MAX_RELAYS: Final = 32  # Tasmota's own ceiling


class TasmotaClient(PlugClient):
    """A Tasmota device with one or more relays, and maybe energy monitoring."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int = 80,
        *,
        username: str = DEFAULT_USERNAME,
        password: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Talk to `host:port`, with the web password if the device has one."""
        super().__init__(session, host, port, timeout=timeout)
        # Query parameters rather than a Basic header: every Tasmota version reads them.
        self._credentials = {"user": username, "password": password} if password else {}

    async def command(self, cmnd: str) -> dict[str, Any]:
        """Run one Tasmota command; its JSON reply."""
        status, reply = await self._request(
            "GET", "/cm", params={**self._credentials, "cmnd": cmnd}
        )
        if status == 401:
            raise PlugAuthError(f"{self}: user or password refused")
        if status != 200:
            raise PlugProtocolError(f"{self}: HTTP {status}, not Tasmota")
        data = parse_object(reply, self)
        warning = data.get("WARNING")
        if isinstance(warning, str) and "password" in warning:
            raise PlugAuthError(f"{self}: user or password refused")
        if data.get("Command") == "Unknown":
            raise PlugProtocolError(f"{self}: command {cmnd!r} unknown")
        return data

    async def get_info(self) -> PlugInfo:
        """`Status 0`: names, module, firmware, MAC and relays in one request."""
        data = await self.command("Status 0")
        status = _section(data, "Status")
        firmware = _section(data, "StatusFWR").get("Version")
        net = data.get("StatusNET")
        mac = net.get("Mac") if isinstance(net, dict) else None
        device_id = mac.replace(":", "").lower() if isinstance(mac, str) else status.get("Topic")
        if not isinstance(firmware, str) or not isinstance(device_id, str) or not device_id:
            raise PlugProtocolError(f"{self}: no firmware version or MAC address")
        module = status.get("Module")
        return PlugInfo(
            device_id=device_id,
            model=f"Tasmota module {module}" if isinstance(module, int) else "Tasmota",
            firmware=firmware,
            sockets=len(self._relays(_section(data, "StatusSTS"))),
            name=_name(status),
            manufacturer=None,
        )

    async def get_state(self) -> PlugState:
        """`Status 11` for the relays, then `Status 10` for the energy readings."""
        relays = self._relays(_section(await self.command("Status 11"), "StatusSTS"))
        energy = _section(await self.command("Status 10"), "StatusSNS").get("ENERGY")
        if energy is None:  # a relay without energy monitoring
            return PlugState(sockets=tuple(SocketState(on) for on in relays))
        if not isinstance(energy, dict):
            raise PlugProtocolError(f"{self}: ENERGY is not an object")
        power = _channels(energy, "Power", POWER_W)
        current = _channels(energy, "Current", CURRENT_A)
        total = _channels(energy, "Total", ENERGY_KWH)

        def per_relay(values: list[float] | None, index: int, scale: float = 1) -> float | None:
            # Channels map to relays only when there is one of each (e.g. a 2-relay
            # Shelly 2.5); a strip with one meter only has the whole device's readings.
            if values is None or len(values) != len(relays):
                return None
            return round(values[index] * scale, 3)

        return PlugState(
            sockets=tuple(
                SocketState(
                    on,
                    current_a=per_relay(current, index),
                    power_w=per_relay(power, index),
                    energy_wh=per_relay(total, index, 1000),
                )
                for index, on in enumerate(relays)
            ),
            current_a=round(sum(current), 3) if current else None,
            power_w=round(sum(power), 3) if power else None,
            energy_wh=round(sum(total) * 1000, 3) if total else None,
        )

    async def set_socket(self, index: int, on: bool) -> None:
        """`PowerN ON|OFF`, N counting from 1."""
        if index < 0:
            raise ValueError(f"socket index {index}")
        relay = index + 1
        data = await self.command(f"Power{relay} {'ON' if on else 'OFF'}")
        # A single-relay device answers POWER, unless SetOption26 makes it POWER1.
        reply = data.get(f"POWER{relay}", data.get("POWER") if relay == 1 else None)
        if _on_off(reply) is not on:
            raise PlugProtocolError(f"{self}: relay {relay} did not switch: {reply!r:.40}")

    def _relays(self, sts: Mapping[str, Any]) -> list[bool | None]:
        """Read the relays' states from the POWER keys of StatusSTS; at least one."""
        states: dict[int, bool | None] = {}
        for key, value in sts.items():
            if (match := _RELAY.fullmatch(key)) is not None:
                states[int(match.group(1) or 1)] = _on_off(value)
        count = max(states, default=0)
        if not 1 <= count <= _MAX_RELAYS:
            raise PlugProtocolError(f"{self}: no relay, not a plug")
        return [states.get(relay) for relay in range(1, count + 1)]


def _section(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PlugProtocolError(f"no {key} in the reply, not Tasmota")
    return value


def _on_off(value: object) -> bool | None:
    """Read a relay's "ON"/"OFF" (the default StateText; other texts are unknown)."""
    if isinstance(value, str):
        return {"ON": True, "OFF": False}.get(value.upper())
    return None


def _name(status: Mapping[str, Any]) -> str | None:
    """DeviceName (Tasmota 9 and later), else the first FriendlyName."""
    name = status.get("DeviceName")
    friendly = status.get("FriendlyName")
    if not name and isinstance(friendly, list) and friendly:
        name = friendly[0]
    elif not name:
        name = friendly
    return name if isinstance(name, str) and name else None


def _channels(energy: Mapping[str, Any], key: str, bounds: Bounds) -> list[float] | None:
    """Read an ENERGY value as a list of channels: a single number is one channel."""
    value = energy.get(key)
    values = value if isinstance(value, list) else [value]
    readings = [number(item, f"ENERGY {key}", bounds) for item in values]
    if not readings or any(reading is None for reading in readings):
        return None
    return [reading for reading in readings if reading is not None]
