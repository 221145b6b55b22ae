"""The meter's consumption indexes as the money side sees them: a period name and a value.

A period is named as its index sensor is: `off_peak`, `peak_red`... (`period_key`), the
supplier's own label when the meter gave one that says nothing known, else the index's label
(`EASF07`). The distributor's indexes (EASD) and the total (EAST) are left out: the
supplier's indexes are what the supplier bills.
"""

from __future__ import annotations

from ..meter.model import MeterData
from ..meter.periods import HISTORIC_INDEXES, index_period, is_period_index, period_key
from ..tic.interpret import decode_ptec
from .costs import Reading

SUPPLIER_INDEX = "EASF{:02}"


def period_name(label: str, data: MeterData) -> str:
    """The name of the period the index `label` counts."""
    period = index_period(label, data.tariff_calendar, data.tariff_labels)
    if period is None:
        return label
    return period if isinstance(period, str) else period_key(period)


def period_readings(data: MeterData) -> dict[str, Reading]:
    """Every billed index the meter sent, by label."""
    return {
        label: Reading(period_name(label, data), value)
        for label, value in data.values.items()
        if isinstance(value, int) and is_period_index(label)
    }


def running_index(data: MeterData) -> str | None:
    """The label of the index counting now: from NTARF, or PTEC in historic mode."""
    ntarf = data.values.get("NTARF")
    if isinstance(ntarf, int):
        return SUPPLIER_INDEX.format(ntarf)
    ptec = data.values.get("PTEC")
    if isinstance(ptec, str):
        period = decode_ptec(ptec)
        return next((label for label, p in HISTORIC_INDEXES.items() if p == period), None)
    return None


def running_period(data: MeterData) -> str | None:
    """The name of the period in effect now."""
    label = running_index(data)
    return None if label is None else period_name(label, data)


def reported_periods(data: MeterData) -> list[str]:
    """The period names of the billed indexes the meter reports, in its order.

    An index the meter names nothing and that reads zero (EASF07 of a Tempo contract) is
    left out: no price to ask for it.
    """
    return list(
        dict.fromkeys(
            reading.period
            for label, reading in period_readings(data).items()
            if reading.wh or reading.period != label
        )
    )
