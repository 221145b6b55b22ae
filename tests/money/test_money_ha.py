"""Prices and costs in a real Home Assistant with its recorder: the simulated meter driven for
a simulated day, prices entered in the options, and the Energy dashboard's validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import functools
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy.data import EnergyPreferencesUpdate, async_get_manager
from homeassistant.components.energy.validate import async_validate
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.gestion_energie.const import CONF_CONTRACT, CONF_PRICE_SETS, DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.money.advisor import PeakWatch
from custom_components.gestion_energie.money.readings import period_readings
from custom_components.gestion_energie.money.spans import Span
from custom_components.gestion_energie.money_manager import MoneyTracker
from custom_components.gestion_energie.tic import PARIS

from ..conftest import SIMULATED_ADDRESS, SIMULATOR_DATA

# Monday 4 January 2027 in Paris; Tempo days turn at 06:00, so two colours are counted.
START = datetime(2027, 1, 4, 0, 30, tzinfo=PARIS).timestamp()
STEP_S = 300
PRICES = {
    "off_peak_blue": 0.1296,
    "peak_blue": 0.1609,
    "off_peak_white": 0.1486,
    "peak_white": 0.1894,
    "off_peak_red": 0.1568,
    "peak_red": 0.7562,
}  # made-up figures for the test, not a tariff
SUBSCRIPTION = 15.50  # € a month: 0.50 a day in January


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


def entity_id(hass: HomeAssistant, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SIMULATED_ADDRESS}_{key}")
    assert found is not None
    return found


def value(hass: HomeAssistant, key: str) -> float:
    state = hass.states.get(entity_id(hass, key))
    assert state is not None
    return float(state.state)


async def drive(hass: HomeAssistant, entry: MockConfigEntry, start: float, frames: int) -> float:
    """Send the simulated meter's frames from `start`, a frame every STEP_S; the last time."""
    coordinator: MeterCoordinator = entry.runtime_data.coordinator
    simulator = entry.runtime_data.simulator
    assert simulator is not None
    now = start
    for frame in range(frames):
        now = start + frame * STEP_S
        coordinator.clock = functools.partial(float, now)
        coordinator.async_receive(simulator.frame(now))
        if frame % 12 == 0:
            await hass.async_block_till_done()
    await hass.async_block_till_done()
    return now


async def enter_prices(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "prices"}
    )
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"]
    assert schema is not None
    fields = {str(key) for key in schema.schema}
    # The meter's periods, named as its index sensors are.
    assert fields == {
        "valid_from",
        "subscription_per_month",
        "other_subscriptions",
        *(f"price_{p}" for p in PRICES),
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "valid_from": "2027-01-01",
            "subscription_per_month": SUBSCRIPTION,
            **{f"price_{period}": price for period, price in PRICES.items()},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_PRICE_SETS][0]["energy"] == PRICES


