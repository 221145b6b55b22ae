"""The update policy alone: when a moving value is written."""

from __future__ import annotations

from custom_components.gestion_energie.meter.write_policy import (
    HEADROOM,
    INDEX,
    POWER,
    REFRESH_S,
    VOLTAGE,
    WriteGate,
)


def written_power(value: int = 1000, at: float = 0.0) -> WriteGate:
    gate = WriteGate(POWER)
    gate.wrote(value, at)
    return gate


def test_a_move_beyond_the_step_is_written_once_settled_for_three_frames() -> None:
    gate = written_power()
    assert gate.consider(1200, 20.0, 10) == REFRESH_S  # one frame: maybe noise
    assert gate.consider(1200, 21.0, 10) == REFRESH_S
    assert gate.consider(1190, 22.0, 10) is None  # third frame beyond 5 %: written
    assert gate.written == 1190
    assert gate.written_at == 22.0


def test_noise_on_both_sides_of_the_step_never_settles() -> None:
    gate = written_power()
    for second, value in enumerate((1200, 800, 1200, 800, 1200, 800), start=20):
        assert gate.consider(value, second, 10) == REFRESH_S
    assert gate.consider(1200, REFRESH_S, 10) is None  # the refresh time: written anyway


def test_a_settled_move_waits_for_the_interval_since_the_last_write() -> None:
    gate = written_power(at=100.0)
    for second in (101.0, 102.0, 103.0):
        due = gate.consider(2000, second, 10)
    assert due == 110.0
    # The timer at the interval's end: not a frame, it does not count towards settling.
    assert gate.consider(2000, 110.0, 10, frame=False) is None


def test_a_small_step_floor_and_a_fixed_step() -> None:
    gate = written_power(100)  # 5 % of 100 VA is below the 20 VA floor
    for second in (20.0, 21.0, 22.0):
        assert gate.consider(115, second, 10) == REFRESH_S
    volts = WriteGate(VOLTAGE)
    volts.wrote(230, 0.0)
    for second in (20.0, 21.0, 22.0):
        assert volts.consider(231, second, 10) == REFRESH_S  # 1 V is not more than 1 V
    for second in (23.0, 24.0):
        volts.consider(232, second, 10)
    assert volts.consider(232, 25.0, 10) is None


def test_indexes_once_a_minute_and_real_time_every_change() -> None:
    gate = WriteGate(INDEX)
    gate.wrote(1000, 0.0)
    assert gate.consider(1001, 30.0, 10) == 60.0
    assert gate.consider(1002, 60.0, 10) is None
    assert gate.consider(1003, 61.0, 0) is None  # real time
    power = written_power()
    assert power.consider(1001, 0.5, 0) is None


def test_a_longer_interval_of_the_options_wins() -> None:
    gate = WriteGate(INDEX)
    gate.wrote(1000, 0.0)
    assert gate.consider(1001, 1.0, 120) == 120.0
    power = written_power()
    for second in (1.0, 2.0, 3.0):
        due = power.consider(3000, second, 600)
    assert due == 600.0  # refresh and interval alike


def test_headroom_steps_are_a_share_of_the_reference_power() -> None:
    gate = WriteGate(HEADROOM)
    gate.wrote(2800, 0.0)
    for second in (20.0, 21.0, 22.0):  # 250 VA: under 5 % of 6 kVA, if 9 % of the room
        assert gate.consider(2550, second, 10, reference=6000) == REFRESH_S
    for second in (23.0, 24.0):
        gate.consider(2450, second, 10, reference=6000)
    assert gate.consider(2450, 25.0, 10, reference=6000) is None


def test_a_frame_back_at_the_value_written_breaks_the_run() -> None:
    gate = written_power()
    gate.consider(1200, 20.0, 10)
    gate.consider(1200, 21.0, 10)
    gate.unmoved()  # a frame at 1000 again
    assert gate.consider(1200, 22.0, 10) == REFRESH_S
