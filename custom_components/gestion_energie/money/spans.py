"""Europe/Paris days, months and years: where costs reset, and the subscription's share.

The subscription is billed per month; each day of a month carries an equal share of it
(a 23-hour or 25-hour day of a clock change is one day like the others), counted in full
from the day's start.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from ..tic import PARIS
from .prices import PriceSet, price_set_at


class Span(StrEnum):
    """The spans costs are summed over."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def paris_day(at: datetime) -> date:
    """The Europe/Paris day of an aware time."""
    return at.astimezone(PARIS).date()


def span_start(span: Span, day: date) -> date:
    """The first day of the span holding `day`."""
    match span:
        case Span.DAY:
            return day
        case Span.MONTH:
            return day.replace(day=1)
        case Span.YEAR:
            return day.replace(month=1, day=1)


def midnight(day: date) -> datetime:
    """The aware time a Paris day starts."""
    return datetime.combine(day, time(), PARIS)


def days_in_month(day: date) -> int:
    """How many days the month of `day` has."""
    return calendar.monthrange(day.year, day.month)[1]


def subscription_share(sets: Sequence[PriceSet], day: date) -> float:
    """The subscription's share of one day: the month's price over the month's days."""
    price_set = price_set_at(sets, day)
    if price_set is None:
        return 0.0
    return price_set.subscription_per_month / days_in_month(day)


def subscription_so_far(sets: Sequence[PriceSet], span: Span, today: date) -> float:
    """The subscription's share of the span holding `today`, its days up to today included."""
    day = span_start(span, today)
    total = 0.0
    while day <= today:
        total += subscription_share(sets, day)
        day += timedelta(days=1)
    return total
