"""The subscribed-power advisor on peaks worked out by hand with the 54E §7 filter.

From a 1 kVA base load on a 3 kVA subscription (X = 1/3, Y = 0.111), a load held at X cuts
when Y(t) = X² + (0.111 - X²) x 0.992^t reaches 1.69:
- 4.2 kVA (X = 1.4):  0.992^t = 0.27 / 1.849 = 0.146, t = 240 s;
- 4.5 kVA (X = 1.5):  0.992^t = 0.56 / 2.139 = 0.262, t = 167 s;
- 5 kVA on 6 kVA (X = 0.83), at or below 1.3 x the power: never.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.gestion_energie.money.advisor import (
    ENOUGH_DAYS,
    HISTORY_DAYS,
    PeakWatch,
    advise,
)

DAY = date(2026, 1, 5)


def day_with_peak(
    watch: PeakWatch, day: date, peak_va: float, seconds: int, shed_va: float = 0.0
) -> None:
    """A day of 1 kVA with one peak, a reading every 2 s around it."""
    start = (day - date(2026, 1, 1)).days * 86400.0
    for t in range(0, 600, 2):
        watch.update(day, start + t, 1000)
    for t in range(600, 600 + seconds, 2):
        watch.update(day, start + t, peak_va, shed_va)
    for t in range(600 + seconds, 1200 + seconds, 2):
        watch.update(day, start + t, 1000)


@pytest.mark.parametrize(
    ("peak_va", "seconds", "lowest_kva"),
    [
        (4200, 60, 3),  # 1.4 x 3 kVA for a minute: well before its 240 s
        (4200, 230, 3),
        (4200, 250, 6),  # past 240 s: 3 kVA would have cut
        (4500, 160, 3),
        (4500, 175, 6),  # past 167 s
        (7800, 3600, 6),  # an hour at exactly 1.3 x 6 kVA never cuts it
        (7900, 3600, 9),  # just above: an hour is long enough
    ],
)
def test_the_lowest_power_that_would_not_have_cut(
    peak_va: float, seconds: int, lowest_kva: int
) -> None:
    watch = PeakWatch()
    day_with_peak(watch, DAY, peak_va, seconds)
    advice = advise(watch.days, 6, {})
    assert advice.recommended_kva == lowest_kva
    assert advice.highest_peak_va == peak_va
    assert advice.days == 1
    assert not advice.enough_days


def test_with_load_shedding_and_without_it() -> None:
    # 2.5 kVA drawn while shedding held 2 kVA off: 4.5 kVA for 300 s had it not acted.
    watch = PeakWatch()
    day_with_peak(watch, DAY, 2500, 300, shed_va=2000)
    advice = advise(watch.days, 6, {3: 11.73, 6: 15.47})
    assert (advice.recommended_kva, advice.without_shedding_kva) == (3, 6)
    assert advice.saving_per_year == pytest.approx(12 * (15.47 - 11.73))  # 44.88
    assert advice.cut_days[3] == 0


def test_advice_is_backed_by_enough_days_and_keeps_a_year() -> None:
    watch = PeakWatch()
    for offset in range(ENOUGH_DAYS - 1):
        day_with_peak(watch, DAY + timedelta(days=offset), 2000, 60)
    assert not advise(watch.days, 6, {}).lower_fits
    day_with_peak(watch, DAY + timedelta(days=ENOUGH_DAYS - 1), 2000, 60)
    advice = advise(watch.days, 6, {})
    assert advice.lower_fits
    assert advice.saving_per_year is None  # the 3 kVA subscription's price was not entered
    # One day over 3 kVA for long: 3 kVA cut on that day, 6 kVA is advised, no lower fits.
    day_with_peak(watch, DAY + timedelta(days=ENOUGH_DAYS), 5000, 600)
    advice = advise(watch.days, 6, {})
    assert (advice.recommended_kva, advice.cut_days[3], advice.lower_fits) == (6, 1, False)
    # A year later the days of then are forgotten.
    late = DAY + timedelta(days=ENOUGH_DAYS + HISTORY_DAYS)
    day_with_peak(watch, late, 2000, 60)
    assert min(watch.days) > DAY + timedelta(days=ENOUGH_DAYS)
    restored = PeakWatch.from_dict(watch.as_dict())
    assert restored.days == watch.days


def test_no_day_no_advice() -> None:
    advice = advise({}, None, {})
    assert (advice.recommended_kva, advice.days, advice.lower_fits) == (None, 0, False)
