"""Give scripts/develop's Home Assistant a simulated meter and plugs from the first run.

Writes the config entry of the built-in simulated Linky into the configuration's
storage when the configuration has no config entries yet (a fresh checkout), with
the plug simulator's default house as plug subentries (127.0.0.1, ports 8180 and
next, as scripts/develop starts it). The record is built by Home Assistant's own
ConfigEntry class, so its format is the installed version's.
Run: scripts/run python tools/develop_seed.py config [--plug-port 8180]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import aiohttp
from homeassistant.config_entries import (
    SOURCE_USER,
    STORAGE_KEY,
    STORAGE_VERSION,
    STORAGE_VERSION_MINOR,
    ConfigEntry,
    ConfigSubentryData,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers.json import json_bytes

from custom_components.gestion_energie.const import (
    CONF_CONTRACT,
    CONF_DEVICE_ID,
    CONF_DEVICE_READINGS,
    CONF_FIRMWARE,
    CONF_MANUFACTURER,
    CONF_MODE,
    CONF_MODEL,
    CONF_PLUG_TYPE,
    CONF_SOCKET_READINGS,
    CONF_SOCKETS,
    CONF_SOURCE,
    CONF_SUBSCRIBED_KVA,
    DOMAIN,
    SOURCE_SIMULATOR,
    SUBENTRY_PLUG,
)
from custom_components.gestion_energie.plug_coordinator import readings_of
from custom_components.gestion_energie.plugs import PlugType, create_client
from custom_components.gestion_energie.simulators import plugs
from custom_components.gestion_energie.simulators.meter import SimulatedMeter

PLUG_PORT = 8180  # scripts/develop starts the plug simulator's default house there
LANGUAGE = "fr"  # config/configuration.yaml's
TRANSLATIONS = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN / "translations"


async def reported_readings(plug: plugs.SimulatedPlug) -> tuple[list[str], list[str]]:
    """What the plug flow finds the simulated plug measures, per socket and for the device.

    Asked as the flow asks it, through the plug client, of the plug served on loopback: a
    Tasmota strip that sums its energy, say, has no energy per socket.
    """
    async with plugs.PlugSimulator() as simulator, aiohttp.ClientSession() as session:
        port = await simulator.add(plug)
        client = create_client(
            plug.kind,
            session,
            plugs.LOOPBACK,
            port,
            token=plug.token,
            username="admin" if plug.password else None,
            password=plug.password,
        )
        return readings_of(await client.get_state())


async def async_plug_subentries(first_port: int = PLUG_PORT) -> list[ConfigSubentryData]:
    """The default house of the plug simulator, as the plug flow would have added it.

    A fresh simulator process numbers its plugs' ids from 1 in this same order, so the
    ids match what the plugs report.
    """
    subentries: list[ConfigSubentryData] = []
    for number, plug in enumerate(plugs.parse_args([]).plugs):
        per_socket, device_only = await reported_readings(plug)
        tasmota = plug.kind is PlugType.TASMOTA
        data: dict[str, Any] = {
            CONF_PLUG_TYPE: plug.kind.value,
            CONF_HOST: plugs.LOOPBACK,
            CONF_PORT: first_port + number,
            CONF_DEVICE_ID: plug.device_id,
            CONF_MODEL: "Tasmota module 0" if tasmota else plug.model,
            CONF_MANUFACTURER: None if tasmota else "Gestion Énergie",
            CONF_FIRMWARE: plug.firmware,
            CONF_SOCKETS: len(plug.sockets),
            CONF_SOCKET_READINGS: per_socket,
            CONF_DEVICE_READINGS: device_only,
        }
        subentries.append(
            ConfigSubentryData(
                data=data, subentry_type=SUBENTRY_PLUG, title=plug.name, unique_id=plug.device_id
            )
        )
    return subentries


def _simulated_title(address: str) -> str:
    """The title the config flow gives a simulated meter, in the development language."""
    strings = json.loads((TRANSLATIONS / f"{LANGUAGE}.json").read_text(encoding="utf-8"))
    title: str = strings["exceptions"]["entry_title_simulator"]["message"]
    return title.format(address=address)


def seed(config_dir: Path, plug_port: int = PLUG_PORT) -> bool:
    """Write the simulated meter's entry unless config entries already exist."""
    storage = config_dir / ".storage" / STORAGE_KEY
    if storage.exists():
        return False
    address = SimulatedMeter().address
    entry = ConfigEntry(
        data={
            CONF_SOURCE: SOURCE_SIMULATOR,
            CONF_MODE: "standard",
            CONF_CONTRACT: "tempo",
            # A home with electric heating, a water heater and an EV charger subscribes 12 kVA.
            CONF_SUBSCRIBED_KVA: "12",
        },
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=SOURCE_USER,
        subentries_data=asyncio.run(async_plug_subentries(plug_port)),
        title=_simulated_title(address),
        unique_id=address,
        version=1,
    )
    storage.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_VERSION_MINOR,
        "key": STORAGE_KEY,
        "data": {"entries": [json.loads(json_bytes(entry.as_dict()))]},
    }
    storage.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="Home Assistant's configuration folder")
    parser.add_argument("--plug-port", type=int, default=PLUG_PORT, help="the first plug's port")
    args = parser.parse_args()
    if seed(args.config, args.plug_port):
        print("Added the simulated Linky meter and its plugs to the configuration.")  # noqa: T201
