"""The cut-off model reproduces 54E §7 and follows irregular readings exactly."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.tic import CutoffModel
from custom_components.gestion_energie.tic.cutoff import FILTER_COEFFICIENT, trip_time


def test_spec_figures() -> None:
    """§7 table: 1.4 x PCOUP cuts in about 250 s, 2.5 x PCOUP in about 40 s, 1.1 x never."""
    assert trip_time(1.4) == pytest.approx(250, abs=5)
    assert trip_time(2.5) == pytest.approx(40, abs=1)
    assert trip_time(1.1) is None
    assert trip_time(1.3) is None  # the threshold itself is only reached asymptotically


def test_matches_the_meter_recursion_step_by_step() -> None:
    """The one-second recursion of the spec, run literally, cuts when the model says."""
    pcoup, load = 6000.0, 1.4 * 6000.0
    filtered, seconds = 0.0, 0
    while filtered < (1.3 * pcoup) ** 2:
        filtered = FILTER_COEFFICIENT * load**2 + (1 - FILTER_COEFFICIENT) * filtered
        seconds += 1
    model = CutoffModel(pcoup)
    model.update(0.0, 0.0)
    model.update(0.0, load)
    left = model.seconds_left()
    assert left is not None
    assert seconds - 1 <= left <= seconds


def test_irregular_readings_equal_regular_ones() -> None:
    regular, irregular = CutoffModel(9000.0), CutoffModel(9000.0)
    for second in range(100):
        regular.update(float(second), 11_000.0 if second < 60 else 13_000.0)
    for second in (0, 1, 3, 7, 20, 45, 59):
        irregular.update(float(second), 11_000.0)
    for second in (60, 77, 99):
        irregular.update(float(second), 13_000.0)
    assert irregular.filtered_va == pytest.approx(regular.filtered_va)
    assert irregular.seconds_left() == pytest.approx(regular.seconds_left())


def test_time_passes_between_readings() -> None:
    model = CutoffModel(6000.0)
    model.update(0.0, 0.0)
    model.update(0.0, 15_000.0)
    now = model.seconds_left()
    later = model.seconds_left(at=10.0)
    assert now is not None
    assert later == pytest.approx(now - 10.0)
    assert model.seconds_left(at=1000.0) == 0.0


def test_no_reading_and_light_load() -> None:
    model = CutoffModel(6000.0)
    assert model.seconds_left() is None
    assert model.filtered_va is None
    model.update(0.0, 3000.0)
    assert model.filtered_va == pytest.approx(3000.0)  # starts settled
    assert model.seconds_left() is None
    assert model.threshold_va == pytest.approx(7800.0)


def test_starts_settled_pessimistically() -> None:
    model = CutoffModel(6000.0)
    model.update(0.0, 9000.0)
    assert model.seconds_left() == 0.0


def test_cut_off_power_can_change() -> None:
    model = CutoffModel(6000.0)
    model.update(0.0, 7000.0)
    assert model.seconds_left() is None
    model.cutoff_va = 3000.0
    assert model.seconds_left() == 0.0


def test_clock_going_back_does_not_rewind_the_filter() -> None:
    model = CutoffModel(6000.0)
    model.update(10.0, 3000.0)
    model.update(5.0, 9000.0)
    assert model.filtered_va == pytest.approx(3000.0)
    model.update(6.0, 9000.0)
    assert model.filtered_va == pytest.approx(3000.0)  # still at t = 10
