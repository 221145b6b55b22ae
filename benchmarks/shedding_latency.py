"""Shedding latency in a real Home Assistant: from the overload frame to the plug's HTTP request.

Starts Home Assistant (bootstrap) in a temporary configuration, serves one simulated plug of
the project's API on loopback, adds the simulated meter with that plug (subentry) and one
managed load (subentry), stops the meter's real-time source and, for each trial, hands the
coordinator an overload frame (`async_receive`) and times until the plug simulator receives
the switching request (its load listener runs inside the request's handler).

Three paths: the load is this integration's plug switch itself ("plug"), a template switch
whose turn_off calls the plug switch ("template": any other integration's switch entity), or
a thermostat of another integration ("climate": a `generic_thermostat` heating through the
plug switch) shed in steps, a setpoint 2 °C lower first: timed from the overload frame to the
thermostat's state showing the lowered setpoint (the `climate.set_temperature` call done).

Run: scripts/run python benchmarks/shedding_latency.py [--trials 200]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
from types import MappingProxyType

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigSubentryData
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event

from benchmarks.home_assistant import start_home_assistant
from custom_components.gestion_energie.const import DOMAIN, SUBENTRY_PLUG
from custom_components.gestion_energie.plug_flow import async_probe_plug
from custom_components.gestion_energie.plugs import PlugType
from custom_components.gestion_energie.shedding import SheddingEngine
from custom_components.gestion_energie.shedding_const import SUBENTRY_LOAD
from custom_components.gestion_energie.simulators.meter import SimulatedMeter
from custom_components.gestion_energie.simulators.plugs import (
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)
from custom_components.gestion_energie.tic import Group, TicMode, encode_frame

PLUG_SWITCH = "switch.bench_plug"
TEMPLATE_SWITCH = "switch.bench_template"
TEMPLATE = f"""
template:
  - switch:
      - name: Bench template
        unique_id: bench_template
        state: "{{{{ is_state('{PLUG_SWITCH}', 'on') }}}}"
        turn_on:
          action: switch.turn_on
          target:
            entity_id: {PLUG_SWITCH}
        turn_off:
          action: switch.turn_off
          target:
            entity_id: {PLUG_SWITCH}
  - sensor:
      - name: Bench temperature
        unique_id: bench_temperature
        unit_of_measurement: "°C"
        device_class: temperature
        state: "19"
climate:
  - platform: generic_thermostat
    name: Bench thermostat
    unique_id: bench_thermostat
    heater: {PLUG_SWITCH}
    target_sensor: sensor.bench_temperature
    target_temp: 20
    initial_hvac_mode: heat
"""
THERMOSTAT = "climate.bench_thermostat"
SETPOINT = 20.0


def frame(address: str, power: int, *, overload: bool = False) -> bytes:
    """A standard-mode frame of a 6 kVA meter drawing `power` VA."""
    stge = 0x0002_A000 | 1 << 17 | (1 << 7 if overload else 0)
    return encode_frame(
        [
            Group("ADSC", address),
            Group("VTIC", "02"),
            Group("EAST", f"{1_000_000:09}"),
            Group("PREF", "06"),
            Group("PCOUP", "06"),
            Group("SINSTS", f"{power:05}"),
            Group("STGE", f"{stge:08X}"),
        ],
        TicMode.STANDARD,
    )


async def measure(path: str, trials: int) -> list[float]:
    """Milliseconds from the overload frame to the plug's request, per trial."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        config_dir = Path(tmp)
        hass = await start_home_assistant(config_dir, TEMPLATE)
        async with PlugSimulator() as simulator:
            plug = SimulatedPlug(PlugType.GESTION_ENERGIE, [SimulatedSocket(3500)], name="Bench")
            port = await simulator.add(plug)
            title, data = await async_probe_plug(
                hass,
                PlugType.GESTION_ENERGIE,
                {"host": "127.0.0.1", "port": port, "name": "Bench plug"},
            )
            load = {"plug": PLUG_SWITCH, "template": TEMPLATE_SWITCH}.get(path, THERMOSTAT)
            entry = _entry(title, data, load)
            await hass.config_entries.async_add(entry)
            await hass.async_block_till_done()
            await entry.runtime_data.source.stop()
            if path == "climate":
                samples = await _climate_trials(hass, entry, trials)
            else:
                samples = await _trials(hass, entry, simulator, trials)
        await hass.async_stop()
        return samples


