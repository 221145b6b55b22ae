"""Attacks on the secrets and on the inputs, in a real Home Assistant over real loopback HTTP.

The attacker sits on the LAN: it can announce anything over mDNS and answer HTTP from its own
address (127.0.0.2 here, a second loopback address on Linux). A user may type anything in a
form or a service call. None of it may send a plug's credentials elsewhere, leak the meter's
address or a plug's identity, or end in a raw traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
import contextlib
from http import HTTPStatus
from ipaddress import ip_address
import json
import socket
import tracemalloc
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigFlowResult,
    ConfigSubentryDataWithId,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import pytest_socket

from custom_components.gestion_energie import config_flow, plug_coordinator
from custom_components.gestion_energie.const import DOMAIN, PROBE_TIMEOUT, SUBENTRY_PLUG
from custom_components.gestion_energie.diagnostics import async_get_config_entry_diagnostics
from custom_components.gestion_energie.display import DISPLAY_URL
from custom_components.gestion_energie.plugs import (
    API_VERSION,
    ZEROCONF_TYPE,
    PlugError,
    checked_host,
)
from custom_components.gestion_energie.simulators.plugs import PlugSimulator
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from tests.plugs.conftest import FakeClock
from tests.plugs.ha import TOKEN, House, add_plug
from tests.shedding_ha.conftest import LOADS, Meter, load_subentries, setup_switches, switch_of
from tests.shedding_ha.test_services_and_flow import call
from tests.test_sources_flow import RADIO_FORM

LOCAL = "127.0.0.1"
IMPOSTOR = "127.0.0.2"  # another machine of the LAN, as far as Home Assistant can tell


@pytest.fixture
def second_loopback(socket_enabled: None) -> Iterator[None]:
    """Let Home Assistant reach 127.0.0.2 too (its test plugin allows only 127.0.0.1)."""
    pytest_socket.socket_allow_hosts([LOCAL, IMPOSTOR])
    yield
    pytest_socket.socket_allow_hosts([LOCAL])


class Recorder:
    """An HTTP server of the attacker that answers as the project's API and notes what it got."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.requests: list[tuple[str, dict[str, str], str | None]] = []
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            (request.path, dict(request.query), request.headers.get("Authorization"))
        )
        if request.path == "/api/info":
            info = {"api": API_VERSION, "id": self.device_id, "model": "m", "firmware": "1"}
            return web.json_response({**info, "sockets": 1})
        if request.path == "/api/state":
            return web.json_response({"sockets": [{"on": True}]})
        return web.Response(status=404)

    def secrets_received(self) -> list[str]:
        """Every credential that reached this server."""
        return [
            secret
            for _path, query, authorization in self.requests
            for secret in (authorization, query.get("password"))
            if secret
        ]


async def serve(recorder: Recorder, host: str) -> web.AppRunner:
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    recorder.port = runner.addresses[0][1]
    return runner


@pytest.fixture
async def house(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, socket_enabled: None
) -> AsyncGenerator[House]:
    """The simulated plugs (a strip with a token, a Tasmota heater with a password), added."""
    async with PlugSimulator(clock=FakeClock()) as simulator:
        house = await House(simulator).start()
        await add_plug(hass, loaded_simulator, "gestion_energie", house.form(house.strip))
        await add_plug(hass, loaded_simulator, "tasmota", house.form(house.heater))
        yield house


def announcement(
    host: str, port: int, name: str = "Bureau", **properties: str
) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        port=port,
        hostname="bureau.local.",
        type=ZEROCONF_TYPE,
        name=f"{name}.{ZEROCONF_TYPE}",
        properties=properties,
    )


async def discover(hass: HomeAssistant, info: ZeroconfServiceInfo) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )
    await hass.async_block_till_done()
    return result


def plug_addresses(entry: MockConfigEntry) -> dict[str, tuple[str, int]]:
    return {
        subentry.title: (subentry.data["host"], subentry.data["port"])
        for subentry in entry.get_subentries_of_type(SUBENTRY_PLUG)
    }


