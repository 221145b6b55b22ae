"""Property tests: random houses and load traces through the simulator, invariants always hold."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.gestion_energie.shedding import (
    Action,
    LoadConfig,
    Reason,
    Restore,
    Shed,
    SheddingEngine,
    SheddingSettings,
)
from custom_components.gestion_energie.simulators.house import Appliance, HouseSimulation, Scenario

SETTINGS = SheddingSettings()
BUSY_S = 3600.0  # appliances run and the unmanaged load moves during the first hour
# Then a quiet tail long enough for every lockout to end: one hour plus the restore delays.
DURATION_S = BUSY_S + 3600.0 + 900.0
URGENT = {Reason.OVER_LIMIT, Reason.CUTOFF_NEAR, Reason.OVERLOAD_SIGNAL}
# While the meter is silent the engine cannot see an overload coming: a trip is out of its
# reach until the first reading after the silence (meter period and report latency, at most
# 2.3 s here) has reached the plugs (at most 2 s).
BLIND_AFTER_SILENCE_S = 5.0
PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def appliances(draw: st.DrawFn, index: int) -> Appliance:
    power = draw(st.integers(800, 3500))
    declared = round(power * draw(st.floats(0.8, 1.25)))
    starts = draw(st.lists(st.floats(0, BUSY_S - 60), min_size=1, max_size=3))
    runs = tuple((start, min(BUSY_S, start + draw(st.floats(60, 2400)))) for start in starts)
    # Some are graded: a heater's setpoint or fil pilote modes, a charger's current.
    shares = draw(st.lists(st.floats(0.1, 0.9), max_size=3, unique=True))
    savings = tuple(sorted({round(declared * share) for share in shares}))
    config = LoadConfig(
        f"switch.load_{index}",
        priority=draw(st.integers(0, 5)),
        declared_power_w=declared,
        shed_when_stale=draw(st.booleans()),
        step_savings_w=tuple(float(saving) for saving in savings),
    )
    return Appliance(config, power, runs)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    count = draw(st.integers(2, 5))
    house = tuple(draw(appliances(index)) for index in range(count))
    steps = draw(st.lists(st.tuples(st.floats(0, BUSY_S), st.integers(200, 4500)), max_size=4))
    base = ((0.0, float(draw(st.integers(200, 4500)))), *sorted(steps), (BUSY_S, 300.0))
    silences: tuple[tuple[float, float], ...] = ()
    if draw(st.booleans()):
        start = draw(st.floats(0, BUSY_S))
        silences = ((start, start + draw(st.floats(5, 600))),)
    return Scenario(
        house,
        duration_s=DURATION_S,
        base=tuple((time, float(va)) for time, va in base),
        meter_period_s=draw(st.sampled_from([1.0, 1.5, 2.0])),
        plug_latency_s=draw(st.floats(0.1, 2.0)),
        silences=silences,
    )


def check_priority_order(time: float, engine: SheddingEngine, actions: list[Action]) -> None:
    """An urgent shed never leaves a less important load running that could have gone first."""
    urgent = [a for a in actions if isinstance(a, Shed) and a.reason in URGENT]
    if not urgent:
        return
    loads = engine._loads
    shed_priority = max(loads[action.load].config.priority for action in urgent)
    emergency = any(action.reason is not Reason.OVER_LIMIT for action in urgent)
    for load in loads.values():
        could_go_first = (
            load.is_on
            and load.hold is None
            and load.config.may_interrupt
            and engine._draw_w(load) > SETTINGS.idle_power_w
            and not engine._overridden(load, time)
            and (emergency or engine._toggles(load, time) < engine._toggle_limit(load))
        )
        assert not could_go_first or load.config.priority >= shed_priority, (time, load)


@PROPERTIES
@given(scenarios())
def test_random_houses_never_trip_never_flap_and_get_every_load_back(scenario: Scenario) -> None:
    simulation = HouseSimulation(scenario, SETTINGS, observer=check_priority_order)
    outcome = simulation.run()
    # All the managed loads may be cut and the unmanaged load stays under the limit:
    # shedding can always prevent the cut when it sees the meter, so the meter never cuts
    # but for an overload that built up while the meter was silent.
    if outcome.tripped_at is not None:
        assert any(
            start <= outcome.tripped_at <= end + BLIND_AFTER_SILENCE_S
            for start, end in scenario.silences
        ), outcome.tripped_at
    for appliance in scenario.appliances:
        load = appliance.config.load
        limit = SETTINGS.max_toggles_per_hour * appliance.config.last_step  # for each step
        assert outcome.most_commands_in_an_hour(load) <= limit
    if outcome.tripped_at is not None:
        return  # the simulation ends with the cut: nothing comes back after it
    # The quiet tail leaves room for everything: every shed load is back on, at exactly the
    # user's own state (step 0), whatever steps it went down.
    assert not outcome.engine.status(DURATION_S).active
    assert set(simulation.level.values()) == {0}
    for silence_start, silence_end in scenario.silences:
        for time, action in outcome.actions:
            if isinstance(action, Restore):
                assert not silence_start + SETTINGS.settle_s <= time < silence_end


@st.composite
def three_phase_scenarios(draw: st.DrawFn) -> Scenario:
    """A random house on a three-phase meter: each appliance on a phase, or on all three."""
    scenario = draw(scenarios())
    house = tuple(
        replace(
            appliance,
            config=replace(appliance.config, phase=draw(st.sampled_from([None, 1, 2, 3]))),
        )
        for appliance in scenario.appliances
    )
    # 18 kVA, 6 kVA a phase: each single-phase appliance fits on its phase alone (a bigger one
    # would be beyond what the phase allows, and could never come back).
    return replace(scenario, appliances=house, three_phase=True, pcoup_kva=18.0)


@PROPERTIES
@given(three_phase_scenarios())
def test_random_three_phase_houses_never_trip_on_any_phase_and_get_every_load_back(
    scenario: Scenario,
) -> None:
    simulation = HouseSimulation(scenario, SETTINGS)
    outcome = simulation.run()
    # Every phase's unmanaged share stays under its third of the limit and every load may be
    # cut: shedding on the overloaded phase can always prevent the cut it sees coming.
    if outcome.tripped_at is not None:
        assert any(
            start <= outcome.tripped_at <= end + BLIND_AFTER_SILENCE_S
            for start, end in scenario.silences
        ), outcome.tripped_at
        return  # the simulation ends with the cut: nothing comes back after it
    assert not outcome.engine.status(DURATION_S).active
    assert set(simulation.level.values()) == {0}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.floats(1.0, BUSY_S + 600))
def test_reloading_the_state_anywhere_changes_no_decision(scenario: Scenario, at: float) -> None:
    plain = HouseSimulation(scenario, SETTINGS).run()
    reloaded = HouseSimulation(replace(scenario, reload_at=at), SETTINGS).run()
    assert reloaded.actions == plain.actions
