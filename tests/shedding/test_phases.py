"""Three-phase meters: each phase is checked against its third of the limits (54E §7).

A 6 kVA three-phase meter: shed above 2000 VA on a phase, restore under 1700 VA on each.
"""

from __future__ import annotations

import json

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
