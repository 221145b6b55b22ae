"""A minimum run per day: a water heater that must heat 4 h a day, preferably off-peak."""

from __future__ import annotations

import json

from custom_components.gestion_energie.shedding import (
    Action,
    LoadConfig,
    LoadState,
    MeterSample,
    RaiseLongShed,
    Reason,
    Restore,
    Run,
    Shed,
    SheddingEngine,
    SheddingSettings,
)

from .helpers import PCOUP_KVA

DAY = 20_000 * 86400.0  # a midnight (UTC, no offset)
HOUR = 3600.0
WATER = LoadConfig("switch.water", priority=50, declared_power_w=2000, min_run_s=4 * HOUR)
RADIATOR = LoadConfig("switch.radiator", priority=10, declared_power_w=1500)


def reading(time: float, va: float, **signals: object) -> MeterSample:
    return MeterSample(time, va, PCOUP_KVA, PCOUP_KVA, **signals)  # type: ignore[arg-type]


def engine_at(time: float, *loads: LoadConfig) -> SheddingEngine:
    engine = SheddingEngine(SheddingSettings(), loads)
    for load in loads:
        engine.update_load(LoadState(load.load, is_on=True), time)
    return engine


def feed(
    engine: SheddingEngine,
    start: float,
    end: float,
    va: float,
    period: float = 1.0,
    **signals: object,
) -> list[Action]:
    actions: list[Action] = []
    time = start
    while time < end:
        actions += engine.update_meter(reading(time, va, **signals))
        time += period
    return actions


def test_a_held_load_whose_run_would_no_longer_fit_comes_back_under_the_shed_limit() -> None:
    start = DAY + 19 * HOUR
    engine = engine_at(start, WATER, RADIATOR)
    engine.update_meter(reading(start, 9000, seconds_left=10.0))  # both shed at 19:00
    engine.update_load(LoadState("switch.water", is_on=False), start + 1)
    engine.update_load(LoadState("switch.radiator", is_on=False), start + 1)
    # 1400 VA of room: too little to restore either load under the restore limit (5100 VA).
    must_run = DAY + 24 * HOUR - 4 * HOUR - 60 - 300  # 4 h, the dwell and the spare left
    assert feed(engine, start + 2, must_run, 3700) == []
    # Nothing left to shed, and 3700 + 2000 stays under the shed limit (6000 VA): it runs.
    assert feed(engine, must_run, must_run + 5, 3700) == [Restore("switch.water", Reason.MIN_RUN)]


def test_a_held_load_whose_run_would_not_fit_under_the_shed_limit_waits() -> None:
    start = DAY + 19 * HOUR
    engine = engine_at(start, WATER, RADIATOR)
    engine.update_meter(reading(start, 9000, seconds_left=10.0))
    engine.update_load(LoadState("switch.water", is_on=False), start + 1)
    engine.update_load(LoadState("switch.radiator", is_on=False), start + 1)
    # The engine never overloads the house itself: 5500 + 2000 is over the shed limit.
    assert feed(engine, start + 2, DAY + 21 * HOUR, 5500) == []


def test_a_load_left_off_is_run_late_in_the_day_other_loads_shed_to_make_room() -> None:
    start = DAY + 19 * HOUR
    engine = SheddingEngine(SheddingSettings(), [WATER, RADIATOR])
    engine.update_load(LoadState("switch.radiator", is_on=True), start)
    engine.update_load(LoadState("switch.water", is_on=False), start)  # the user left it off
    must_run = DAY + 24 * HOUR - 4 * HOUR - 60 - 300
    # During peak hours, with the day long enough, it is left as the user left it.
    assert feed(engine, start, must_run, 5000) == []
    # Then the radiator is shed to make room (5000 + 2000 is over the restore limit)...
    assert feed(engine, must_run, must_run + 2, 5000) == [Shed("switch.radiator", Reason.MIN_RUN)]
    engine.update_load(LoadState("switch.radiator", is_on=False), must_run + 2)
    assert feed(engine, must_run + 2, must_run + 10, 5000) == []
    # ...and once the meter shows the room over the restore dwell, the water heater runs.
    assert feed(engine, must_run + 10, must_run + 70, 3500) == []
    assert feed(engine, must_run + 70, must_run + 71, 3500) == [Run("switch.water", on=True)]
    on_at = must_run + 70
    engine.update_load(LoadState("switch.water", is_on=True), on_at + 1)
    # It runs 4 h, kept from being shed (over the limit, and nothing else is left to shed).
    running = feed(engine, on_at + 1, on_at + 4 * HOUR - 10, 5500, period=10)
    assert [action for action in running if not isinstance(action, RaiseLongShed)] == []
    done = feed(engine, on_at + 4 * HOUR - 10, on_at + 4 * HOUR + 5, 5500)
    assert done == [Run("switch.water", on=False, reason=Reason.MIN_RUN_MET)]  # as left
    assert engine.to_dict()["loads"]["switch.water"]["run"][1] >= 4 * HOUR


