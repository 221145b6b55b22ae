"""A real Home Assistant for the benchmarks: in their own process, or as a `hass` process.

Its HTTP server (the integration depends on `http`) listens on a free port, never on
8123, where a developer's `scripts/develop` may be running.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import socket
from types import MappingProxyType
from typing import Any

from homeassistant import bootstrap, runner
from homeassistant.components.http import config as http_config
from homeassistant.components.http.const import CONF_SERVER_PORT
from homeassistant.components.recorder import get_instance
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback

from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.simulators.meter import SimulatedMeter

INTEGRATION = Path(__file__).resolve().parents[1] / "custom_components" / "gestion_energie"


def free_port() -> int:
    """A TCP port nobody listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def start_home_assistant(config_dir: Path, configuration: str) -> HomeAssistant:
    """Home Assistant started in this process on `configuration` (YAML), with the integration.

    Home Assistant reads the default HTTP port of a new configuration (SETUP_PORT) when its
    HTTP component is imported, before this can set it: the default is changed in place.
    """
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / INTEGRATION.name).symlink_to(INTEGRATION)
    (config_dir / "configuration.yaml").write_text(configuration)
    http_config._DEFAULT_CONFIG[CONF_SERVER_PORT] = free_port()  # noqa: SLF001
    hass = await bootstrap.async_setup_hass(
        runner.RuntimeConfig(config_dir=str(config_dir), skip_pip=True, safe_mode=False)
    )
    if hass is None:
        raise SystemExit("Home Assistant did not start")
    await hass.async_start()
    return hass


def simulator_entry(options: dict[str, Any]) -> ConfigEntry:
    """The simulated meter's entry (standard mode, Tempo, 6 kVA) with `options`."""
    meter = SimulatedMeter()
    return ConfigEntry(
        data={
            "source": "simulator",
            "mode": "standard",
            "contract": "tempo",
            "subscribed_kva": "6",
        },
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=1,
        options=options,
        source=SOURCE_USER,
        subentries_data=None,
        title=f"Linky {meter.address}",
        unique_id=meter.address,
        version=1,
    )


async def settle(hass: HomeAssistant) -> None:
    """Until Home Assistant and its recorder are idle."""
    await hass.async_block_till_done()
    await get_instance(hass).async_block_till_done()


async def add_simulated_meter(hass: HomeAssistant, options: dict[str, Any]) -> MeterCoordinator:
    """The simulated meter's entry set up, its own source stopped: the benchmark feeds it."""
    entry = simulator_entry(options)
    await hass.config_entries.async_add(entry)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    await settle(hass)
    coordinator: MeterCoordinator = entry.runtime_data.coordinator
    return coordinator


def count_meter_writes(hass: HomeAssistant) -> Callable[[], int]:
    """From now on, count the state writes of the meter's entities; returns the count so far."""
    writes = 0

    @callback
    def count(event: Event[EventStateChangedData]) -> None:
        nonlocal writes
        if event.data["entity_id"].split(".")[1].startswith("linky"):
            writes += 1

    hass.bus.async_listen(EVENT_STATE_CHANGED, count)
    return lambda: writes
