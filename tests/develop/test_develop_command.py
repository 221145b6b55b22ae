"""The README's main command, run as a user runs it: `scripts/develop`.

It starts from the checkout in a process group of its own, on a copy of the development
configuration in a temporary folder (the checkout's `config/` is untouched) and on free
ports. The test then does what a new user does first: creates the owner account, looks at
the simulated meter, switches a plug and watches the meter's power follow; it reads Home
Assistant's log for errors of ours, and stops everything it started.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
import contextlib
from dataclasses import dataclass
from functools import partial
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
from typing import Any

import aiohttp
import pytest

from custom_components.gestion_energie.simulators.meter import SimulatedMeter

from .client import HomeAssistantClient

CHECKOUT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 300.0  # a loaded CI machine; Home Assistant needs about 20 s here
STOP_TIMEOUT_S = 90.0
PLUGS = 3  # the plug simulator's default house, one port each
WATER_HEATER = "Chauffe-eau"  # its 2,000 W plug
WATER_HEATER_VA = 2000.0
THERMOSTAT = "climate.radiateur_chambre"
# The development helper's graded loads (tools/develop), by entity id and name.
GRADED_LOADS = {
    "select.radiateur_salon": "Radiateur du salon",
    THERMOSTAT: "Radiateur de la chambre",
    "water_heater.ballon_eau_chaude": "Ballon d'eau chaude",
    "number.borne_recharge_courant": "Borne de recharge",
}
CHARGER = "number.borne_recharge_courant"
# Its current: 16 A at most, its first step 8 A (the middle of 0 to 16 A, as the form proposes).
CHARGER_MAX_A, CHARGER_STEP_A = 16, 8
VOLTS = 230.0
APPLIANCES_SHOWN_S = 15.0


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports free on the loopback address."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count < 65536 and all(_free(port) for port in range(first, first + count)):
            return first
    msg = "no free ports"
    raise RuntimeError(msg)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


@dataclass
class Develop:
    """A running `scripts/develop`."""

    process: subprocess.Popen[bytes]
    config: Path
    port: int
    plug_port: int
    output: Path

    def ports(self) -> Iterator[int]:
        yield self.port
        yield from range(self.plug_port, self.plug_port + PLUGS)

    def log(self) -> str:
        return (self.config / "home-assistant.log").read_text(encoding="utf-8", errors="replace")

    def describe(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")[-4000:]


def start_develop(config: Path, port: int, plug_port: int, output: Path) -> Develop:
    """Start scripts/develop as a user does, in a process group of its own."""
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the project's own script
            [
                str(CHECKOUT / "scripts" / "develop"),
                *("--config", str(config), "--port", str(port), "--plug-port", str(plug_port)),
            ],
            cwd=CHECKOUT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Develop(process, config, port, plug_port, output)


@pytest.fixture
async def develop(tmp_path: Path, socket_enabled: None) -> AsyncGenerator[Develop]:
    """`scripts/develop` on a copy of the configuration, stopped (and checked) afterwards."""
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(CHECKOUT / "config" / "configuration.yaml", config)
    running = start_develop(config, free_ports(1), free_ports(PLUGS), tmp_path / "develop.out")
    process = running.process
    try:
        yield running
        # Ctrl+C in a terminal stops the whole group; so does this.
        os.killpg(process.pid, signal.SIGINT)
        await asyncio.to_thread(process.wait, STOP_TIMEOUT_S)
        assert await group_ended(process.pid), "a process of scripts/develop is left running"
        assert not [port for port in running.ports() if listening(port)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def group_ended(group: int) -> bool:
    """Whether every process of the group has ended within the time allowed to stop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STOP_TIMEOUT_S
    while loop.time() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.2)
    return False


async def wait_until_serving(develop: Develop, session: aiohttp.ClientSession) -> None:
    """Wait for Home Assistant's frontend, failing at once if scripts/develop ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_S
    while loop.time() < deadline:
        assert develop.process.poll() is None, f"scripts/develop ended:\n{develop.describe()}"
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{develop.port}/manifest.json") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(1)
    pytest.fail(f"Home Assistant did not answer in {START_TIMEOUT_S} s:\n{develop.describe()}")


async def wait_for(what: str, read: Any, check: Any, within: float = 90.0) -> Any:
    """Poll `await read()` until `check(value)`; the value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    value = None
    while loop.time() < deadline:
        value = await read()
        if check(value):
            return value
        await asyncio.sleep(1)
    pytest.fail(f"{what}: still {value!r} after {within} s")


def _moved_by(step: float, before: float, state: dict[str, Any] | None) -> bool:
    """Whether the power moved from `before` by most of `step` (the household's noise aside)."""
    va = number(state)
    return va is not None and (va - before) * step > 0.75 * step * step


def number(state: dict[str, Any] | None) -> float | None:
    """A state's number, if it is one."""
    try:
        return None if state is None else float(state["state"])
    except ValueError:
        return None


@pytest.mark.timeout(900)
async def test_scripts_develop_as_a_new_user_runs_it(develop: Develop) -> None:
    async with aiohttp.ClientSession() as session:
        await wait_until_serving(develop, session)
        ha = HomeAssistantClient(session, develop.port)
        await ha.async_onboard()
        try:
            await _check_the_instance(ha)
        finally:
            await ha.async_close()
    # A record is a line with a time and a level, and the traceback under it: none at
    # ERROR mentions us (our loggers, our translations, our code in a traceback).
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )", develop.log())
    errors = [
        record
        for record in records
        if re.match(r"\S+ \S+ (ERROR|CRITICAL) ", record) and "gestion_energie" in record
    ]
    assert not errors, "\n".join(errors)


