"""The action `compare_tariffs`: the recorded consumption priced under each tariff option.

Base, Heures creuses and Tempo, from the recorder's hourly statistics of the meter's
per-period indexes.
Each option's prices come from the price set in effect (when it prices the option's periods)
and from the action's fields, which win. An option left without a price is not compared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, UnitOfEnergy
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_get_config_entry
import probatio

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .meter.periods import is_period_index
from .money.comparison import OPTION_PERIODS, HourUse, OptionPrices, TariffOption, compare
from .money.prices import price_set_at
from .money.readings import period_name
from .money.schedule import Hours, parse_hours
from .money.spans import paris_day
from .money_manager import MoneyTracker

SERVICE_COMPARE_TARIFFS = "compare_tariffs"
ATTR_START = "start"
ATTR_END = "end"
ATTR_SUBSCRIPTION = "subscription_per_month"
ATTR_OFF_PEAK_HOURS = "off_peak_hours"
DEFAULT_SPAN = timedelta(days=365)

_PRICE = probatio.All(probatio.Coerce(float), probatio.Range(min=0, max=1000))
OPTION_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_SUBSCRIPTION): _PRICE,
        probatio.Optional(ATTR_OFF_PEAK_HOURS): cv.string,
        **{
            probatio.Optional(period): _PRICE
            for periods in OPTION_PERIODS.values()
            for period in periods
        },
    }
)
COMPARE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Optional(ATTR_START): cv.datetime,
        probatio.Optional(ATTR_END): cv.datetime,
        **{probatio.Optional(option.value): OPTION_SCHEMA for option in TariffOption},
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def option_prices(
    tracker: MoneyTracker, option: TariffOption, given: dict[str, Any], day: Any
) -> OptionPrices | str:
    """The option's prices, or what is missing to price it."""
    price_set = price_set_at(tracker.price_sets, day)
    periods = OPTION_PERIODS[option]
    energy: dict[str, float] = {}
    subscription: float | None = None
    hours: Hours = ()
    if price_set is not None and all(period in price_set.energy for period in periods):
        energy = {period: price_set.energy[period] for period in periods}
        subscription, hours = price_set.subscription_per_month, price_set.off_peak_hours
    energy.update({period: given[period] for period in periods if period in given})
    subscription = given.get(ATTR_SUBSCRIPTION, subscription)
    if ATTR_OFF_PEAK_HOURS in given:
        try:
            hours = parse_hours(given[ATTR_OFF_PEAK_HOURS])
        except ValueError:
            raise _error("invalid_hours", hours=given[ATTR_OFF_PEAK_HOURS]) from None
    missing = [period for period in periods if period not in energy]
    if subscription is None:
        missing.append(ATTR_SUBSCRIPTION)
    if option is TariffOption.OFF_PEAK and not hours:
        missing.append(ATTR_OFF_PEAK_HOURS)
    if missing:
        return "missing: " + ", ".join(missing)
    assert subscription is not None  # noqa: S101 - checked with the missing prices
    return OptionPrices(energy, subscription, hours)


def _index_statistics(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> dict[str, str]:
    """The entity id of each per-period index sensor of the meter, with its label."""
    prefix = f"{entry.unique_id}_"
    return {
        entity.entity_id: entity.unique_id.removeprefix(prefix).upper()
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if entity.domain == "sensor"
        and entity.unique_id.startswith(prefix)
        and is_period_index(entity.unique_id.removeprefix(prefix).upper())
    }


async def _async_compare_tariffs(call: ServiceCall) -> ServiceResponse:
    """Price the recorded consumption under each option whose prices are known."""
    hass = call.hass
    entry: GestionEnergieConfigEntry = async_get_config_entry(
        hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    tracker = entry.runtime_data.money
    assert tracker is not None  # noqa: S101 - every loaded meter entry has one
    end = _aware(call.data.get(ATTR_END, tracker.now()))
    start = _aware(call.data.get(ATTR_START, end - DEFAULT_SPAN))
    indexes = _index_statistics(hass, entry)
    if "recorder" not in hass.config.components or not indexes:
        raise _error("no_statistics", meter=entry.title)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        end,
        set(indexes),
        "hour",
        {"energy": UnitOfEnergy.KILO_WATT_HOUR},
        {"change"},
    )
    data = entry.runtime_data.coordinator.data
    uses = [
        HourUse(
            datetime.fromtimestamp(row["start"], UTC),
            period_name(indexes[statistic_id], data),
            float(row.get("change") or 0.0),
        )
        for statistic_id, statistic_rows in rows.items()
        for row in statistic_rows
    ]
    if not uses:
        raise _error("no_statistics", meter=entry.title)
    first = paris_day(min(use.start for use in uses))
    last = paris_day(max(use.start for use in uses))
    options: dict[TariffOption, OptionPrices] = {}
    not_compared: dict[str, str] = {}
    for option in TariffOption:
        prices = option_prices(tracker, option, call.data.get(option.value, {}), last)
        if isinstance(prices, str):
            not_compared[option.value] = prices
        else:
            options[option] = prices
    costs, cheapest = compare(uses, options, first, last)
    report: dict[str, Any] = {
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "hours": len({use.start for use in uses}),
        "kwh": round(sum(use.kwh for use in uses), 3),
        "cheapest": None if cheapest is None else cheapest.value,
        "options": {
            cost.option.value: {
                "total": round(cost.total, 2),
                "energy": round(cost.energy_cost, 2),
                "subscription": round(cost.subscription, 2),
                "kwh": round(cost.kwh, 3),
                "unpriced_kwh": round(cost.unpriced_kwh, 3),
            }
            for cost in costs
        },
        "not_compared": not_compared,
    }
    tracker.set_comparison(report)
    return report


def async_setup_money_services(hass: HomeAssistant) -> None:
    """Register `compare_tariffs`."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_COMPARE_TARIFFS,
        _async_compare_tariffs,
        schema=COMPARE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
