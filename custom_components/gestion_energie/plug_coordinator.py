"""Plugs in Home Assistant: one polling coordinator per plug subentry of a meter's entry.

Each plug is read every few seconds (fit for load shedding) through Home Assistant's
shared aiohttp session, every request bounded by a timeout. A plug that does not
answer makes its entities unavailable; it never holds up the meter or other plugs.

When the meter is the built-in simulator, the power its plugs draw (as these
coordinators read it) is added to the simulated household's load: switching a
simulated socket moves the simulated meter, one simulated house.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_TOKEN, CONF_USERNAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_DEVICE_ID,
    CONF_DEVICE_READINGS,
    CONF_PLUG_TYPE,
    CONF_SOCKET_READINGS,
    CONF_SOCKETS,
    DOMAIN,
    LOGGER,
    NOMINAL_VOLTAGE,
    PLUG_SCAN_INTERVAL,
    PLUG_TIMEOUT,
    SUBENTRY_PLUG,
)
from .plugs import (
    PlugAuthError,
    PlugClient,
    PlugConnectionError,
    PlugError,
    PlugState,
    SocketState,
    create_client,
)

if TYPE_CHECKING:
    from .coordinator import GestionEnergieConfigEntry


class Reading(StrEnum):
    """A measurement a plug may give, per socket or for the whole device."""

    CURRENT = "current"
    POWER = "power"
    ENERGY = "energy"

    def of(self, readings: SocketState | PlugState) -> float | None:
        """Read this out of a socket's or a device's state."""
        value: float | None = getattr(readings, _ATTRIBUTES[self])
        return value


_ATTRIBUTES = {Reading.CURRENT: "current_a", Reading.POWER: "power_w", Reading.ENERGY: "energy_wh"}


def readings_of(state: PlugState) -> tuple[list[str], list[str]]:
    """Which readings a plug gives per socket, and which only for the whole device."""
    per_socket = [r.value for r in Reading if all(r.of(s) is not None for s in state.sockets)]
    device_only = [r.value for r in Reading if r not in per_socket and r.of(state) is not None]
    return per_socket, device_only


def client_for(hass: HomeAssistant, data: dict[str, Any] | Any) -> PlugClient:
    """The client of a plug described by a subentry's (or a form's) data."""
    return create_client(
        data[CONF_PLUG_TYPE],
        async_get_clientsession(hass),
        data[CONF_HOST],
        int(data[CONF_PORT]),
        token=data.get(CONF_TOKEN) or None,
        username=data.get(CONF_USERNAME) or None,
        password=data.get(CONF_PASSWORD) or None,
        timeout=PLUG_TIMEOUT,
    )


def plug_unique_id(device_id: str, index: int | None, key: str) -> str:
    """The unique id of a plug's entity: of socket `index`, or of the whole device (None)."""
    where = "device" if index is None else f"socket_{index}"
    return f"{device_id}_{where}_{key}"


async def async_switch_own_socket(
    hass: HomeAssistant, entry: GestionEnergieConfigEntry, switch: str, on: bool
) -> bool:
    """Switch a socket of the entry's plugs named by its switch, straight through the plug.

    For when its entities are gone (the entry is being removed). False if `switch` is not one
    of the entry's sockets; the plug's errors are raised.
    """
    registered = er.async_get(hass).async_get(switch)
    if registered is None or registered.config_entry_id != entry.entry_id:
        return False
    subentry = entry.subentries.get(registered.config_subentry_id or "")
    if subentry is None or subentry.subentry_type != SUBENTRY_PLUG:
        return False
    device_id = subentry.data[CONF_DEVICE_ID]
    for index in range(int(subentry.data[CONF_SOCKETS])):
        if plug_unique_id(device_id, index, "switch") == registered.unique_id:
            await client_for(hass, subentry.data).set_socket(index, on)
            return True
    return False


class PlugCoordinator(DataUpdateCoordinator[PlugState]):
    """Poll one plug and switch its sockets."""

    config_entry: GestionEnergieConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: GestionEnergieConfigEntry,
        subentry: ConfigSubentry,
        on_refreshed: Callable[[], None],
    ) -> None:
        """Poll the plug of `subentry`; `on_refreshed` runs after every poll."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} plug {subentry.title}",
            update_interval=PLUG_SCAN_INTERVAL,
            always_update=False,  # entities write only when a reading changed
        )
        self.subentry = subentry
        self.client = client_for(hass, subentry.data)
        self.socket_readings = [Reading(r) for r in subentry.data.get(CONF_SOCKET_READINGS, [])]
        self.device_readings = [Reading(r) for r in subentry.data.get(CONF_DEVICE_READINGS, [])]
        self._on_refreshed = on_refreshed

    async def _async_update_data(self) -> PlugState:
        placeholders = {"plug": self.subentry.title}
        try:
            return await self.client.get_state()
        except PlugAuthError as err:
            key = "plug_auth"
            error: PlugError = err
        except PlugConnectionError as err:
            key = "plug_unreachable"
            error = err
        except PlugError as err:
            key = "plug_bad_reply"
            error = err
        LOGGER.debug("Plug %s: %s", self.subentry.title, error)
        raise UpdateFailed(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        ) from error

    @callback
    def _async_refresh_finished(self) -> None:
        self._on_refreshed()

    async def async_switch(self, index: int, on: bool) -> None:
        """Switch socket `index`, then read the plug again at once."""
        try:
            await self.client.set_socket(index, on)
        except PlugError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="switch_failed",
                translation_placeholders={
                    "plug": self.subentry.title,
                    "socket": str(index + 1),
                    "error": str(err),
                },
            ) from err
        finally:
            await self.async_refresh()

    @property
    def apparent_power_va(self) -> float:
        """What the plug draws as the meter sees it; 0 while it does not answer."""
        state = self.data
        if not self.last_update_success or state is None:
            return 0.0
        if state.current_a is not None:
            return state.current_a * NOMINAL_VOLTAGE
        return state.power_w or 0.0


async def async_setup_plugs(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> None:
    """Start a coordinator per plug subentry that has none yet, and read those once.

    Every plug at setup, the plugs added or changed later. They are read concurrently.
    """
    runtime = entry.runtime_data
    new = [
        PlugCoordinator(hass, entry, subentry, lambda: _feed_simulated_meter(entry))
        for subentry in entry.get_subentries_of_type(SUBENTRY_PLUG)
        if subentry.subentry_id not in runtime.plugs
    ]
    for plug in new:
        runtime.plugs[plug.subentry.subentry_id] = plug
    # A plug that does not answer costs at most one timeout here, and only its entities.
    await asyncio.gather(*(plug.async_refresh() for plug in new))


async def async_remove_plug(entry: GestionEnergieConfigEntry, subentry_id: str) -> None:
    """Stop polling the plug of a subentry changed or deleted (nothing if it is no plug)."""
    plug = entry.runtime_data.plugs.pop(subentry_id, None)
    if plug is not None:
        await plug.async_shutdown()
        _feed_simulated_meter(entry)


@callback
def _feed_simulated_meter(entry: GestionEnergieConfigEntry) -> None:
    """The simulated meter counts what its plugs draw (a real meter measures them itself)."""
    runtime = entry.runtime_data
    if runtime.simulator is not None:
        runtime.simulator.extra_load_va = sum(
            plug.apparent_power_va for plug in runtime.plugs.values()
        )