async def test_costs_add_up_to_the_index_deltas_times_the_prices(
    hass: HomeAssistant, recorder_mock: Recorder, loaded_simulator: MockConfigEntry
) -> None:
    await loaded_simulator.runtime_data.source.stop()
    coordinator: MeterCoordinator = loaded_simulator.runtime_data.coordinator
    # The first frames: what the indexes counted before prices were entered is not priced.
    now = await drive(hass, loaded_simulator, START, 3)
    await enter_prices(hass, loaded_simulator)
    before = period_readings(coordinator.data)
    now = await drive(hass, loaded_simulator, now + STEP_S, 23 * 12 - 3)  # to 23:30
    after = period_readings(coordinator.data)
    energy_cost = sum(
        (after[label].wh - reading.wh) / 1000 * PRICES[reading.period]
        for label, reading in before.items()
        if reading.period in PRICES
    )
    counted = [label for label in before if after[label].wh > before[label].wh]
    assert len(counted) >= 3  # off-peak then peak of the 3rd's colour, then of the 4th's
    assert energy_cost > 1
    share = SUBSCRIPTION / 31
    assert round(value(hass, "cost_day"), 2) == round(energy_cost + share, 2)
    assert round(value(hass, "cost_month"), 2) == round(energy_cost + 4 * share, 2)
    assert round(value(hass, "cost_year"), 2) == round(energy_cost + 4 * share, 2)
    state = hass.states.get(entity_id(hass, "cost_day"))
    assert state is not None
    assert state.attributes["state_class"] == "total"
    assert state.attributes["last_reset"] == datetime(2027, 1, 4, tzinfo=PARIS).isoformat()
    costs = state.attributes["costs"]  # in cents, each
    assert sum(costs.values()) == pytest.approx(energy_cost, abs=0.005 * len(costs))
    # Each period's cost has its sensors (disabled by default), and they add up.
    registry = er.async_get(hass)
    for period in PRICES:
        for span in ("day", "month", "year"):
            unique_id = f"{SIMULATED_ADDRESS}_cost_{span}_{period}"
            assert registry.async_get_entity_id("sensor", DOMAIN, unique_id), unique_id
    tracker = loaded_simulator.runtime_data.money
    assert tracker is not None
    by_period = [tracker.period_cost(Span.DAY, period) or 0.0 for period in PRICES]
    assert round(sum(by_period) + share, 2) == round(value(hass, "cost_day"), 2)
    # The price now: peak hours of the day's colour.
    running = coordinator.data.values["NTARF"]
    assert isinstance(running, int)
    price = hass.states.get(entity_id(hass, "current_price"))
    assert price is not None
    assert price.attributes["unit_of_measurement"] == "€/kWh"
    assert float(price.state) == PRICES[after[f"EASF{running:02}"].period]

    # The next change: 06:00 tomorrow, to the peak hours of the colour the meter announced.
    tomorrow = coordinator.data.tempo_tomorrow
    assert tomorrow is not None
    change = hass.states.get(entity_id(hass, "next_period_change"))
    assert change is not None
    assert change.state == datetime(2027, 1, 5, 6, tzinfo=PARIS).astimezone(UTC).isoformat()
    assert change.attributes["period"] == f"peak_{tomorrow.name.lower()}"
    assert value(hass, "next_period_price") == PRICES[f"peak_{tomorrow.name.lower()}"]

    # A restart: the saved ledger comes back, and nothing is counted twice.
    await tracker.async_stop()
    restarted = MoneyTracker(hass, loaded_simulator, coordinator)
    await restarted.async_start()
    assert restarted.ledger.as_dict() == tracker.ledger.as_dict()
    assert restarted.total(Span.DAY) == tracker.total(Span.DAY)


async def test_the_energy_dashboard_accepts_the_price_entity(
    hass: HomeAssistant, recorder_mock: Recorder, loaded_simulator: MockConfigEntry
) -> None:
    await loaded_simulator.runtime_data.source.stop()
    now = await drive(hass, loaded_simulator, START, 3)
    await enter_prices(hass, loaded_simulator)
    await drive(hass, loaded_simulator, now + STEP_S, 10)
    assert await async_setup_component(hass, "energy", {})
    manager = await async_get_manager(hass)
    index = next(
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), loaded_simulator.entry_id
        )
        if entity.unique_id == f"{SIMULATED_ADDRESS}_easf02"
    )
    price = entity_id(hass, "current_price")
    await manager.async_update(
        cast(
            EnergyPreferencesUpdate,
            {
                "energy_sources": [
                    {
                        "type": "grid",
                        "stat_energy_from": index,
                        "stat_energy_to": None,
                        "stat_cost": None,
                        "entity_energy_price": price,
                        "number_energy_price": None,
                        "stat_compensation": None,
                        "entity_energy_price_export": None,
                        "number_energy_price_export": None,
                        "cost_adjustment_day": 0.0,
                    }
                ]
            },
        )
    )
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    # The recorder's 5-minute statistics of the index, as it compiles them every 5 minutes.
    now_utc = dt_util.utcnow()
    start = now_utc.replace(minute=now_utc.minute - now_utc.minute % 5, second=0, microsecond=0)
    do_adhoc_statistics(hass, start=start)
    await async_wait_recording_done(hass)
    validation = await async_validate(hass)
    issues = validation.as_dict()["energy_sources"][0]
    about_price = [
        issue
        for issue in issues
        if any(affected[0] == price for affected in issue["affected_entities"])
    ]
    assert about_price == []
    assert [issue["type"] for issue in issues] == []


