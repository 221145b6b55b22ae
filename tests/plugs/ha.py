"""Helpers of the plug tests in a real Home Assistant: a simulated house, plug forms."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.gestion_energie.const import SUBENTRY_PLUG
from custom_components.gestion_energie.plugs import PlugType
from custom_components.gestion_energie.simulators.plugs import (
    Metering,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)

# Test credentials of the simulated plugs, not secrets.
TOKEN = "jeton-secret"  # noqa: S105
NEW_TOKEN = "nouveau-jeton"  # noqa: S105
PASSWORD = "mot-de-passe"  # noqa: S105
WRONG = "faux"


class House:
    """The simulated plugs of the tests: a desk strip, a water heater, a heater strip."""

    def __init__(self, simulator: PlugSimulator) -> None:
        self.simulator = simulator
        self.strip = SimulatedPlug(
            PlugType.GESTION_ENERGIE,
            [SimulatedSocket(120, 0.9), SimulatedSocket(40)],
            name="Bureau",
            token=TOKEN,
            device_id="a0b1c2d3e4f5",
        )
        self.heater = SimulatedPlug(
            PlugType.TASMOTA,
            [SimulatedSocket(2000)],
            name="Chauffe-eau",
            password=PASSWORD,
            device_id="5ccf7f000001",
        )
        self.radiators = SimulatedPlug(
            PlugType.TASMOTA,
            [SimulatedSocket(1000), SimulatedSocket(1500)],
            name="Radiateurs",
            metering=Metering.DEVICE,
            device_id="5ccf7f000002",
        )

    async def start(self) -> House:
        for plug in (self.strip, self.heater, self.radiators):
            await self.simulator.add(plug)
        return self

    def form(self, plug: SimulatedPlug, **extra: Any) -> dict[str, Any]:
        """What a user types to add `plug`."""
        form: dict[str, Any] = {"host": "127.0.0.1", "port": plug.port}
        if plug is self.strip:
            form["token"] = TOKEN
        elif plug is self.heater:
            form.update(username="admin", password=PASSWORD)
        return form | extra


async def add_plug(
    hass: HomeAssistant, entry: ConfigEntry, kind: str, form: dict[str, Any]
) -> ConfigSubentry:
    """Add a plug to `entry` through its subentry flow; the new subentry."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PLUG), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    (subentry,) = (s for s in entry.subentries.values() if s.unique_id == result["unique_id"])
    return subentry
