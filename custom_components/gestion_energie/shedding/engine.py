"""The shedding engine: from meter readings and switch states to shed and restore actions.

Pure and deterministic: no I/O, no clock of its own. Every input carries its time, every call
returns the actions to carry out, and the whole state serialises to a JSON-able dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .learning import PowerLearner
from .model import (
    Action,
    Instant,
    LoadConfig,
    LoadState,
    MeterSample,
    Notify,
    RaiseLongShed,
    Reason,
    Restore,
    Run,
    Shed,
    SheddingSettings,
    ShedLoad,
    Status,
    seconds,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

STATE_VERSION = 2  # 2: loads of several steps (1: switches only, migrated)
HOUR_S = 3600.0
DAY_S = 86400.0
NOT_AUTO_RESTORED = frozenset({Reason.MANUAL})
# A minimum run is forced this much (and the restore dwell) before the day would no longer
# allow it: time for loads shed to make room to show on the meter, and for a retry.
MIN_RUN_SPARE_S = 300.0


@dataclass(frozen=True, slots=True)
class LoadChange:
    """A switch report at a given time, for `simulate`."""

    time: float
    state: LoadState


@dataclass(frozen=True, slots=True)
class Tick:
    """The passing of time alone, for `simulate`."""

    time: float


type Event = MeterSample | LoadChange | Tick


@dataclass(slots=True)
class _Hold:
    """Why and since when the engine holds a load off."""

    reason: Reason
    since: float  # when it was first taken down
    long_raised: bool = False
    notified: bool = False
    level: int = 1  # the step it is held at


@dataclass(slots=True)
class _Command:
    """A switching the engine ordered that the meter has not shown yet.

    `on`: a restore (a step up). `step`: the step asked. A restore keeps why, since when and
    at which step the load was held, to hold it again if the switching never reaches the
    switch (`switch_failed`). `run`: the start (`on`) or end of a minimum run, told by the
    switch's on or off rather than by a step.
    """

    on: bool
    at: float
    power_va: float
    held_reason: str | None = None
    held_since: float | None = None
    step: int = 0
    held_level: int = 1
    run: bool = False


@dataclass(slots=True)
class _Observation:
    """A switching whose step on the meter is awaited, to learn the load's power."""

    load: str
    on: bool
    anchor: float
    before_va: float


@dataclass(slots=True)
class _Load:
    """What the engine knows of one load."""

    config: LoadConfig
    learner: PowerLearner
    is_on: bool | None = None
    power_w: float | None = None
    step_seen: int | None = None  # the step the load is seen at; None: unknown
    hold: _Hold | None = None
    command: _Command | None = None
    override_until: float | None = None
    toggles: list[float] = field(default_factory=list)
    run_day: int | None = None  # the day `run_s` counts
    run_s: float = 0.0  # how long it ran that day
    counted_at: float | None = None  # until when its run is counted
    run_started: bool = False  # the engine switched it on from the user's off for its run


