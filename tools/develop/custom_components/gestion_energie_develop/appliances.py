"""The graded loads of scripts/develop's house, as the entities a real home has for them.

A fil pilote heater (a `select` of its orders), a heater under its own thermostat (a
`climate`), a water heater (a `water_heater`, left off by the user until the off-peak hours
run it for its minimum run) and an EV charger (a `number`: its current, 0 A with no car
charging). Each is backed by a named appliance of the house simulator
(`simulators/appliances.py`): what it draws at its state is added to the simulated meter's
load, so that shedding it lowers the meter's power. On the first start they become loads of
the meter, through the load form with the steps it proposes from their capabilities.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import logging
import time
from typing import Any, cast

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from custom_components.gestion_energie.const import DOMAIN as METER_DOMAIN
from custom_components.gestion_energie.coordinator import GestionEnergieConfigEntry
from custom_components.gestion_energie.load_flow import steps_to_form
from custom_components.gestion_energie.shedding_actuators import propose_steps
from custom_components.gestion_energie.shedding_const import (
    CONF_DECLARED_POWER,
    CONF_MIN_RUN,
    CONF_PRIORITY,
    CONF_SWITCH,
    SUBENTRY_LOAD,
)
from custom_components.gestion_energie.simulators.appliances import (
    VOLTS,
    ev_charger,
    fil_pilote_heater,
    thermostat,
    water_heater,
)
from custom_components.gestion_energie.simulators.house import Appliance

LOGGER = logging.getLogger(__package__)

FIL_PILOTE = fil_pilote_heater("select.radiateur_salon", 1500.0)
THERMOSTAT = thermostat("climate.radiateur_chambre", 2000.0)
WATER_HEATER = water_heater("water_heater.ballon_eau_chaude", 2000.0, starts_on=False)
CHARGER_MAX_A = 16
CHARGER = ev_charger("number.borne_recharge_courant", max_a=CHARGER_MAX_A, lower_a=(8,))
GRADED_LOADS: tuple[Appliance, ...] = (FIL_PILOTE, THERMOSTAT, WATER_HEATER, CHARGER)

FEED_INTERVAL = timedelta(seconds=5)  # a thermostat's cycle moves the power on its own
DAY_S = 86400.0
ENTITIES_TIMEOUT_S = 60.0
STORE_VERSION = 1
DATA_FEED: HassKey[ApplianceFeed] = HassKey(f"{__package__}_feed")


class ApplianceEntity(Entity):
    """An entity of scripts/develop's house that draws the power of its appliance model."""

    _attr_should_poll = False

    def __init__(self, appliance: Appliance, name: str) -> None:
        """Name the entity; its id is the model's, so the loads find it."""
        self.appliance = appliance
        self.entity_id = appliance.config.load
        self._attr_unique_id = f"develop_{appliance.config.load}"
        self._attr_name = name

    def power_va(self, now: float) -> float:
        """What it draws at `now`, in its present state."""
        raise NotImplementedError

    def step_power_va(self, step: int) -> float:
        """What the model draws at a step (0: full power; past the graded steps: off)."""
        savings = self.appliance.config.step_savings_w
        if step <= 0:
            return self.appliance.power_w
        if step <= len(savings):
            return self.appliance.power_w - savings[step - 1]
        return 0.0

    @callback
    def async_changed(self) -> None:
        """Show the new state, and let the meter count its power."""
        self.async_write_ha_state()
        self.hass.data[DATA_FEED].async_feed()

    async def async_added_to_hass(self) -> None:
        """Count its power on the meter from now on."""
        feed = self.hass.data[DATA_FEED]
        feed.entities.append(self)
        self.async_on_remove(lambda: feed.entities.remove(self))
        feed.async_feed()


@dataclass
class ApplianceFeed:
    """Adds what the appliance entities draw to every simulated meter's load."""

    hass: HomeAssistant
    entities: list[ApplianceEntity]

    @callback
    def async_feed(self, *_: Any) -> None:
        """Give every simulated meter what the appliances draw now."""
        now = time.time()
        load_va = sum(entity.power_va(now) for entity in self.entities)
        for entry in self.hass.config_entries.async_loaded_entries(METER_DOMAIN):
            simulator = cast(GestionEnergieConfigEntry, entry).runtime_data.simulator
            if simulator is not None:
                simulator.appliance_load_va = load_va


@callback
def async_set_up_feed(hass: HomeAssistant) -> Callable[[], None]:
    """Feed the meters now and then; the function that stops it."""
    feed = hass.data[DATA_FEED] = ApplianceFeed(hass, [])
    return async_track_time_interval(hass, feed.async_feed, FEED_INTERVAL)


def cycle_wants_power(appliance: Appliance, now: float) -> bool:
    """Whether the appliance's own cycle (repeated each day) wants power at `now`."""
    return appliance.wants_power(now % DAY_S)


def charger_power_va(current_a: float) -> float:
    """A charger's power at a current (single-phase)."""
    return current_a * VOLTS


async def async_add_graded_loads(hass: HomeAssistant) -> None:
    """Make the appliances loads of the simulated meter once, as a user does in its form.

    Once per configuration (a store remembers it): a load the user deletes stays deleted.
    """
    store: Store[dict[str, bool]] = Store(hass, STORE_VERSION, f"{__package__}.loads")
    if (await store.async_load() or {}).get("added"):
        return
    # The platforms add the entities in tasks of their own.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ENTITIES_TIMEOUT_S
    while not all(hass.states.get(item.config.load) for item in GRADED_LOADS):
        if loop.time() > deadline:
            LOGGER.warning("The graded loads' entities did not show up: not added as loads")
            return
        await asyncio.sleep(0.5)
    entries = hass.config_entries.async_loaded_entries(METER_DOMAIN)
    entry = next((entry for entry in entries if entry.runtime_data.simulator is not None), None)
    if entry is None:
        return
    managed = {subentry.data.get(CONF_SWITCH) for subentry in entry.subentries.values()}
    added = 0
    for appliance in GRADED_LOADS:
        config = appliance.config
        state = hass.states.get(config.load)
        if state is None or config.load in managed:
            continue
        manager = hass.config_entries.subentries
        flow = await manager.async_init(
            (entry.entry_id, SUBENTRY_LOAD), context={"source": SOURCE_USER}
        )
        declared = round(config.declared_power_w)
        result = await manager.async_configure(
            flow["flow_id"],
            {
                CONF_SWITCH: config.load,
                CONF_NAME: state.name,
                CONF_PRIORITY: config.priority,
                CONF_DECLARED_POWER: declared,
                CONF_MIN_RUN: config.min_run_s / 3600,
            },
        )
        if result["type"] is FlowResultType.FORM and result["step_id"] == "steps":
            # The steps the form proposes from the entity's capabilities, as they come.
            proposed = steps_to_form(propose_steps(state, declared))
            result = await manager.async_configure(flow["flow_id"], proposed)
        if result["type"] is not FlowResultType.CREATE_ENTRY:
            LOGGER.warning("%s was not added as a load: %s", state.name, result.get("errors"))
            continue
        added += 1
    await store.async_save({"added": True})
    LOGGER.info("Added %d graded loads to %s", added, entry.title)
