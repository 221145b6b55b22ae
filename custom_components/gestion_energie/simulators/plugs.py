"""Simulated connected plugs: a real HTTP server per plug, on the loopback address only.

Each plug speaks the project's API (docs/connected-objects-api.md) or Tasmota's HTTP
commands, has sockets with their own load (W) and power factor (current at 230 V),
integrates energy over time, and can be made slow or faulty. The whole house's plug
load goes to listeners whenever it changes, so the simulated meter can follow it::

    simulator = PlugSimulator()
    simulator.add_listener(lambda load: setattr(meter, "extra_load_va", load.apparent_power_va))
    port = await simulator.add(SimulatedPlug(PlugType.TASMOTA, [SimulatedSocket(2000)]))
    ...
    await simulator.close()

Command line (Ctrl-C stops it)::

    python -m custom_components.gestion_energie.simulators.plugs --port 8180 \
        --plug gestion_energie loads=120,40,0,0 token=secret \
        --plug tasmota loads=2000 pf=1 password=secret name=Chauffe-eau
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
import hmac
import itertools
import json
import logging
import math
import re
import signal
import time
from typing import Any, Final

from aiohttp import web

from ..meter.supply import LARGEST_PHASE_POWER_W
from ..plugs import API_VERSION, PlugType

LOGGER = logging.getLogger(__name__)

LOOPBACK: Final = "127.0.0.1"  # simulated plugs never listen anywhere else
VOLTAGE: Final = 230.0
TASMOTA_USER: Final = "admin"


class Fault(StrEnum):
    """How a simulated plug misbehaves."""

    NONE = "none"
    SILENT = "silent"  # accepts the connection, never answers
    MALFORMED = "malformed"  # answers half a JSON document (with its true length)
    TRUNCATED = "truncated"  # announces the whole length, sends half, hangs up
    NOT_A_PLUG = "not_a_plug"  # an HTML page on every path, like a router's


class Metering(StrEnum):
    """What a simulated plug measures."""

    SOCKET = "socket"  # each socket (Tasmota: one energy channel per relay)
    DEVICE = "device"  # the whole device with one meter
    NONE = "none"  # relays only


@dataclass(frozen=True, slots=True)
class Load:
    """What the plugs draw together, as the meter sees it."""

    power_w: float
    apparent_power_va: float
    current_a: float


@dataclass(slots=True)
class SimulatedSocket:
    """A socket and the appliance plugged into it."""

    load_w: float = 0.0  # active power drawn when on
    power_factor: float = 1.0
    on: bool = False
    energy_wh: float = 0.0

    @property
    def power_w(self) -> float:
        """Active power drawn now."""
        return self.load_w if self.on else 0.0

    @property
    def apparent_power_va(self) -> float:
        """Apparent power drawn now."""
        return self.power_w / self.power_factor

    @property
    def current_a(self) -> float:
        """Current drawn now."""
        return self.apparent_power_va / VOLTAGE


_ids = itertools.count(1)


@dataclass(slots=True, eq=False)
class SimulatedPlug:
    """A plug or power strip, its identity, credentials and behaviour."""

    kind: PlugType
    sockets: list[SimulatedSocket]
    name: str = "Prise simulée"
    metering: Metering = Metering.SOCKET
    token: str | None = None  # the project's API: bearer token, if any
    password: str | None = None  # Tasmota: web password for user admin, if any
    total_per_channel: bool = False  # Tasmota's SetOption129: Total listed per channel
    latency: float = 0.0  # seconds before each answer
    fault: Fault = Fault.NONE
    device_id: str = field(default_factory=lambda: f"5ccf7f{next(_ids):06x}")
    firmware: str = ""
    port: int | None = None  # set while served

    def __post_init__(self) -> None:
        """Give the firmware a version each kind would report."""
        if not self.firmware:
            self.firmware = "14.4.1(tasmota)" if self.kind is PlugType.TASMOTA else "1.0.0"

    @property
    def model(self) -> str:
        """What the project's API reports as model."""
        count = len(self.sockets)
        return "Prise simulée" if count == 1 else f"Multiprise simulée {count} prises"


Listener = Callable[[Load], None]