class SheddingEngine:
    """Decide which loads to shed and restore so the Linky never cuts the house off.

    Feed it with `update_meter` for every reading, `update_load` for every switch report and
    `tick` every few seconds; carry out the actions each call returns.
    """

    def __init__(self, settings: SheddingSettings, loads: Iterable[LoadConfig]) -> None:
        """Start with nothing shed and nothing seen yet."""
        self.settings = settings
        self.enabled = True
        self._loads = {
            config.load: _Load(config, PowerLearner(config.declared_power_w)) for config in loads
        }
        self._last: MeterSample | None = None  # the last fresh reading
        self._history: list[tuple[float, float]] = []  # recent fresh readings: time, VA
        # The same readings' phases, on a three-phase meter: time, VA of each phase.
        self._phase_history: list[tuple[float, tuple[float, ...]]] = []
        self._watch_since: float | None = None  # first input: silence is counted from there
        self._observations: list[_Observation] = []
        self._switched_at: dict[str, float] = {}  # each load's last switching (its anchor)

    # Inputs

    def update_meter(self, sample: MeterSample) -> list[Action]:
        """Take a meter reading and decide."""
        now = sample.time
        self._watch(now)
        if sample.fresh:
            self._take_reading(sample)
        return self._decide(now)

    def update_load(self, state: LoadState, now: Instant) -> list[Action]:
        """Take a switch (or power sensor) report and decide."""
        at = seconds(now)
        self._watch(at)
        load = self._loads.get(state.load)
        if load is None:
            return []
        was_on, load.is_on = load.is_on, state.is_on
        was_step, load.step_seen = load.step_seen, _seen_step(load.config, state)
        # A reading this load cannot draw (a sensor gone mad, or of something else) is no
        # reading: trusted, it would keep the load off for good or leave too much on.
        power_w = state.power_w
        load.power_w = (
            power_w if power_w is None or load.learner.is_plausible_reading(power_w) else None
        )
        running = state.is_on and load.power_w is not None and load.power_w > self._idle_w
        if running and load.step_seen == 0:  # a step down draws less than the load's power
            assert load.power_w is not None  # noqa: S101 - checked above
            load.learner.observe_running(load.power_w)
        if was_on is not None and (was_on, was_step) != (state.is_on, load.step_seen):
            self._on_switched(load, at, was_step)
        elif was_on is None and load.hold is not None and load.step_seen < load.hold.level:
            # A held load whose switch comes back on (or up) after being unreachable: changed
            # meanwhile, released as at start (`reconcile`).
            load.hold = None
        return self._decide(at)

    def update_unavailable(self, load_id: str, now: Instant) -> list[Action]:
        """Take a switch's report that it cannot be reached (unavailable, unknown).

        Its state is unknown until it reports again: it is neither shed nor restored meanwhile
        (a switching would not reach it), and a held load stays held, to come back once its
        switch answers again.
        """
        at = seconds(now)
        self._watch(at)
        load = self._loads.get(load_id)
        if load is None:
            return []
        load.is_on = None
        return self._decide(at)

    def switch_failed(
        self, load_id: str, on: bool, now: Instant, *, reachable: bool = True
    ) -> None:
        """A switching the engine ordered did not reach the switch.

        A failed restore holds the load again as it was held (reason and time), so that it
        comes back later; a failed shed is left as it is: the meter shows that the power did
        not fall, and the engine sheds another load. `reachable=False`: the switch could not
        be reached at all, its state is unknown until it reports again (`update_unavailable`).
        Nothing is decided here: the next reading or tick does (a retry counts as a toggle).
        """
        self._watch(seconds(now))
        load = self._loads.get(load_id)
        if load is None:
            return
        if not reachable:
            load.is_on = load.step_seen = None
        command = load.command
        if not on or command is None or not command.on or load.step_seen == command.step:
            return  # not a restore of ours, or the load already shows it
        if load.hold is not None and load.hold.level != command.step:
            return  # held anew meanwhile
        load.command = None
        _hold_again(load, command)

    def tick(self, now: Instant) -> list[Action]:
        """Let time pass: silence, long sheds, dwell times and lockouts end."""
        at = seconds(now)
        self._watch(at)
        return self._decide(at)

    # User requests

    def shed(self, load_id: str, now: Instant) -> list[Action]:
        """Shed a load because the user asks; it stays off until the user restores it."""
        at = seconds(now)
        load = self._loads[load_id]
        load.override_until = None
        if load.hold is not None and load.hold.level >= load.config.last_step:
            load.hold.reason = Reason.MANUAL
            return []
        return [self._shed(load, Reason.MANUAL, at)]

    def restore(self, load_id: str, now: Instant) -> list[Action]:
        """Restore a shed load because the user asks, and respect that choice for a while."""
        at = seconds(now)
        load = self._loads[load_id]
        if load.hold is None:
            return []
        load.override_until = at + self.settings.override_respect_s
        return [self._restore(load, Reason.MANUAL, at)]

    def boost(self, load_id: str, now: Instant, duration_s: float) -> list[Action]:
        """Keep a load on for a while, switching it on if it is off."""
        at = seconds(now)
        load = self._loads[load_id]
        load.override_until = at + duration_s
        if load.hold is not None or load.is_on is False:
            return [self._restore(load, Reason.BOOST, at)]
        return []

    def set_enabled(self, enabled: bool, now: Instant) -> list[Action]:
        """Switch shedding on or off; when off, shed loads still come back in stages."""
        self.enabled = enabled
        return self.tick(now)

    def rename(self, load_id: str, new_id: str) -> None:
        """Follow a load renamed (its switch's entity id changed): its whole state goes along."""
        if load_id not in self._loads or new_id in self._loads:
            return
        load = self._loads.pop(load_id)
        load.config = replace(load.config, load=new_id)
        self._loads[new_id] = load
        for observation in self._observations:
            if observation.load == load_id:
                observation.load = new_id
        if load_id in self._switched_at:
            self._switched_at[new_id] = self._switched_at.pop(load_id)

    def set_priority(self, load_id: str, priority: int) -> None:
        """Change a load's priority."""
        load = self._loads[load_id]
        load.config = replace(load.config, priority=priority)

    # Start, save, restore

    def reconcile(self, states: Iterable[LoadState], now: Instant) -> list[Action]:
        """Align a reloaded state with the switches as they are now, at start.

        A held load found on was switched on meanwhile and is released; a held load found off
        stays held and comes back in stages once fresh meter readings show room for it, and so
        does a load whose restore was still on its way when the state was saved (it may have
        failed after the save). Readings, reservations and observations from before the
        restart are dropped.
        """
        at = seconds(now)
        for state in states:
            load = self._loads.get(state.load)
            if load is None:
                continue
            load.is_on, load.power_w = state.is_on, state.power_w
            load.step_seen = _seen_step(load.config, state)
            if not state.is_on and load.hold is None:
                load.run_started = False  # switched off meanwhile: the user's off again
            if load.step_seen == 0:
                load.hold = None
            elif load.hold is not None:
                load.hold.level = load.step_seen  # as it is: a step on its way may have landed
        for load in self._loads.values():
            command, load.command = load.command, None
            if command is not None and command.on and load.step_seen != 0 and load.hold is None:
                _hold_again(load, command, load.step_seen)
        self._last = None
        self._history = []
        self._phase_history = []
        self._observations = []
        for load in self._loads.values():
            load.counted_at = at  # its state while Home Assistant was down is not known
        self._watch_since = at
        return self._decide(at)

    def to_dict(self) -> dict[str, Any]:
        """Return the whole dynamic state, JSON-able (without settings and load configs)."""
        return {
            "version": STATE_VERSION,
            "enabled": self.enabled,
            "last": None if self._last is None else asdict(self._last),
            "history": [list(reading) for reading in self._history],
            "phase_history": [[time, list(va)] for time, va in self._phase_history],
            "watch_since": self._watch_since,
            "observations": [asdict(observation) for observation in self._observations],
            "loads": {load_id: _load_to_dict(load) for load_id, load in self._loads.items()},
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], settings: SheddingSettings, loads: Iterable[LoadConfig]
    ) -> SheddingEngine:
        """Rebuild an engine from `to_dict` output; loads no longer configured are dropped."""
        if data.get("version") == 1:
            data = _migrate_from_switches(data)
        if data.get("version") != STATE_VERSION:
            msg = f"unknown shedding state version {data.get('version')!r}"
            raise ValueError(msg)
        engine = cls(settings, loads)
        engine.enabled = bool(data["enabled"])
        last = data["last"]
        if last is not None and last.get("phase_va") is not None:
            last = {**last, "phase_va": tuple(float(va) for va in last["phase_va"])}
        engine._last = None if last is None else MeterSample(**last)
        engine._history = [(float(time), float(va)) for time, va in data["history"]]
        engine._phase_history = [
            (float(time), tuple(float(value) for value in va))
            for time, va in data.get("phase_history", [])
        ]
        engine._watch_since = data["watch_since"]
        engine._observations = [
            _Observation(**observation)
            for observation in data["observations"]
            if observation["load"] in engine._loads
        ]
        for load_id, saved in data["loads"].items():
            if load_id in engine._loads:
                _load_from_dict(engine._loads[load_id], saved)
        return engine

    def copy(self) -> SheddingEngine:
        """Return an independent engine in the same state."""
        configs = [load.config for load in self._loads.values()]
        return SheddingEngine.from_dict(self.to_dict(), self.settings, configs)

    def simulate(self, events: Sequence[Event]) -> list[tuple[float, Action]]:
        """Dry run: the actions a series of events would bring, leaving this engine untouched.

        Actions are assumed carried out, so the switches are taken as following them.
        """
        dry = self.copy()
        decided: list[tuple[float, Action]] = []
        for event in events:
            match event:
                case MeterSample():
                    actions = dry.update_meter(event)
                case LoadChange():
                    actions = dry.update_load(event.state, event.time)
                case _:
                    actions = dry.tick(event.time)
            decided.extend((event.time, action) for action in actions)
            dry.assume_carried_out(actions)
        return decided

    def assume_carried_out(self, actions: Iterable[Action]) -> None:
        """Take the switches as following the actions, as a dry run does."""
        for action in actions:
            if isinstance(action, Shed | Restore):
                load = self._loads[action.load]
                load.step_seen = action.step
                load.is_on = action.step < load.config.last_step
            elif isinstance(action, Run):
                load = self._loads[action.load]
                load.is_on = action.on
                if load.step_seen != 0:  # a switch; a load of steps is off at its user's state
                    load.step_seen = 0 if action.on else load.config.last_step

    # Status

    def status(self, now: Instant) -> Status:
        """Report what is held, reserved and available, for sensors."""
        at = seconds(now)
        shed = tuple(
            ShedLoad(
                load_id,
                load.hold.reason,
                load.hold.since,
                load.learner.estimate_w * load.config.saved_fraction(load.hold.level),
                load.hold.long_raised,
                load.hold.level,
                load.config.last_step,
            )
            for load_id, load in sorted(self._loads.items())
            if load.hold is not None
        )
        last, expected = self._last, self._expected_va()
        available = None
        if last is not None and expected is not None:
            available = self.settings.restore_limit_va(last.pcoup_va) - expected
        return Status(
            enabled=self.enabled,
            meter_stale=self._is_stale(at),
            shed=shed,
            overrides={
                load_id: load.override_until
                for load_id, load in sorted(self._loads.items())
                if load.override_until is not None and load.override_until > at
            },
            reserved_va=self._pending_va(on=True),
            releasing_va=self._pending_va(on=False),
            expected_va=expected,
            available_va=available,
            shed_power_va=sum(item.estimated_power_w for item in shed),
            seconds_left=None if last is None else last.seconds_left,
        )

    def estimated_power_w(self, load_id: str) -> float:
        """Return the power a load is believed to draw when it runs."""
        return self._loads[load_id].learner.estimate_w

    def released(self, load_id: str) -> bool:
        """Whether the engine neither holds a load nor has a switching of it on its way."""
        load = self._loads[load_id]
        return load.hold is None and load.command is None

    def step(self, load_id: str) -> int:
        """Return the step the engine holds a load at (0: not held)."""
        return self._level(self._loads[load_id])

    def runs_for_minimum(self, load_id: str) -> bool:
        """Whether the engine switched a load on from the user's off for its minimum run."""
        return self._loads[load_id].run_started

    # Readings and switchings

    @property
    def _idle_w(self) -> float:
        return self.settings.idle_power_w

    def _watch(self, now: float) -> None:
        if self._watch_since is None:
            self._watch_since = now
        day = self._day(now)
        for load in self._loads.values():
            if load.config.min_run_s <= 0:
                continue
            if load.run_day != day:
                load.run_day, load.run_s = day, 0.0
            elif load.counted_at is not None and self._running(load):
                load.run_s += max(0.0, now - load.counted_at)
            load.counted_at = now

    def _day(self, now: float) -> int:
        return int((now + self.settings.day_offset_s) // DAY_S)

    def _running(self, load: _Load) -> bool:
        """Whether a load runs (on, at a step above off), for its minimum run."""
        return bool(load.is_on) and self._level(load) < load.config.last_step

    def _run_left_s(self, load: _Load) -> float:
        return max(0.0, load.config.min_run_s - load.run_s)

    def _must_run(self, load: _Load, now: float) -> bool:
        """Whether the rest of the day would no longer allow the load's minimum run."""
        if self._run_left_s(load) <= 0:
            return False
        day_left = DAY_S - (now + self.settings.day_offset_s) % DAY_S
        return day_left <= self._run_left_s(load) + self.settings.restore_dwell_s + MIN_RUN_SPARE_S

    def _kept_for_run(self, load: _Load, now: float) -> bool:
        """Whether a load is kept from being shed for its minimum run of the day."""
        off_peak = self._last is not None and self._last.off_peak is True
        return self._run_left_s(load) > 0 and (off_peak or self._must_run(load, now))

    def _take_reading(self, sample: MeterSample) -> None:
        self._last = sample
        self._history.append((sample.time, sample.apparent_power_va))
        keep = max(self.settings.shed_dwell_s, self.settings.restore_dwell_s)
        keep = max(keep, 2 * self.settings.settle_s)
        while len(self._history) > 1 and self._history[1][0] <= sample.time - keep:
            del self._history[0]
        if sample.phase_va is None:
            self._phase_history = []
        else:
            self._phase_history.append((sample.time, tuple(sample.phase_va)))
            while len(self._phase_history) > 1 and self._phase_history[1][0] <= sample.time - keep:
                del self._phase_history[0]
        for load in self._loads.values():
            command = load.command
            if command is not None and sample.time >= command.at + self.settings.settle_s:
                load.command = None
                if command.run:
                    continue  # a run's start or end not shown: the next decisions try again
                if command.on and load.step_seen != command.step:
                    # The switch never showed the restore (it answered but did not switch, or
                    # its report got lost): held again, to be tried again.
                    _hold_again(load, command)
        for observation in list(self._observations):
            if sample.time >= observation.anchor + self.settings.settle_s:
                self._observations.remove(observation)
                step = sample.apparent_power_va - observation.before_va
                learner = self._loads[observation.load].learner
                learner.observe_step(step if observation.on else -step)

    def _on_switched(self, load: _Load, now: float, was_step: int | None) -> None:
        """Handle a switch (or step) change: the engine's doing, or the user's."""
        assert load.is_on is not None  # noqa: S101 - set by the caller
        command = load.command
        anchor = now
        ours = command is not None and (
            load.is_on == command.on if command.run else command.step == load.step_seen
        )
        if ours:
            assert command is not None  # noqa: S101 - ours says so
            anchor = command.at
            if command.run and not command.on:
                load.run_started = False  # back at the user's own off
        elif load.hold is not None and load.step_seen != load.hold.level:
            # The user switched a shed load back on, or changed its setpoint, mode or current:
            # that is the user's state now; respect it, shed something else instead.
            load.hold = None
            load.command = None
            load.override_until = now + self.settings.override_respect_s
        elif command is not None:
            load.command = None  # the user undid the engine's command before the meter saw it
        if not ours and load.config.min_run_s > 0 and (load.run_started or not load.is_on):
            # The user's hand on a load with a minimum run: a run the engine started is the
            # user's now, and a load the user switched off is not switched on again for a while.
            load.run_started = False
            load.override_until = now + self.settings.override_respect_s
        if {was_step, load.step_seen} == {0, load.config.last_step}:
            self._observe(load, anchor)
        else:
            self._observations = []  # a part step teaches no power, and blurs any other step

    def _observe(self, load: _Load, anchor: float) -> None:
        """Await the meter's step for this switching, unless another one blurs it."""
        others = [at for name, at in self._switched_at.items() if name != load.config.load]
        self._switched_at[load.config.load] = anchor
        if self._observations:
            self._observations = []  # two switchings at once: neither step can be told apart
            return
        before = [(time, va) for time, va in self._history if time <= anchor]
        if not before or anchor - before[-1][0] > self.settings.settle_s:
            return
        if others and before[-1][0] < max(others) + self.settings.settle_s:
            return  # the reading before may not show another load's switching yet
        self._observations.append(
            _Observation(load.config.load, bool(load.is_on), anchor, before[-1][1]),
        )

    # Decisions

    def _decide(self, now: float) -> list[Action]:
        actions: list[Action] = self._raise_long_sheds(now)
        if self._is_stale(now):
            self._history = []  # a full dwell of fresh readings is needed before any restore
            self._phase_history = []
            if self.enabled:
                actions += self._shed_for_silence(now)
            return actions
        last, expected = self._last, self._expected_va()
        if last is None or expected is None:
            return actions
        shed_limit = self.settings.shed_limit_va(last.pcoup_va)
        emergency = self._emergency(last)
        if self.enabled:
            if last.phase_va is not None:
                actions += self._shed_phases(shed_limit, emergency, now)
            elif emergency is not None:
                actions += self._shed_down_to(shed_limit, expected, emergency, now)
            elif self._sustained_over(shed_limit, now) and not self._pending(on=False):
                actions += self._shed_down_to(shed_limit, expected, Reason.OVER_LIMIT, now, 1)
            actions += self._keep_from_starting(shed_limit, now)
        actions += self._end_runs(now)
        if emergency is None and not _switchings(actions):
            actions += self._run_for_minimum(last, now)
        if emergency is None and not any(isinstance(action, Shed) for action in actions):
            actions += self._restore_next(last, now)
        if emergency is None and not _switchings(actions) and self.enabled and last.off_peak:
            actions += self._start_runs_off_peak(last, now)
        return actions

    # Minimum runs

    def _may_start_run(self, load: _Load, now: float) -> bool:
        """Whether a load the user left off may be switched on for its minimum run."""
        return (
            self.enabled
            and load.config.min_run_s > 0
            and load.config.auto_restore
            and load.is_on is False
            and load.hold is None
            and load.command is None
            and not self._overridden(load, now)
            and self._run_left_s(load) > 0
            and self._toggles(load, now) <= self._toggle_limit(load) - 2  # on, then off
        )

    def _may_restore_for_run(self, load: _Load, now: float) -> bool:
        """Whether a held load may be brought back for its minimum run."""
        return (
            load.hold is not None
            and load.hold.reason not in NOT_AUTO_RESTORED
            and load.config.auto_restore
            and load.is_on is not None
            and load.command is None
            and self._run_left_s(load) > 0
        )

    def _start_runs_off_peak(self, last: MeterSample, now: float) -> list[Action]:
        """Off-peak, switch on the most important load short of its run that fits, if any."""
        room = self._room(last, now)
        if room is None:
            return []
        for load in sorted(self._loads.values(), key=_most_important_first):
            if self._may_start_run(load, now) and self._fits(
                load, load.learner.restore_need_w, room
            ):
                return [self._start_run(load, now)]
        return []

    def _run_for_minimum(self, last: MeterSample, now: float) -> list[Action]:
        """Run a load whose minimum run would no longer fit in the rest of the day.

        It starts (or comes back, if held) as soon as it fits, as a restore would; until then
        other loads are shed to make room for it (reason `min_run`). With nothing left to shed
        it runs if the house stays under the shed limit.
        """
        for load in sorted(self._loads.values(), key=_most_important_first):
            held = self._may_restore_for_run(load, now)
            if not (held or self._may_start_run(load, now)) or not self._must_run(load, now):
                continue
            need = load.learner.restore_need_w
            if held:
                assert load.hold is not None  # noqa: S101 - held says so
                need *= load.config.saved_fraction(load.hold.level)
            room = self._room(last, now)
            if room is not None and self._fits(load, need, room):
                return [self._run_now(load, held=held, now=now)]
            if self._pending(on=True) or self._pending(on=False):
                return []  # the meter has not shown the last switching yet
            sheds = self._make_room(load, need, last, now)
            if sheds:
                return sheds
            shed_limit = self.settings.shed_limit_va(last.pcoup_va)
            under_shed_limit = self._room(last, now, shed_limit)
            if (
                self._short_of_room(load, need, last)  # and nothing left to shed
                and under_shed_limit is not None
                and self._fits(load, need, under_shed_limit)
            ):
                return [self._run_now(load, held=held, now=now)]
            return []  # it fits on the meter: wait for the readings to show it over the dwell
        return []

    def _short_of_room(self, load: _Load, need: float, last: MeterSample) -> bool:
        """Whether the expected power leaves too little room for `need`, in all or a phase."""
        restore_limit = self.settings.restore_limit_va(last.pcoup_va)
        expected = self._expected_va()
        assert expected is not None  # noqa: S101 - only called with a reading
        phases = self._expected_phase_va() or ()
        return expected + need > restore_limit or any(
            va + need * load.config.phase_share(phase) > restore_limit / len(phases)
            for phase, va in enumerate(phases, start=1)
        )

    def _make_room(self, load: _Load, need: float, last: MeterSample, now: float) -> list[Action]:
        """Shed other loads so that `need` fits under the restore limit, and on its phases."""
        restore_limit = self.settings.restore_limit_va(last.pcoup_va)
        expected = self._expected_va()
        assert expected is not None  # noqa: S101 - only called with a reading
        actions: list[Action] = []
        if expected + need > restore_limit:
            actions += self._shed_down_to(
                restore_limit - need, expected, Reason.MIN_RUN, now, emergency=False
            )
        count = len(self._expected_phase_va() or ())
        for phase in range(1, count + 1):
            share = need * load.config.phase_share(phase)
            limit = restore_limit / count  # a third on each phase (54E §7)
            phases = self._expected_phase_va()  # what was shed for a phase counts on the next
            assert phases is not None  # noqa: S101 - counted from it
            if share and phases[phase - 1] + share > limit:
                actions += self._shed_down_to(
                    limit - share,
                    phases[phase - 1],
                    Reason.MIN_RUN,
                    now,
                    phase=phase,
                    emergency=False,
                )
        return actions

    def _run_now(self, load: _Load, *, held: bool, now: float) -> Action:
        if held:
            return self._restore(load, Reason.MIN_RUN, now)
        return self._start_run(load, now)

    def _end_runs(self, now: float) -> list[Action]:
        """Switch back off the loads the engine ran for their minimum, once it is met."""
        actions: list[Action] = []
        for load in self._loads.values():
            if not load.run_started or self._run_left_s(load) > 0 or load.command is not None:
                continue
            if load.hold is not None and load.hold.level >= load.config.last_step:
                load.hold, load.run_started = None, False  # off already, as the user left it
                continue
            if load.is_on is None or self._toggles(load, now) >= self._toggle_limit(load):
                continue
            load.hold = None
            load.command = _Command(on=False, at=now, power_va=self._draw_w(load), run=True)
            load.toggles = [*self._recent(load, now), now]
            actions.append(Run(load.config.load, on=False, reason=Reason.MIN_RUN_MET))
        return actions

    def _start_run(self, load: _Load, now: float) -> Run:
        load.run_started = True
        load.command = _Command(on=True, at=now, power_va=load.learner.estimate_w, run=True)
        load.toggles = [*self._recent(load, now), now]
        return Run(load.config.load, on=True)

    def _emergency(self, last: MeterSample) -> Reason | None:
        near = self.settings.emergency_seconds_left_s
        if last.seconds_left is not None and last.seconds_left <= near:
            return Reason.CUTOFF_NEAR
        if self.settings.emergency_on_overload_signal and last.overload_signalled:
            return Reason.OVERLOAD_SIGNAL
        return None

    def _sustained_over(self, limit_va: float, now: float) -> bool:
        window = self._window(self.settings.shed_dwell_s, now)
        return window is not None and min(window) > limit_va

    def _shed_phases(self, shed_limit: float, emergency: Reason | None, now: float) -> list[Action]:
        """On a three-phase meter: shed on each phase over its share of the limit.

        The most loaded phase first, with the loads on that phase and the three-phase ones
        (a third of their power counting on each phase); the phases are checked again after
        each phase's sheds, as a three-phase load shed for one phase relieves the others too.
        """
        if emergency is not None:
            return self._shed_phases_at_once(shed_limit, emergency, now)
        for phase in self._phases_by_load():
            expected = self._expected_phase_va()
            assert expected is not None  # noqa: S101 - only with phase readings
            limit = shed_limit / len(expected)
            if self._sustained_over_phase(phase, limit, now) and not self._pending(on=False):
                taken = self._shed_down_to(
                    limit, expected[phase - 1], Reason.OVER_LIMIT, now, 1, phase
                )
                if taken:
                    return taken  # one step at a time: wait for the meter to show it
        return []

    def _shed_phases_at_once(self, shed_limit: float, reason: Reason, now: float) -> list[Action]:
        """An emergency on a three-phase meter: every phase under its limit in one decision.

        As `_shed_down_to` for each phase, most loaded first, except that a three-phase load
        taken a step down for one phase may be taken further down for the next one: waiting
        for the meter to show the first step would leave that phase over for a settle time.
        """
        expected = list(self._expected_phase_va() or ())
        # 54E §7 (p. 29): a three-phase meter checks each phase on its own and trips as soon
        # as one phase reaches the threshold; its reference per phase is a third of the
        # whole (§6.1.2, p. 17: IR = PREF / 200 V / 3), so each phase has a third.
        limit = shed_limit / len(expected)
        candidates = self._shed_candidates(now, emergency=True)
        steps: dict[str, int] = {}  # the step each load is taken down to, in shedding order
        by_id = {load.config.load: load for load in candidates}
        for phase in self._phases_by_load():
            for load in candidates:
                share = load.config.phase_share(phase)
                if expected[phase - 1] <= limit:
                    break
                level, last = steps.get(load.config.load, self._level(load)), load.config.last_step
                if not share or level >= last:
                    continue
                power = (expected[phase - 1], limit)
                step = self._step_down(load, level, power, share, now, False)
                freed = self._freed(load, level, step)
                for index in range(len(expected)):
                    expected[index] -= freed * load.config.phase_share(index + 1)
                steps[load.config.load] = step
        return [self._shed(by_id[load], reason, now, step) for load, step in steps.items()]

    def _phases_by_load(self) -> list[int]:
        expected = self._expected_phase_va() or ()
        return sorted(range(1, len(expected) + 1), key=lambda phase: -expected[phase - 1])

    def _sustained_over_phase(self, phase: int, limit_va: float, now: float) -> bool:
        window = self._phase_window(self.settings.shed_dwell_s, now)
        return window is not None and min(va[phase - 1] for va in window) > limit_va

    def _phase_window(self, dwell_s: float, now: float) -> list[tuple[float, ...]] | None:
        start = now - dwell_s
        readings = self._phase_history
        earlier = [index for index, (time, _) in enumerate(readings) if time <= start]
        if not earlier:
            return None
        return [va for _, va in readings[earlier[-1] :]]

    def _expected_phase_va(self) -> tuple[float, ...] | None:
        """Each phase's last reading, corrected for switchings the meter has not shown yet."""
        if self._last is None or self._last.phase_va is None:
            return None
        expected = list(self._last.phase_va)
        for load in self._loads.values():
            command = load.command
            if command is None:
                continue
            sign = 1.0 if command.on else -1.0
            for index in range(len(expected)):
                expected[index] += sign * command.power_va * load.config.phase_share(index + 1)
        return tuple(expected)

    def _window(self, dwell_s: float, now: float) -> list[float] | None:
        """Return the readings in force over the last `dwell_s`, None if they do not cover it."""
        start = now - dwell_s
        earlier = [index for index, (time, _) in enumerate(self._history) if time <= start]
        if not earlier:
            return None
        return [va for _, va in self._history[earlier[-1] :]]

    def _shed_down_to(
        self,
        limit_va: float,
        expected_va: float,
        reason: Reason,
        now: float,
        most: int = 0,
        phase: int | None = None,
        *,
        emergency: bool | None = None,
    ) -> list[Action]:
        """Shed, lowest priority first, until the expected power is under the limit.

        `most`: at most that many steps, one step of a load each (a sustained overload);
        otherwise (an emergency) each load goes down to the smallest step that brings the power
        under the limit, or to its last step and the next load follows. The last switching the
        anti-flap limit allows in the hour takes a load straight off: it can then neither be
        shed again nor restored within the hour, so the limit holds. `phase`: the limit and power
        are those of one phase of a three-phase meter, and only the loads drawing on it count.
        `emergency`: whether the loads shed only as a last resort may go too (by default, for
        any reason but a sustained overload).
        """
        actions: list[Action] = []
        if emergency is None:
            emergency = reason is not Reason.OVER_LIMIT
        for load in self._shed_candidates(now, emergency=emergency):
            share = 1.0 if phase is None else load.config.phase_share(phase)
            if not share:
                continue
            if expected_va <= limit_va or (most and len(actions) >= most):
                break
            level = self._level(load)
            step = self._step_down(load, level, (expected_va, limit_va), share, now, bool(most))
            expected_va -= self._frees(load, step) * share
            actions.append(self._shed(load, reason, now, step))
        return actions

    def _step_down(
        self,
        load: _Load,
        level: int,
        power: tuple[float, float],
        share: float,
        now: float,
        one: bool,
    ) -> int:
        """The step to take a load down to from `level`, the power (expected, limit) VA.

        One step if `one`, else the smallest that brings the power under the limit (`share`
        of what the load frees counting), or its last; off if this is the hour's last
        switching it is allowed.
        """
        expected_va, limit_va = power
        last = load.config.last_step
        if self._toggles(load, now) + 1 >= self._toggle_limit(load):
            return last  # the hour's last switching allowed: straight off, never flapping
        step = level + 1
        while (
            not one
            and step < last
            and expected_va - self._freed(load, level, step) * share > limit_va
        ):
            step += 1
        return step

    def _freed(self, load: _Load, level: int, step: int) -> float:
        """What taking the load from `level` down to `step` frees (both past its level now)."""
        return self._frees(load, step) - self._frees(load, level)

    def _shed_candidates(self, now: float, *, emergency: bool) -> list[_Load]:
        """List the loads that draw power and may be shed, in shedding order."""
        running = [
            load
            for load in self._loads.values()
            if load.is_on
            and self._level(load) < load.config.last_step
            and not self._shedding(load)
            and not self._overridden(load, now)
            and self._draw_w(load) > self._idle_w
            and (emergency or self._toggles(load, now) < self._toggle_limit(load))
        ]
        # Loads kept on for their minimum run of the day go only in an emergency, very last.
        kept = [load for load in running if self._kept_for_run(load, now)]
        running = [load for load in running if load not in kept]
        interruptible = [load for load in running if load.config.may_interrupt]
        last_resort = [load for load in running if not load.config.may_interrupt]
        return sorted(interruptible, key=self._shed_order) + (
            sorted(last_resort, key=self._shed_order) + sorted(kept, key=self._shed_order)
            if emergency
            else []
        )

    def _shed_order(self, load: _Load) -> tuple[int, float, str]:
        return (load.config.priority, -self._draw_w(load), load.config.load)

    def _keep_from_starting(self, limit_va: float, now: float) -> list[Action]:
        """Switch off idle non-interruptible loads that would not fit if they started."""
        expected = self._expected_va()
        assert expected is not None  # noqa: S101 - only called with a fresh reading
        return [
            self._shed(load, Reason.PREVENT_START, now)
            for load in self._loads.values()
            if not load.config.may_interrupt
            and load.is_on
            and load.hold is None
            and load.command is None  # just restored: its power is already reserved
            and load.power_w is not None
            and load.power_w <= self._idle_w
            and not self._overridden(load, now)
            and self._toggles(load, now) < self._toggle_limit(load)
            and expected + load.learner.estimate_w > limit_va
        ]

    def _shed_for_silence(self, now: float) -> list[Action]:
        """While the meter is silent, shed the loads flagged for it, as a precaution."""
        return [
            self._shed(load, Reason.STALE_METER, now)
            for load in sorted(self._loads.values(), key=self._shed_order)
            if load.config.shed_when_stale
            and load.is_on
            and self._level(load) < load.config.last_step
            and not self._shedding(load)
            and not self._overridden(load, now)
            and (load.config.may_interrupt or (load.power_w or 0.0) <= self._idle_w)
            and self._toggles(load, now) < self._toggle_limit(load)
        ]

    def _restore_next(self, last: MeterSample, now: float) -> list[Action]:
        """Restore the most important held load that fits, one at a time, on fresh readings."""
        room = self._room(last, now)
        if room is None:
            return []
        actions: list[Action] = []
        held = [load for load in self._loads.values() if load.hold is not None]
        for load in sorted(held, key=_most_important_first):
            assert load.hold is not None  # noqa: S101 - filtered above
            step = load.hold.level - 1  # one step up at a time
            share = load.config.saved_fraction(load.hold.level) - load.config.saved_fraction(step)
            need = load.learner.restore_need_w * share
            if not self._may_restore(load, now) or not self._fits(load, need, room):
                continue
            if not load.config.auto_restore:
                if not load.hold.notified:
                    load.hold.notified = True
                    actions.append(Notify(load.config.load, Reason.BUDGET_AVAILABLE))
                continue
            actions.append(self._restore(load, Reason.BUDGET_AVAILABLE, now, step))
            break
        return actions

    def _room(
        self, last: MeterSample, now: float, limit_va: float | None = None
    ) -> tuple[float, list[float]] | None:
        """The room under the restore limit (or `limit_va`) over its dwell, in all and a phase.

        None while a switching is on its way (the meter does not show it yet), without a
        recent reading (a silent meter never leads to a restore) or a dwell's worth of them.
        """
        if self._pending(on=True) or self._pending(on=False):
            return None
        if now - last.time > self.settings.settle_s:
            return None
        window = self._window(self.settings.restore_dwell_s, now)
        if window is None:
            return None
        limit = self.settings.restore_limit_va(last.pcoup_va) if limit_va is None else limit_va
        return limit - max(window), self._phase_rooms(limit, now)

    def _fits(self, load: _Load, need: float, room: tuple[float, list[float]]) -> bool:
        """Whether a load's extra power fits in the room, in all and on its phase(s)."""
        total, phase_rooms = room
        return need <= total and all(
            need * load.config.phase_share(phase) <= phase_room
            for phase, phase_room in enumerate(phase_rooms, start=1)
        )

    def _phase_rooms(self, restore_limit: float, now: float) -> list[float]:
        """On a three-phase meter, each phase's room under its share of the restore limit."""
        if self._last is None or self._last.phase_va is None:
            return []
        count = len(self._last.phase_va)
        window = self._phase_window(self.settings.restore_dwell_s, now)
        if window is None:
            return [0.0] * count
        return [restore_limit / count - max(va[index] for va in window) for index in range(count)]

    def _may_restore(self, load: _Load, now: float) -> bool:
        assert load.hold is not None  # noqa: S101 - callers pass held loads
        return (
            load.hold.reason not in NOT_AUTO_RESTORED
            and load.is_on is not None  # its switch answers
            and now - load.hold.since >= self.settings.min_off_s
            and self._toggles(load, now) <= self._toggle_limit(load) - 2
        )

    def _raise_long_sheds(self, now: float) -> list[Action]:
        actions: list[Action] = []
        for load in self._loads.values():
            hold = load.hold
            if hold and not hold.long_raised and now - hold.since >= self.settings.max_shed_s:
                hold.long_raised = True
                actions.append(RaiseLongShed(load.config.load, hold.since))
        return actions

    # Commands

    def _shed(self, load: _Load, reason: Reason, now: float, step: int | None = None) -> Shed:
        """Take a load down to `step` (default: off); a held load keeps since when it is."""
        step = load.config.last_step if step is None else step
        frees = self._frees(load, step)
        if load.hold is None:
            load.hold = _Hold(reason, now, level=step)
        else:
            load.hold.reason, load.hold.level = reason, step
        load.command = _Command(on=False, at=now, power_va=frees, step=step)
        load.toggles = [*self._recent(load, now), now]
        return Shed(load.config.load, reason, step)

    def _restore(self, load: _Load, reason: Reason, now: float, step: int = 0) -> Restore:
        """Bring a load up to `step` (default: the user's own state)."""
        hold = load.hold
        level = self._level(load)
        share = load.config.saved_fraction(level) - load.config.saved_fraction(step)
        if step == 0 or hold is None:
            load.hold = None
        else:
            hold.level = step
        load.command = _Command(
            on=True,
            at=now,
            power_va=load.learner.estimate_w * share,
            held_reason=None if hold is None else hold.reason.value,
            held_since=None if hold is None else hold.since,
            step=step,
            held_level=max(level, 1),
        )
        load.toggles = [*self._recent(load, now), now]
        return Restore(load.config.load, reason, step)

    # Helpers

    def _is_stale(self, now: float) -> bool:
        if self._last is not None:
            return now - self._last.time > self.settings.stale_after_s
        return self._watch_since is None or now - self._watch_since > self.settings.stale_after_s

    def _expected_va(self) -> float | None:
        """Return the last reading, corrected for switchings the meter has not shown yet."""
        if self._last is None:
            return None
        pending = self._pending_va(on=True) - self._pending_va(on=False)
        return self._last.apparent_power_va + pending

    def _pending(self, *, on: bool) -> list[_Command]:
        return [
            load.command
            for load in self._loads.values()
            if load.command is not None and load.command.on == on
        ]

    def _pending_va(self, *, on: bool) -> float:
        return sum(command.power_va for command in self._pending(on=on))

    def _draw_w(self, load: _Load) -> float:
        """Return what switching the load off frees now: its sensor reading, else estimate."""
        if load.power_w is not None:
            return load.power_w
        return load.learner.estimate_w * (1.0 - load.config.saved_fraction(self._level(load)))

    def _frees(self, load: _Load, step: int) -> float:
        """Return what taking the load down to `step` frees now, from the step it is at."""
        level = self._level(load)
        left = 1.0 - load.config.saved_fraction(level)
        if left <= 0.0:
            return 0.0
        share = load.config.saved_fraction(step) - load.config.saved_fraction(level)
        return self._draw_w(load) * share / left

    def _level(self, load: _Load) -> int:
        return 0 if load.hold is None else load.hold.level

    def _shedding(self, load: _Load) -> bool:
        """Whether a step down of this load is on its way (not shown by the meter yet)."""
        return load.command is not None and not load.command.on

    def _overridden(self, load: _Load, now: float) -> bool:
        return load.override_until is not None and now < load.override_until

    def _recent(self, load: _Load, now: float) -> list[float]:
        return [time for time in load.toggles if time > now - HOUR_S]

    def _toggle_limit(self, load: _Load) -> int:
        """The step changes allowed in an hour: the anti-flap limit for each of its steps.

        A switch goes off and on within two; a load of three steps shed and restored one step
        at a time needs six, and should not be stuck at a step for an hour because of that.
        """
        return self.settings.max_toggles_per_hour * load.config.last_step

    def _toggles(self, load: _Load, now: float) -> int:
        return len(self._recent(load, now))


def _switchings(actions: list[Action]) -> list[Action]:
    return [action for action in actions if isinstance(action, Shed | Restore | Run)]


def _most_important_first(load: _Load) -> tuple[int, str]:
    return (-load.config.priority, load.config.load)


def _seen_step(config: LoadConfig, state: LoadState) -> int:
    """The step a report shows: a switch's on is step 0 and its off the last step."""
    if state.step is not None:
        return min(max(state.step, 0), config.last_step)
    return 0 if state.is_on else config.last_step


def _hold_again(load: _Load, command: _Command, level: int | None = None) -> None:
    """Hold a load again as it was held before a restore that did not happen.

    `level`: the step it is seen at, when known (at start); else the step it was held at.
    """
    level = min(command.held_level if level is None else level, load.config.last_step)
    if load.hold is not None:
        load.hold.level = level
    elif command.held_reason is not None and command.held_since is not None:
        load.hold = _Hold(Reason(command.held_reason), command.held_since, level=level)


def _migrate_from_switches(data: dict[str, Any]) -> dict[str, Any]:
    """Read a state of version 1 (switches only): a held switch is at its one step, off."""
    loads: dict[str, Any] = {}
    for load_id, saved in data["loads"].items():
        hold, command, is_on = saved["hold"], saved["command"], saved["is_on"]
        loads[load_id] = {
            **saved,
            "step_seen": None if is_on is None else (0 if is_on else 1),
            "hold": None if hold is None else {**hold, "level": 1},
            "command": None
            if command is None
            else {**command, "step": 0 if command["on"] else 1, "held_level": 1},
        }
    return {**data, "version": STATE_VERSION, "loads": loads}


def _load_to_dict(load: _Load) -> dict[str, Any]:
    return {
        "is_on": load.is_on,
        "power_w": load.power_w,
        "step_seen": load.step_seen,
        "hold": None if load.hold is None else asdict(load.hold),
        "command": None if load.command is None else asdict(load.command),
        "override_until": load.override_until,
        "toggles": list(load.toggles),
        "learned": load.learner.to_dict(),
        "run": [load.run_day, load.run_s, load.counted_at],
        "run_started": load.run_started,
    }


def _load_from_dict(load: _Load, data: dict[str, Any]) -> None:
    last = load.config.last_step  # the load may have fewer steps since it was saved
    load.is_on = data["is_on"]
    load.power_w = data["power_w"]
    seen = data["step_seen"]
    load.step_seen = None if seen is None else min(int(seen), last)
    hold = data["hold"]
    load.hold = (
        None
        if hold is None
        else _Hold(**{**hold, "reason": Reason(hold["reason"]), "level": min(hold["level"], last)})
    )
    command = data["command"]
    load.command = (
        None if command is None else _Command(**{**command, "step": min(command["step"], last)})
    )
    load.override_until = data["override_until"]
    load.toggles = [float(time) for time in data["toggles"]]
    load.run_day, load.run_s, load.counted_at = data.get("run", [None, 0.0, None])
    load.run_started = bool(data.get("run_started", False))
    load.learner = PowerLearner.from_dict(load.config.declared_power_w, data["learned"])