async def test_off_peak_hours_entered_with_the_prices_tell_the_next_change(
    hass: HomeAssistant, recorder_mock: Recorder
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Linky {SIMULATED_ADDRESS}",
        unique_id=SIMULATED_ADDRESS,
        data={**SIMULATOR_DATA, CONF_CONTRACT: "off_peak"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.source.stop()
    ten = datetime(2027, 1, 4, 10, tzinfo=PARIS).timestamp()
    await drive(hass, entry, ten, 3)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "prices"}
    )
    prices = {
        "valid_from": "2027-01-01",
        "subscription_per_month": 12.0,
        "price_off_peak": 0.17,
        "price_peak": 0.22,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**prices, "off_peak_hours": "22h-6h"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"off_peak_hours": "invalid_hours"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**prices, "other_subscriptions": "3 kVA"}
    )
    assert result["errors"] == {"other_subscriptions": "invalid_subscriptions"}
    # Hours an hour later than the simulated meter's own: which one tells is seen.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**prices, "off_peak_hours": "23:00-07:00"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Changing the update policy afterwards keeps the prices.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    schema = result["data_schema"]
    assert schema is not None
    # The settings as they are (optional ones without a default left out).
    defaults = {str(key): key.default() for key in schema.schema if callable(key.default)}
    result = await hass.config_entries.options.async_configure(result["flow_id"], defaults)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_PRICE_SETS][0]["off_peak_hours"] == "23:00-07:00"
    await hass.async_block_till_done()  # the new settings reload the entry
    await entry.runtime_data.source.stop()
    await drive(hass, entry, ten + 3 * STEP_S, 2)
    change = hass.states.get(entity_id(hass, "next_period_change"))
    assert change is not None
    # Today's supplier profile is not known yet (the meter sends tomorrow's): the hours tell.
    assert change.state == datetime(2027, 1, 4, 23, tzinfo=PARIS).astimezone(UTC).isoformat()
    assert value(hass, "next_period_price") == 0.17
    assert value(hass, "current_price") == 0.22
    # The next day, the profile the meter sent the day before tells: 22:00, to index 1.
    await drive(hass, entry, ten + 86400, 2)
    change = hass.states.get(entity_id(hass, "next_period_change"))
    assert change is not None
    assert change.state == datetime(2027, 1, 5, 22, tzinfo=PARIS).astimezone(UTC).isoformat()
    assert change.attributes["period"] == "off_peak"
    assert value(hass, "next_period_price") == 0.17
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_subscribed_power_advice_and_its_repair_issue(
    hass: HomeAssistant, recorder_mock: Recorder, loaded_simulator: MockConfigEntry
) -> None:
    await loaded_simulator.runtime_data.source.stop()
    tracker = loaded_simulator.runtime_data.money
    assert tracker is not None
    await drive(hass, loaded_simulator, START - 86400, 3)
    advice = hass.states.get(entity_id(hass, "subscribed_power_advice"))
    assert advice is not None
    # A day or two seen: no advice yet, only how many days it would rest on.
    assert advice.state == "unknown"
    assert 0 < advice.attributes["days"] < 30
    # Thirty days kept from before (a restart), their peaks never above 2 kVA for long.
    first = date(2026, 12, 4)
    tracker.peaks = PeakWatch.from_dict(
        {(first + timedelta(days=n)).isoformat(): [2000, [], []] for n in range(30)}
    )
    issue_id = f"subscribed_power_{loaded_simulator.entry_id}"
    await drive(hass, loaded_simulator, START, 3)  # 4 January: a new day, the advice is checked
    advice = hass.states.get(entity_id(hass, "subscribed_power_advice"))
    assert advice is not None
    # The simulated household draws 350 VA at night: 3 kVA would have done on every day.
    assert advice.state == "3"
    assert advice.attributes["current_kva"] == 6
    assert advice.attributes["days"] == 31
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["recommended"] == "3"
    # A day with a long peak that 3 kVA would have cut: the advice changes, the issue goes.
    simulator = loaded_simulator.runtime_data.simulator
    assert simulator is not None
    simulator.start_overload(START + 86400, 4000, 900)
    await drive(hass, loaded_simulator, START + 86400, 5)
    advice = hass.states.get(entity_id(hass, "subscribed_power_advice"))
    assert advice is not None
    assert advice.state == "6"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


