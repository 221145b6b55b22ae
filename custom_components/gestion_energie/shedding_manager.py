"""The shedding manager: the pure engine wired to a meter's entry in Home Assistant.

One manager per meter entry. It builds the `SheddingEngine` from the entry's load subentries,
feeds it every meter frame, every switch and power sensor change and a periodic tick, and
carries out what the engine decides: `switch.turn_off`/`turn_on` service calls (under a context
of its own, so that its own switchings are told apart from the user's), events, a repair issue
and a notification for a load held off too long. Its state (the engine's, the limits and the
priorities chosen in Home Assistant) is kept in a `Store`, written as soon as a switching is
commanded, and reconciled with the real switches at start. It follows a load's switch or power
sensor when the user renames it, and gives back (switches on) what the engine held off when it
lets go of a load: the load deleted, or the meter's entry removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import math
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_HOMEASSISTANT_STOP,
    STATE_OFF,
    STATE_ON,
    UnitOfPower,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .const import (
    CONF_SHED_LIMIT_ENTITY,
    CONF_SHED_MAX_HOURS,
    CONF_SHED_MAX_TOGGLES,
    CONF_SHED_MIN_OFF,
    CONF_SHED_OVERRIDE,
    CONF_SHED_RESTORE_DWELL,
    DOMAIN,
    LOGGER,
)
from .coordinator import GestionEnergieConfigEntry, MeterCoordinator
from .plug_coordinator import async_switch_own_socket
from .shedding import (
    Action,
    Limit,
    LoadConfig,
    LoadState,
    MeterSample,
    Notify,
    RaiseLongShed,
    Reason,
    Restore,
    Run,
    Shed,
    SheddingEngine,
    SheddingSettings,
    Status,
    Unit,
)
from .shedding_actuators import (
    SWITCH_DOMAINS,
    Call,
    Snapshot,
    StepTarget,
    calls_for,
    domain_of,
    is_readable,
    is_running,
    on_state,
    snapshot,
    step_shown,
    steps_from_data,
)
from .shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_MIN_RUN,
    CONF_PHASE,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_STEPS,
    CONF_SWITCH,
    EVENT_LOAD_RESTORED,
    EVENT_LOAD_SHED,
    INTERRUPT_PREVENT_START,
    MAX_PRIORITY,
    MIN_PRIORITY,
    PHASE_ALL,
    RESTORE_NOTIFY,
    SAVE_DELAY_S,
    STORAGE_VERSION,
    SUBENTRY_LOAD,
    TICK_INTERVAL,
)
from .tic.interpret import Period

MAX_CONTEXTS = 64  # the manager's own recent service call contexts, to recognise their echo
# At stop, how long the switchings on their way are awaited before the state is saved (a failed
# restore is then held again in what is saved); Home Assistant waits as long for an entry's tasks.
STOP_WAIT_S = 10.0
DEFAULT_SETTINGS = SheddingSettings()


class LoadStatus:
    """What a managed load's status sensor shows."""

    ON = "on"
    OFF = "off"
    SHED = "shed"
    OVERRIDE = "override"  # the user switched it on while shed: left alone for a while
    BOOST = "boost"  # kept on for a while at the user's request
    MIN_RUN = "min_run"  # switched on by the engine for its minimum run of the day
    OPTIONS = (ON, OFF, SHED, OVERRIDE, BOOST, MIN_RUN)


@dataclass(frozen=True, slots=True)
class ManagedLoad:
    """A load subentry as the manager sees it."""

    subentry_id: str
    title: str
    switch: str  # the managed entity: a switch, or a climate, select... of any integration
    configured_priority: int
    config: LoadConfig
    steps: tuple[StepTarget, ...] = (StepTarget("off"),)  # the last one is off

    @property
    def graded(self) -> bool:
        """Whether the entity is one of steps (not a switch, nor a fan or light only on-off)."""
        return len(self.steps) > 1 or domain_of(self.switch) not in SWITCH_DOMAINS


def load_from_subentry(subentry_id: str, title: str, data: dict[str, Any]) -> ManagedLoad:
    """Read a load subentry's data."""
    switch = str(data[CONF_SWITCH])
    priority = int(data[CONF_PRIORITY])
    steps = tuple(steps_from_data(data.get(CONF_STEPS)))
    return ManagedLoad(
        subentry_id=subentry_id,
        title=title,
        switch=switch,
        configured_priority=priority,
        steps=steps,
        config=LoadConfig(
            load=switch,
            priority=priority,
            declared_power_w=float(data[CONF_DECLARED_POWER]),
            power_sensor=data.get(CONF_POWER_SENSOR) or None,
            may_interrupt=data.get(CONF_INTERRUPT) != INTERRUPT_PREVENT_START,
            auto_restore=data.get(CONF_RESTORE) != RESTORE_NOTIFY,
            shed_when_stale=bool(data.get(CONF_SHED_WHEN_STALE, False)),
            step_savings_w=tuple(float(step.saving_w or 0.0) for step in steps[:-1]),
            phase=None if data.get(CONF_PHASE, PHASE_ALL) == PHASE_ALL else int(data[CONF_PHASE]),
            min_run_s=3600.0 * float(data.get(CONF_MIN_RUN, 0)),
        ),
    )


