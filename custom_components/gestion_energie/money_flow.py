"""The options step of prices: a dated price set, with a price for each period the meter reports.

The periods offered are those of the meter's indexes (`money/readings.py`), named as the index
sensors are. A set given for a date that has one replaces it; sets may be removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

from homeassistant.const import CURRENCY_EURO, UnitOfEnergy
from homeassistant.helpers.selector import (
    DateSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
)
import probatio

from .const import CONF_PRICE_SETS
from .money.prices import (
    PriceSet,
    format_subscriptions,
    parse_subscriptions,
    price_set_at,
    sorted_sets,
)
from .money.schedule import format_hours, parse_hours
from .tic.interpret import Period

CONF_VALID_FROM = "valid_from"
CONF_SUBSCRIPTION = "subscription_per_month"
CONF_REMOVE = "remove"
CONF_OFF_PEAK_HOURS = "off_peak_hours"
CONF_OTHER_SUBSCRIPTIONS = "other_subscriptions"
PRICE_PREFIX = "price_"


# The form's error of each text field that cannot be read.
FIELD_ERRORS = {
    CONF_OFF_PEAK_HOURS: "invalid_hours",
    CONF_OTHER_SUBSCRIPTIONS: "invalid_subscriptions",
}


class InvalidFieldError(ValueError):
    """A text field of the prices form that cannot be read."""

    def __init__(self, key: str) -> None:
        """Name the field."""
        super().__init__(key)
        self.key = key


def _parsed[Parsed](
    user_input: Mapping[str, Any], key: str, parse: Callable[[str], Parsed]
) -> Parsed:
    try:
        return parse(str(user_input.get(key, "")))
    except ValueError:
        raise InvalidFieldError(key) from None


def _amount(maximum: float, step: float | Literal["any"], unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=0, max=maximum, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


def _default(value: float | None) -> dict[str, Any]:
    return {} if value is None else {"default": value}


def prices_schema(periods: Sequence[str], sets: Sequence[PriceSet], today: date) -> probatio.Schema:
    """The form: the date, the subscription and a price per period, from the set in effect."""
    current = price_set_at(sets, today)
    energy = {} if current is None else current.energy
    subscription = None if current is None else current.subscription_per_month
    fields: dict[Any, Any] = {
        probatio.Required(CONF_VALID_FROM, default=today.isoformat()): DateSelector(),
        probatio.Required(CONF_SUBSCRIPTION, **_default(subscription)): _amount(
            1000, 0.01, CURRENCY_EURO
        ),
    }
    for period in periods:
        fields[probatio.Required(f"{PRICE_PREFIX}{period}", **_default(energy.get(period)))] = (
            _amount(10, "any", f"{CURRENCY_EURO}/{UnitOfEnergy.KILO_WATT_HOUR}")
        )
    others = "" if current is None else format_subscriptions(current.other_subscriptions)
    fields[probatio.Optional(CONF_OTHER_SUBSCRIPTIONS, default=others)] = TextSelector()
    if Period.OFF_PEAK.value in periods:  # Heures creuses: the contract's hours
        hours = "" if current is None else format_hours(current.off_peak_hours)
        fields[probatio.Optional(CONF_OFF_PEAK_HOURS, default=hours)] = TextSelector()
    if sets:
        dates = [price_set.valid_from.isoformat() for price_set in sets]
        fields[probatio.Optional(CONF_REMOVE, default=[])] = SelectSelector(
            SelectSelectorConfig(options=dates, multiple=True)
        )
    return probatio.Schema(fields)


def updated_options(
    options: Mapping[str, Any], periods: Sequence[str], user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """The options with the set entered added (or replacing that date's), and sets removed.

    Raises InvalidFieldError for a text field that cannot be read.
    """
    entered = PriceSet(
        valid_from=date.fromisoformat(str(user_input[CONF_VALID_FROM])),
        energy={period: float(user_input[f"{PRICE_PREFIX}{period}"]) for period in periods},
        subscription_per_month=float(user_input[CONF_SUBSCRIPTION]),
        off_peak_hours=_parsed(user_input, CONF_OFF_PEAK_HOURS, parse_hours),
        other_subscriptions=_parsed(user_input, CONF_OTHER_SUBSCRIPTIONS, parse_subscriptions),
    )
    removed = set(user_input.get(CONF_REMOVE, []))
    sets = [
        price_set
        for price_set in sorted_sets(
            [*(PriceSet.from_dict(stored) for stored in options.get(CONF_PRICE_SETS, [])), entered]
        )
        if price_set.valid_from.isoformat() not in removed or price_set is entered
    ]
    return {**options, CONF_PRICE_SETS: [price_set.as_dict() for price_set in sets]}
