"""Three-phase meters: each phase is checked against its third of the limits.

Enedis-NOI-CPT_54E §7 (p. 29): the meter works out the overload on each phase on its own, and
trips as soon as one phase reaches the threshold; §6.1.2 (p. 17): a phase's reference is a
third of the whole (IR = PREF / 200 V / 3 phases).

A 6 kVA three-phase meter: shed above 2000 VA on a phase, restore under 1700 VA on each.
"""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gestion_energie.shedding import (
    Action,
    LoadConfig,
    LoadState,
    MeterSample,
    Reason,
    Restore,
    Shed,
    SheddingEngine,
    SheddingSettings,
)

from .helpers import PCOUP_KVA, make_engine

ON_1 = LoadConfig("switch.on_1", priority=0, declared_power_w=1000, phase=1)
ON_2 = LoadConfig("switch.on_2", priority=5, declared_power_w=1000, phase=2)
ALL_THREE = LoadConfig("switch.all_three", priority=1, declared_power_w=3000)  # 1000 W a phase


def phases(time: float, *va: float, **signals: object) -> MeterSample:
    return MeterSample(time, sum(va), PCOUP_KVA, PCOUP_KVA, phase_va=va, **signals)  # type: ignore[arg-type]


def run(
    engine: SheddingEngine, start: float, end: float, *va: float, **signals: object
) -> list[Action]:
    actions: list[Action] = []
    time = start
    while time < end:
        actions += engine.update_meter(phases(time, *va, **signals))
        time += 1.0
    return actions


def test_an_overload_on_phase_2_sheds_only_the_loads_on_phase_2() -> None:
    engine = make_engine(ON_1, ON_2)
    run(engine, 0, 10, 1500, 1500, 1500)
    # The total (5800 VA) is under the 6000 VA limit, phase 2 is not: only its load goes,
    # though the load on phase 1 is less important.
    assert run(engine, 10, 30, 1500, 2800, 1500) == [Shed("switch.on_2", Reason.OVER_LIMIT)]


def test_a_three_phase_load_counts_on_every_phase() -> None:
    engine = make_engine(ON_1, ON_2, ALL_THREE)
    # Phase 2 is 500 VA over, the cut near: the three-phase load frees 1000 VA on it, enough.
    assert run(engine, 0, 1, 1500, 2500, 1500, seconds_left=20.0) == [
        Shed("switch.all_three", Reason.CUTOFF_NEAR)
    ]
    status = engine.status(1)
    assert status.releasing_va == 3000


def test_an_emergency_on_two_phases_sheds_on_both() -> None:
    engine = make_engine(ON_1, ON_2)
    assert run(engine, 0, 1, 2600, 2500, 1000, seconds_left=20.0) == [
        Shed("switch.on_1", Reason.CUTOFF_NEAR),
        Shed("switch.on_2", Reason.CUTOFF_NEAR),
    ]


def test_an_emergency_takes_a_three_phase_load_as_far_as_its_most_overloaded_phase_needs() -> None:
    small_on_1 = LoadConfig("switch.small_on_1", priority=0, declared_power_w=600, phase=1)
    # 3000 W, a third on each phase: its first step saves 500 VA a phase, off 1000 VA.
    graded = LoadConfig(
        "climate.all_three", priority=1, declared_power_w=3000, step_savings_w=(1500,)
    )
    engine = make_engine(small_on_1, graded)
    # Phase 1 (3000 VA) needs the small load and the first step; phase 2 (2900 VA) needs
    # the three-phase load off: in the same decision, not after the meter shows the first.
    assert run(engine, 0, 1, 3000, 2900, 1500, seconds_left=20.0) == [
        Shed("switch.small_on_1", Reason.CUTOFF_NEAR, 1),
        Shed("climate.all_three", Reason.CUTOFF_NEAR, 2),
    ]


