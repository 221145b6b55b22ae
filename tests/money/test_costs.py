"""Costs from index readings and dated price sets, on examples worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.gestion_energie.money.costs import CostLedger, Reading
from custom_components.gestion_energie.money.prices import (
    PriceSet,
    format_subscriptions,
    parse_subscriptions,
    price_set_at,
    sorted_sets,
)
from custom_components.gestion_energie.money.spans import (
    Span,
    days_in_month,
    midnight,
    paris_day,
    subscription_so_far,
)
from custom_components.gestion_energie.tic import PARIS

TEMPO_LABELS = {
    "BBRHCJB": "off_peak_blue",
    "BBRHPJB": "peak_blue",
    "BBRHCJW": "off_peak_white",
    "BBRHPJW": "peak_white",
    "BBRHCJR": "off_peak_red",
    "BBRHPJR": "peak_red",
}
TEMPO_2026 = PriceSet(
    valid_from=date(2026, 1, 1),
    energy={
        "off_peak_blue": 0.10,
        "peak_blue": 0.20,
        "off_peak_white": 0.15,
        "peak_white": 0.25,
        "off_peak_red": 0.30,
        "peak_red": 0.80,
    },
    subscription_per_month=15.50,  # 0.50 a day in a 31-day month
)


def paris(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


class TempoHome:
    """Historic-mode Tempo indexes, moved by hand: kWh added to the day's colour."""

    def __init__(self) -> None:
        self.wh = dict.fromkeys(TEMPO_LABELS, 1_000_000)

    def readings(self) -> dict[str, Reading]:
        return {label: Reading(TEMPO_LABELS[label], wh) for label, wh in self.wh.items()}

    def use(self, colour: str, off_peak_kwh: int, peak_kwh: int) -> None:
        self.wh[f"BBRHCJ{colour}"] += off_peak_kwh * 1000
        self.wh[f"BBRHPJ{colour}"] += peak_kwh * 1000


def test_a_tempo_month_with_red_days() -> None:
    # January 2026: red on the 6th and 7th, white on the 13th to the 15th, blue otherwise;
    # every day 5 kWh off-peak and 10 kWh peak.
    #   blue  26 days x (5 x 0.10 + 10 x 0.20) = 26 x 2.50 = 65.00
    #   white  3 days x (5 x 0.15 + 10 x 0.25) =  3 x 3.25 =  9.75
    #   red    2 days x (5 x 0.30 + 10 x 0.80) =  2 x 9.50 = 19.00
    # energy 93.75, subscription 15.50: 109.25 for the month.
    sets = [TEMPO_2026]
    home = TempoHome()
    ledger = CostLedger()
    ledger.record(paris(2026, 1, 1, 0, 0, 30), home.readings(), sets)  # counts nothing
    red_day_total = None
    for day in range(1, 32):
        colour = "R" if day in {6, 7} else "W" if day in {13, 14, 15} else "B"
        home.use(colour, 5, 10)
        ledger.record(paris(2026, 1, day, 20), home.readings(), sets)
        if day == 6:
            red_day_total = ledger.total(Span.DAY, sets, date(2026, 1, 6))
    assert red_day_total == pytest.approx(9.50 + 0.50)
    today = date(2026, 1, 31)
    month = ledger.spans[Span.MONTH]
    assert round(month.energy_cost, 2) == 93.75
    assert round(month.periods["peak_red"].cost, 2) == 16.00
    assert month.periods["peak_red"].energy_wh == 20_000
    assert round(ledger.total(Span.MONTH, sets, today) or 0, 2) == 109.25
    assert round(ledger.total(Span.YEAR, sets, today) or 0, 2) == 109.25
    assert round(ledger.total(Span.DAY, sets, today) or 0, 2) == 2.50 + 0.50


def test_a_price_change_mid_month_leaves_the_first_half_as_it_was() -> None:
    # 0.20 €/kWh and 12.40 €/month (0.40 a day) until the 15th, then 0.25 and 15.50 (0.50):
    # 10 kWh a day: 15 x 2.00 + 16 x 2.50 = 70.00 of energy, 15 x 0.40 + 16 x 0.50 = 14.00.
    sets = sorted_sets(
        [
            PriceSet(date(2026, 1, 16), {"all_hours": 0.25}, 15.50),
            PriceSet(date(2026, 1, 1), {"all_hours": 0.20}, 12.40),
        ]
    )
    assert [price_set.valid_from.day for price_set in sets] == [1, 16]
    assert price_set_at(sets, date(2025, 12, 31)) is None
    assert price_set_at(sets, date(2026, 1, 15)) is sets[0]
    ledger = CostLedger()
    index = 5_000_000
    ledger.record(paris(2026, 1, 1, 0, 1), {"BASE": Reading("all_hours", index)}, sets)
    for day in range(1, 32):
        index += 10_000
        ledger.record(paris(2026, 1, day, 23), {"BASE": Reading("all_hours", index)}, sets)
        if day == 15:
            assert round(ledger.total(Span.MONTH, sets, date(2026, 1, 15)) or 0, 2) == 36.00
    assert round(ledger.spans[Span.MONTH].energy_cost, 2) == 70.00
    assert subscription_so_far(sets, Span.MONTH, date(2026, 1, 31)) == pytest.approx(14.00)
    assert round(ledger.total(Span.MONTH, sets, date(2026, 1, 31)) or 0, 2) == 84.00


