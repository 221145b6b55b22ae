"""Dated price sets: a price per kWh for each tariff period, and the monthly subscription.

A set applies from its date (a Europe/Paris day) until the next set's: a price change on
1 February leaves January's costs as they were. Periods are named as the meter's indexes are
(`off_peak`, `peak_red`..., see `meter/periods.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .schedule import Hours, format_hours, parse_hours


@dataclass(frozen=True, slots=True)
class PriceSet:
    """What a kWh costs in each period, and the subscription per month, from `valid_from`."""

    valid_from: date
    energy: Mapping[str, float] = field(default_factory=dict)  # €/kWh by period name
    subscription_per_month: float = 0.0  # € per month, for the subscribed power
    off_peak_hours: Hours = ()  # Heures creuses: the contract's off-peak ranges
    # € a month of other subscribed powers (kVA), for the advisor's saving
    other_subscriptions: Mapping[int, float] = field(default_factory=dict)

    def subscriptions(self, current_kva: int | None) -> dict[int, float]:
        """€ a month by subscribed power: the others entered, and the current one's."""
        known = dict(self.other_subscriptions)
        if current_kva is not None:
            known[current_kva] = self.subscription_per_month
        return known

    def as_dict(self) -> dict[str, Any]:
        """The set as stored in the entry's options."""
        return {
            "valid_from": self.valid_from.isoformat(),
            "energy": dict(self.energy),
            "subscription_per_month": self.subscription_per_month,
            "off_peak_hours": format_hours(self.off_peak_hours),
            "other_subscriptions": format_subscriptions(self.other_subscriptions),
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> PriceSet:
        """A set from the entry's options."""
        return cls(
            valid_from=date.fromisoformat(str(stored["valid_from"])),
            energy={str(name): float(price) for name, price in stored["energy"].items()},
            subscription_per_month=float(stored["subscription_per_month"]),
            off_peak_hours=parse_hours(str(stored.get("off_peak_hours", ""))),
            other_subscriptions=parse_subscriptions(str(stored.get("other_subscriptions", ""))),
        )


def sorted_sets(sets: Iterable[PriceSet]) -> list[PriceSet]:
    """The sets by date; of two sets of the same date, the later given wins."""
    by_date = {price_set.valid_from: price_set for price_set in sets}
    return [by_date[day] for day in sorted(by_date)]


def price_set_at(sets: Sequence[PriceSet], day: date) -> PriceSet | None:
    """The set in effect on `day` (`sets` sorted by date), or None before the first."""
    current = None
    for price_set in sets:
        if price_set.valid_from > day:
            break
        current = price_set
    return current


def energy_price(sets: Sequence[PriceSet], day: date, period: str | None) -> float | None:
    """€/kWh of `period` on `day`, if a set in effect prices it."""
    price_set = price_set_at(sets, day)
    if price_set is None or period is None:
        return None
    return price_set.energy.get(period)


def parse_subscriptions(text: str) -> dict[int, float]:
    """Subscriptions of other powers as `3: 11.73, 9: 19.81` (kVA: € a month).

    Raises ValueError when a pair cannot be read.
    """
    prices: dict[int, float] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            kva, price = part.split(":")
            prices[int(kva)] = float(price)
        except ValueError:
            msg = f"subscription {part.strip()!r}: not a pair kVA: price"
            raise ValueError(msg) from None
    return prices


def format_subscriptions(prices: Mapping[int, float]) -> str:
    """Subscriptions of other powers as `parse_subscriptions` reads them."""
    return ", ".join(f"{kva}: {price:g}" for kva, price in sorted(prices.items()))