def test_a_restore_needs_room_on_the_loads_phase() -> None:
    engine = make_engine(ON_1, ON_2)
    run(engine, 0, 1, 1000, 2600, 1000, seconds_left=20.0)
    engine.update_load(LoadState("switch.on_2", is_on=False), 1.0)
    # 900 VA on phase 2 leaves 800 VA under its 1700 VA: not enough for its 1000 W.
    assert run(engine, 1, 400, 1000, 900, 1000) == []
    assert run(engine, 400, 462, 1000, 600, 1000) == [  # after a full restore dwell
        Restore("switch.on_2", Reason.BUDGET_AVAILABLE)
    ]


def test_the_phases_survive_json() -> None:
    engine = make_engine(ON_1, ON_2)
    run(engine, 0, 10, 1500, 1500, 1500)
    data = json.loads(json.dumps(engine.to_dict()))
    twin = SheddingEngine.from_dict(data, SheddingSettings(), [ON_1, ON_2])
    assert twin.to_dict() == engine.to_dict()
    assert run(twin, 10, 30, 1500, 2800, 1500) == run(engine, 10, 30, 1500, 2800, 1500)


def test_a_load_is_on_one_of_three_phases() -> None:
    with pytest.raises(ValueError, match="phase"):
        LoadConfig("switch.x", phase=4)


@st.composite
def three_phase_houses(draw: st.DrawFn) -> list[LoadConfig]:
    loads = []
    for index in range(draw(st.integers(1, 6))):
        power = draw(st.integers(500, 3500))
        cuts = draw(st.lists(st.integers(1, power - 1), max_size=3, unique=True))
        loads.append(
            LoadConfig(
                f"climate.l{index}",
                priority=draw(st.integers(0, 3)),
                declared_power_w=power,
                step_savings_w=tuple(float(cut) for cut in sorted(cuts)),
                phase=draw(st.sampled_from([None, 1, 2, 3])),
            )
        )
    return loads


@settings(max_examples=200, deadline=None)
@given(three_phase_houses(), st.tuples(*[st.integers(200, 5000)] * 3))
def test_an_emergency_on_three_phases_sheds_enough_on_each_and_never_a_bigger_step_than_needed(
    loads: list[LoadConfig], phase_va: tuple[int, int, int]
) -> None:
    engine = SheddingEngine(SheddingSettings(), loads)
    for load in loads:
        engine.update_load(LoadState(load.load, is_on=True, step=0), 0.0)
    decided = engine.update_meter(phases(0.0, *phase_va, seconds_left=10.0))
    actions = [action for action in decided if isinstance(action, Shed)]
    assert actions == decided
    by_id = {load.load: load for load in loads}
    limit = 6000.0 / 3  # each phase against its third (54E §7)

    def freed(action: Shed, step: int, phase: int) -> float:
        config = by_id[action.load]
        return config.declared_power_w * config.saved_fraction(step) * config.phase_share(phase)

    left = [float(va) for va in phase_va]
    for action in actions:
        config = by_id[action.load]
        if action.step > 1:
            # The step below would have left one of its phases over the limit.
            assert any(
                left[phase - 1] - freed(action, action.step - 1, phase) > limit
                for phase in (1, 2, 3)
                if config.phase_share(phase)
            ), action
        before = list(left)
        for phase in (1, 2, 3):
            left[phase - 1] -= freed(action, action.step, phase)
        if action.step < config.last_step:
            # Short of off: that step was enough to bring one of its phases under the limit.
            assert any(
                before[phase - 1] > limit >= left[phase - 1]
                for phase in (1, 2, 3)
                if config.phase_share(phase)
            ), action
    taken = {action.load: action.step for action in actions}
    for phase in (1, 2, 3):
        if left[phase - 1] <= limit:
            continue
        # Still over: every load drawing on that phase is off, in this one decision (a
        # three-phase load taken a step for another phase goes on down for this one).
        assert all(
            taken.get(load.load) == load.last_step for load in loads if load.phase_share(phase)
        ), phase
