"""Sensors of money: the price now, and what today, this month and this year cost.

The price now (€/kWh of the running period) is the Energy dashboard's "entity with the current
price"; when the period changes next, and the price from then, let an automation wait for
cheaper hours. The costs are totals that reset at the start of each Europe/Paris day, month and year
(`last_reset`), with the cost of each period and the subscription's share in attributes; each
period's cost has its own sensors too (disabled by default), added once the meter reports it.
They read the entry's `MoneyTracker` and follow the meter's update policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import CURRENCY_EURO, UnitOfApparentPower, UnitOfEnergy
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import GestionEnergieConfigEntry
from .entity import MeterEntity, MeterEntityDescription
from .meter.periods import INDEX_PERIODS, period_key
from .money.comparison import TariffOption
from .money.readings import reported_periods, running_period
from .money.spans import Span, midnight, span_start
from .money_manager import MoneyTracker

_NAMED_PERIODS = frozenset(period_key(period) for period in INDEX_PERIODS)


def _from_tracker(_data: object) -> None:
    """Money sensors read the tracker (`money_fn`), not the meter's data."""


@dataclass(frozen=True, kw_only=True)
class MoneySensorEntityDescription(SensorEntityDescription, MeterEntityDescription):
    """A sensor of the money tracker."""

    money_fn: Callable[[MoneyTracker], Any]
    span: Span | None = None  # the span a cost is summed over
    attributes_fn: Callable[[MoneyTracker], dict[str, Any]] | None = None
    value_fn: Callable[[Any], Any] = _from_tracker
    fast: bool = True  # costs move with the indexes


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _advice(tracker: MoneyTracker) -> dict[str, Any]:
    advice = tracker.advice()
    return {
        "current_kva": advice.current_kva,
        "without_shedding_kva": advice.without_shedding_kva,
        "days": advice.days,
        "enough_days": advice.enough_days,
        "highest_peak_va": round(advice.highest_peak_va),
        "cut_days": advice.cut_days,
        "saving_per_year": advice.saving_per_year,
    }


def _comparison(tracker: MoneyTracker) -> dict[str, Any]:
    report = tracker.comparison or {}
    return {
        "first_day": report.get("first_day"),
        "last_day": report.get("last_day"),
        "totals": {option: cost["total"] for option, cost in report.get("options", {}).items()},
    }


def _next_period(tracker: MoneyTracker) -> dict[str, Any]:
    change = tracker.next_change()
    return {"period": None if change is None else change.period}


def _cost(span: Span) -> MoneySensorEntityDescription:
    return MoneySensorEntityDescription(
        key=f"cost_{span.value}",
        translation_key=f"cost_{span.value}",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EURO,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        money_fn=lambda tracker: _rounded(tracker.total(span), 2),
        attributes_fn=lambda tracker: tracker.details(span),
        span=span,
    )


MONEY_SENSORS: tuple[MoneySensorEntityDescription, ...] = (
    MoneySensorEntityDescription(
        key="current_price",
        translation_key="current_price",
        native_unit_of_measurement=f"{CURRENCY_EURO}/{UnitOfEnergy.KILO_WATT_HOUR}",
        suggested_display_precision=4,
        money_fn=lambda tracker: _rounded(tracker.current_price(), 6),
        attributes_fn=lambda tracker: {"period": running_period(tracker.coordinator.data)},
        fast=False,
    ),
    *(_cost(span) for span in Span),
    MoneySensorEntityDescription(
        key="next_period_change",
        translation_key="next_period_change",
        device_class=SensorDeviceClass.TIMESTAMP,
        money_fn=lambda tracker: None if (change := tracker.next_change()) is None else change.at,
        attributes_fn=_next_period,
        fast=False,
    ),
    MoneySensorEntityDescription(
        key="next_period_price",
        translation_key="next_period_price",
        native_unit_of_measurement=f"{CURRENCY_EURO}/{UnitOfEnergy.KILO_WATT_HOUR}",
        suggested_display_precision=4,
        money_fn=lambda tracker: _rounded(tracker.next_price(), 6),
        attributes_fn=_next_period,
        fast=False,
    ),
    MoneySensorEntityDescription(
        key="cheapest_tariff",
        translation_key="cheapest_tariff",
        device_class=SensorDeviceClass.ENUM,
        options=[option.value for option in TariffOption],
        money_fn=lambda tracker: (tracker.comparison or {}).get("cheapest"),
        attributes_fn=_comparison,
        fast=False,
    ),
    MoneySensorEntityDescription(
        key="subscribed_power_advice",
        translation_key="subscribed_power_advice",
        native_unit_of_measurement=UnitOfApparentPower.KILO_VOLT_AMPERE,
        # Unknown until enough days were seen: a first summer day would advise 3 kVA to a
        # house heated by electricity. Its attributes tell the days seen so far.
        money_fn=lambda tracker: (
            advice.recommended_kva if (advice := tracker.advice()).enough_days else None
        ),
        attributes_fn=_advice,
        fast=False,
    ),
)


class MoneySensor(MeterEntity, SensorEntity):
    """A price or a cost of the meter's energy."""

    entity_description: MoneySensorEntityDescription

    def __init__(self, tracker: MoneyTracker, description: MoneySensorEntityDescription) -> None:
        """Attach the sensor to the meter's device."""
        super().__init__(tracker.coordinator, description)
        self.tracker = tracker

    @property
    @override
    def value(self) -> Any:
        """The state and its attributes: a change of either is written."""
        attributes = self.entity_description.attributes_fn
        return (
            self.entity_description.money_fn(self.tracker),
            None if attributes is None else attributes(self.tracker),
        )

    @property
    @override
    def native_value(self) -> Any:
        return self.value[0]

    @property
    @override
    def last_reset(self) -> datetime | None:
        span = self.entity_description.span
        return None if span is None else midnight(span_start(span, self.tracker.today()))

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        attributes: dict[str, Any] | None = self.value[1]
        return attributes


def period_cost(span: Span, period: str) -> MoneySensorEntityDescription:
    """The cost of one period over a span; disabled by default (Tempo has six periods)."""
    named = period in _NAMED_PERIODS
    slug = period if named else re.sub(r"[^a-z0-9]+", "_", period.lower()).strip("_")
    return MoneySensorEntityDescription(
        key=f"cost_{span.value}_{slug}",
        translation_key=f"cost_{span.value}_{period if named else 'label'}",
        translation_placeholders=None if named else {"label": period},
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EURO,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        money_fn=lambda tracker: _rounded(tracker.period_cost(span, period), 2),
        span=span,
        entity_registry_enabled_default=False,
    )


def async_add_money_sensors(
    entry: GestionEnergieConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the price and cost sensors of the meter, and a period's costs once it is seen."""
    tracker = entry.runtime_data.money
    if tracker is None:
        return
    async_add_entities(MoneySensor(tracker, description) for description in MONEY_SENSORS)
    seen: set[str] = set()

    @callback
    def add_new_periods() -> None:
        new = [p for p in reported_periods(tracker.coordinator.data) if p not in seen]
        if new:
            seen.update(new)
            async_add_entities(
                MoneySensor(tracker, period_cost(span, period)) for period in new for span in Span
            )

    add_new_periods()
    entry.async_on_unload(tracker.coordinator.async_add_listener(add_new_periods))
