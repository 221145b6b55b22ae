"""A simulated house around the shedding engine: appliances, smart plugs, a Linky meter.

Time is simulated, not waited for. Appliances draw power when their switch is on and their
own cycle wants it; plugs obey a command after a latency and report their state a little
later; the meter sends a reading every reporting period and cuts the house off when its §7
filter reaches 1.3 x PCOUP (the `CutoffModel` of the TIC package, fed once a second with the
true power). The engine gets its own `CutoffModel`, fed only with the readings it receives.

    outcome = HouseSimulation(scenario, settings).run()
    assert outcome.tripped_at is None
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
import heapq
import itertools
import json
from typing import TYPE_CHECKING

from custom_components.gestion_energie.shedding import (
    Action,
    LoadConfig,
    LoadState,
    MeterSample,
    Restore,
    Run,
    Shed,
    SheddingEngine,
    SheddingSettings,
)
from custom_components.gestion_energie.tic import CutoffModel

if TYPE_CHECKING:
    from collections.abc import Iterator

type Interval = tuple[float, float]
type Observer = Callable[[float, SheddingEngine, list[Action]], None]


@dataclass(frozen=True, slots=True)
class Appliance:
    """A load behind a managed switch.

    `runs`: the intervals when its own cycle wants power (None: whenever switched on). A load
    of several steps (`config.step_savings_w`: a heater's setpoint or fil pilote mode, a
    charger's current) draws less at each step the engine takes it down to.
    """

    config: LoadConfig
    power_w: float
    runs: tuple[Interval, ...] | None = None
    starts_on: bool = True

    def wants_power(self, time: float) -> bool:
        """Whether its cycle draws power at `time` if the switch is on."""
        return self.runs is None or any(start <= time < end for start, end in self.runs)

    def cycle_edges(self) -> Iterator[float]:
        """Yield the times when its cycle starts or stops."""
        for start, end in self.runs or ():
            yield start
            yield end


@dataclass(frozen=True, slots=True)
class UserAction:
    """The user switches a load by hand."""

    time: float
    load: str
    on: bool


@dataclass(frozen=True, slots=True)
class Scenario:
    """A house and what happens in it.

    `base`: the unmanaged load as steps (from time, VA), starting at time 0.
    `silences`: intervals when no reading reaches the engine.
    `reload_at`: the engine's state goes through JSON and back (same process, no restart).
    `restart_at`: the engine restarts from its saved state and reconciles with the switches.
    `three_phase`: a three-phase meter, each phase checked against its third of PCOUP; the
    unmanaged load is spread evenly, each appliance on its `config.phase` (None: all three).
    `off_peak`: the intervals of off-peak hours the meter tells (none given: not known).
    """

    appliances: tuple[Appliance, ...]
    duration_s: float
    base: tuple[tuple[float, float], ...] = ((0.0, 500.0),)
    pcoup_kva: float = 6.0
    meter_period_s: float = 1.5
    plug_latency_s: float = 0.8
    report_latency_s: float = 0.3
    tick_s: float = 1.0
    overload_signals: bool = True
    silences: tuple[Interval, ...] = ()
    user_actions: tuple[UserAction, ...] = ()
    reload_at: float | None = None
    restart_at: float | None = None
    three_phase: bool = False
    off_peak: tuple[Interval, ...] = ()

    def base_va(self, time: float) -> float:
        """Return the unmanaged load at `time`."""
        power = 0.0
        for start, value in self.base:
            if start <= time:
                power = value
        return power


@dataclass(slots=True)
class Outcome:
    """What happened."""

    engine: SheddingEngine
    tripped_at: float | None = None
    actions: list[tuple[float, Action]] = field(default_factory=list)
    switchings: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    power: list[tuple[float, float]] = field(default_factory=list)  # once a second
    peak_filtered_ratio: float = 0.0  # highest filtered power / PCOUP seen by the meter

    def commands(self, load: str) -> list[float]:
        """List the times the engine switched a load."""
        return [
            time
            for time, action in self.actions
            if isinstance(action, Shed | Restore | Run) and action.load == load
        ]

    def most_commands_in_an_hour(self, load: str) -> int:
        """Count the most engine switchings of a load within any one hour."""
        times = self.commands(load)
        return max((sum(start <= t < start + 3600.0 for t in times) for start in times), default=0)


class _Kind(IntEnum):
    """Simulation events, in the order they run when they fall at the same time."""

    METER = 0
    FILTER = 1
    TICK = 2
    SWITCH = 3
    REPORT = 4
    USER = 5
    RELOAD = 6
    RESTART = 7


type _Payload = str | tuple[str, int] | UserAction | None


class HouseSimulation:
    """Run one scenario through one engine."""

    def __init__(
        self,
        scenario: Scenario,
        settings: SheddingSettings,
        engine: SheddingEngine | None = None,
        observer: Observer | None = None,
    ) -> None:
        """Build the house; `engine` lets a test start from a prepared engine."""
        self.scenario = scenario
        self.settings = settings
        self.configs = [appliance.config for appliance in scenario.appliances]
        self.engine = engine or SheddingEngine(settings, self.configs)
        self.observer = observer
        self.appliances = {item.config.load: item for item in scenario.appliances}
        # The step each load is at: 0 on (the user's own state), its last step off.
        self.level = {
            item.config.load: 0 if item.starts_on else item.config.last_step
            for item in scenario.appliances
        }
        self.pcoup_va = scenario.pcoup_kva * 1000.0
        self.meter = CutoffModel(self.pcoup_va)  # the real meter
        self.engine_model = CutoffModel(self.pcoup_va)  # the integration's view of it
        # A three-phase meter's filters, one a phase: the real meter's and the integration's.
        third = self.pcoup_va / 3
        self.phase_meters = [CutoffModel(third) for _ in range(3)] if scenario.three_phase else []
        self.phase_models = [CutoffModel(third) for _ in range(3)] if scenario.three_phase else []
        self.outcome = Outcome(self.engine)
        self._queue: list[tuple[float, _Kind, int, _Payload]] = []
        self._order = itertools.count()

    def run(self) -> Outcome:
        """Simulate until the end or the meter's cut."""
        self._prepare()
        while self._queue:
            time, kind, _, payload = heapq.heappop(self._queue)
            if time > self.scenario.duration_s:
                break
            self._handle(time, kind, payload)
            if self.outcome.tripped_at is not None:
                break
        return self.outcome

    def power_va(self, time: float) -> float:
        """Return the true apparent power at `time` (W taken as VA: resistive loads)."""
        drawn = sum(self._draw_w(load, time) for load in self.appliances)
        return self.scenario.base_va(time) + drawn

    def phase_power_va(self, time: float) -> list[float]:
        """Return the true apparent power of each phase at `time`."""
        powers = [self.scenario.base_va(time) / 3] * 3
        for load, appliance in self.appliances.items():
            drawn = self._draw_w(load, time)
            for index in range(3):
                powers[index] += drawn * appliance.config.phase_share(index + 1)
        return powers

    def _draw_w(self, load: str, time: float) -> float:
        appliance = self.appliances[load]
        if not appliance.wants_power(time):
            return 0.0
        return appliance.power_w * (1.0 - appliance.config.saved_fraction(self.level[load]))

    def _prepare(self) -> None:
        scenario = self.scenario
        # The meter has long seen the unmanaged load alone; the appliances start at time 0.
        self.meter.update(-1.0, scenario.base_va(0.0))
        for model in self.phase_meters:
            model.update(-1.0, scenario.base_va(0.0) / 3)
        for load in self.level:
            self._at(0.0, _Kind.REPORT, load)
            for edge in self.appliances[load].cycle_edges():
                self._at(edge, _Kind.REPORT, load)
        self._every(scenario.meter_period_s, _Kind.METER)
        self._every(1.0, _Kind.FILTER)
        self._every(scenario.tick_s, _Kind.TICK)
        for action in scenario.user_actions:
            self._at(action.time, _Kind.USER, action)
        if scenario.reload_at is not None:
            self._at(scenario.reload_at, _Kind.RELOAD, None)
        if scenario.restart_at is not None:
            self._at(scenario.restart_at, _Kind.RESTART, None)

    def _at(self, time: float, kind: _Kind, payload: _Payload) -> None:
        heapq.heappush(self._queue, (time, kind, next(self._order), payload))

    def _every(self, period: float, kind: _Kind) -> None:
        steps = int(self.scenario.duration_s / period) + 1
        for index in range(steps):
            self._at(index * period, kind, None)

    def _handle(self, time: float, kind: _Kind, payload: _Payload) -> None:
        match kind, payload:
            case _Kind.METER, _:
                self._reading(time)
            case _Kind.FILTER, _:
                self._filter(time)
            case _Kind.TICK, _:
                self._apply(time, self.engine.tick(time))
            case _Kind.SWITCH, (str() as load, int() as step):
                self._switch(time, load, step)
            case _Kind.REPORT, str() as load:
                self._apply(time, self.engine.update_load(self._state(load, time), time))
            case _Kind.USER, UserAction() as action:
                last = self.appliances[action.load].config.last_step
                self._switch(time, action.load, 0 if action.on else last)
            case _Kind.RELOAD, _:
                self._replace_engine(self._reloaded())
            case _Kind.RESTART, _:
                engine = self._reloaded()
                self._replace_engine(engine)
                self.engine_model = CutoffModel(self.pcoup_va)
                self.phase_models = [CutoffModel(self.pcoup_va / 3) for _ in self.phase_models]
                states = [self._state(load, time) for load in self.appliances]
                self._apply(time, engine.reconcile(states, time))
            case _:
                raise NotImplementedError(kind)

    def _reloaded(self) -> SheddingEngine:
        """Put the engine's state through JSON and back, as a restart would."""
        data = json.loads(json.dumps(self.engine.to_dict()))
        return SheddingEngine.from_dict(data, self.settings, self.configs)

    def _replace_engine(self, engine: SheddingEngine) -> None:
        self.engine = engine
        self.outcome.engine = engine

    def _reading(self, time: float) -> None:
        if any(start <= time < end for start, end in self.scenario.silences):
            return
        power = round(self.power_va(time))
        self.engine_model.update(time, power)
        over = self.scenario.overload_signals and power > self.pcoup_va
        seconds_left = self.engine_model.seconds_left()
        phase_va: tuple[float, ...] | None = None
        if self.phase_models:
            phase_va = tuple(round(va) for va in self.phase_power_va(time))
            lefts = []
            for model, va in zip(self.phase_models, phase_va, strict=True):
                model.update(time, va)
                lefts.append(model.seconds_left())
            known = [left for left in lefts if left is not None]
            seconds_left = min(known, default=None)
            over = self.scenario.overload_signals and max(phase_va) > self.pcoup_va / 3
        sample = MeterSample(
            time=time,
            apparent_power_va=power,
            pref_kva=self.scenario.pcoup_kva,
            pcoup_kva=self.scenario.pcoup_kva,
            overload_warning=over,
            pref_exceeded=over,
            seconds_left=seconds_left,
            phase_va=phase_va,
            off_peak=any(start <= time < end for start, end in self.scenario.off_peak)
            if self.scenario.off_peak
            else None,
        )
        self._apply(time, self.engine.update_meter(sample))

    def _filter(self, time: float) -> None:
        power = self.power_va(time)
        self.outcome.power.append((time, power))
        self.meter.update(time, power)
        filtered = self.meter.filtered_va or 0.0
        ratio = filtered / self.pcoup_va
        self.outcome.peak_filtered_ratio = max(self.outcome.peak_filtered_ratio, ratio)
        if filtered >= self.meter.threshold_va and not self.phase_meters:
            self.outcome.tripped_at = time
        for model, va in zip(self.phase_meters, self.phase_power_va(time), strict=False):
            model.update(time, va)
            if (model.filtered_va or 0.0) >= model.threshold_va:
                self.outcome.tripped_at = time

    def _switch(self, time: float, load: str, step: int) -> None:
        last = self.appliances[load].config.last_step
        if self.level[load] != step:
            was_on = self.level[load] < last
            self.level[load] = step
            if was_on != (step < last):
                self.outcome.switchings.setdefault(load, []).append((time, step < last))
        self._at(time + self.scenario.report_latency_s, _Kind.REPORT, load)

    def _state(self, load: str, time: float) -> LoadState:
        config = self.appliances[load].config
        level = self.level[load]
        power = None if config.power_sensor is None else self._draw_w(load, time)
        step = level if config.last_step > 1 else None  # a switch just says on or off
        return LoadState(load, level < config.last_step, power, step)

    def _apply(self, time: float, actions: list[Action]) -> None:
        if self.observer is not None:
            self.observer(time, self.engine, actions)
        for action in actions:
            self.outcome.actions.append((time, action))
            if isinstance(action, Shed | Restore | Run):
                switch_at = time + self.scenario.plug_latency_s
                self._at(switch_at, _Kind.SWITCH, (action.load, _step(action, self.appliances)))


def _step(action: Shed | Restore | Run, appliances: dict[str, Appliance]) -> int:
    """The step an action takes a load to: a run's on is the load's full power, off its last."""
    if isinstance(action, Run):
        return 0 if action.on else appliances[action.load].config.last_step
    return action.step