class PlugSimulator:
    """Serve any number of simulated plugs, each on its own loopback port."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Start empty; `clock` (seconds) drives energy, tests may pass a fake one."""
        self.plugs: list[SimulatedPlug] = []
        self._clock = clock
        self._last = clock()
        self._runners: dict[int, web.AppRunner] = {}
        self._listeners: list[Listener] = []
        self._stopping = asyncio.Event()

    async def __aenter__(self) -> PlugSimulator:
        """Use as `async with PlugSimulator() as simulator`."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop every server."""
        await self.close()

    async def add(self, plug: SimulatedPlug, port: int = 0) -> int:
        """Serve `plug` on 127.0.0.1:`port` (0: any free port); the bound port."""
        self.advance()  # its sockets start integrating from now
        app = web.Application(middlewares=[self._misbehave])
        app[_PLUG] = plug
        if plug.kind is PlugType.TASMOTA:
            app.router.add_route("*", "/cm", self._tasmota)
        else:
            app.router.add_get("/api/info", self._info)
            app.router.add_get("/api/state", self._state)
            app.router.add_post("/api/sockets/{index}", self._switch)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, port)
        await site.start()
        plug.port = runner.addresses[0][1]
        self.plugs.append(plug)
        self._runners[plug.port] = runner
        return plug.port

    async def remove(self, plug: SimulatedPlug) -> None:
        """Stop serving `plug`, as if unplugged (its port refuses); `add` serves it again."""
        assert plug.port is not None  # noqa: S101 - only a served plug is removed
        await self._runners.pop(plug.port).cleanup()
        self.plugs.remove(plug)

    async def close(self) -> None:
        """Stop every server; silent plugs let go of their clients."""
        self._stopping.set()
        for runner in self._runners.values():
            await runner.cleanup()
        self._runners.clear()
        for plug in self.plugs:
            plug.port = None

    # --- the hook for the simulated meter -----------------------------------------------

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(load)` whenever the plugs' total load changes; unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def load(self) -> Load:
        """Return what every plug's sockets draw together now."""
        sockets = [socket for plug in self.plugs for socket in plug.sockets]
        return Load(
            power_w=sum(socket.power_w for socket in sockets),
            apparent_power_va=sum(socket.apparent_power_va for socket in sockets),
            current_a=sum(socket.current_a for socket in sockets),
        )

    def total_power(self) -> float:
        """Active power (W) every socket draws together now."""
        return self.load().power_w

    # --- changing the house -------------------------------------------------------------

    def switch(self, plug: SimulatedPlug, index: int, on: bool) -> None:
        """Switch a socket as its button would; listeners hear of it."""
        self.advance()
        socket = plug.sockets[index]
        if socket.on != on:
            socket.on = on
            LOGGER.info("%s socket %d %s", plug.name, index, "on" if on else "off")
            self._notify()

    def set_load(
        self, plug: SimulatedPlug, index: int, load_w: float, power_factor: float | None = None
    ) -> None:
        """Change what the appliance on a socket draws (a thermostat, a cycle...)."""
        check_appliance(load_w, power_factor)
        self.advance()
        socket = plug.sockets[index]
        socket.load_w = load_w
        if power_factor is not None:
            socket.power_factor = power_factor
        self._notify()

    def advance(self) -> None:
        """Integrate every socket's energy up to the clock's time."""
        now = self._clock()
        hours = max(0.0, now - self._last) / 3600
        self._last = now
        for plug in self.plugs:
            for socket in plug.sockets:
                socket.energy_wh += socket.power_w * hours

    def _notify(self) -> None:
        load = self.load()
        for listener in list(self._listeners):
            try:
                listener(load)
            except Exception:
                LOGGER.exception("Plug load listener failed")

    # --- HTTP ---------------------------------------------------------------------------

    @web.middleware
    async def _misbehave(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Apply the plug's latency and fault around the real answer."""
        plug = request.app[_PLUG]
        if plug.latency:
            await asyncio.sleep(plug.latency)
        match plug.fault:
            case Fault.SILENT:
                await self._stopping.wait()
                return web.Response(status=503)
            case Fault.NOT_A_PLUG:
                return web.Response(text=_ROUTER_PAGE, content_type="text/html")
            case Fault.MALFORMED:
                body = _body(await handler(request))
                return web.Response(body=body[: len(body) // 2], content_type="application/json")
            case Fault.TRUNCATED:
                body = _body(await handler(request))
                response = web.StreamResponse(headers={"Content-Type": "application/json"})
                response.content_length = len(body)
                await response.prepare(request)
                await response.write(body[: len(body) // 2])
                if request.transport is not None:  # pragma: no branch - None once closed
                    request.transport.close()
                return response
            case _:
                return await handler(request)

    # The project's API.

    def _authorized(self, request: web.Request, plug: SimulatedPlug) -> bool:
        if plug.token is None:
            return True
        expected = f"Bearer {plug.token}".encode()
        return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected)

    async def _info(self, request: web.Request) -> web.Response:
        plug = request.app[_PLUG]
        if not self._authorized(request, plug):
            return _json({"error": "unauthorized"}, 401)
        return _json(
            {
                "api": API_VERSION,
                "id": plug.device_id,
                "model": plug.model,
                "manufacturer": "Gestion Énergie",
                "firmware": plug.firmware,
                "name": plug.name,
                "sockets": len(plug.sockets),
            }
        )

    async def _state(self, request: web.Request) -> web.Response:
        plug = request.app[_PLUG]
        if not self._authorized(request, plug):
            return _json({"error": "unauthorized"}, 401)
        self.advance()
        state: dict[str, Any] = {"sockets": [self._socket(plug, s) for s in plug.sockets]}
        if plug.metering is Metering.DEVICE:
            state.update(
                current=round(sum(s.current_a for s in plug.sockets), 3),
                power=round(sum(s.power_w for s in plug.sockets), 1),
                energy=round(sum(s.energy_wh for s in plug.sockets), 1),
            )
        return _json(state)

    async def _switch(self, request: web.Request) -> web.Response:
        plug = request.app[_PLUG]
        if not self._authorized(request, plug):
            return _json({"error": "unauthorized"}, 401)
        index = request.match_info["index"]
        if not index.isdigit() or int(index) >= len(plug.sockets):
            return _json({"error": "no such socket"}, 404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("on"), bool):
            return _json({"error": 'expected {"on": true|false}'}, 400)
        self.switch(plug, int(index), body["on"])
        return _json(self._socket(plug, plug.sockets[int(index)]))

    def _socket(self, plug: SimulatedPlug, socket: SimulatedSocket) -> dict[str, Any]:
        if plug.metering is not Metering.SOCKET:
            return {"on": socket.on}
        return {
            "on": socket.on,
            "current": round(socket.current_a, 3),
            "power": round(socket.power_w, 1),
            "energy": round(socket.energy_wh, 1),
        }

    # Tasmota.

    async def _tasmota(self, request: web.Request) -> web.Response:
        plug = request.app[_PLUG]
        if plug.password is not None and not _tasmota_authorized(request, plug.password):
            return _json({"WARNING": "Need user=<username>&password=<password>"}, 401)
        command = request.query.get("cmnd", "").strip()
        if not command:
            return _json({"WARNING": "Enter command cmnd="})
        name, _, argument = command.partition(" ")
        name, argument = name.upper(), argument.strip()
        if (match := re.fullmatch(r"POWER(\d*)", name)) is not None:
            return _json(self._tasmota_power(plug, int(match.group(1) or 1), argument))
        if name == "STATUS":
            return _json(self._tasmota_status(plug, argument))
        if name == "STATE":
            return _json(self._tasmota_sts(plug))
        return _json({"Command": "Unknown"})

    def _tasmota_power(self, plug: SimulatedPlug, relay: int, argument: str) -> dict[str, Any]:
        if not 1 <= relay <= len(plug.sockets):
            return {"Command": "Unknown"}
        socket = plug.sockets[relay - 1]
        wanted = {"1": True, "ON": True, "TRUE": True, "0": False, "OFF": False, "FALSE": False}
        if argument.upper() in {"2", "TOGGLE"}:
            self.switch(plug, relay - 1, not socket.on)
        elif argument.upper() in wanted:
            self.switch(plug, relay - 1, wanted[argument.upper()])
        key = "POWER" if len(plug.sockets) == 1 else f"POWER{relay}"
        return {key: "ON" if socket.on else "OFF"}

    def _tasmota_status(self, plug: SimulatedPlug, argument: str) -> dict[str, Any]:
        self.advance()
        mac = ":".join(plug.device_id[i : i + 2] for i in range(0, 12, 2)).upper()
        sections: dict[str, dict[str, Any]] = {
            "": {
                "Status": {
                    "Module": 0,
                    "DeviceName": plug.name,
                    "FriendlyName": [plug.name] * len(plug.sockets),
                    "Topic": f"tasmota_{plug.device_id[-6:].upper()}",
                    "ButtonTopic": "0",
                    "Power": sum(s.on << i for i, s in enumerate(plug.sockets)),
                    "PowerOnState": 3,
                }
            },
            "2": {
                "StatusFWR": {
                    "Version": plug.firmware,
                    "BuildDateTime": "2025-01-01T00:00:00",
                    "Core": "2_7_8",
                    "Hardware": "ESP8266EX",
                }
            },
            "5": {
                "StatusNET": {
                    "Hostname": f"tasmota-{plug.device_id[-6:].upper()}",
                    "IPAddress": LOOPBACK,
                    "Mac": mac,
                }
            },
            "10": {"StatusSNS": {"Time": _now(), **self._tasmota_energy(plug)}},
            "11": {"StatusSTS": self._tasmota_sts(plug)},
        }
        sections["8"] = sections["10"]  # Status 8 is the older name of Status 10
        if argument == "0":
            return {key: value for part in sections.values() for key, value in part.items()}
        return sections.get(argument, {"Command": "Unknown"})

    def _tasmota_sts(self, plug: SimulatedPlug) -> dict[str, Any]:
        relays = {
            "POWER" if len(plug.sockets) == 1 else f"POWER{i}": "ON" if socket.on else "OFF"
            for i, socket in enumerate(plug.sockets, start=1)
        }
        return {"Time": _now(), "Uptime": "0T01:00:00", **relays, "Wifi": {"RSSI": 80}}

    def _tasmota_energy(self, plug: SimulatedPlug) -> dict[str, Any]:
        """ENERGY as Tasmota formats it: one value per channel, a list if several."""
        if plug.metering is Metering.NONE:
            return {}
        sockets = plug.sockets
        if plug.metering is Metering.DEVICE:
            channels = [
                SimulatedSocket(
                    load_w=sum(s.power_w for s in sockets),
                    power_factor=_factor(sockets),
                    on=True,
                    energy_wh=sum(s.energy_wh for s in sockets),
                )
            ]
        else:
            channels = sockets

        def values(read: Callable[[SimulatedSocket], float], digits: int) -> Any:
            readings = [round(read(channel), digits) for channel in channels]
            return readings[0] if len(readings) == 1 else readings

        totals = values(lambda c: c.energy_wh / 1000, 3)
        return {
            "ENERGY": {
                "TotalStartTime": "2025-01-01T00:00:00",
                "Total": (
                    totals
                    if plug.total_per_channel
                    else round(sum(c.energy_wh for c in channels) / 1000, 3)
                ),
                "Yesterday": 0.0,
                "Today": totals,
                "Power": values(lambda c: c.power_w, 0),
                "ApparentPower": values(lambda c: c.apparent_power_va, 0),
                "Factor": values(lambda c: c.power_factor if c.power_w else 0.0, 2),
                "Voltage": round(VOLTAGE),
                "Current": values(lambda c: c.current_a, 3),
            }
        }


_PLUG: Final = web.AppKey("plug", SimulatedPlug)

_ROUTER_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>Box Internet</title></head>"
    "<body><h1>Administration</h1></body></html>"
)


def _json(data: object, status: int = 200) -> web.Response:
    """Answer compact JSON, as small devices do."""
    return web.Response(
        text=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _body(response: web.StreamResponse) -> bytes:
    body = response.body if isinstance(response, web.Response) else None
    return body if isinstance(body, bytes) else b"{}"


def _factor(sockets: Sequence[SimulatedSocket]) -> float:
    apparent = sum(s.apparent_power_va for s in sockets)
    return sum(s.power_w for s in sockets) / apparent if apparent else 1.0


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def _tasmota_authorized(request: web.Request, password: str) -> bool:
    """Check the user/password parameters, or a Basic header (newer firmware reads both)."""
    if request.query.get("user") == TASMOTA_USER and request.query.get("password") == password:
        return True
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        credentials = base64.b64decode(encoded, validate=True).decode()
    except ValueError:  # not base64, or not UTF-8
        return False
    return scheme.lower() == "basic" and credentials == f"{TASMOTA_USER}:{password}"


# --- command line ------------------------------------------------------------------------

_DEFAULT_HOUSE: Final = (
    ["gestion_energie", "name=Bureau", "loads=120,40,15,0", "pf=0.9,1,0.6,1"],
    ["tasmota", "name=Chauffe-eau", "loads=2000"],
    ["tasmota", "name=Radiateurs", "loads=1000,1500", "metering=socket"],
)


def check_appliance(load_w: float, power_factor: float | None = None) -> None:
    """Refuse an appliance no socket can carry: a negative or endless load, a wrong factor."""
    if not (math.isfinite(load_w) and 0 <= load_w <= LARGEST_PHASE_POWER_W):
        raise ValueError(f"a load of {load_w} W is not physically possible")
    if power_factor is not None and not 0 < power_factor <= 1:
        raise ValueError(f"a power factor of {power_factor} is not physically possible")


def plug_from_spec(spec: Sequence[str]) -> SimulatedPlug:
    """Build a plug from `KIND key=value...` (see --help)."""
    kind, *options = spec
    settings = dict(option.split("=", 1) for option in options)
    loads = [float(w) for w in settings.pop("loads", "0").split(",")]
    factors = [float(pf) for pf in settings.pop("pf", "1").split(",")]
    on = settings.pop("on", "")
    for i, load in enumerate(loads):
        check_appliance(load, factors[min(i, len(factors) - 1)])
    sockets = [
        SimulatedSocket(
            load_w=load,
            power_factor=factors[min(i, len(factors) - 1)],
            on=on == "all" or str(i) in on.split(","),
        )
        for i, load in enumerate(loads)
    ]
    plug = SimulatedPlug(PlugType(kind), sockets)
    for key, value in settings.items():
        match key:
            case "name" | "token" | "password" | "firmware":
                setattr(plug, key, value)
            case "id":
                plug.device_id = value
            case "metering":
                plug.metering = Metering(value)
            case "fault":
                plug.fault = Fault(value)
            case "latency":
                plug.latency = float(value)
            case "so129":
                plug.total_per_channel = value == "1"
            case _:
                raise ValueError(f"unknown plug setting {key!r}")
    return plug


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.gestion_energie.simulators.plugs",
        description="Serve simulated connected plugs on 127.0.0.1, one port each.",
        epilog=(
            "PLUG is KIND [key=value...]; KIND is gestion_energie or tasmota; keys: "
            "loads=W,W,... (one per socket), pf=F,F,..., on=all|0,2,..., name=, id=, "
            "token= (gestion_energie), password= (tasmota, user admin), "
            "metering=socket|device|none, so129=1 (tasmota Total per channel), "
            "latency=SECONDS, fault=none|silent|malformed|truncated|not_a_plug. "
            "Without --plug: a desk strip, a water heater and two heaters."
        ),
    )
    parser.add_argument(
        "--port", type=int, default=8180, help="first plug's port, the next ones follow (0: any)"
    )
    parser.add_argument(
        "--plug", nargs="+", action="append", metavar="PLUG", help="a plug (repeatable)"
    )
    args = parser.parse_args(argv)
    try:
        args.plugs = [plug_from_spec(spec) for spec in args.plug or _DEFAULT_HOUSE]
    except ValueError as err:
        parser.error(str(err))
    return args


async def serve(args: argparse.Namespace, stop: asyncio.Event) -> PlugSimulator:
    """Serve the plugs of `args` until `stop` is set."""
    async with PlugSimulator() as simulator:
        simulator.add_listener(
            lambda load: LOGGER.info(
                "Plugs draw %.0f W, %.0f VA, %.2f A",
                load.power_w,
                load.apparent_power_va,
                load.current_a,
            )
        )
        for number, plug in enumerate(args.plugs):
            port = await simulator.add(plug, args.port + number if args.port else 0)
            LOGGER.info(
                "%s %s on http://%s:%d (%d sockets, id %s)",
                plug.kind,
                plug.name,
                LOOPBACK,
                port,
                len(plug.sockets),
                plug.device_id,
            )
        await stop.wait()
    return simulator


async def run(args: argparse.Namespace) -> None:
    """Serve the plugs of `args` until SIGINT (Ctrl-C) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        await serve(args, stop)
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - a test runs it
    """Run the simulator from the command line."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    asyncio.run(run(args))


if __name__ == "__main__":  # pragma: no cover - a test runs it as a program
    main()