# 6 to 8 January 2026 hour by hour, per Tempo index (the hours of test_comparison's example).
RECORDED = {
    "easf01": [((6, 5), 0.5), ((8, 1), 1.0), ((8, 2), 1.0)],  # off-peak blue
    "easf02": [((7, 12), 3.0)],  # peak blue
    "easf05": [((6, 23), 1.0)],  # off-peak red
    "easf06": [((6, 10), 2.0)],  # peak red
}


def import_hourly(
    hass: HomeAssistant, entity: str, hours: list[tuple[tuple[int, int], float]]
) -> None:
    """Hourly statistics of an index, as the recorder keeps them (a sum from a first row)."""
    total = 0.0
    rows = [StatisticData(start=datetime(2026, 1, 6, tzinfo=PARIS), state=0.0, sum=0.0)]
    for (day, hour), kwh in hours:
        total += kwh
        rows.append(
            StatisticData(start=datetime(2026, 1, day, hour, tzinfo=PARIS), state=total, sum=total)
        )
    metadata = StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=None,
        source="recorder",
        statistic_id=entity,
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    )
    async_import_statistics(hass, metadata, rows)


async def test_compare_tariffs_over_the_recorded_statistics(
    hass: HomeAssistant, recorder_mock: Recorder, loaded_simulator: MockConfigEntry
) -> None:
    await loaded_simulator.runtime_data.source.stop()
    await drive(hass, loaded_simulator, START, 3)
    await enter_prices(hass, loaded_simulator)  # Tempo's prices, from 2027: not in effect
    for key, hours in RECORDED.items():
        import_hourly(hass, entity_id(hass, key), hours)
    await async_wait_recording_done(hass)
    call = {
        "config_entry_id": loaded_simulator.entry_id,
        "start": "2026-01-05T23:00:00+00:00",
        "end": "2026-01-09T00:00:00+00:00",
        "base": {"all_hours": 0.20, "subscription_per_month": 12.40},
        "off_peak": {
            "off_peak": 0.15,
            "peak": 0.24,
            "subscription_per_month": 13.95,
            "off_peak_hours": "01:30-07:30",
        },
    }
    report: Any = await hass.services.async_call(
        DOMAIN, "compare_tariffs", call, blocking=True, return_response=True
    )
    assert report is not None
    # Tempo: no price set in effect in January 2026 and none given.
    assert set(report["options"]) == {"base", "off_peak"}
    assert report["not_compared"]["tempo"].startswith("missing")
    # Base 8.5 kWh x 0.20 + 3/31 x 12.40 = 2.90; Heures creuses 2 x 0.15 + 6.5 x 0.24
    # + 3/31 x 13.95 = 3.21.
    options = report["options"]
    assert options["base"]["total"] == 2.90
    assert options["off_peak"]["total"] == 3.21
    assert report["kwh"] == 8.5
    assert report["cheapest"] == "base"

    # Tempo with its prices given (those entered, for 2027): 0.5 x 0.1296 + 2 x 0.7562
    # + 1 x 0.1568 + 3 x 0.1609 + 2 x 0.1296 = 2.4759, + 3/31 x 15.50 = 3.98.
    call["tempo"] = {**PRICES, "subscription_per_month": 15.50}
    report = await hass.services.async_call(
        DOMAIN, "compare_tariffs", call, blocking=True, return_response=True
    )
    assert report is not None
    options = report["options"]
    assert options["tempo"]["total"] == 3.98
    assert options["tempo"]["unpriced_kwh"] == 0
    await hass.async_block_till_done()
    cheapest = hass.states.get(entity_id(hass, "cheapest_tariff"))
    assert cheapest is not None
    assert cheapest.state == "base"
    assert cheapest.attributes["totals"] == {"base": 2.90, "off_peak": 3.21, "tempo": 3.98}

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "compare_tariffs",
            {**call, "start": "2020-01-01T00:00:00+00:00", "end": "2020-02-01T00:00:00+00:00"},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "no_statistics"
    call["off_peak"] = {"off_peak_hours": "evenings"}
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "compare_tariffs", call, blocking=True, return_response=True
        )
    assert raised.value.translation_key == "invalid_hours"