class SheddingManager:
    """Run the shedding engine of one meter entry."""

    def __init__(
        self, hass: HomeAssistant, entry: GestionEnergieConfigEntry, coordinator: MeterCoordinator
    ) -> None:
        """Read the loads from the entry's subentries; `async_start` loads the saved state."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self._store = _store(hass, entry)
        # The options' timing; a day starts at local midnight (the offset taken at start).
        offset = dt_util.now().utcoffset()
        self._base = replace(
            settings_from_options(entry.options),
            day_offset_s=0.0 if offset is None else offset.total_seconds(),
        )
        self._limit_entity: str | None = entry.options.get(CONF_SHED_LIMIT_ENTITY) or None
        self._read_loads()
        self.status: Status = self.engine.status(self.now())
        self._contexts: dict[str, int] = {}  # the manager's own contexts -> the step asked
        self._intent: dict[str, int] = {}  # by switch: the last step asked
        # By entity: the user's own state, read as the engine first takes a load down, to
        # undo every step to exactly it; kept until the engine has let go of the load.
        self._user_states: dict[str, Snapshot] = {}
        # By entity: the user's own off, read as the engine switches a load on for its minimum
        # run, to switch it back to exactly that once the run is done.
        self._run_users: dict[str, Snapshot] = {}
        self._raised: set[str] = set()  # switches with a long-shed issue up
        self._nothing_left = False  # the cut is coming and no load is left to shed
        self._calm_since: float | None = None  # since when the danger has looked over
        self._last_frame_time: float | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._calls: set[asyncio.Task[None]] = set()  # switchings on their way
        self._busy: dict[str, int] = {}  # by entity: its calls on their way (several a step)
        self._stopped = False  # saved for good: nothing more is written

    def _read_loads(self) -> None:
        """The loads of the entry's subentries, with a fresh engine (`async_start` restores)."""
        self.loads: dict[str, ManagedLoad] = {}  # by switch entity id
        for subentry in self.entry.get_subentries_of_type(SUBENTRY_LOAD):
            load = load_from_subentry(subentry.subentry_id, subentry.title, dict(subentry.data))
            self.loads[load.switch] = load
        self.by_subentry = {load.subentry_id: load for load in self.loads.values()}
        self._sensors = {
            load.config.power_sensor: load.switch
            for load in self.loads.values()
            if load.config.power_sensor
        }
        self.settings = self._base
        self._priorities: dict[str, int] = {}  # by subentry id: chosen in Home Assistant
        self._boosts: dict[str, float] = {}  # by switch: until when a boost keeps it on
        self.engine = SheddingEngine(self.settings, self._configs())

    # Life cycle

    def now(self) -> float:
        """The manager's clock: the meter coordinator's wall clock."""
        return self.coordinator.clock()

    async def async_start(self) -> None:
        """Load the saved state, reconcile it with the switches, and start listening."""
        stored = await self._store.async_load()
        if stored:
            self._restore_saved(stored)
        now = self.now()
        self._follow_limit()
        states = [state for switch in self.loads if (state := self._load_state(switch))]
        actions = self.engine.reconcile(states, now)
        self._unsubs += [
            self.coordinator.async_add_listener(self._on_frame),
            async_track_time_interval(self.hass, self._on_tick, TICK_INTERVAL),
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_stop),
            self.hass.bus.async_listen(
                er.EVENT_ENTITY_REGISTRY_UPDATED,
                self._on_registry_updated,
                event_filter=self._is_rename_of_ours,
            ),
        ]
        if self._limit_entity is not None:
            self._unsubs.append(
                async_track_state_change_event(
                    self.hass, [self._limit_entity], self._on_limit_change
                )
            )
        if watched := [*self.loads, *self._sensors]:
            self._unsubs.append(
                async_track_state_change_event(self.hass, watched, self._on_state_change)
            )
        self._carry_out(actions, now, save=True)

    async def async_stop(self) -> None:
        """Stop listening, give back the loads no longer managed, and save the state.

        The switchings on their way are awaited first: a restore that fails meanwhile is held
        again in what is saved, to come back after a reload.
        """
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._calls:
            await asyncio.wait(self._calls, timeout=STOP_WAIT_S)
        managed = {
            subentry.data.get(CONF_SWITCH)
            for subentry in self.entry.get_subentries_of_type(SUBENTRY_LOAD)
        }
        let_go = [switch for switch in held_by_engine(self.engine) if switch not in managed]
        # A load the engine ran for its minimum run goes back to the user's off, as it would
        # have once the run was met.
        run_users = {
            switch: user
            for switch, user in self._run_users.items()
            if switch not in managed and self.engine.runs_for_minimum(switch)
        }
        for switch in let_go:
            self._raised.discard(switch)
            _clear_long_shed(self.hass, self._issue_id(switch))
        self._stopped = True
        if self._nothing_left:  # told again, if still true, by the next frame
            self._nothing_left = False
            persistent_notification.async_dismiss(self.hass, self._nothing_left_id)
        await self._store.async_save(self._data())
        await async_give_back(self.hass, self.entry, let_go, user_states=self._user_states)
        await async_end_runs(self.hass, run_users)

    async def async_reload_loads(self) -> None:
        """A load was added, changed or deleted: stop, read the loads again and start again.

        What a reload of the entry did for them, with the meter and its entities left running:
        a deleted load is given back, the others carry on from the state just saved.
        """
        await self.async_stop()
        self._read_loads()
        self._raised.intersection_update(self.loads)
        self._stopped = False
        await self.async_start()

    async def _async_on_stop(self, _event: Event) -> None:
        await self._store.async_save(self._data())

    def _restore_saved(self, stored: dict[str, Any]) -> None:
        try:
            limits = stored.get("limits")
            if limits is not None:
                self.settings = self._with_limits(
                    float(limits["shed"]), float(limits["restore"]), Unit(limits["unit"])
                )
            for subentry_id, saved in stored.get("priorities", {}).items():
                load = self.by_subentry.get(subentry_id)
                # A priority chosen in Home Assistant holds until the subentry's own changes.
                if load is not None and saved["configured"] == load.configured_priority:
                    self._priorities[subentry_id] = int(saved["chosen"])
            self._boosts = {
                switch: float(until)
                for switch, until in stored.get("boosts", {}).items()
                if switch in self.loads
            }
            self._user_states = {
                switch: dict(user)
                for switch, user in stored.get("user_states", {}).items()
                if switch in self.loads
            }
            self._run_users = {
                switch: dict(user)
                for switch, user in stored.get("run_users", {}).items()
                if switch in self.loads
            }
            self.engine = SheddingEngine.from_dict(stored["engine"], self.settings, self._configs())
        except (KeyError, TypeError, ValueError) as err:
            LOGGER.warning("Ignoring the saved shedding state of %s: %s", self.entry.title, err)
            self.settings = self._base
            self._priorities = {}
            self._boosts = {}
            self._user_states = {}
            self._run_users = {}
            self.engine = SheddingEngine(self.settings, self._configs())

    # Renames

    @callback
    def _is_rename_of_ours(self, data: er.EventEntityRegistryUpdatedData) -> bool:
        old = data.get("old_entity_id")
        return data["action"] == "update" and (old in self.loads or old in self._sensors)

    @callback
    def _on_registry_updated(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """A managed switch or power sensor was renamed: its load follows it.

        The engine's state moves to the new entity id at once, then the subentry is updated,
        which reloads the loads (the state saved at stop is the renamed one).
        """
        data = event.data
        assert data["action"] == "update"  # noqa: S101 - the event filter lets only these by
        old, new = data["old_entity_id"], data["entity_id"]
        if (load := self.loads.pop(old, None)) is not None:
            self.engine.rename(old, new)
            load = replace(load, switch=new, config=replace(load.config, load=new))
            self.loads[new] = self.by_subentry[load.subentry_id] = load
            if old in self._boosts:
                self._boosts[new] = self._boosts.pop(old)
            if old in self._intent:
                self._intent[new] = self._intent.pop(old)
            if old in self._user_states:
                self._user_states[new] = self._user_states.pop(old)
            if old in self._run_users:
                self._run_users[new] = self._run_users.pop(old)
            key = CONF_SWITCH
        else:
            load = self.loads[self._sensors[old]]
            key = CONF_POWER_SENSOR
        LOGGER.info("%s was renamed %s: load %s follows it", old, new, load.title)
        subentry = self.entry.subentries[load.subentry_id]
        self.hass.config_entries.async_update_subentry(
            self.entry, subentry, data={**subentry.data, key: new}
        )

    def _configs(self) -> list[LoadConfig]:
        return [
            replace(load.config, priority=self.priority(load.switch))
            for load in self.loads.values()
        ]

    def _data(self) -> dict[str, Any]:
        limits = None
        if (self.settings.shed_limit, self.settings.restore_limit) != (
            DEFAULT_SETTINGS.shed_limit,
            DEFAULT_SETTINGS.restore_limit,
        ):
            limits = {
                "shed": self.settings.shed_limit.value,
                "restore": self.settings.restore_limit.value,
                "unit": self.settings.shed_limit.unit.value,
            }
        return {
            "engine": self.engine.to_dict(),
            "limits": limits,
            "priorities": {
                subentry_id: {
                    "configured": self.by_subentry[subentry_id].configured_priority,
                    "chosen": priority,
                }
                for subentry_id, priority in self._priorities.items()
            },
            "boosts": dict(self._boosts),
            "user_states": dict(self._user_states),
            "run_users": dict(self._run_users),
        }

    # Listeners of the manager's entities

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update` after every decision; returns the function that stops it."""
        self._listeners.append(update)

        @callback
        def remove() -> None:
            self._listeners.remove(update)

        return remove

    # Inputs

    @callback
    def _on_frame(self) -> None:
        """A frame arrived, or the meter went silent: a reading for the engine."""
        if self.coordinator.write_now:
            return  # the same frame handed again, for the entities to write it
        sample = self._sample()
        if sample is None:
            return
        actions = self.engine.update_meter(sample)
        if any(isinstance(action, Shed) for action in actions):
            self.coordinator.async_write_now()  # the frame a shed rests on shows in history
        self._carry_out(actions, sample.time)
        self._watch_nothing_left(sample)

    @property
    def _nothing_left_id(self) -> str:
        return f"nothing_left_to_shed_{self.entry.entry_id}"

    def _watch_nothing_left(self, sample: MeterSample) -> None:
        """A notification while the cut is coming and no load is left to shed.

        Left to shed: a load that is on, may be cut while it runs, and is neither held off nor
        left alone (a user's switch-on, a boost). None left, only the user can avoid the cut.
        Raised once; dismissed once the danger is clearly over, as a shed load is given back:
        no cut coming and the power at or below the restore limit for the restore dwell. A
        house hovering about the cut-off power keeps it, instead of one for every frame.
        """
        sheddable = [
            switch
            for switch in self.loads
            if self.loads[switch].config.may_interrupt
            and switch not in self.status.overrides
            and not self._held(switch)
            and (state := self.hass.states.get(switch)) is not None
            and state.state == STATE_ON
        ]
        notification_id = self._nothing_left_id
        if sample.seconds_left is not None and self.loads and not sheddable:
            self._calm_since = None
            if not self._nothing_left:
                self._nothing_left = True
                minutes = str(max(1, round(sample.seconds_left / 60)))
                placeholders = {"meter": self.entry.title, "minutes": minutes}
                self.entry.async_create_task(
                    self.hass,
                    self._async_notify("nothing_left_to_shed", notification_id, placeholders),
                    "shedding notification nothing left",
                )
            return
        calm = sample.seconds_left is None and sample.apparent_power_va <= (
            self.settings.restore_limit_va(sample.pcoup_va)
        )
        if not self._nothing_left or not calm:
            self._calm_since = None
            return
        if self._calm_since is None:
            self._calm_since = sample.time
        if sample.time - self._calm_since >= self.settings.restore_dwell_s:
            self._nothing_left = False
            self._calm_since = None
            persistent_notification.async_dismiss(self.hass, notification_id)

    def _sample(self) -> MeterSample | None:
        data = self.coordinator.data
        cutoff_va = data.cutoff_power_va or self._configured_cutoff_va()
        if data.apparent_power_va is None or not cutoff_va:
            return None
        now = self.now()
        fresh = data.last_frame_time is not None and data.last_frame_time != self._last_frame_time
        self._last_frame_time = data.last_frame_time
        status = data.status
        return MeterSample(
            time=data.last_frame_time if fresh and data.last_frame_time is not None else now,
            apparent_power_va=float(data.apparent_power_va),
            pref_kva=(data.reference_power_va or cutoff_va) / 1000.0,
            pcoup_kva=cutoff_va / 1000.0,
            overload_warning=any(
                label in data.values for label in ("ADPS", "ADIR1", "ADIR2", "ADIR3")
            ),
            pref_exceeded=status is not None and status.reference_power_exceeded,
            seconds_left=data.seconds_to_cutoff,
            fresh=fresh,
            phase_va=_phase_va(data.values),
            off_peak=None if data.tariff_period is None else data.tariff_period is Period.OFF_PEAK,
        )

    def _configured_cutoff_va(self) -> float | None:
        """When the meter tells neither PCOUP, PREF nor ISOUSC, a shed limit set in VA."""
        limit = self.settings.shed_limit
        return limit.value if limit.unit is Unit.VA else None

    @callback
    def _on_tick(self, _now: datetime) -> None:
        now = self.now()
        self._carry_out(self.engine.tick(now), now)

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        switch = self._sensors.get(entity_id, entity_id)
        state = self._load_state(switch)
        if state is None:
            if entity_id == switch:
                # The switch cannot be reached: nothing is switched through it meanwhile.
                now = self.now()
                self._carry_out(self.engine.update_unavailable(switch, now), now)
            return
        new_state = event.data["new_state"]
        if entity_id == switch and new_state is not None:
            asked = self._contexts.get(new_state.context.id)
            if asked is not None and asked != self._intent.get(switch, asked):
                # The late echo of an earlier command of ours, overtaken by a newer one: it is
                # no user's choice, and the newer command is on its way.
                return
            if asked is not None and self.loads[switch].graded:
                # Our own step on its way (its calls may show half done): the step asked.
                state = replace(state, step=asked)
            if asked is None and state.step != self.engine.step(switch) and self._held(switch):
                LOGGER.info("%s was changed by hand while shed: respected", switch)
        now = self.now()
        self._carry_out(self.engine.update_load(state, now), now, save=True)

    def _held(self, switch: str) -> bool:
        return any(item.load == switch for item in self.status.shed)

    def _load_state(self, switch: str) -> LoadState | None:
        state = self.hass.states.get(switch)
        if state is None or not is_readable(state):
            return None
        load = self.loads[switch]
        step = None  # a switch: on or off says it all
        if load.graded and switch in self._busy:
            step = self._intent[switch]  # half-way through our calls: the step asked
        elif load.graded:
            user = self._user_states.get(switch)
            held = self.engine.step(switch)
            step = 0 if user is None else step_shown(state, load.steps, user, held)
        return LoadState(switch, is_running(state, load.steps), self._power_w(load), step)

    def _power_w(self, load: ManagedLoad) -> float | None:
        sensor = load.config.power_sensor
        return sensor_power_w(self.hass, sensor) if sensor else None

    # User requests (entities and services)

    @callback
    def async_shed(self, switch: str) -> None:
        """Shed a load by hand: it stays off until restored by hand."""
        now = self.now()
        self._carry_out(self.engine.shed(switch, now), now, save=True)

    @callback
    def async_restore(self, switch: str) -> None:
        """Restore a shed load by hand."""
        now = self.now()
        self._carry_out(self.engine.restore(switch, now), now, save=True)

    @callback
    def async_boost(self, switch: str, duration_s: float) -> None:
        """Keep a load on for `duration_s`, switching it on if needed."""
        now = self.now()
        self._boosts[switch] = now + duration_s
        self._carry_out(self.engine.boost(switch, now, duration_s), now, save=True)

    @callback
    def async_set_priority(self, switch: str, priority: int) -> None:
        """Change a load's priority, kept across restarts."""
        load = self.loads[switch]
        self._priorities[load.subentry_id] = priority
        self.engine.set_priority(switch, priority)
        now = self.now()
        self._carry_out(self.engine.tick(now), now, save=True)

    def priority(self, switch: str) -> int:
        """A load's priority now."""
        load = self.loads[switch]
        return self._priorities.get(load.subentry_id, load.configured_priority)

    def shedding_order(self) -> list[str]:
        """The loads' switches, the first shed first; equal priorities by name.

        The engine itself breaks ties by the power drawn; this is the order shown and moved.
        """
        return sorted(
            self.loads, key=lambda switch: (self.priority(switch), self.loads[switch].title)
        )

    @callback
    def async_move(self, switch: str, *, later: bool) -> None:
        """Move a load one place in the shedding order, past its neighbour there."""
        order = self.shedding_order()
        place = order.index(switch) + (1 if later else -1)
        if not 0 <= place < len(order):
            return  # first or last already
        neighbour = order[place]
        mine, theirs = self.priority(switch), self.priority(neighbour)
        if mine != theirs:
            self.async_set_priority(switch, theirs)
            self.async_set_priority(neighbour, mine)
            return
        step = 1 if later else -1  # a tie broken by the name: one step is enough
        if MIN_PRIORITY <= mine + step <= MAX_PRIORITY:
            self.async_set_priority(switch, mine + step)
        else:
            self.async_set_priority(neighbour, mine - step)

    @callback
    def async_set_enabled(self, enabled: bool) -> None:
        """Switch shedding on or off; shed loads still come back in stages when off."""
        now = self.now()
        self._carry_out(self.engine.set_enabled(enabled, now), now, save=True)

    @callback
    def async_set_limits(self, shed: float, restore: float, unit: Unit) -> None:
        """Change the shed and restore limits (raises ValueError if they cannot work)."""
        self.settings = self._with_limits(shed, restore, unit)
        self._follow_limit()
        now = self.now()
        self._carry_out(self.engine.tick(now), now, save=True)

    @callback
    def _on_limit_change(self, _event: Event[EventStateChangedData]) -> None:
        self._follow_limit()
        now = self.now()
        self._carry_out(self.engine.tick(now), now)

    def _follow_limit(self) -> None:
        """Give the engine the limits of the entity followed, or the set ones without it.

        The entity's value (VA or W, kVA or kW) is the shed limit, never above 1.3 x PCOUP (the
        engine caps it); the restore limit keeps its ratio to the shed limit as set.
        """
        followed = self._followed_limit_va()
        if followed is None:
            self.engine.settings = self.settings
            return
        ratio = self.settings.restore_limit.value / self.settings.shed_limit.value
        self.engine.settings = replace(
            self.settings,
            shed_limit=Limit(followed, Unit.VA),
            restore_limit=Limit(followed * ratio, Unit.VA),
        )

    def _followed_limit_va(self) -> float | None:
        state = self.hass.states.get(self._limit_entity) if self._limit_entity else None
        if state is None:
            return None
        try:
            value = float(state.state)
        except ValueError:
            return None  # unavailable, unknown: the set limits apply
        unit = str(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT, "")).lower()
        value *= 1000.0 if unit in ("kva", "kw") else 1.0
        return value if math.isfinite(value) and value > 0 else None

    def _with_limits(self, shed: float, restore: float, unit: Unit) -> SheddingSettings:
        return replace(self._base, shed_limit=Limit(shed, unit), restore_limit=Limit(restore, unit))

    def load_status(self, switch: str) -> str | None:
        """The status sensor's value of a load."""
        if self._held(switch):
            return LoadStatus.SHED
        if self.engine.runs_for_minimum(switch):
            return LoadStatus.MIN_RUN
        until = self.status.overrides.get(switch)
        if until is not None:
            return LoadStatus.BOOST if self._boosts.get(switch) == until else LoadStatus.OVERRIDE
        state = self.hass.states.get(switch)
        if state is None or not is_readable(state):
            return None
        return STATE_ON if is_running(state, self.loads[switch].steps) else STATE_OFF

    def step_target(self, switch: str) -> str | None:
        """What the engine set a load to (a preset, a mode, a value), None at the user's."""
        step = self.engine.step(switch)
        return None if step == 0 else self.loads[switch].steps[step - 1].target

    # Carrying out

    @callback
    def _carry_out(self, actions: Iterable[Action], now: float, *, save: bool = False) -> None:
        actions = list(actions)
        if not self._stopped and any(
            isinstance(action, Shed | Restore | Run) for action in actions
        ):
            # On disk as the switches are commanded: a Home Assistant that dies now still
            # knows, at its next start, which loads it holds off.
            self.entry.async_create_task(
                self.hass, self._store.async_save(self._data()), "shedding save", eager_start=True
            )
        for action in actions:
            match action:
                case Shed():
                    self._switch(action.load, action.step, restore=False, reason=action.reason)
                case Restore():
                    self._switch(action.load, action.step, restore=True, reason=action.reason)
                case Run():
                    self._run(action.load, on=action.on, reason=action.reason)
                case Notify():
                    self._notify("load_can_return", action.load)
                case RaiseLongShed():
                    self._raise_long_shed(action.load, action.since)
            save = True
        self.status = self.engine.status(now)
        self._boosts = {switch: until for switch, until in self._boosts.items() if until > now}
        # The user's state is no longer needed once the engine has let go of the load (given
        # back, or changed by the user, whose state it is now).
        self._user_states = {
            switch: user
            for switch, user in self._user_states.items()
            if switch in self.loads and not self.engine.released(switch)
        }
        self._run_users = {
            switch: user
            for switch, user in self._run_users.items()
            if switch in self.loads and self.engine.runs_for_minimum(switch)
        }
        self._clear_long_sheds()
        if save and not self._stopped:
            self._store.async_delay_save(self._data, SAVE_DELAY_S)
        for update in list(self._listeners):
            update()

    def _switch(self, switch: str, step: int, *, restore: bool, reason: str) -> None:
        """Take the load to `step`, and say why; nothing is sent if it cannot be reached."""
        state = self._reachable(switch, step, restore)
        if state is None:
            return
        load = self.loads[switch]
        if switch not in self._user_states:
            # Read before the first step down: every step is undone to exactly this.
            self._user_states[switch] = snapshot(state) if not restore else on_state(state)
        calls = calls_for(state, load.steps, step, self._user_states[switch])
        self._send(switch, step, calls, restore=restore, reason=reason)

    def _run(self, switch: str, *, on: bool, reason: str) -> None:
        """Switch a load the user left off on for its minimum run, or back to that off."""
        state = self._reachable(switch, 0, on)
        if state is None:
            return
        load = self.loads[switch]
        if on:
            self._run_users[switch] = snapshot(state)  # the user's off, to go back to
            calls = calls_for(state, load.steps, 0, on_state(state))
        elif (user := self._run_users.get(switch)) is not None:
            calls = calls_for(state, load.steps, 0, user)
        else:  # the user's off was lost: the load's off step
            calls = calls_for(state, load.steps, load.config.last_step, {})
        self._send(switch, 0, calls, restore=on, reason=reason)

    def _reachable(self, switch: str, step: int, restore: bool) -> State | None:
        """The entity's state, None (and the engine told) when it cannot be reached."""
        state = self.hass.states.get(switch)
        if state is None or self._load_state(switch) is None:
            # Home Assistant would skip an unavailable switch without a word.
            LOGGER.warning("Could not %s: it is unavailable", _doing(switch, step, restore))
            self.engine.switch_failed(switch, restore, self.now(), reachable=False)
            return None
        return state

    def _send(
        self, switch: str, step: int, calls: list[Call], *, restore: bool, reason: str
    ) -> None:
        """Carry out a switching's calls under a context of ours, after its event."""
        context = Context()
        self._contexts[context.id] = step
        while len(self._contexts) > MAX_CONTEXTS:
            del self._contexts[next(iter(self._contexts))]
        self._intent[switch] = step
        self._busy[switch] = self._busy.get(switch, 0) + 1
        # First under the switching's context: the logbook credits the change to this event.
        self._fire(
            EVENT_LOAD_RESTORED if restore else EVENT_LOAD_SHED, switch, reason, step, context
        )
        call = self.entry.async_create_task(
            self.hass,
            self._async_call(switch, step, calls, restore, context),
            f"shedding {switch}",
            eager_start=True,
        )
        if not call.done():
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)

    async def _async_call(
        self, switch: str, step: int, calls: list[Call], restore: bool, context: Context
    ) -> None:
        try:
            for domain, service, data in calls:
                await self.hass.services.async_call(
                    domain, service, data, blocking=True, context=context
                )
        except Exception as err:  # another integration's entity may raise anything
            # A restore that failed is held again, to come back later; a failed shed stays
            # as decided, the meter's next readings show it and something else is shed.
            LOGGER.warning("Could not %s: %s", _doing(switch, step, restore), err)
            now = self.now()
            self.engine.switch_failed(switch, restore, now)
            self._carry_out([], now, save=True)
        finally:
            self._done(switch)

    def _done(self, switch: str) -> None:
        """A step's calls are over, done or failed: the entity's state tells its step again."""
        left = self._busy.pop(switch, 0) - 1
        if left > 0:
            self._busy[switch] = left

    def _fire(self, event_type: str, switch: str, reason: str, step: int, context: Context) -> None:
        load = self.loads[switch]
        self.hass.bus.async_fire(
            event_type,
            {
                ATTR_ENTITY_ID: switch,
                "load": load.title,
                "reason": reason,
                "step": step,  # 0: the user's own state; the last step: off
                "target": None if step == 0 else load.steps[step - 1].target,
                "config_entry_id": self.entry.entry_id,
                "subentry_id": load.subentry_id,
            },
            context=context,
        )

    def _issue_id(self, switch: str) -> str:
        return _long_shed_id(self.entry.entry_id, self.loads[switch].subentry_id)

    def _raise_long_shed(self, switch: str, since: float) -> None:
        since_text = datetime.fromtimestamp(since, UTC).isoformat(timespec="minutes")
        placeholders = {"load": self.loads[switch].title, "since": since_text}
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(switch),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="long_shed",
            translation_placeholders=placeholders,
        )
        self._raised.add(switch)
        self._notify("long_shed", switch, since=since_text)

    def _clear_long_sheds(self) -> None:
        for switch in list(self._raised):
            if not self._held(switch):
                self._raised.discard(switch)
                _clear_long_shed(self.hass, self._issue_id(switch))

    def _notify(self, key: str, switch: str, **placeholders: str) -> None:
        load = self.loads[switch]
        notification_id = (
            self._issue_id(switch) if key == "long_shed" else f"{key}_{load.subentry_id}"
        )
        self.entry.async_create_task(
            self.hass,
            self._async_notify(key, notification_id, {"load": load.title, **placeholders}),
            f"shedding notification {switch}",
        )

    async def _async_notify(
        self, key: str, notification_id: str, placeholders: dict[str, str]
    ) -> None:
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "exceptions", {DOMAIN}
        )
        prefix = f"component.{DOMAIN}.exceptions"
        title = strings.get(f"{prefix}.{key}_title.message", key)
        message = strings.get(f"{prefix}.{key}.message", key)
        persistent_notification.async_create(
            self.hass,
            message.format(**placeholders),
            title=title.format(**placeholders),
            notification_id=notification_id,
        )


def sensor_power_w(hass: HomeAssistant, sensor: str) -> float | None:
    """A power sensor's reading in W (it may speak kW); None when it has none."""
    state = hass.states.get(sensor)
    if state is None:
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    return value * 1000.0 if unit == UnitOfPower.KILO_WATT else value


def _phase_va(values: Mapping[str, Any]) -> tuple[float, ...] | None:
    """Each phase's apparent power on a three-phase meter (SINSTS1-3), else None."""
    readings = [values.get(label) for label in ("SINSTS1", "SINSTS2", "SINSTS3")]
    if not all(isinstance(va, int) for va in readings):
        return None
    return tuple(float(va) for va in readings if isinstance(va, int))


def _doing(switch: str, step: int, restore: bool) -> str:
    """What a switching does, for the log: `switch switch.x on`, `take climate.y to step 2`."""
    if domain_of(switch) == "switch":
        return f"switch {switch} {'on' if restore else 'off'}"
    return f"take {switch} to step {step}"


def _long_shed_id(entry_id: str, subentry_id: str) -> str:
    """The id of a load's long-shed repair issue and notification."""
    return f"long_shed_{entry_id}_{subentry_id}"


def _clear_long_shed(hass: HomeAssistant, issue_id: str) -> None:
    ir.async_delete_issue(hass, DOMAIN, issue_id)
    persistent_notification.async_dismiss(hass, issue_id)


def _store(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.shedding.{entry.entry_id}")


def held_by_engine(engine: SheddingEngine) -> list[str]:
    """The loads the engine holds off of its own accord (not those shed by hand)."""
    return [item.load for item in engine.status(0.0).shed if item.reason is not Reason.MANUAL]


async def async_give_back(
    hass: HomeAssistant,
    entry: GestionEnergieConfigEntry,
    switches: Iterable[str],
    *,
    removed: bool = False,
    user_states: Mapping[str, Snapshot] | None = None,
) -> None:
    """Switch back on the loads shedding lets go of while it holds them off.

    Nothing will manage them any more: left off (or at a step), they would stay so for good.
    A load shed by hand is the user's choice and is not among them. `removed`: the entry is
    removed, the switches of its own plugs are gone, their sockets are switched through the
    plugs. A load of steps is put back to the user's own state (`user_states`).
    """
    for switch in switches:
        try:
            if removed and await async_switch_own_socket(hass, entry, switch, on=True):
                LOGGER.info("%s is no longer managed by load shedding: switched back on", switch)
                continue
            state = hass.states.get(switch)
            user = (user_states or {}).get(switch)
            if domain_of(switch) == "switch" or (domain_of(switch) in SWITCH_DOMAINS and not user):
                if state is None or state.state != STATE_OFF:
                    continue  # switched on meanwhile, or gone
                user = {"state": STATE_ON}
            elif state is None or user is None or not is_readable(state):
                continue  # gone, or its state unknown
            LOGGER.info("%s is no longer managed by load shedding: given back", switch)
            for domain, service, data in calls_for(state, [StepTarget("off")], 0, user):
                await hass.services.async_call(domain, service, data, blocking=True)
        except Exception as err:  # another integration's switch may raise anything
            LOGGER.warning("Could not switch %s back on: %s", switch, err)


async def async_end_runs(hass: HomeAssistant, run_users: Mapping[str, Snapshot]) -> None:
    """Put back the user's off of loads the engine ran for their minimum run, now let go of."""
    for switch, user in run_users.items():
        state = hass.states.get(switch)
        if state is None or not is_readable(state):
            continue  # gone, or its state unknown
        try:
            LOGGER.info("%s is no longer managed by load shedding: back to its off", switch)
            for domain, service, data in calls_for(state, [StepTarget("off")], 0, user):
                await hass.services.async_call(domain, service, data, blocking=True)
        except Exception as err:  # another integration's entity may raise anything
            LOGGER.warning("Could not switch %s back off: %s", switch, err)


async def async_remove_shedding(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> None:
    """The meter's entry is removed: give back its loads, and remove the saved state.

    The loads held off come back on, those run for their minimum run go back to their off.
    """
    store = _store(hass, entry)
    stored = await store.async_load()
    held: list[str] = []
    user_states: dict[str, Snapshot] = {}
    run_users: dict[str, Snapshot] = {}  # the loads it ran for their minimum run: kept to date
    try:
        if stored:
            saved = stored["engine"]
            loads = [_any_steps(load, saved) for load in saved["loads"]]
            held = held_by_engine(SheddingEngine.from_dict(saved, DEFAULT_SETTINGS, loads))
            user_states = dict(stored.get("user_states", {}))
            run_users = dict(stored.get("run_users", {}))
    except (KeyError, TypeError, ValueError) as err:
        LOGGER.warning("Ignoring the saved shedding state of %s: %s", entry.title, err)
    for subentry in entry.get_subentries_of_type(SUBENTRY_LOAD):
        _clear_long_shed(hass, _long_shed_id(entry.entry_id, subentry.subentry_id))
    await async_give_back(hass, entry, held, removed=True, user_states=user_states)
    await async_end_runs(hass, run_users)
    await store.async_remove()


def _any_steps(load_id: str, saved: Mapping[str, Any]) -> LoadConfig:
    """A load with as many steps as its saved state needs, to read whether it is held."""
    hold = saved["loads"][load_id].get("hold") or {}
    steps = int(hold.get("level", 1))
    return LoadConfig(load_id, step_savings_w=tuple(float(step + 1) for step in range(steps - 1)))


def settings_from_options(options: Mapping[str, Any]) -> SheddingSettings:
    """The engine's settings with the timing chosen in the options (defaults elsewhere)."""
    default = DEFAULT_SETTINGS
    return replace(
        default,
        restore_dwell_s=float(options.get(CONF_SHED_RESTORE_DWELL, default.restore_dwell_s)),
        min_off_s=60 * float(options.get(CONF_SHED_MIN_OFF, default.min_off_s / 60)),
        max_toggles_per_hour=int(options.get(CONF_SHED_MAX_TOGGLES, default.max_toggles_per_hour)),
        override_respect_s=60
        * float(options.get(CONF_SHED_OVERRIDE, default.override_respect_s / 60)),
        max_shed_s=3600 * float(options.get(CONF_SHED_MAX_HOURS, default.max_shed_s / 3600)),
    )


def managers(hass: HomeAssistant) -> Iterable[SheddingManager]:
    """The shedding managers of every loaded meter entry."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if entry.runtime_data.shedding is not None:
            yield entry.runtime_data.shedding
