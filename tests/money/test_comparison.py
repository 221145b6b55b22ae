"""Base, Heures creuses and Tempo priced over the same hours, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from custom_components.gestion_energie.money.comparison import (
    HourUse,
    OptionPrices,
    TariffOption,
    compare,
    off_peak_share,
    tempo_colours,
)
from custom_components.gestion_energie.money.schedule import parse_hours
from custom_components.gestion_energie.tic import PARIS
from custom_components.gestion_energie.tic.interpret import TempoColour

from .test_costs import TEMPO_2026


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=PARIS)


# A Tempo household from 6 to 8 January 2026; the 6th is red (from 06:00), the 7th blue.
USES = [
    HourUse(at(6, 5), "off_peak_blue", 0.5),  # still the Tempo day of the 5th, blue
    HourUse(at(6, 10), "peak_red", 2.0),
    HourUse(at(6, 23), "off_peak_red", 1.0),
    HourUse(at(7, 12), "peak_blue", 3.0),
    HourUse(at(8, 1), "off_peak_blue", 1.0),  # the Tempo day of the 7th
    HourUse(at(8, 2), "off_peak_blue", 1.0),
]
FIRST, LAST = date(2026, 1, 6), date(2026, 1, 8)  # 3 days of 31
OPTIONS = {
    TariffOption.BASE: OptionPrices({"all_hours": 0.20}, 12.40),
    TariffOption.OFF_PEAK: OptionPrices(
        {"off_peak": 0.15, "peak": 0.25}, 13.95, parse_hours("01:30-07:30")
    ),
    TariffOption.TEMPO: OptionPrices(TEMPO_2026.energy, 15.50),
}


def test_the_same_hours_under_three_options() -> None:
    # Base: 8.5 kWh x 0.20 = 1.70, + 3/31 x 12.40 = 1.20: 2.90.
    # Heures creuses 01:30-07:30: off-peak 1 (02:00) + 0.5 (05:00) + half of 1 (01:00) = 2 kWh
    #   x 0.15 = 0.30; peak 6.5 kWh x 0.25 = 1.625; + 3/31 x 13.95 = 1.35: 3.275.
    # Tempo: 0.5 x 0.10 + 2 x 0.80 + 1 x 0.30 + 3 x 0.20 + 2 x 0.10 = 2.75, + 1.50: 4.25.
    costs, cheapest = compare(USES, OPTIONS, FIRST, LAST)
    totals = {cost.option: round(cost.total, 3) for cost in costs}
    assert totals == {
        TariffOption.BASE: 2.90,
        TariffOption.OFF_PEAK: 3.275,
        TariffOption.TEMPO: 4.25,
    }
    assert [cost.option for cost in costs] == [
        TariffOption.BASE,
        TariffOption.OFF_PEAK,
        TariffOption.TEMPO,
    ]
    assert cheapest is TariffOption.BASE
    assert {cost.kwh for cost in costs} == {8.5}
    assert tempo_colours(USES) == {
        date(2026, 1, 5): TempoColour.BLUE,
        date(2026, 1, 6): TempoColour.RED,
        date(2026, 1, 7): TempoColour.BLUE,
    }


def test_tempo_without_colours_is_not_called_the_cheapest() -> None:
    # A Heures creuses meter: no Tempo colour known, Tempo prices nothing.
    uses = [HourUse(at(6, 3), "off_peak", 4.0), HourUse(at(6, 10), "peak", 2.0)]
    options = {
        TariffOption.OFF_PEAK: OPTIONS[TariffOption.OFF_PEAK],
        TariffOption.TEMPO: OptionPrices(TEMPO_2026.energy, 0.0),
    }
    costs, cheapest = compare(uses, options, FIRST, FIRST)
    tempo = next(cost for cost in costs if cost.option is TariffOption.TEMPO)
    assert (tempo.total, tempo.unpriced_kwh) == (0.0, 6.0)
    assert cheapest is TariffOption.OFF_PEAK
    # 4 x 0.15 + 2 x 0.25 = 1.10, + 13.95 / 31 = 0.45
    assert costs[1].total == pytest.approx(1.55)


def test_hours_split_by_the_off_peak_ranges_on_the_night_clocks_go_forward() -> None:
    hours = parse_hours("01:30-07:30")
    # 29 March 2026, 00:00 UTC is 01:00 CET: half inside; 01:00 UTC is already 03:00 CEST.
    assert off_peak_share(datetime(2026, 3, 29, 0, tzinfo=UTC), hours) == 0.5
    assert off_peak_share(datetime(2026, 3, 29, 1, tzinfo=UTC), hours) == 1.0
    assert off_peak_share(datetime(2026, 3, 29, 5, tzinfo=UTC), hours) == 0.5  # 07:00 CEST
    assert off_peak_share(datetime(2026, 3, 29, 6, tzinfo=UTC), hours) == 0.0