def test_off_peak_a_load_short_of_its_run_is_not_shed_another_one_is() -> None:
    start = DAY + 2 * HOUR
    engine = engine_at(start, WATER, LoadConfig("switch.oven", priority=90, declared_power_w=2000))
    feed(engine, start, start + 3, 5000, off_peak=True)
    # The water heater is less important than the oven, but off-peak it must heat.
    assert feed(engine, start + 3, start + 12, 7000, off_peak=True) == [
        Shed("switch.oven", Reason.OVER_LIMIT)
    ]
    # During peak hours, with the day long enough, it is shed first as usual.
    engine = engine_at(start, WATER, LoadConfig("switch.oven", priority=90, declared_power_w=2000))
    feed(engine, start, start + 3, 5000, off_peak=False)
    assert feed(engine, start + 3, start + 12, 7000, off_peak=False) == [
        Shed("switch.water", Reason.OVER_LIMIT)
    ]


def test_once_the_run_is_done_the_load_is_shed_as_any_other() -> None:
    start = DAY + 1 * HOUR
    engine = engine_at(start, WATER)
    for minute in range(4 * 60 + 1):
        engine.update_meter(reading(start + minute * 60.0, 3000, off_peak=True))
    assert engine.to_dict()["loads"]["switch.water"]["run"][1] >= 4 * HOUR
    now = start + 4 * HOUR + 120
    feed(engine, now, now + 3, 5000, off_peak=True)
    assert feed(engine, now + 3, now + 12, 7000, off_peak=True) == [
        Shed("switch.water", Reason.OVER_LIMIT)
    ]


def test_a_new_day_starts_the_count_again() -> None:
    engine = engine_at(DAY + 22 * HOUR, WATER)
    feed(engine, DAY + 22 * HOUR, DAY + 22 * HOUR + 10, 3000)
    assert engine.to_dict()["loads"]["switch.water"]["run"][1] == 9.0
    feed(engine, DAY + 24 * HOUR, DAY + 24 * HOUR + 2, 3000)
    assert engine.to_dict()["loads"]["switch.water"]["run"][0] == 20_001


def test_an_emergency_sheds_a_load_kept_for_its_run_only_last() -> None:
    start = DAY + 23 * HOUR
    engine = engine_at(start, WATER, RADIATOR)
    assert engine.update_meter(reading(start, 9000, seconds_left=10.0)) == [
        Shed("switch.radiator", Reason.CUTOFF_NEAR),
        Shed("switch.water", Reason.CUTOFF_NEAR),
    ]


def left_off(start: float, *loads: LoadConfig) -> SheddingEngine:
    """An engine over `loads`, each reported off (the user's state) at `start`."""
    engine = SheddingEngine(SheddingSettings(), loads)
    for load in loads:
        engine.update_load(LoadState(load.load, is_on=False), start)
    return engine


def test_off_peak_a_load_left_off_is_switched_on_when_it_fits_then_off_when_done() -> None:
    start = DAY + 1 * HOUR
    engine = left_off(start, WATER)
    # Peak hours: left off. Off-peak with 3500 VA: no room for 2000 W under 5100 VA.
    assert feed(engine, start, start + 120, 2000, off_peak=False) == []
    assert feed(engine, start + 120, start + 300, 3500, off_peak=True) == []
    # Room over the restore dwell: switched on, once.
    assert feed(engine, start + 300, start + 360, 2000, off_peak=True) == []
    assert feed(engine, start + 360, start + 361, 2000, off_peak=True) == [
        Run("switch.water", on=True)
    ]
    on_at = start + 361
    engine.update_load(LoadState("switch.water", is_on=True), on_at)
    assert feed(engine, on_at, on_at + 4 * HOUR - 5, 4000, period=5, off_peak=True) == []
    assert feed(engine, on_at + 4 * HOUR - 5, on_at + 4 * HOUR + 5, 4000, off_peak=True) == [
        Run("switch.water", on=False, reason=Reason.MIN_RUN_MET)
    ]
    engine.update_load(LoadState("switch.water", is_on=False), on_at + 4 * HOUR + 5)
    assert not engine.runs_for_minimum("switch.water")
    # Done for the day: left off.
    assert feed(engine, on_at + 4 * HOUR + 5, on_at + 5 * HOUR, 2000, off_peak=True) == []


