"""The house's unmeasured consumption and its energy, counted without Home Assistant."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.gestion_energie.meter.balance import (
    MAX_GAP_S,
    EnergyCounter,
    unmeasured_power,
)


def test_unmeasured_power_is_the_rest_of_the_meter_never_negative() -> None:
    assert unmeasured_power(3200, [1500, 1000]) == 700
    assert unmeasured_power(2000, [1500, 1000]) == 0
    assert unmeasured_power(400, []) == 400
    assert unmeasured_power(None, [100]) is None


def test_energy_counts_each_power_until_the_next_reading() -> None:
    counter = EnergyCounter()
    assert counter.add(0.0, 3600.0) == 0
    assert counter.add(2.0, 1800.0) == pytest.approx(2.0)  # 3600 W for 2 s
    assert counter.add(4.0, None) == pytest.approx(3.0)  # 1800 W for 2 s
    assert counter.add(10.0, 3600.0) == pytest.approx(3.0)  # unknown power counts nothing
    assert counter.add(11.0, 0.0) == pytest.approx(4.0)


def test_a_gap_counts_nothing_and_time_going_back_is_ignored() -> None:
    counter = EnergyCounter(total_wh=100.0)  # restored after a restart
    counter.add(0.0, 3600.0)
    assert counter.add(MAX_GAP_S + 1, 3600.0) == 100.0  # the gap: nothing guessed
    assert counter.add(MAX_GAP_S - 10, 3600.0) == 100.0  # a clock set back
    assert counter.add(MAX_GAP_S + 2, 0.0) == pytest.approx(101.0)


@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 20000) | st.none()), max_size=30))
def test_the_energy_never_decreases(readings: list[tuple[float, float | None]]) -> None:
    counter = EnergyCounter()
    total = 0.0
    for time, power in readings:
        new_total = counter.add(time, power)
        assert new_total >= total
        total = new_total
