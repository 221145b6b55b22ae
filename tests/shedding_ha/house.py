"""The simulated house of the end-to-end shedding tests: the plug simulator's HTTP plugs.

The simulated meter's entry carries two plugs of the plug simulator as plug subentries (one of
the project's API, one Tasmota) and two loads (subentries) managing their sockets' switches.
Tests feed the meter's coordinator frames, move the clock with `freezer` and fire Home
Assistant's timers (plug polls, the manager's tick) with `async_fire_time_changed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, DOMAIN, SUBENTRY_PLUG
from custom_components.gestion_energie.plug_flow import async_probe_plug
from custom_components.gestion_energie.plugs import PlugType
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_SWITCH,
    INTERRUPT_ALLOWED,
    RESTORE_AUTO,
    SUBENTRY_LOAD,
)
from custom_components.gestion_energie.simulators.meter import SimulatedMeter
from custom_components.gestion_energie.simulators.plugs import (
    Fault,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)
from tests.conftest import SIMULATED_ADDRESS, SIMULATOR_DATA
from tests.plugs.ha import PASSWORD, TOKEN
from tests.shedding_ha.conftest import Meter, start_entry
from tests.test_meter import standard_frame

RADIATOR = "switch.radiateur"  # the project's API, priority 10: shed first
HEATER = "switch.chauffe_eau"  # Tasmota, priority 60
NIGHT = "2025-01-15T02:00:00+00:00"  # 03:00 in Paris: the simulated household draws ~350 VA
STGE = 0x0002_A000 | 1 << 17
PREF_EXCEEDED = 1 << 7


class House(Meter):
    """The simulated house: the meter's entry, its two plugs, its loads, and the clock."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        freezer: FrozenDateTimeFactory,
        simulator: PlugSimulator,
        radiator: SimulatedPlug,
        heater: SimulatedPlug,
    ) -> None:
        super().__init__(hass, entry, freezer)
        self.simulator = simulator
        self.radiator = radiator
        self.heater = heater

    @property
    def meter(self) -> SimulatedMeter:
        meter = self.entry.runtime_data.simulator
        assert isinstance(meter, SimulatedMeter)
        return meter

    def sockets(self) -> tuple[bool, bool]:
        """Whether the radiator's and the water heater's sockets are on, as the plugs say."""
        return self.radiator.sockets[0].on, self.heater.sockets[0].on

    async def settle(self) -> None:
        """Run until Home Assistant is idle, plug polls included but a silent plug's.

        Plug polls run as background tasks, which `async_block_till_done` does not wait for
        by default. A silent plug's poll ends only when the clock passes its timeout: the
        loop's clock is the frozen one, so it ends in a later step.
        """
        await self.hass.async_block_till_done()
        silent = {plug.name for plug in (self.radiator, self.heater) if plug.fault is Fault.SILENT}
        while polls := [
            task
            for task in asyncio.all_tasks()
            if task.get_name().startswith(f"{DOMAIN} plug ")
            and task.get_name().removeprefix(f"{DOMAIN} plug ").split(" - ")[0] not in silent
            and not task.done()
        ]:
            await asyncio.wait(polls)
            await self.hass.async_block_till_done()

    async def step(
        self, power: int | None = None, count: int = 1, *, overload: bool = False
    ) -> None:
        """Let two seconds pass and hand the meter a frame, `count` times.

        `power`: a frame of that apparent power (STGE bit 7 if `overload`); None: the simulated
        meter's own frame (its household plus what the plugs draw). Home Assistant's timers run
        as the clock moves: plug polls every 5 s, the manager's tick.
        """
        for _ in range(count):
            self.freezer.tick(timedelta(seconds=2))
            async_fire_time_changed(self.hass)
            await self.settle()
            if power is None:
                frame = self.meter.frame(time.time())
            else:
                frame = standard_frame(power, stge=STGE | (PREF_EXCEEDED if overload else 0))
            self.coordinator.async_receive(frame)
            await self.settle()

    async def step_until(
        self, events: list[Event[dict[str, Any]]], count: int, power: int | None = None
    ) -> float:
        """Step until `count` events arrived; the seconds it took (bounded)."""
        for step in range(1, 151):
            await self.step(power)
            if len(events) >= count:
                return step * 2.0
        raise AssertionError(events)


def _load(subentry_id: str, title: str, switch: str, **settings: Any) -> ConfigSubentryDataWithId:
    return ConfigSubentryDataWithId(
        data={
            CONF_SWITCH: switch,
            CONF_INTERRUPT: INTERRUPT_ALLOWED,
            CONF_RESTORE: RESTORE_AUTO,
            CONF_SHED_WHEN_STALE: False,
            **settings,
        },
        subentry_type=SUBENTRY_LOAD,
        title=title,
        unique_id=None,
        subentry_id=subentry_id,
    )


@asynccontextmanager
async def open_house(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> AsyncIterator[House]:
    """The meter's entry with both plugs (on) and both loads, loaded, its source stopped.

    The plugs are served by a plug simulator of their own, stopped at the end.
    """
    async with PlugSimulator() as plugs_sim:
        entry, radiator, heater = await _add_house_entry(hass, freezer, plugs_sim)
        await start_entry(hass, entry)
        yield House(hass, entry, freezer, plugs_sim, radiator, heater)
        if hass.config_entries.async_get_entry(entry.entry_id) is not None:  # not removed
            await hass.config_entries.async_unload(entry.entry_id)


async def _add_house_entry(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, plugs_sim: PlugSimulator
) -> tuple[MockConfigEntry, SimulatedPlug, SimulatedPlug]:
    freezer.move_to(NIGHT)
    radiator = SimulatedPlug(
        PlugType.GESTION_ENERGIE,
        [SimulatedSocket(1500, on=True)],
        name="Radiateur",
        token=TOKEN,
        device_id="a0b1c2d3e4f6",
    )
    heater = SimulatedPlug(
        PlugType.TASMOTA,
        [SimulatedSocket(2000, on=True)],
        name="Chauffe-eau",
        password=PASSWORD,
        device_id="5ccf7f00e2e0",
    )
    plugs = []
    for plug, form in (
        (radiator, {"token": TOKEN}),
        (heater, {"username": "admin", "password": PASSWORD}),
    ):
        port = await plugs_sim.add(plug)
        title, data = await async_probe_plug(
            hass, plug.kind, {"host": "127.0.0.1", "port": port, **form}
        )
        plugs.append(
            ConfigSubentryDataWithId(
                data=data,
                subentry_type=SUBENTRY_PLUG,
                title=title,
                unique_id=plug.device_id,
                subentry_id=f"plug_{plug.device_id}",
            )
        )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data=dict(SIMULATOR_DATA),
        options={CONF_UPDATE_INTERVAL: 0},
        subentries_data=[
            *plugs,
            _load(
                "radiator",
                "Radiateur",
                RADIATOR,
                **{
                    CONF_PRIORITY: 10,
                    CONF_DECLARED_POWER: 1500,
                    CONF_POWER_SENSOR: "sensor.radiateur_power",
                },
            ),
            _load(
                "heater",
                "Chauffe-eau",
                HEATER,
                **{CONF_PRIORITY: 60, CONF_DECLARED_POWER: 2000},
            ),
        ],
    )
    entry.add_to_hass(hass)
    return entry, radiator, heater