def test_a_load_the_user_had_on_is_never_switched_off_when_its_run_is_done() -> None:
    start = DAY + 1 * HOUR
    engine = engine_at(start, WATER)  # on by the user
    actions = feed(engine, start, start + 5 * HOUR, 4000, period=5, off_peak=True)
    assert actions == []
    assert engine.to_dict()["loads"]["switch.water"]["run"][1] >= 4 * HOUR


def test_the_user_switching_a_run_off_is_respected_for_the_override_time() -> None:
    start = DAY + 1 * HOUR
    engine = left_off(start, WATER)
    assert feed(engine, start, start + 61, 2000, off_peak=True) == [Run("switch.water", on=True)]
    engine.update_load(LoadState("switch.water", is_on=True), start + 61)
    feed(engine, start + 61, start + 600, 4000, off_peak=True)
    # The user switches it off: theirs now, not switched on again for the override time.
    engine.update_load(LoadState("switch.water", is_on=False), start + 600)
    assert not engine.runs_for_minimum("switch.water")
    assert feed(engine, start + 600, start + 600 + HOUR, 2000, period=5, off_peak=True) == []
    assert feed(engine, start + 600 + HOUR, start + 605 + HOUR, 2000, off_peak=True) == [
        Run("switch.water", on=True)
    ]


def test_a_run_is_kept_across_a_restart_and_ended_as_it_would_have_been() -> None:
    start = DAY + 1 * HOUR
    engine = left_off(start, WATER)
    feed(engine, start, start + 61, 2000, off_peak=True)
    engine.update_load(LoadState("switch.water", is_on=True), start + 61)
    feed(engine, start + 61, start + HOUR, 4000, period=5, off_peak=True)
    reloaded = SheddingEngine.from_dict(
        json.loads(json.dumps(engine.to_dict())), SheddingSettings(), [WATER]
    )
    reloaded.reconcile([LoadState("switch.water", is_on=True)], start + HOUR)
    assert reloaded.runs_for_minimum("switch.water")
    actions = feed(reloaded, start + HOUR, start + 4 * HOUR + 61, 4000, period=5, off_peak=True)
    assert actions == []
    actions = feed(reloaded, start + 4 * HOUR + 61, start + 4 * HOUR + 66, 4000, off_peak=True)
    assert actions == [Run("switch.water", on=False, reason=Reason.MIN_RUN_MET)]
    # Found off at start (switched off meanwhile): the user's off again, not ended again.
    again = SheddingEngine.from_dict(engine.to_dict(), SheddingSettings(), [WATER])
    again.reconcile([LoadState("switch.water", is_on=False)], start + HOUR)
    assert not again.runs_for_minimum("switch.water")


def test_on_three_phases_room_is_made_on_the_phase_of_the_load_that_must_run() -> None:
    water = LoadConfig(
        "switch.water", priority=50, declared_power_w=2000, min_run_s=4 * HOUR, phase=2
    )
    radiator = LoadConfig("switch.radiator", priority=20, declared_power_w=1500, phase=2)
    oven = LoadConfig("switch.oven", priority=10, declared_power_w=1000, phase=1)
    engine = SheddingEngine(SheddingSettings(), [water, radiator, oven])
    start = DAY + 19 * HOUR
    for load, on in ((water, False), (radiator, True), (oven, True)):
        engine.update_load(LoadState(load.load, is_on=on), start)

    def phases(time: float, *va: float) -> list[Action]:
        # A 12 kVA meter: restore under 3400 VA a phase (a third of 10200 VA).
        return engine.update_meter(MeterSample(time, sum(va), 12.0, 12.0, phase_va=va))

    must_run = DAY + 24 * HOUR - 4 * HOUR - 60 - 300
    for second in range(int(must_run - 60), int(must_run)):
        assert phases(second, 1500, 2000, 500) == []
    # The total has room (6000 of 10200 VA); phase 2 has not (2000 + 2000 over 3400 VA): the
    # radiator on it is shed, not the oven, less important but on phase 1.
    assert phases(must_run, 1500, 2000, 500) == [Shed("switch.radiator", Reason.MIN_RUN)]
    engine.update_load(LoadState("switch.radiator", is_on=False), must_run + 1)
    actions: list[Action] = []
    for second in range(1, 80):
        actions += phases(must_run + second, 1500, 500, 500)
        if actions:
            break
    assert actions == [Run("switch.water", on=True)]  # once phase 2 shows room for the dwell
    assert second > 60
