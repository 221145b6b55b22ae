"""Property: over random days, every minimum run the budget allows is met, off-peak first.

A day of a 6 kVA house (restore limit 5100 VA, shed limit 6000 VA) read every 20 s: an
unmanaged load changing each hour, off-peak hours somewhere in the day, a water heater of
2000 W with a minimum run (left off or on by the user) and maybe a radiator of 1500 W on. The
unmanaged load never leaves less than the water heater's 2000 W (and a spare) under the restore
limit: the budget always allows the run, once the radiator is shed if need be.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings, strategies as st

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

from .helpers import PCOUP_KVA

DAY = 20_000 * 86400.0  # a midnight (UTC, no offset)
HOUR = 3600.0
PERIOD_S = 20.0
RESTORE_LIMIT_VA = 5100.0
WATER_W = 2000.0
RADIATOR_W = 1500.0
# A run started late (the rest of the day short) or off-peak waits for the restore dwell and
# the spare before it; a reading's period and a settle time after it.
LATE_S = 60.0 + 300.0 + 2 * PERIOD_S + 8.0
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True, slots=True)
class Day:
    base_va: tuple[int, ...]  # the unmanaged load of each hour
    off_peak: tuple[float, float]  # from, to (seconds after midnight)
    min_run_s: float
    user_on: bool  # the user left the water heater on
    radiator: bool

    def is_off_peak(self, offset: float) -> bool:
        return self.off_peak[0] <= offset < self.off_peak[1]


@st.composite
def days(draw: st.DrawFn) -> Day:
    start = draw(st.integers(0, 23 * 4)) * 900.0
    length = draw(st.integers(0, 8 * 4)) * 900.0
    return Day(
        base_va=tuple(draw(st.lists(st.integers(200, 3000), min_size=24, max_size=24))),
        off_peak=(start, min(24 * HOUR, start + length)),
        min_run_s=draw(st.integers(1, 12)) * 1800.0,
        user_on=draw(st.booleans()),
        radiator=draw(st.booleans()),
    )


def live(day: Day) -> tuple[list[tuple[float, Action]], dict[str, list[bool]], list[float]]:
    """Run the day: the actions, each load's on-off at each reading, and the readings."""
    water = LoadConfig(
        "switch.water", priority=50, declared_power_w=WATER_W, min_run_s=day.min_run_s
    )
    radiator = LoadConfig("switch.radiator", priority=10, declared_power_w=RADIATOR_W)
    loads = [water, radiator] if day.radiator else [water]
    power = {"switch.water": WATER_W, "switch.radiator": RADIATOR_W}
    engine = SheddingEngine(SheddingSettings(), loads)
    on = {"switch.water": day.user_on, "switch.radiator": True}
    for load in loads:
        engine.update_load(LoadState(load.load, is_on=on[load.load]), DAY)
    actions: list[tuple[float, Action]] = []
    seen: dict[str, list[bool]] = {load.load: [] for load in loads}
    readings: list[float] = []
    offset = 0.0
    while offset < 24 * HOUR:
        time = DAY + offset
        va = day.base_va[int(offset // HOUR)] + sum(
            power[load.load] for load in loads if on[load.load]
        )
        readings.append(va)
        for load in loads:
            seen[load.load].append(on[load.load])
        decided = engine.update_meter(
            MeterSample(time, va, PCOUP_KVA, PCOUP_KVA, off_peak=day.is_off_peak(offset))
        )
        for action in decided:
            actions.append((offset, action))
            if isinstance(action, Shed | Restore | Run):  # carried out at once, reported
                on[action.load] = action.on if isinstance(action, Run) else action.step == 0
                engine.update_load(LoadState(action.load, is_on=on[action.load]), time + 1)
        offset += PERIOD_S
    return actions, seen, readings


@PROPERTY
@given(days())
def test_every_minimum_run_is_met_off_peak_first_and_never_over_the_limit(day: Day) -> None:
    actions, seen, readings = live(day)
    water_on = seen["switch.water"]
    run_s = PERIOD_S * sum(water_on)
    assert run_s >= day.min_run_s  # the budget always allows it
    offsets = [index * PERIOD_S for index in range(len(readings))]
    for offset, action in actions:
        if isinstance(action, Run | Restore) and (not isinstance(action, Run) or action.on):
            # The engine's own switching on never takes the house over the restore limit.
            index = int(offset // PERIOD_S) + 1
            if index < len(readings) and int(offsets[index] // HOUR) == int(offset // HOUR):
                assert readings[index] <= RESTORE_LIMIT_VA
    if not day.user_on:
        # Switched back off once the run is met: no more than the run, and a reading's period.
        assert run_s <= day.min_run_s + 2 * PERIOD_S
        room_always = not day.radiator or max(day.base_va) + RADIATOR_W + WATER_W <= 5100
        if room_always:
            # Off-peak first: during peak hours only what off-peak hours could not hold.
            peak_s = PERIOD_S * sum(
                on and not day.is_off_peak(offset)
                for on, offset in zip(water_on, offsets, strict=True)
            )
            off_peak_s = day.off_peak[1] - day.off_peak[0]
            assert peak_s <= max(0.0, day.min_run_s - off_peak_s) + LATE_S
    else:
        assert not any(isinstance(action, Run) for _, action in actions)  # the user's on kept