@pytest.mark.parametrize(
    ("before", "after", "hours"),
    [
        # 29 March 2026: clocks go forward, a 23-hour day; midnight is 23:00 UTC the day before.
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), datetime(2026, 3, 28, 23, 1, tzinfo=UTC), 23),
        # 25 October 2026: clocks go back, a 25-hour day; the 26th starts at 23:00 UTC.
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), datetime(2026, 10, 25, 23, 1, tzinfo=UTC), 25),
    ],
)
def test_days_turn_at_paris_midnight_on_clock_change_days(
    before: datetime, after: datetime, hours: int
) -> None:
    sets = [PriceSet(date(2026, 1, 1), {"all_hours": 0.20}, 15.50)]  # 31-day months: 0.50
    ledger = CostLedger()
    ledger.record(before - timedelta(hours=1), {"BASE": Reading("all_hours", 1_000_000)}, sets)
    ledger.record(before, {"BASE": Reading("all_hours", 1_001_000)}, sets)  # 1 kWh, last day
    ledger.record(after, {"BASE": Reading("all_hours", 1_003_000)}, sets)  # 2 kWh, new day
    new_day = paris_day(after)
    assert new_day == paris_day(before) + timedelta(days=1)
    assert before.date() == after.date()  # the same UTC day
    assert ledger.spans[Span.DAY].start == new_day
    # The clock-change day is one day of subscription like the others.
    changing_day = new_day if hours == 23 else new_day - timedelta(days=1)
    length = midnight(changing_day + timedelta(days=1)).astimezone(UTC) - midnight(
        changing_day
    ).astimezone(UTC)
    assert length == timedelta(hours=hours)
    assert days_in_month(changing_day) == 31
    assert ledger.total(Span.DAY, sets, new_day) == pytest.approx(2 * 0.20 + 0.50)
    assert ledger.spans[Span.MONTH].energy_cost == pytest.approx(3 * 0.20)


def test_a_restart_counts_each_delta_once() -> None:
    sets = [TEMPO_2026]
    home = TempoHome()
    straight, restarted = CostLedger(), CostLedger()
    for ledger in (straight, restarted):
        ledger.record(paris(2026, 1, 1, 1), home.readings(), sets)
    home.use("B", 3, 0)
    for ledger in (straight, restarted):
        ledger.record(paris(2026, 1, 1, 5), home.readings(), sets)
    saved = restarted.as_dict()
    # While Home Assistant is down, the meter keeps counting; the saved state comes back.
    home.use("B", 0, 7)
    restarted = CostLedger.from_dict(saved)
    for ledger in (straight, restarted):
        ledger.record(paris(2026, 1, 1, 9), home.readings(), sets)
        ledger.record(paris(2026, 1, 1, 9, 0, 2), home.readings(), sets)  # the same again
    assert restarted.as_dict() == straight.as_dict()
    assert restarted.spans[Span.DAY].energy_cost == pytest.approx(3 * 0.10 + 7 * 0.20)


def test_energy_without_a_price_is_counted_but_not_priced() -> None:
    sets = [PriceSet(date(2026, 2, 1), {"all_hours": 0.20}, 10.0)]
    ledger = CostLedger()
    assert ledger.total(Span.DAY, sets, date(2026, 1, 30)) is None  # nothing read yet
    ledger.record(paris(2026, 1, 30, 12), {"BASE": Reading("all_hours", 100)}, sets)
    ledger.record(paris(2026, 1, 30, 13), {"BASE": Reading("all_hours", 1100)}, sets)
    ledger.record(paris(2026, 1, 30, 14), {"BASE": Reading("all_hours", 50)}, sets)  # replaced
    ledger.record(paris(2026, 1, 30, 15), {"BASE": Reading("all_hours", 550)}, sets)
    period = ledger.spans[Span.DAY].periods["all_hours"]
    assert (period.energy_wh, period.unpriced_wh, period.cost) == (1500, 1500, 0.0)
    assert ledger.total(Span.DAY, sets, date(2026, 1, 30)) == 0.0
    # The next month begins afresh, and a new year too.
    ledger.record(paris(2026, 2, 1, 0, 5), {"BASE": Reading("all_hours", 1550)}, sets)
    assert ledger.spans[Span.MONTH].start == date(2026, 2, 1)
    assert ledger.total(Span.MONTH, sets, date(2026, 2, 1)) == pytest.approx(0.20 + 10 / 28)
    assert ledger.total(Span.YEAR, sets, date(2027, 1, 1)) == pytest.approx(10 / 31)


def test_a_year_of_subscription_is_twelve_months() -> None:
    sets = [PriceSet(date(2025, 6, 1), {}, 12.0)]
    assert subscription_so_far(sets, Span.YEAR, date(2026, 12, 31)) == pytest.approx(144.0)
    assert subscription_so_far(sets, Span.YEAR, date(2026, 3, 1)) == pytest.approx(24 + 12 / 31)
    assert PriceSet.from_dict(sets[0].as_dict()) == sets[0]


def test_subscriptions_of_other_powers() -> None:
    others = parse_subscriptions("3: 11.73, 9: 19.81")
    assert others == {3: 11.73, 9: 19.81}
    assert format_subscriptions(others) == "3: 11.73, 9: 19.81"
    price_set = PriceSet(date(2026, 1, 1), {}, 15.47, other_subscriptions=others)
    assert price_set.subscriptions(6) == {3: 11.73, 6: 15.47, 9: 19.81}
    assert PriceSet.from_dict(price_set.as_dict()) == price_set
    with pytest.raises(ValueError, match="not a pair"):
        parse_subscriptions("3 kVA")