async def test_statistics_compiled_by_the_recorder_feed_the_comparison(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    simulator_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    # From 04:00 to 08:00 on 4 January 2027: Tempo's off-peak hours of the 3rd's day, then
    # the peak hours of the 4th's; a frame every minute, the recorder compiling as it does.
    start = datetime(2027, 1, 4, 4, tzinfo=PARIS).astimezone(UTC)
    freezer.move_to(start)
    assert await hass.config_entries.async_setup(simulator_entry.entry_id)
    await hass.async_block_till_done()
    await simulator_entry.runtime_data.source.stop()
    coordinator: MeterCoordinator = simulator_entry.runtime_data.coordinator
    simulator = simulator_entry.runtime_data.simulator
    assert simulator is not None
    first: dict[str, int] | None = None
    for period in range(4 * 12):  # 5-minute periods
        period_start = start + timedelta(minutes=5 * period)
        for minute in range(5):
            moment = period_start + timedelta(minutes=minute, seconds=30)
            freezer.move_to(moment)
            coordinator.async_receive(simulator.frame(moment.timestamp()))
            await hass.async_block_till_done()
            readings = period_readings(coordinator.data)
            if first is None and len(readings) == 10:  # every index confirmed, and recorded
                first = {label: reading.wh for label, reading in readings.items()}
        freezer.move_to(period_start + timedelta(minutes=5))
        await async_wait_recording_done(hass)
        do_adhoc_statistics(hass, start=period_start)
        await async_wait_recording_done(hass)
    assert first is not None
    after = period_readings(coordinator.data)
    deltas = {label: (after[label].wh - wh) / 1000 for label, wh in first.items()}
    report: Any = await hass.services.async_call(
        DOMAIN,
        "compare_tariffs",
        {
            "config_entry_id": simulator_entry.entry_id,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=4)).isoformat(),
            "base": {"all_hours": 0.20, "subscription_per_month": 12.40},
            "tempo": {**PRICES, "subscription_per_month": 15.50},
        },
        blocking=True,
        return_response=True,
    )
    # Four hours of statistics; what they counted is what the indexes counted (the first
    # reading taken in the first hour, the statistics' own start, counts from there).
    assert report["hours"] == 4
    assert report["kwh"] == pytest.approx(sum(deltas.values()), abs=0.01)
    assert report["options"]["base"]["total"] == round(report["kwh"] * 0.20 + 12.40 / 31, 2)
    tempo = report["options"]["tempo"]
    assert tempo["unpriced_kwh"] == 0
    colours = {after[label].period for label, kwh in deltas.items() if kwh}
    assert len(colours) == 2  # off-peak of one Tempo day, peak of the next
    expected = sum(kwh * PRICES[after[label].period] for label, kwh in deltas.items() if kwh)
    assert tempo["energy"] == pytest.approx(expected, abs=0.01)
