"""Adopting a history: the hours copied and the sums, checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.gestion_energie.meter.history import (
    HistoryMisfitError,
    HourRow,
    Misfit,
    adopt,
    first_reading_wh,
)

CUTOFF = datetime(2026, 3, 1, 12, tzinfo=UTC)


def hours(*values: tuple[float | None, float | None], end: datetime = CUTOFF) -> list[HourRow]:
    """Rows (index, sum) of consecutive hours, the last one ending at `end`."""
    start = end - timedelta(hours=len(values))
    return [
        HourRow(start + timedelta(hours=n), state, total) for n, (state, total) in enumerate(values)
    ]


def test_first_reading_is_the_index_where_the_sum_was_zero() -> None:
    # Our first row: index 10 500 Wh at the hour's end, 300 Wh counted since the first reading.
    assert first_reading_wh(10_500, 300, 0) == 10_200
    # The same row after an adoption raised our sums by 4 000 Wh.
    assert first_reading_wh(10_500, 4_300, 4_000) == 10_200


def test_the_hours_before_the_cutoff_are_copied_and_our_sums_raised_by_the_last() -> None:
    source = hours((9_000, 1_000), (9_500, 1_500), (10_000, 2_000))
    later = HourRow(CUTOFF, 10_300, 2_300)  # our hour: the old integration still ran
    adoption = adopt([*source, later], CUTOFF, first_index_wh=10_200)
    assert adoption.rows == source
    # Our series starts at sum 0 on index 10 200; the source's ends at sum 2 000 on 10 000.
    assert adoption.total_adjustment_wh == 2_000
    assert adoption.adjustment_wh == 2_000
    # 200 Wh were counted between 10 000 (the source's last hour) and our first reading.
    assert adoption.unrecorded_wh == 200


def test_a_second_run_adds_only_what_is_missing() -> None:
    source = hours((9_000, 1_000), (10_000, 2_000))
    assert adopt(source, CUTOFF, 10_000, applied_wh=2_000).adjustment_wh == 0
    # Another source, whose sums stood lower: our sums come down by the difference.
    other = hours((9_000, 100), (10_000, 1_100))
    adoption = adopt(other, CUTOFF, 10_000, applied_wh=2_000)
    assert (adoption.total_adjustment_wh, adoption.adjustment_wh) == (1_100, -900)


def test_rows_without_sum_are_left_out_and_without_index_kept() -> None:
    source = hours((9_000, 1_000), (None, 1_200), (None, None), (9_700, 1_700))
    adoption = adopt(source, CUTOFF, 9_700)
    assert [row.sum_wh for row in adoption.rows] == [1_000, 1_200, 1_700]
    assert adoption.unrecorded_wh == 0


def test_rounding_of_a_kwh_source_is_tolerated() -> None:
    # An index in kWh with three decimals, read as Wh: 10 000.4 against our 10 000.
    adoption = adopt(hours((10_000.4, 50)), CUTOFF, 10_000)
    assert adoption.unrecorded_wh == 0


@pytest.mark.parametrize(
    ("values", "first_index", "misfit", "at"),
    [
        # A different meter: its index stands above the one ours first read.
        (((20_000, 0), (20_100, 100)), 10_000, Misfit.BEYOND, 1),
        # Going backwards: the index, or the sum.
        (((9_000, 0), (8_000, 100), (9_900, 200)), 10_000, Misfit.BACKWARDS, 1),
        (((9_000, 500), (9_100, 100)), 10_000, Misfit.BACKWARDS, 1),
        # Nothing to copy: no index at all, or no row.
        (((None, 100),), 10_000, Misfit.EMPTY, None),
        ((), 10_000, Misfit.EMPTY, None),
    ],
)
def test_a_history_that_does_not_fit_is_refused(
    values: tuple[tuple[float | None, float | None], ...],
    first_index: float,
    misfit: Misfit,
    at: int | None,
) -> None:
    source = hours(*values)
    with pytest.raises(HistoryMisfitError) as raised:
        adopt(source, CUTOFF, first_index)
    assert raised.value.misfit is misfit
    assert raised.value.at == (None if at is None else source[at].start)


def test_hours_from_the_cutoff_on_are_ours() -> None:
    # The source only counted after our first reading: nothing of it is before.
    with pytest.raises(HistoryMisfitError) as raised:
        adopt(hours((10_000, 0), end=CUTOFF + timedelta(hours=1)), CUTOFF, 10_000)
    assert raised.value.misfit is Misfit.EMPTY
