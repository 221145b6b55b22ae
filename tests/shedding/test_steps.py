"""Loads of several steps: a heater's setpoint, presets or fil pilote modes, a charger's current.

A heater of 2000 W with two graded steps (a lower setpoint saving 600 W, frost protection saving
1200 W) and off, and a water heater switch (2000 W), on a 6 kVA meter with default settings.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gestion_energie.shedding import (
    Action,
    Event,
    LoadChange,
    LoadConfig,
    LoadState,
    Reason,
    Restore,
    Shed,
    SheddingEngine,
    SheddingSettings,
)

from .helpers import feed, make_engine, only, sample

HEATER = LoadConfig(
    "climate.heater", priority=1, declared_power_w=2000, step_savings_w=(600.0, 1200.0)
)
WATER = LoadConfig("switch.water", priority=2, declared_power_w=2000)


def seen(
    engine: SheddingEngine, load: str, step: int, time: float, power: float | None = None
) -> list[Action]:
    """Report a graded load at a step (what the glue reads from its entity)."""
    return engine.update_load(LoadState(load, is_on=step < 3, power_w=power, step=step), time)


def test_a_load_declares_steps_that_save_more_and_more() -> None:
    assert HEATER.last_step == 3
    assert [HEATER.saved_fraction(step) for step in range(4)] == [0.0, 0.3, 0.6, 1.0]
    assert WATER.last_step == 1
    for wrong in ((600.0, 600.0), (1200.0, 600.0), (2000.0,), (0.0,)):
        with pytest.raises(ValueError, match="step"):
            LoadConfig("climate.x", declared_power_w=2000, step_savings_w=wrong)


def test_a_sustained_overload_takes_the_least_important_load_down_one_step_at_a_time() -> None:
    engine = make_engine(HEATER, WATER)
    feed(engine, 0, 10, 5000)
    # Each step waits for the meter (settle time); the heater goes all the way down first.
    assert feed(engine, 10, 45, 7000) == [
        (15, Shed("climate.heater", Reason.OVER_LIMIT, 1)),
        (23, Shed("climate.heater", Reason.OVER_LIMIT, 2)),
        (31, Shed("climate.heater", Reason.OVER_LIMIT, 3)),
        (39, Shed("switch.water", Reason.OVER_LIMIT, 1)),
    ]
    assert [(item.load, item.step) for item in engine.status(45).shed] == [
        ("climate.heater", 3),
        ("switch.water", 1),
    ]


@pytest.mark.parametrize(
    ("power", "expected"),
    [
        (6400, [Shed("climate.heater", Reason.CUTOFF_NEAR, 1)]),  # 600 W saved is enough
        (7100, [Shed("climate.heater", Reason.CUTOFF_NEAR, 2)]),  # 1200 W saved is enough
        (7500, [Shed("climate.heater", Reason.CUTOFF_NEAR, 3)]),  # off: 2000 W
        (
            8500,
            [
                Shed("climate.heater", Reason.CUTOFF_NEAR, 3),
                Shed("switch.water", Reason.CUTOFF_NEAR),
            ],
        ),
    ],
)
def test_an_emergency_takes_as_many_steps_as_needed_and_no_more(
    power: float, expected: list[Shed]
) -> None:
    engine = make_engine(HEATER, WATER)
    assert only(feed(engine, 0, 1, power, seconds_left=20.0)) == expected


def follow(
    engine: SheddingEngine, start: float, end: float, base_va: float
) -> list[tuple[float, Any]]:
    """Feed a reading every second: the base plus what the heater draws at its step.

    Each step taken shows on the entity at once, and on the meter at the next reading.
    """
    actions: list[tuple[float, Any]] = []
    time = start
    while time < end:
        heater = 2000 * (1 - HEATER.saved_fraction(engine.step("climate.heater")))
        for action in engine.update_meter(sample(time, base_va + heater)):
            actions.append((time, action))
            if isinstance(action, Shed | Restore):
                seen(engine, action.load, action.step, time)
        time += 1.0
    return actions


def test_restores_climb_back_one_step_at_a_time_to_the_users_state() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    actions = follow(engine, 1, 900, 1000)
    restores = [(t, a) for t, a in actions if isinstance(a, Restore)]
    assert [a.step for _, a in restores] == [2, 1, 0]
    # One step at a time: each waits for the meter to show the previous one and a full dwell.
    assert all(later - earlier >= 8 for (earlier, _), (later, _) in itertools.pairwise(restores))
    assert engine.step("climate.heater") == 0
    assert not engine.status(600).active


def test_a_step_up_needs_room_for_that_step_only() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    # 4300 VA + the 800 W of frost protection fits under 5100 VA, the next 600 W does not.
    actions = only(follow(engine, 1, 900, 4300))
    assert actions == [Restore("climate.heater", Reason.BUDGET_AVAILABLE, 2)]


def test_a_user_who_changes_a_load_held_at_a_step_is_respected() -> None:
    engine = make_engine(HEATER, WATER)
    feed(engine, 0, 1, 6400, seconds_left=20.0)
    seen(engine, "climate.heater", 1, 1.5)
    # The user raises the setpoint again: that is the user's state now (step 0).
    assert seen(engine, "climate.heater", 0, 50.0) == []
    assert engine.step("climate.heater") == 0
    assert engine.status(50).overrides == {"climate.heater": 3650.0}
    assert only(feed(engine, 50, 60, 7000)) == [Shed("switch.water", Reason.OVER_LIMIT)]


def test_a_user_who_turns_a_held_load_off_is_respected_too() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 6400, seconds_left=20.0)
    seen(engine, "climate.heater", 1, 1.5)
    seen(engine, "climate.heater", 3, 50.0)
    assert engine.step("climate.heater") == 0  # released: nothing to give back
    assert only(feed(engine, 50, 900, 1000)) == []


def test_the_engines_own_step_showing_is_no_override() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 7100, seconds_left=20.0)
    seen(engine, "climate.heater", 2, 1.5)
    assert engine.step("climate.heater") == 2
    assert engine.status(2).overrides == {}


def first_restore(engine: SheddingEngine) -> float:
    """Feed low readings until the first step up; return its time."""
    for time in range(2, 400):
        if any(isinstance(action, Restore) for action in engine.update_meter(sample(time, 2000))):
            return float(time)
    pytest.fail("no restore")


def test_a_step_up_that_never_shows_is_held_again_at_the_step_it_was() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    restored_at = first_restore(engine)
    assert engine.step("climate.heater") == 2
    engine.switch_failed("climate.heater", True, restored_at)
    assert engine.step("climate.heater") == 3
    # And one the entity does not show within the settle time, likewise.
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    restored_at = first_restore(engine)
    feed(engine, restored_at + 1, restored_at + 8, 2000)
    assert engine.step("climate.heater") == 2
    # Held again at step 3 as the settle time ends, and tried again from there.
    assert only(feed(engine, restored_at + 8, restored_at + 9, 2000)) == [
        Restore("climate.heater", Reason.BUDGET_AVAILABLE, 2)
    ]
    assert engine.to_dict()["loads"]["climate.heater"]["command"]["held_level"] == 3


def test_a_manual_shed_takes_a_load_held_at_a_step_all_the_way_down() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 6400, seconds_left=20.0)
    assert engine.shed("climate.heater", 2.0) == [Shed("climate.heater", Reason.MANUAL, 3)]
    assert engine.shed("climate.heater", 3.0) == []
    assert engine.restore("climate.heater", 4.0) == [Restore("climate.heater", Reason.MANUAL, 0)]


def test_the_power_freed_and_reserved_follow_the_steps() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 6400, seconds_left=20.0)
    status = engine.status(1)
    assert status.releasing_va == 600
    assert status.shed_power_va == 600
    # With a power sensor, a step frees its share of what the load draws now.
    sensed = LoadConfig(
        "climate.s", declared_power_w=2000, power_sensor="sensor.s", step_savings_w=(1000.0,)
    )
    engine = make_engine(sensed)
    seen(engine, "climate.s", 0, 0.0, power=1600.0)
    feed(engine, 0, 1, 6700, seconds_left=20.0)
    assert engine.status(1).releasing_va == 800


def test_a_step_down_teaches_no_power() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 6400, seconds_left=20.0)
    seen(engine, "climate.heater", 1, 1.2)
    feed(engine, 1, 20, 5800)
    assert engine.to_dict()["loads"]["climate.heater"]["learned"]["steps"] == []


def test_a_state_of_switches_only_is_migrated() -> None:
    engine = make_engine(WATER)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    engine.update_load(LoadState("switch.water", is_on=False), 1.0)
    data = json.loads(json.dumps(engine.to_dict()))
    old = json.loads(json.dumps({**data, "version": 1}))
    for load in old["loads"].values():
        del load["step_seen"]
        del load["hold"]["level"]
        del load["command"]["step"]
        del load["command"]["held_level"]
    twin = SheddingEngine.from_dict(old, SheddingSettings(), [WATER])
    assert json.loads(json.dumps(twin.to_dict())) == data
    reference = SheddingEngine.from_dict(data, SheddingSettings(), [WATER])
    assert feed(twin, 2, 400, 1000) == feed(reference, 2, 400, 1000)


def test_a_load_given_fewer_steps_keeps_its_hold_within_them() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 7100, seconds_left=20.0)
    seen(engine, "climate.heater", 2, 1.5)
    switch_now = LoadConfig("climate.heater", priority=1, declared_power_w=2000)
    twin = SheddingEngine.from_dict(engine.to_dict(), SheddingSettings(), [switch_now])
    assert twin.step("climate.heater") == 1


def test_reconcile_takes_the_step_the_load_shows() -> None:
    engine = make_engine(HEATER)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    feed(engine, 1, 200, 2000)  # a step up to 2 is on its way when the state is saved
    twin = SheddingEngine.from_dict(engine.to_dict(), SheddingSettings(), [HEATER])
    twin.reconcile([LoadState("climate.heater", is_on=True, step=2)], 300.0)
    assert twin.step("climate.heater") == 2
    twin = SheddingEngine.from_dict(engine.to_dict(), SheddingSettings(), [HEATER])
    twin.reconcile([LoadState("climate.heater", is_on=False, step=3)], 300.0)
    assert twin.step("climate.heater") == 3
    twin = SheddingEngine.from_dict(engine.to_dict(), SheddingSettings(), [HEATER])
    twin.reconcile([LoadState("climate.heater", is_on=True, step=0)], 300.0)
    assert twin.step("climate.heater") == 0


def test_simulate_gives_the_steps() -> None:
    engine = make_engine(HEATER, WATER)
    shown = LoadChange(1, LoadState("climate.heater", is_on=True, step=1))
    events: list[Event] = [sample(0, 6400, seconds_left=20.0), shown]
    assert engine.simulate(events) == [(0, Shed("climate.heater", Reason.CUTOFF_NEAR, 1))]
    # The user putting the heater back to its own state is respected: the water heater goes.
    back = LoadChange(1, LoadState("climate.heater", is_on=True, step=0))
    assert engine.simulate([events[0], back])[1:] == [
        (1, Shed("switch.water", Reason.CUTOFF_NEAR, 1))
    ]


@st.composite
def graded_houses(draw: st.DrawFn) -> list[LoadConfig]:
    loads = []
    for index in range(draw(st.integers(1, 5))):
        power = draw(st.integers(500, 3500))
        cuts = draw(st.lists(st.integers(1, power - 1), max_size=3, unique=True))
        loads.append(
            LoadConfig(
                f"climate.l{index}",
                priority=draw(st.integers(0, 3)),
                declared_power_w=power,
                step_savings_w=tuple(float(cut) for cut in sorted(cuts)),
            )
        )
    return loads


@settings(max_examples=200, deadline=None)
@given(graded_houses(), st.integers(6001, 16000), st.data())
def test_an_emergency_sheds_enough_in_priority_order_and_never_a_bigger_step_than_needed(
    loads: list[LoadConfig], power: int, data: st.DataObject
) -> None:
    engine = SheddingEngine(SheddingSettings(), loads)
    levels = {}
    for load in loads:
        levels[load.load] = 0
        engine.update_load(LoadState(load.load, is_on=True, step=0), 0.0)
    decided = engine.update_meter(sample(0.0, power, seconds_left=10.0))
    actions = [action for action in decided if isinstance(action, Shed)]
    assert actions == decided
    limit = 6000.0
    freed = 0.0
    for action in actions:
        config = next(load for load in loads if load.load == action.load)
        freed += config.declared_power_w * config.saved_fraction(action.step)
    available = sum(load.declared_power_w for load in loads)
    # Enough is shed whenever shedding can make it.
    assert power - freed <= limit or freed == available
    shed = {action.load: action.step for action in actions}
    for index, action in enumerate(actions):
        config = next(load for load in loads if load.load == action.load)
        if index < len(actions) - 1:
            assert action.step == config.last_step  # all the way down before the next load
        elif action.step > 1:
            smaller = freed - config.declared_power_w * (
                config.saved_fraction(action.step) - config.saved_fraction(action.step - 1)
            )
            assert power - smaller > limit  # the step below would not have been enough
    # No load left running while a less important one... is the other way round.
    shed_priorities = [
        next(load for load in loads if load.load == action.load).priority for action in actions
    ]
    untouched = [load.priority for load in loads if load.load not in shed]
    if actions and untouched and power - freed > limit:
        pytest.fail("loads left untouched while the power is still over the limit")
    if actions and untouched:
        assert max(shed_priorities[:-1], default=-1) <= min(untouched)


def test_the_last_switching_the_hour_allows_takes_a_graded_load_straight_off() -> None:
    engine = make_engine(HEATER, max_toggles_per_hour=2)  # 6 step changes for its 3 steps
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    seen(engine, "climate.heater", 3, 1.0)
    ups = [a for _, a in follow(engine, 1, 900, 1000) if isinstance(a, Restore)]
    assert [a.step for a in ups] == [2, 1, 0]
    # Four changes so far: the next one is one step down, the sixth and last straight off.
    assert only(feed(engine, 900, 930, 7000)) == [
        Shed("climate.heater", Reason.OVER_LIMIT, 1),
        Shed("climate.heater", Reason.OVER_LIMIT, 3),
    ]
