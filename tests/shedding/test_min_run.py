"""A minimum run per day: a water heater that must heat 4 h a day, preferably off-peak."""

from __future__ import annotations

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
    engine: SheddingEngine, start: float, end: float, va: float, **signals: object
) -> list[Action]:
    actions: list[Action] = []
    time = start
    while time < end:
        actions += engine.update_meter(reading(time, va, **signals))
        time += 1.0
    return actions


def test_a_load_whose_run_would_no_longer_fit_is_run_and_something_else_shed() -> None:
    start = DAY + 19 * HOUR
    engine = engine_at(start, WATER, RADIATOR)
    engine.update_meter(reading(start, 9000, seconds_left=10.0))  # both shed at 19:00
    engine.update_load(LoadState("switch.water", is_on=False), start + 1)
    engine.update_load(LoadState("switch.radiator", is_on=False), start + 1)
    # No room at all: no restore for room; at 19:59, 4 h and the restore dwell are left.
    assert feed(engine, start + 2, DAY + 19 * HOUR + 3540, 5500) == []
    actions = feed(engine, DAY + 19 * HOUR + 3540, DAY + 19 * HOUR + 3545, 5500)
    assert actions == [Restore("switch.water", Reason.MIN_RUN)]
    engine.update_load(LoadState("switch.water", is_on=True), DAY + 19 * HOUR + 3545)
    # Now over the limit: the water heater is kept on, nothing else is left to shed.
    assert feed(engine, DAY + 19 * HOUR + 3545, DAY + 20 * HOUR, 7500) == []


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
