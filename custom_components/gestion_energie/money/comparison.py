"""The same consumption priced under Base, Heures creuses and Tempo.

The consumption is given hour by hour, per period (the recorder's hourly statistics of the
per-period indexes). Base prices every kWh alike; Heures creuses splits each hour by the share
of it inside the contract's off-peak hours (consumption taken as even within the hour);
Tempo's off-peak hours are 22:00 to 06:00 and each Tempo day (06:00 to 06:00) takes the colour
the meter reported for it, known only where a coloured index counted that day: the kWh of
days without a colour are left unpriced, and an option with unpriced kWh is not called the
cheapest. The subscription is each day's share of the month's price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from ..meter.periods import period_key
from ..tic import PARIS
from ..tic.interpret import Period, TariffPeriod, TempoColour
from .schedule import TEMPO_OFF_PEAK_START, TEMPO_PEAK_START, Hours
from .spans import days_in_month


class TariffOption(StrEnum):
    """The options compared."""

    BASE = "base"
    OFF_PEAK = "off_peak"
    TEMPO = "tempo"


# The periods each option prices, named as the indexes are.
OPTION_PERIODS: dict[TariffOption, tuple[str, ...]] = {
    TariffOption.BASE: (Period.ALL_HOURS.value,),
    TariffOption.OFF_PEAK: (Period.OFF_PEAK.value, Period.PEAK.value),
    TariffOption.TEMPO: tuple(
        period_key(TariffPeriod(hours, colour))
        for colour in (TempoColour.BLUE, TempoColour.WHITE, TempoColour.RED)
        for hours in (Period.OFF_PEAK, Period.PEAK)
    ),
}
_COLOURS = {colour.name.lower(): colour for colour in TempoColour if colour is not TempoColour.NONE}
TEMPO_HOURS: Hours = ((TEMPO_OFF_PEAK_START, TEMPO_PEAK_START),)


@dataclass(frozen=True, slots=True)
class HourUse:
    """kWh counted by a period's index in the hour from `start`."""

    start: datetime
    period: str
    kwh: float


@dataclass(frozen=True, slots=True)
class OptionPrices:
    """An option's prices: € per kWh by period, € a month, and its off-peak hours."""

    energy: Mapping[str, float]
    subscription_per_month: float
    off_peak_hours: Hours = ()


@dataclass(frozen=True, slots=True)
class OptionCost:
    """What the consumption would have cost under one option."""

    option: TariffOption
    energy_cost: float
    subscription: float
    kwh: float
    unpriced_kwh: float

    @property
    def total(self) -> float:
        """Energy and subscription."""
        return self.energy_cost + self.subscription


def tempo_day(start: datetime) -> date:
    """The Tempo day (06:00 to 06:00, Europe/Paris) an hour belongs to."""
    return (start.astimezone(PARIS) - timedelta(hours=6)).date()


def tempo_colours(uses: Iterable[HourUse]) -> dict[date, TempoColour]:
    """The colour of each Tempo day in which a coloured index counted."""
    colours: dict[date, TempoColour] = {}
    for use in uses:
        colour = _COLOURS.get(use.period.rsplit("_", 1)[-1])
        if colour is not None and use.kwh > 0:
            colours[tempo_day(use.start)] = colour
    return colours


def _inside(moment: time, start: time, end: time) -> bool:
    return start <= moment < end if start < end else moment >= start or moment < end


def off_peak_share(start: datetime, hours: Hours) -> float:
    """The share of the hour from `start` inside the off-peak ranges, minute by minute."""
    inside = sum(
        any(
            _inside((start + timedelta(minutes=minute)).astimezone(PARIS).time(), low, high)
            for low, high in hours
        )
        for minute in range(60)
    )
    return inside / 60


def subscription(monthly: float, first: date, last: date) -> float:
    """The subscription's share of the days from `first` to `last` included."""
    total, day = 0.0, first
    while day <= last:
        total += monthly / days_in_month(day)
        day += timedelta(days=1)
    return total


def _hourly(uses: Iterable[HourUse]) -> dict[datetime, float]:
    hourly: dict[datetime, float] = defaultdict(float)
    for use in uses:
        hourly[use.start] += use.kwh
    return hourly


def price_option(
    option: TariffOption,
    uses: list[HourUse],
    prices: OptionPrices,
    first: date,
    last: date,
) -> OptionCost:
    """The consumption of `uses` priced under `option`, over the days `first` to `last`."""
    energy = prices.energy
    hourly = _hourly(uses)
    colours = tempo_colours(uses) if option is TariffOption.TEMPO else {}
    cost = unpriced = 0.0
    for start, kwh in hourly.items():
        match option:
            case TariffOption.BASE:
                cost += kwh * energy[Period.ALL_HOURS.value]
            case TariffOption.OFF_PEAK:
                share = off_peak_share(start, prices.off_peak_hours)
                cost += kwh * (share * energy["off_peak"] + (1 - share) * energy["peak"])
            case TariffOption.TEMPO:
                colour = colours.get(tempo_day(start))
                if colour is None:
                    unpriced += kwh
                    continue
                name = colour.name.lower()
                share = off_peak_share(start, TEMPO_HOURS)
                cost += kwh * (
                    share * energy[f"off_peak_{name}"] + (1 - share) * energy[f"peak_{name}"]
                )
    return OptionCost(
        option=option,
        energy_cost=cost,
        subscription=subscription(prices.subscription_per_month, first, last),
        kwh=sum(hourly.values()),
        unpriced_kwh=unpriced,
    )


def compare(
    uses: list[HourUse], options: Mapping[TariffOption, OptionPrices], first: date, last: date
) -> tuple[list[OptionCost], TariffOption | None]:
    """Every option priced, cheapest first, and the cheapest of those priced in full."""
    costs = sorted(
        (price_option(option, uses, prices, first, last) for option, prices in options.items()),
        key=lambda cost: cost.total,
    )
    cheapest = next((cost.option for cost in costs if not cost.unpriced_kwh), None)
    return costs, cheapest