async def poll_plugs(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    for plug in entry.runtime_data.plugs.values():
        await plug.async_refresh()
    await hass.async_block_till_done()


# --- mDNS: an announce never moves where credentials go -------------------------------------


@pytest.mark.usefixtures("second_loopback")
async def test_an_impostors_announce_steals_no_plug(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    """The attacker announces the strip's id, then the Tasmota heater's, from its own host."""
    before = plug_addresses(loaded_simulator)
    for plug in (house.strip, house.heater):
        impostor = Recorder(plug.device_id)
        runner = await serve(impostor, IMPOSTOR)
        try:
            result = await discover(
                hass, announcement(IMPOSTOR, impostor.port, id=plug.device_id, auth="1")
            )
            await poll_plugs(hass, loaded_simulator)
        finally:
            await runner.cleanup()
        # The real plug still answers where it was: the announce is not from it.
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "plug_already_configured"
        assert impostor.secrets_received() == []
        assert impostor.requests == []
    assert plug_addresses(loaded_simulator) == before
    assert not hass.config_entries.flow.async_progress()
    for entity_id in ("switch.bureau_socket_1", "switch.chauffe_eau"):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE


async def test_a_plug_that_really_moved_is_followed_once_the_user_confirms(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    """A new DHCP lease: gone from its address, announced at another; asked before following."""
    old_port = house.strip.port
    await house.simulator.close()  # nothing answers at the old address any more
    moved = Recorder(house.strip.device_id)
    runner = await serve(moved, LOCAL)
    try:
        result = await discover(hass, announcement(LOCAL, moved.port, id=house.strip.device_id))
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "zeroconf_moved"
        placeholders = result["description_placeholders"] or {}
        assert placeholders["host"] == f"{LOCAL}:{moved.port}"
        assert placeholders["old_host"] == f"{LOCAL}:{old_port}"
        assert moved.requests == []  # nothing sent before the user says yes
        assert plug_addresses(loaded_simulator)["Bureau"][1] != moved.port
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "plug_moved"
        assert plug_addresses(loaded_simulator)["Bureau"] == (LOCAL, moved.port)
        assert set(moved.secrets_received()) == {f"Bearer {TOKEN}"}  # once the user said yes
        await poll_plugs(hass, loaded_simulator)
        state = hass.states.get("switch.bureau_socket_1")
        assert state is not None
        assert state.state == "on"  # read at its new address
    finally:
        await runner.cleanup()


async def test_a_confirmed_move_to_another_device_changes_nothing(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    await house.simulator.close()
    before = plug_addresses(loaded_simulator)
    other = Recorder("another-device")
    runner = await serve(other, LOCAL)
    try:
        result = await discover(hass, announcement(LOCAL, other.port, id=house.strip.device_id))
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    finally:
        await runner.cleanup()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_plug"
    assert plug_addresses(loaded_simulator) == before


async def test_a_moved_plug_that_does_not_answer_says_so(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House, closed_port: int
) -> None:
    await house.simulator.close()
    result = await discover(hass, announcement(LOCAL, closed_port, id=house.strip.device_id))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


@pytest.mark.usefixtures("second_loopback")
async def test_one_protocols_announce_never_touches_another_protocols_plug(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    """Even when the Tasmota plug is gone from its address, a project announce leaves it be."""
    await house.simulator.close()
    before = plug_addresses(loaded_simulator)
    impostor = Recorder(house.heater.device_id)
    runner = await serve(impostor, IMPOSTOR)
    try:
        result = await discover(
            hass, announcement(IMPOSTOR, impostor.port, id=house.heater.device_id)
        )
    finally:
        await runner.cleanup()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "plug_already_configured"
    assert impostor.requests == []
    assert plug_addresses(loaded_simulator) == before


HOSTILE_NAME = "<img src=x onerror=alert(1)>\r\n[Update](http://evil)\u202e*" + "x" * 300


async def test_announced_names_are_escaped_in_the_discovery_card(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, closed_port: int
) -> None:
    result = await discover(
        hass,
        announcement(LOCAL, closed_port, name=HOSTILE_NAME, id="new-plug", model="**[x](y)**"),
    )
    assert result["type"] is FlowResultType.FORM
    (flow,) = hass.config_entries.flow.async_progress()
    title = flow["context"]["title_placeholders"]["name"]
    assert title.startswith("<img src=x onerror=alert(1)> [Update](http://evil) *")
    assert len(title) <= 63
    assert not any(character in title for character in "\r\n\u202e")
    placeholders = result["description_placeholders"] or {}
    # Shown as text in the Markdown description: every markup character escaped.
    assert placeholders["name"].startswith(r"\<img src\=x onerror\=alert\(1\)\> \[Update\]")
    assert placeholders["model"] == r"\*\*\[x\]\(y\)\*\*"


@pytest.fixture
def closed_port(socket_enabled: None) -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind((LOCAL, 0))
        port: int = probe.getsockname()[1]
    return port


# --- plug forms: a host that is not one is said so ------------------------------------------


async def open_plug_form(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> str:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PLUG), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    return result["flow_id"]


BAD_HOSTS = {
    "path": "192.168.1.20/cm",
    "port": "192.168.1.20:8080",
    "user": "admin@192.168.1.20",
    "crlf": "plug.local\r\nX-Injected: 1",
    "empty": "",
    "blank": "   ",
    "long": "a" * 300,
    "long label": "a" * 64 + ".local",
    "empty label": "plug..local",
    "hyphen": "-plug.local",
    "bracket": "[::1",
    "numeric tld": "192.168.1.300",
    "url": "http://192.168.1.20",
}


@pytest.mark.parametrize("kind", ["gestion_energie", "tasmota"])
@pytest.mark.parametrize("host", list(BAD_HOSTS.values()), ids=list(BAD_HOSTS))
async def test_a_plug_host_that_is_not_one_is_refused_in_the_form(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, kind: str, host: str
) -> None:
    flow_id = await open_plug_form(hass, simulator_entry, kind)
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {"host": host, "port": 80}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" 127.0.0.1 ", "127.0.0.1"),
        ("[::1]", "::1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("prise-bureau.local.", "prise-bureau.local."),
        ("tasmota_1A2B3C", "tasmota_1A2B3C"),
        ("prise-café.local", "prise-café.local"),
    ],
)
def test_hosts_that_are_hosts_are_kept(typed: str, kept: str) -> None:
    assert checked_host(typed) == kept


async def test_a_valid_host_with_spaces_around_reaches_the_plug(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    strip = next(s for s in loaded_simulator.subentries.values() if s.title == "Bureau")
    flow = await loaded_simulator.start_subentry_reconfigure_flow(hass, strip.subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], house.form(house.strip) | {"host": f" {LOCAL} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_simulator.subentries[strip.subentry_id].data["host"] == LOCAL


# --- what a read-only user and a bug report see --------------------------------------------


async def test_the_display_tells_a_read_only_user_no_meter_address(
    hass: HomeAssistant,
    loaded_simulator: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    client = await hass_client(hass_read_only_access_token)
    response = await client.get(DISPLAY_URL)
    assert response.status == HTTPStatus.OK
    text = await response.text()
    assert SIMULATED_ADDRESS not in text
    meters = json.loads(text)["meters"]
    assert list(meters) == [loaded_simulator.entry_id]
    assert meters[loaded_simulator.entry_id]["available"] is True


async def test_diagnostics_give_no_plug_address_or_mac(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    await house.simulator.close()  # the plugs' errors name where they were
    await poll_plugs(hass, loaded_simulator)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_simulator)
    plugs = diagnostics["plugs"]
    assert len(plugs) == 2
    assert all(plug["last_exception"] for plug in plugs)
    text = json.dumps(diagnostics)
    for identifying in (LOCAL, house.strip.device_id, house.heater.device_id, SIMULATED_ADDRESS):
        assert identifying not in text
    assert "plug_unreachable" in text  # what went wrong is still told


# --- service calls: refused with a translated reason, never a raw error ---------------------


@pytest.fixture
async def shedding(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncGenerator[Meter]:
    """A meter with four loads under shedding (template switches), fed frames by the test."""
    await setup_switches(hass, list(LOADS))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        subentries_data=load_subentries(),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    meter = Meter(hass, entry, freezer)
    await meter.frames(3000, 2)  # PCOUP 6 kVA is known from here
    yield meter
    await hass.config_entries.async_unload(entry.entry_id)


async def set_limits(
    hass: HomeAssistant, meter: Meter, shed: float, restore: float, unit: str
) -> None:
    await call(
        hass,
        "set_limits",
        config_entry_id=meter.entry.entry_id,
        shed_limit=shed,
        restore_limit=restore,
        unit=unit,
    )


@pytest.mark.parametrize(
    "duration",
    [{"days": 1e10}, 1e20, "inf", {"days": 999_999_999}, {"hours": 24 * 7 + 1}],
    ids=["days overflow", "seconds overflow", "infinite", "largest timedelta", "over a week"],
)
async def test_a_boost_too_long_is_refused(
    hass: HomeAssistant, shedding: Meter, duration: object
) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await call(hass, "boost", load=switch_of("radiator"), duration=duration)
    assert refused.value.translation_key == "boost_too_long"
    assert shedding.manager.load_status(switch_of("radiator")) != "boost"


async def test_a_boost_of_a_week_is_taken(hass: HomeAssistant, shedding: Meter) -> None:
    await call(hass, "boost", load=switch_of("radiator"), duration={"days": 7})
    assert shedding.manager.load_status(switch_of("radiator")) == "boost"


@pytest.mark.parametrize(
    ("shed", "restore", "unit"),
    [(50_000, 49_999, "%"), (131, 130, "%"), (50_000, 49_999, "VA"), (9000, 7800, "VA")],
)
async def test_limits_that_leave_no_gap_are_refused(
    hass: HomeAssistant, shedding: Meter, shed: float, restore: float, unit: str
) -> None:
    """The shed limit is capped at 1.3 x PCOUP, where the meter trips: a restore limit there
    or above would leave no hysteresis, loads switched off and on with every reading."""
    before = shedding.manager.settings
    with pytest.raises(ServiceValidationError) as refused:
        await set_limits(hass, shedding, shed, restore, unit)
    assert refused.value.translation_key == "limits_without_gap"
    assert shedding.manager.settings == before


@pytest.mark.parametrize(
    ("shed", "restore", "unit"), [(150, 100, "%"), (50_000, 7000, "VA"), (6000, 5000, "VA")]
)
async def test_limits_with_a_gap_are_taken(
    hass: HomeAssistant, shedding: Meter, shed: float, restore: float, unit: str
) -> None:
    await set_limits(hass, shedding, shed, restore, unit)
    settings = shedding.manager.settings
    assert (settings.shed_limit.value, settings.restore_limit.value) == (shed, restore)
    assert settings.restore_limit_va(6000) < settings.shed_limit_va(6000)


# --- hostile plug replies: the plug turns unavailable, memory stays bounded -----------------

MEMORY_BOUND = 8 * 1024 * 1024  # bytes allocated at peak while polling; 50 MB bodies come by
type Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


FRAMING = ("content-length", "transfer-encoding")


def http_reply(body: bytes, status: str = "200 OK", *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    if not any(header.lower().startswith(FRAMING) for header in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def replying(payload: bytes | str | object, status: str = "200 OK", *headers: str) -> Behaviour:
    if isinstance(payload, bytes):
        body = payload
    else:
        body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(http_reply(body, status, *headers))
        await writer.drain()

    return behave


def flooding(*, announced: bool) -> Behaviour:
    """A 50 MB reply, its length announced or chunked without one."""
    piece = b" " * 65536  # small writes: the server's own buffers stay out of the measure
    chunk = piece if announced else b"%x\r\n%s\r\n" % (len(piece), piece)

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if announced:
            writer.write(http_reply(b"", "200 OK", "Content-Length: 52428800"))
        else:
            writer.write(http_reply(b"", "200 OK", "Transfer-Encoding: chunked"))
        for _ in range(50 * 16):
            writer.write(chunk)
            await writer.drain()

    return behave


def trickling(head: bytes) -> Behaviour:
    """Slowloris: the reply one byte at a time, never finished in time."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await reader.readuntil(b"\r\n\r\n")
        for byte in head + b" " * 1000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    return behave


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(3600)


async def babbling(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
    """Not HTTP at all (an MQTT broker's port, say)."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"\x20\x02\x00\x00 hello\r\n\r\n")
    await writer.drain()


async def hanging_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
    writer.transport.abort()


def redirecting(status: str) -> Behaviour:
    """A redirect to the attacker's own server, which notes whatever reaches it."""

    async def behave(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target_port: int
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        location = f"Location: http://{LOCAL}:{target_port}/api/state"
        writer.write(http_reply(b"{}", status, location))
        await writer.drain()

    return behave


def sockets(count: int) -> dict[str, Any]:
    return {"sockets": [{"on": True}] * count}


def relays(count: int) -> dict[str, Any]:
    return {"StatusSTS": {f"POWER{n}": "ON" for n in range(1, count + 1)}}


TASMOTA_NAN = '{"StatusSTS": {"POWER": "ON"}, "StatusSNS": {"ENERGY": {"Power": NaN}}}'
HOSTILE: dict[str, tuple[str, Behaviour]] = {
    "50 MB announced": ("gestion_energie", flooding(announced=True)),
    "50 MB chunked": ("gestion_energie", flooding(announced=False)),
    "slowloris head": ("gestion_energie", trickling(b"HTTP/1.1 200 OK\r\nX-Slow: ")),
    "slowloris body": ("gestion_energie", trickling(http_reply(b"", "200 OK")[:-4])),
    "silent": ("gestion_energie", silent),
    "hangs up": ("gestion_energie", hanging_up),
    "not http": ("gestion_energie", babbling),
    "nan": ("gestion_energie", replying('{"sockets": [{"on": true, "power": NaN}]}')),
    "infinity": ("gestion_energie", replying('{"sockets": [{"on": true, "power": Infinity}]}')),
    "1e999": ("gestion_energie", replying('{"sockets": [{"on": true, "current": 1e999}]}')),
    "10,000 sockets": ("gestion_energie", replying(sockets(10_000))),
    "3,000 sockets": ("gestion_energie", replying(sockets(3_000))),
    "deep nesting": ("gestion_energie", replying("[" * 50_000)),
    "huge header": ("gestion_energie", replying(b"{}", "200 OK", "X-Big: " + "a" * 200_000)),
    "portal page": ("gestion_energie", replying(b"<html>Log in</html>")),
    "server error": ("gestion_energie", replying({"error": "oops"}, "500 Internal Server Error")),
    "redirect 302": ("gestion_energie", redirecting("302 Found")),
    "redirect 307": ("tasmota", redirecting("307 Temporary Redirect")),
    "10,000 relays": ("tasmota", replying(relays(10_000))),
    "1,000 relays": ("tasmota", replying(relays(1_000))),
    "tasmota nan": ("tasmota", replying(TASMOTA_NAN)),
}


@pytest.fixture
async def redirect_target(socket_enabled: None) -> AsyncGenerator[Recorder]:
    recorder = Recorder("redirected")
    runner = await serve(recorder, LOCAL)
    yield recorder
    await runner.cleanup()


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_a_hostile_plug_turns_unavailable_with_bounded_memory(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    redirect_target: Recorder,
    case: str,
) -> None:
    kind, behaviour = HOSTILE[case]
    connections: list[asyncio.Task[None]] = []

    async def serve_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(asyncio.current_task())  # type: ignore[arg-type]
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await behaviour(reader, writer, redirect_target.port)
        writer.close()

    server = await asyncio.start_server(serve_one, LOCAL, 0)
    monkeypatch.setattr(plug_coordinator, "PLUG_TIMEOUT", 0.5)  # slowloris gives up sooner
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        subentries_data=[
            ConfigSubentryDataWithId(
                data={
                    "plug_type": kind,
                    "host": LOCAL,
                    "port": server.sockets[0].getsockname()[1],
                    "token": "jeton",
                    "password": "mot-de-passe",
                    "device_id": "hostile",
                    "model": "m",
                    "firmware": "1",
                    "sockets": 1,
                    "socket_readings": ["power"],
                    "device_readings": [],
                },
                subentry_type=SUBENTRY_PLUG,
                title="Hostile",
                unique_id="hostile",
                subentry_id="hostile",
            )
        ],
    )
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        plug = entry.runtime_data.plugs["hostile"]
        tracemalloc.start()
        try:
            for _ in range(3):
                await plug.async_refresh()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert plug.last_update_success is False
        assert isinstance(plug.last_exception, UpdateFailed)
        assert isinstance(plug.last_exception.__cause__, PlugError)  # told apart, not a surprise
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        plug_entities = [e.entity_id for e in entities if e.config_subentry_id == "hostile"]
        assert plug_entities
        for entity_id in plug_entities:
            state = hass.states.get(entity_id)
            assert state is not None
            assert state.state == STATE_UNAVAILABLE, entity_id
        assert peak < MEMORY_BOUND
        assert redirect_target.requests == []  # a redirect is never followed
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.close()
        for connection in connections:
            connection.cancel()
        await server.wait_closed()


# --- bad source forms: each one its own error, or refused by the form's schema --------------

SCHEMA = "schema"  # refused by the form's own fields before anything is tried
CLOSED = -1  # a closed loopback port (also "CLOSED" in a text), found when the test runs
BAD_SOURCE_FORMS: list[tuple[str, dict[str, Any], str]] = [
    *(("network", {"host": host, "port": 23}, "invalid_host") for host in BAD_HOSTS.values()),
    ("network", {"host": LOCAL, "port": CLOSED}, "cannot_connect"),
    ("network", {"host": LOCAL, "port": 0}, SCHEMA),
    ("network", {"host": LOCAL, "port": 70_000}, SCHEMA),
    ("network", {"host": LOCAL, "port": "telnet"}, SCHEMA),
    ("network", {"host": 5, "port": 23}, SCHEMA),
    ("network", {"port": 23}, SCHEMA),
    ("serial", {"port": "", "mode": "auto"}, "port_not_found"),
    ("serial", {"port": "/nonexistent/ttyUSB0", "mode": "auto"}, "port_not_found"),
    ("serial", {"port": "/dev/ttyUSB0\x00", "mode": "auto"}, "port_not_found"),
    ("serial", {"port": "/dev/null", "mode": "auto"}, "cannot_open"),
    ("serial", {"port": "/etc/hostname", "mode": "auto"}, "cannot_open"),
    ("serial", {"port": "/dev/" + "a" * 5000, "mode": "auto"}, "cannot_open"),
    ("serial", {"port": f"socket://{LOCAL}:CLOSED", "mode": "auto"}, "cannot_open"),
    ("serial", {"port": "/dev/ttyUSB0", "mode": "turbo"}, SCHEMA),
    ("radio", RADIO_FORM | {"address": ""}, "invalid_radio_settings"),
    ("radio", RADIO_FORM | {"address": "éééé"}, "invalid_radio_settings"),
    ("radio", RADIO_FORM | {"address": "TOO-LONG"}, "invalid_radio_settings"),
    ("radio", RADIO_FORM | {"ce_pin": 64}, SCHEMA),
    ("radio", RADIO_FORM | {"channel": 126}, SCHEMA),
    ("radio", RADIO_FORM | {"data_rate": "fast"}, SCHEMA),
    ("radio", RADIO_FORM | {"pa_level": "loud"}, SCHEMA),
    ("radio", RADIO_FORM | {"irq_pin": 99}, SCHEMA),
    ("simulator", {"mode": "standard", "contract": "free", "subscribed_kva": "6"}, SCHEMA),
    ("simulator", {"mode": "standard", "contract": "tempo", "subscribed_kva": "7"}, SCHEMA),
    ("simulator", {"mode": "binary", "contract": "tempo", "subscribed_kva": "6"}, SCHEMA),
]


@pytest.mark.parametrize(
    ("step", "form", "error"),
    BAD_SOURCE_FORMS,
    ids=[f"{step}-{index}" for index, (step, _, _) in enumerate(BAD_SOURCE_FORMS)],
)
async def test_a_bad_source_form_says_what_is_wrong(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    step: str,
    form: dict[str, Any],
    error: str,
) -> None:
    monkeypatch.setattr(config_flow, "PROBE_TIMEOUT", PROBE_TIMEOUT / 20)  # a regression fails soon
    form = {  # a closed port stands for a bridge or serial server that is not there
        key: closed_port
        if value == CLOSED
        else value.replace("CLOSED", str(closed_port))
        if isinstance(value, str)
        else value
        for key, value in form.items()
    }
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    configure = hass.config_entries.flow.async_configure(result["flow_id"], form)
    if error == SCHEMA:
        with pytest.raises(InvalidData):
            await configure
        return
    result = await configure
    assert result["type"] is FlowResultType.FORM
    field = "host" if error == "invalid_host" else "base"
    assert result["errors"] == {field: error}
    assert not hass.config_entries.async_entries(DOMAIN)


# --- bad service calls: a translated refusal or the schema's, nothing raw, nothing changed ---

RADIATOR = switch_of("radiator")
ENTRY = "ENTRY"  # the meter's entry id, known when the test runs
BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("shed", {}, SCHEMA),
    ("shed", {"load": "not an entity"}, SCHEMA),
    ("shed", {"load": 5}, SCHEMA),
    ("shed", {"load": [RADIATOR, "switch.oven"]}, SCHEMA),
    ("shed", {"load": "switch.unknown"}, "load_not_managed"),
    ("shed", {"load": "light.kitchen"}, "load_not_managed"),
    ("restore", {"load": "switch.unknown"}, "load_not_managed"),
    ("restore", {"load": RADIATOR}, "load_not_shed"),
    ("boost", {"load": RADIATOR, "duration": -5}, SCHEMA),
    ("boost", {"load": RADIATOR, "duration": "a while"}, SCHEMA),
    ("boost", {"load": RADIATOR, "duration": {"days": "x"}}, SCHEMA),
    ("boost", {"load": RADIATOR, "duration": {}}, SCHEMA),
    ("boost", {"load": RADIATOR, "duration": "nan"}, SCHEMA),
    ("boost", {"load": "switch.unknown"}, "load_not_managed"),
    ("set_priority", {"load": RADIATOR, "priority": -1}, SCHEMA),
    ("set_priority", {"load": RADIATOR, "priority": 101}, SCHEMA),
    ("set_priority", {"load": RADIATOR, "priority": "high"}, SCHEMA),
    ("set_priority", {"load": RADIATOR, "priority": float("inf")}, SCHEMA),
    ("set_priority", {"load": RADIATOR}, SCHEMA),
    ("set_priority", {"load": "switch.unknown", "priority": 5}, "load_not_managed"),
    ("set_limits", {"shed_limit": 100, "restore_limit": 85}, SCHEMA),
    ("set_limits", {"config_entry_id": ENTRY, "shed_limit": 0, "restore_limit": 85}, SCHEMA),
    ("set_limits", {"config_entry_id": ENTRY, "shed_limit": 50_001, "restore_limit": 1}, SCHEMA),
    ("set_limits", {"config_entry_id": ENTRY, "shed_limit": "nan", "restore_limit": 1}, SCHEMA),
    ("set_limits", {"config_entry_id": ENTRY, "shed_limit": "inf", "restore_limit": 1}, SCHEMA),
    (
        "set_limits",
        {"config_entry_id": ENTRY, "shed_limit": 100, "restore_limit": 85, "unit": "W"},
        SCHEMA,
    ),
    (
        "set_limits",
        {"config_entry_id": ENTRY, "shed_limit": 85, "restore_limit": 100},
        "invalid_limits",
    ),
    (
        "set_limits",
        {"config_entry_id": ENTRY, "shed_limit": 90, "restore_limit": 90},
        "invalid_limits",
    ),
    (
        "set_limits",
        {"config_entry_id": "no-such-entry", "shed_limit": 100, "restore_limit": 85},
        "service_config_entry_not_found",
    ),
    ("simulate", {"config_entry_id": ENTRY, "events": []}, SCHEMA),
    ("simulate", {"config_entry_id": ENTRY, "events": [{"power": 8000}]}, SCHEMA),
    ("simulate", {"config_entry_id": ENTRY, "events": [{"at": -1}]}, SCHEMA),
    ("simulate", {"config_entry_id": ENTRY, "events": [{"at": 0}] * 1001}, SCHEMA),
    ("simulate", {"config_entry_id": ENTRY, "events": [{"at": 0, "pcoup": 99}]}, SCHEMA),
    (
        "simulate",
        {"config_entry_id": ENTRY, "events": [{"at": 0, "switch": "switch.unknown"}]},
        "load_not_managed",
    ),
    ("simulate_overload", {"config_entry_id": ENTRY, "power": 0, "duration": 10}, SCHEMA),
    ("simulate_overload", {"config_entry_id": ENTRY, "power": 100, "duration": 99999}, SCHEMA),
    ("simulate_overload", {"config_entry_id": ENTRY, "power": "inf", "duration": 10}, SCHEMA),
]


@pytest.mark.parametrize(
    ("service", "data", "error"),
    BAD_CALLS,
    ids=[f"{service}-{index}" for index, (service, _, _) in enumerate(BAD_CALLS)],
)
async def test_a_bad_service_call_is_refused_and_changes_nothing(
    hass: HomeAssistant, shedding: Meter, service: str, data: dict[str, Any], error: str
) -> None:
    data = {
        key: shedding.entry.entry_id if value == ENTRY else value for key, value in data.items()
    }
    before = (
        shedding.manager.settings,
        {switch: shedding.manager.load_status(switch) for switch in shedding.manager.loads},
        {switch: shedding.manager.priority(switch) for switch in shedding.manager.loads},
    )
    call = hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=service == "simulate"
    )
    if error == SCHEMA:
        with pytest.raises(probatio.Invalid):
            await call
    else:
        with pytest.raises(ServiceValidationError) as refused:
            await call
        assert refused.value.translation_key == error
    await hass.async_block_till_done()
    assert before == (
        shedding.manager.settings,
        {switch: shedding.manager.load_status(switch) for switch in shedding.manager.loads},
        {switch: shedding.manager.priority(switch) for switch in shedding.manager.loads},
    )


async def test_a_move_confirmed_after_the_plug_was_removed_changes_nothing(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House, closed_port: int
) -> None:
    await house.simulator.close()
    result = await discover(hass, announcement(LOCAL, closed_port, id=house.strip.device_id))
    strip = next(s for s in loaded_simulator.subentries.values() if s.title == "Bureau")
    hass.config_entries.async_remove_subentry(loaded_simulator, strip.subentry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "plug_gone"
    assert "Bureau" not in plug_addresses(loaded_simulator)
