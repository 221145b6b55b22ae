"""Adopting another integration's history of an index: which hours to copy, and the sums.

The recorder keeps, for each hour, the index at the hour's end (`state`) and the energy
counted since its series began (`sum`). A series starts at sum 0 on its first reading, so
`state - sum` is the index of the first reading for as long as the index does not reset.

The old integration's hours before our first reading are copied as they are (their states
are the same meter's index); our own sums are then raised by the last copied sum, so the
Energy dashboard sees one series without a jump. The energy counted between the old
integration's last hour and our first reading (no one recorded when) is reported, not
placed in any hour. Everything is in watt-hours. Pure: no Home Assistant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Index conversions between kWh with decimals and Wh may differ by rounding only.
TOLERANCE_WH = 1.0


@dataclass(frozen=True, slots=True)
class HourRow:
    """One hour of statistics: its start, the index at its end, the energy summed so far."""

    start: datetime
    state_wh: float | None
    sum_wh: float | None


class Misfit(StrEnum):
    """Why a source's history cannot be this index's."""

    EMPTY = "history_empty"  # no hour with an index and a sum before our first reading
    BACKWARDS = "history_backwards"  # the source's index or sum went down
    BEYOND = "history_beyond_index"  # the source counted more than our meter had


class HistoryMisfitError(ValueError):
    """The source's history does not fit this index."""

    def __init__(self, misfit: Misfit, at: datetime | None = None) -> None:
        """Say why, and the hour at fault if there is one."""
        super().__init__(misfit.value, at)
        self.misfit = misfit
        self.at = at


@dataclass(frozen=True, slots=True)
class Adoption:
    """What adopting a history writes."""

    rows: list[HourRow]  # the source's hours before our first reading
    total_adjustment_wh: float  # what our sums must be raised by, in all
    adjustment_wh: float  # what to add to them now (a part may be there from an earlier run)
    unrecorded_wh: float  # counted between the source's last hour and our first reading


def first_reading_wh(state_wh: float, sum_wh: float, applied_wh: float) -> float:
    """The index of our series' first reading, from any of its rows.

    `applied_wh` is what an earlier adoption added to the row's sum.
    """
    return state_wh - (sum_wh - applied_wh)


def adopt(
    source: Sequence[HourRow], cutoff: datetime, first_index_wh: float, applied_wh: float = 0.0
) -> Adoption:
    """The source's hours before `cutoff` (the hour of our first reading), fitted to ours.

    Raises HistoryMisfitError when the source cannot be this meter's index: it went down, or
    it ends above the index our meter first read.
    """
    rows: list[HourRow] = []
    last_state: float | None = None
    last_sum: float | None = None
    for row in sorted(source, key=lambda row: row.start):
        if row.start >= cutoff or row.sum_wh is None:
            continue
        if last_sum is not None and row.sum_wh < last_sum - TOLERANCE_WH:
            raise HistoryMisfitError(Misfit.BACKWARDS, row.start)
        if row.state_wh is not None:
            if last_state is not None and row.state_wh < last_state - TOLERANCE_WH:
                raise HistoryMisfitError(Misfit.BACKWARDS, row.start)
            last_state = row.state_wh
        last_sum = row.sum_wh
        rows.append(row)
    if last_state is None or last_sum is None:
        raise HistoryMisfitError(Misfit.EMPTY)
    if last_state > first_index_wh + TOLERANCE_WH:
        raise HistoryMisfitError(Misfit.BEYOND, rows[-1].start)
    return Adoption(
        rows=rows,
        total_adjustment_wh=last_sum,
        adjustment_wh=last_sum - applied_wh,
        unrecorded_wh=max(first_index_wh - last_state, 0.0),
    )