async def _trials(
    hass: HomeAssistant, entry: ConfigEntry, simulator: PlugSimulator, trials: int
) -> list[float]:
    coordinator = entry.runtime_data.coordinator
    manager = entry.runtime_data.shedding
    address = str(entry.unique_id)
    clock = [1_800_000_000.0]
    coordinator.clock = lambda: clock[0]
    received = asyncio.Event()
    arrived = [0.0]

    def heard(_load: object) -> None:
        arrived[0] = time.perf_counter()
        received.set()

    simulator.add_listener(heard)
    samples: list[float] = []
    for _ in range(trials):
        # The socket back on, a fresh engine that knows it (no lockout from earlier trials).
        await hass.services.async_call(
            "switch", "turn_on", {ATTR_ENTITY_ID: PLUG_SWITCH}, blocking=True
        )
        await hass.async_block_till_done()
        clock[0] += 600
        manager.engine = SheddingEngine(manager.settings, manager._configs())  # noqa: SLF001
        manager.engine.reconcile(
            [state for switch in manager.loads if (state := manager._load_state(switch))],  # noqa: SLF001
            clock[0],
        )
        coordinator.async_receive(frame(address, 4000))
        await hass.async_block_till_done()
        clock[0] += 1
        received.clear()
        start = time.perf_counter()
        coordinator.async_receive(frame(address, 9000, overload=True))
        await asyncio.wait_for(received.wait(), 5)
        samples.append((arrived[0] - start) * 1000)
        await hass.async_block_till_done()
    return samples


async def _climate_trials(hass: HomeAssistant, entry: ConfigEntry, trials: int) -> list[float]:
    coordinator = entry.runtime_data.coordinator
    manager = entry.runtime_data.shedding
    address = str(entry.unique_id)
    clock = [1_800_000_000.0]
    coordinator.clock = lambda: clock[0]
    lowered = asyncio.Event()
    arrived = [0.0]

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is not None and state.attributes.get("temperature") == SETPOINT - 2:
            arrived[0] = time.perf_counter()
            lowered.set()

    async_track_state_change_event(hass, [THERMOSTAT], changed)
    samples: list[float] = []
    for _ in range(trials):
        # The user's setpoint back, a fresh engine that knows it (no lockout from earlier trials).
        await hass.services.async_call(
            "climate",
            "set_temperature",
            {ATTR_ENTITY_ID: THERMOSTAT, "temperature": SETPOINT},
            blocking=True,
        )
        await hass.async_block_till_done()
        clock[0] += 600
        manager._user_states.clear()  # noqa: SLF001
        manager.engine = SheddingEngine(manager.settings, manager._configs())  # noqa: SLF001
        manager.engine.reconcile(
            [state for switch in manager.loads if (state := manager._load_state(switch))],  # noqa: SLF001
            clock[0],
        )
        coordinator.async_receive(frame(address, 4000))
        await hass.async_block_till_done()
        clock[0] += 1
        lowered.clear()
        start = time.perf_counter()
        # 500 VA over the limit, the meter signalling it: the setpoint step (1000 W) is enough.
        coordinator.async_receive(frame(address, 6500, overload=True))
        await asyncio.wait_for(lowered.wait(), 5)
        samples.append((arrived[0] - start) * 1000)
        await hass.async_block_till_done()
    return samples


def _entry(title: str, plug: dict[str, object], load: str) -> ConfigEntry:
    meter = SimulatedMeter()
    return ConfigEntry(
        data={"source": "simulator", "mode": "standard", "contract": "base", "subscribed_kva": "6"},
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=SOURCE_USER,
        subentries_data=[
            ConfigSubentryData(
                data=plug,
                subentry_type=SUBENTRY_PLUG,
                title=title,
                unique_id=str(plug["device_id"]),
            ),
            ConfigSubentryData(
                data={
                    "switch": load,
                    "priority": 10,
                    "declared_power": 3500,
                    "interrupt": "interrupt",
                    "restore": "auto",
                    "shed_when_stale": False,
                    **(
                        {"steps": [{"target": "-2", "saving": 1000}, {"target": "off"}]}
                        if load == THERMOSTAT
                        else {}
                    ),
                },
                subentry_type=SUBENTRY_LOAD,
                title="Chauffe-eau",
                unique_id=None,
            ),
        ],
        title=f"Linky {meter.address}",
        unique_id=meter.address,
        version=1,
    )


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(trials: int) -> None:
    """Measure both paths, each in a fresh process (Home Assistant starts once per process)."""
    print(
        f"{trials} trials per path: overload frame -> plug simulator's HTTP request"
        " (climate: -> the thermostat's lowered setpoint)\n"
    )
    print("| path | p50 | p99 | max |")
    print("| --- | --- | --- | --- |")
    for path in ("plug", "template", "climate"):
        result = subprocess.run(
            [sys.executable, __file__, "--trials", str(trials), "--path", path],
            check=True,
            capture_output=True,
            text=True,
        )
        samples = [float(value) for value in result.stdout.split()]
        print(
            f"| {path} | {statistics.median(samples):.2f} ms | "
            f"{_percentile(samples, 0.99):.2f} ms | {max(samples):.2f} ms |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument(
        "--path", choices=["plug", "template", "climate"], help="one path (internal)"
    )
    arguments = parser.parse_args()
    if arguments.path is None:
        main(arguments.trials)
    else:
        print(
            " ".join(f"{ms:.4f}" for ms in asyncio.run(measure(arguments.path, arguments.trials)))
        )