async def _check_the_instance(ha: HomeAssistantClient) -> None:
    power_key = f"{SimulatedMeter().address}_apparent_power"

    async def registry() -> list[dict[str, Any]]:
        return list(await ha.async_ws("config/entity_registry/list"))

    # Home Assistant serves its frontend while integrations still set up.
    entities = await wait_for(
        "the meter's entities",
        registry,
        lambda entities: any(entity["unique_id"] == power_key for entity in entities),
    )
    ours = {
        entity["unique_id"]: entity
        for entity in entities
        if entity["platform"] == "gestion_energie"
    }
    power_id = ours[power_key]["entity_id"]

    async def power() -> dict[str, Any] | None:
        return (await ha.async_states()).get(power_id)

    # A reading now; that it is live shows below, when a plug moves it (the update policy
    # writes the power when it moves, not at every frame).
    await wait_for("apparent power", power, lambda state: number(state) is not None)

    # The plug simulator's sockets are switches that answer.
    devices = {device["id"]: device for device in await ha.async_ws("config/device_registry/list")}
    plug_switches = {
        entity["entity_id"]: devices[entity["device_id"]]["name"]
        for entity in entities
        if entity["platform"] == "gestion_energie"
        and entity["entity_id"].startswith("switch.")
        and entity["config_subentry_id"] is not None
    }
    assert len(set(plug_switches.values())) == PLUGS
    await wait_for(
        "the plugs' switches",
        ha.async_states,
        lambda states: all(states[switch]["state"] in {"on", "off"} for switch in plug_switches),
    )

    # Switching the water heater's plug moves the simulated meter's power by its load.
    heater = next(switch for switch, name in plug_switches.items() if name == WATER_HEATER)
    for service, expected, sign in (("turn_on", "on", 1), ("turn_off", "off", -1)):
        before = number(await power())
        assert before is not None
        await ha.async_post(f"/api/services/switch/{service}", {"entity_id": heater})
        await wait_for(
            f"the meter's power after {service} of the water heater (was {before} VA)",
            power,
            partial(_moved_by, sign * WATER_HEATER_VA, before),
        )
        assert (await ha.async_states())[heater]["state"] == expected

    await _check_the_graded_loads(ha, ours[power_key]["config_entry_id"], power)

    # The Energy dashboard is set up: the meter's period indexes and the plugs' energy.
    async def energy() -> dict[str, Any] | None:
        with contextlib.suppress(AssertionError):  # "No prefs" until the helper ran
            return dict(await ha.async_ws("energy/get_prefs"))
        return None

    prefs = await wait_for("the Energy dashboard's preferences", energy, lambda p: p is not None)
    by_entity_id = {entity["entity_id"]: entity for entity in await registry()}
    grid = [by_entity_id[source["stat_energy_from"]] for source in prefs["energy_sources"]]
    # Standard-mode Tempo: supplier indexes (one per tariff period), not the total.
    assert grid
    assert all(re.fullmatch(r"\d{12}_easf\d\d", index["unique_id"]) for index in grid)
    device_energy = [
        by_entity_id[device["stat_consumption"]] for device in prefs["device_consumption"]
    ]
    # The plugs' energy, and the house's unmeasured rest: the devices add up to the meter.
    unmeasured = [e for e in device_energy if e["unique_id"].endswith("_unmeasured_energy")]
    assert len(unmeasured) == 1
    plug_energy = [e for e in device_energy if e not in unmeasured]
    assert plug_energy
    assert all(entity["config_subentry_id"] for entity in plug_energy)


async def _check_the_graded_loads(ha: HomeAssistantClient, entry_id: str, power: Any) -> None:
    """The helper's heaters, water heater and charger: loads of the meter, drawing on it."""
    states = await wait_for(
        "the graded loads' entities",
        ha.async_states,
        lambda states: all(entity_id in states for entity_id in GRADED_LOADS),
    )
    assert {
        entity_id: states[entity_id]["attributes"]["friendly_name"] for entity_id in GRADED_LOADS
    } == GRADED_LOADS

    async def load_titles() -> set[str]:
        subentries = await ha.async_ws("config_entries/subentries/list", entry_id=entry_id)
        return {item["title"] for item in subentries if item["subentry_type"] == "load"}

    await wait_for(
        "the graded loads as loads of the meter",
        load_titles,
        lambda titles: set(GRADED_LOADS.values()) <= titles,
    )
    # A car charging at the charger's full current adds to the meter's power, and one step
    # down (to 8 A) lowers it (big steps: the power is written when it moves by 5 %).
    assert number(states[CHARGER]) == 0  # no car yet
    # The thermostat's own cycle would move the power meanwhile: the user stops it first, and
    # the meter shows that (the appliances are fed to it every 5 s, written after 3 frames).
    await ha.async_post(
        "/api/services/climate/set_hvac_mode", {"entity_id": THERMOSTAT, "hvac_mode": "off"}
    )
    await asyncio.sleep(APPLIANCES_SHOWN_S)
    for amps, change_a in ((CHARGER_MAX_A, CHARGER_MAX_A), (CHARGER_STEP_A, -CHARGER_STEP_A)):
        before = number(await power())
        assert before is not None
        await ha.async_post("/api/services/number/set_value", {"entity_id": CHARGER, "value": amps})
        await wait_for(
            f"the meter's power with the charger at {amps} A (was {before} VA)",
            power,
            partial(_moved_by, change_a * VOLTS, before),
        )
