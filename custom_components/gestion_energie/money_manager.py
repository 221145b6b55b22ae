"""The meter's money side in Home Assistant: prices from the options, costs kept in a `Store`.

`MoneyTracker` feeds every frame's per-period indexes to the pure `CostLedger` and saves its
state a little later (and when the entry unloads): the last indexes are saved with the sums
they were counted into, so a restart neither counts an index delta twice nor loses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from .const import CONF_PRICE_SETS, DOMAIN
from .coordinator import GestionEnergieConfigEntry, MeterCoordinator
from .money import schedule
from .money.advisor import Advice, PeakWatch, advise
from .money.costs import CostLedger
from .money.prices import PriceSet, energy_price, price_set_at, sorted_sets
from .money.readings import SUPPLIER_INDEX, period_name, period_readings, running_period
from .money.spans import Span, paris_day, subscription_so_far
from .tic.interpret import SwitchingBlock, TempoColour, decode_day_profile

STORAGE_VERSION = 1
SAVE_DELAY_S = 60  # a crash loses at most this much counting, never counts twice


def price_sets_of(entry: GestionEnergieConfigEntry) -> list[PriceSet]:
    """The entry's price sets, by date."""
    return sorted_sets(
        PriceSet.from_dict(stored) for stored in entry.options.get(CONF_PRICE_SETS, [])
    )


class MoneyTracker:
    """Costs of the meter's energy, from its indexes and the entry's price sets."""

    def __init__(
        self, hass: HomeAssistant, entry: GestionEnergieConfigEntry, coordinator: MeterCoordinator
    ) -> None:
        """Nothing counted yet; `async_start` loads the saved state."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.ledger = CostLedger()
        self._store: Store[dict[str, Any]] = store(hass, entry)
        self._stored_sets: object = None
        self._sets: list[PriceSet] = []
        self._sets_generation = 0  # counts the parsings of the options' price sets
        # The supplier's day profiles (PJOURF+1) by the day they are for: yesterday's is today's.
        self.profiles: dict[str, str] = {}
        self.peaks = PeakWatch()
        self._issue_shown: tuple[object, ...] | None = None  # what the repair issue tells
        self.comparison: dict[str, Any] | None = None  # the last `compare_tariffs` report
        self._subscriptions: dict[tuple[Span, date, int], float] = {}
        self._advice: tuple[object, Advice] | None = None

    @property
    def price_sets(self) -> list[PriceSet]:
        """The price sets of the options, parsed again only when they changed."""
        stored = self.entry.options.get(CONF_PRICE_SETS)
        if stored is not self._stored_sets:
            self._stored_sets = stored
            self._sets = price_sets_of(self.entry)
            self._sets_generation += 1
        return self._sets

    async def async_start(self) -> None:
        """Take back the saved state, then count every frame."""
        saved = await self._store.async_load()
        if saved is not None:
            self.ledger = CostLedger.from_dict(saved)
            self.profiles = dict(saved.get("profiles", {}))
            self.peaks = PeakWatch.from_dict(saved.get("peaks", {}))
            self.comparison = saved.get("comparison")
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._record))

    async def async_stop(self) -> None:
        """Save what was counted."""
        await self._store.async_save(self._saved())

    def now(self) -> datetime:
        """The coordinator's clock, as an aware time."""
        return datetime.fromtimestamp(self.coordinator.clock(), UTC)

    def today(self) -> date:
        """The Europe/Paris day now."""
        return paris_day(self.now())

    @callback
    def _record(self) -> None:
        data = self.coordinator.data
        readings = period_readings(data)
        if readings:
            self.ledger.record(self.now(), readings, self.price_sets)
            self._store.async_delay_save(self._saved, SAVE_DELAY_S)
        self._watch_peaks()
        profile = data.values.get("PJOURF+1")
        if isinstance(profile, str):
            today = self.today()
            tomorrow = (today + timedelta(days=1)).isoformat()
            if self.profiles.get(tomorrow) != profile:
                kept = {day: raw for day, raw in self.profiles.items() if day >= today.isoformat()}
                self.profiles = {**kept, tomorrow: profile}
                self._store.async_delay_save(self._saved, SAVE_DELAY_S)

    def _saved(self) -> dict[str, Any]:
        return {
            **self.ledger.as_dict(),
            "profiles": self.profiles,
            "peaks": self.peaks.as_dict(),
            "comparison": self.comparison,
        }

    @callback
    def set_comparison(self, report: dict[str, Any]) -> None:
        """Keep the last comparison's report, for the cheapest option's sensor."""
        self.comparison = report
        self._store.async_delay_save(self._saved, SAVE_DELAY_S)
        self.coordinator.async_update_listeners()

    def _watch_peaks(self) -> None:
        """Feed the advisor the power drawn, and what load shedding held off."""
        data = self.coordinator.data
        if data.apparent_power_va is None:
            return
        shedding = self.entry.runtime_data.shedding
        shed_va = 0.0 if shedding is None else shedding.status.shed_power_va
        meter_max = data.values.get("SMAXSN")
        self.peaks.update(
            self.today(),
            self.coordinator.clock(),
            data.apparent_power_va,
            shed_va,
            meter_max if isinstance(meter_max, int) else None,
        )
        advice = self.advice()
        shown = (advice.lower_fits, advice.recommended_kva, advice.days)
        if shown != self._issue_shown:  # the issue follows the advice, day by day
            self._issue_shown = shown
            self._raise_advice_issue(advice)

    def current_kva(self) -> int | None:
        """The subscribed power, in kVA."""
        reference = self.coordinator.data.reference_power_va
        return None if reference is None else round(reference / 1000)

    def advice(self) -> Advice:
        """The subscribed power advised from the days kept (worked out again on a change)."""
        current = self.current_kva()
        price_set = price_set_at(self.price_sets, self.today())
        latest = self.peaks.days[max(self.peaks.days)] if self.peaks.days else None
        key = (
            len(self.peaks.days),
            None if latest is None else (len(latest.cut), len(latest.cut_unshed), latest.max_va),
            current,
            price_set,
        )
        if self._advice is None or key != self._advice[0]:
            prices = {} if price_set is None else price_set.subscriptions(current)
            self._advice = (key, advise(self.peaks.days, current, prices))
        return self._advice[1]

    def _raise_advice_issue(self, advice: Advice) -> None:
        """An informational repair issue while a lower power would have done, on enough days."""
        issue_id = f"subscribed_power_{self.entry.entry_id}"
        if not advice.lower_fits:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        saving = advice.saving_per_year
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="subscribed_power",
            translation_placeholders={
                "meter": self.entry.title,
                "current": str(advice.current_kva),
                "recommended": str(advice.recommended_kva),
                "days": str(advice.days),
                "peak": str(round(advice.highest_peak_va)),
                "saving": "?" if saving is None else f"{saving:.2f}",
            },
        )

    def _profile(self, day: date) -> list[SwitchingBlock] | None:
        raw = self.profiles.get(day.isoformat())
        try:
            return None if raw is None else decode_day_profile(raw)
        except ValueError:
            return None

    def next_change(self) -> schedule.Change | None:
        """The next change of tariff period, and the period from then when it is known.

        Tempo's fixed hours when the meter tells the day's colour; else the supplier's day
        profiles; else the off-peak hours of the price set in effect.
        """
        data = self.coordinator.data
        now = self.now()
        if data.tempo_today not in {None, TempoColour.NONE}:
            return schedule.tempo(now, data.tempo_today, data.tempo_tomorrow)
        running = data.values.get("NTARF")
        if isinstance(running, int):
            today = paris_day(now)
            change = schedule.from_profiles(
                now, running, self._profile(today), self._profile(today + timedelta(days=1))
            )
            if change is not None and change.supplier_index is not None:
                label = SUPPLIER_INDEX.format(change.supplier_index)
                return schedule.Change(change.at, period_name(label, data), change.supplier_index)
        price_set = price_set_at(self.price_sets, paris_day(now))
        return None if price_set is None else schedule.off_peak(now, price_set.off_peak_hours)

    def next_price(self) -> float | None:
        """€/kWh from the next change of period."""
        change = self.next_change()
        if change is None:
            return None
        return energy_price(self.price_sets, paris_day(change.at), change.period)

    def current_price(self) -> float | None:
        """€/kWh of the period in effect now."""
        return energy_price(self.price_sets, self.today(), running_period(self.coordinator.data))

    def total(self, span: Span) -> float | None:
        """What the span cost so far, energy and subscription; None before any reading."""
        today = self.today()
        if self.ledger.total(span, self.price_sets, today) is None:
            return None
        return self.ledger.spans[span].energy_cost + self._subscription(span, today)

    def _subscription(self, span: Span, today: date) -> float:
        """The subscription's share of the span so far, worked out once a day per span."""
        sets = self.price_sets  # parsed again if the options changed: a new generation
        key = (span, today, self._sets_generation)
        if key not in self._subscriptions:
            self._subscriptions = {
                **{k: v for k, v in self._subscriptions.items() if k[1:] == key[1:]},
                key: subscription_so_far(sets, span, today),
            }
        return self._subscriptions[key]

    def period_cost(self, span: Span, period: str) -> float | None:
        """What one period's energy cost over the span so far; None before any reading."""
        if self.ledger.total(span, self.price_sets, self.today()) is None:
            return None
        period_sum = self.ledger.spans[span].periods.get(period)
        return 0.0 if period_sum is None else period_sum.cost

    def details(self, span: Span) -> dict[str, Any]:
        """Per period energy and cost, and the subscription's share, of the span so far."""
        sets: Sequence[PriceSet] = self.price_sets
        today = self.today()
        self.ledger.total(span, sets, today)  # rolls the span if a new one began
        span_sum = self.ledger.spans[span]
        # Cents and tenths of a kWh: what changes with every frame is written less often.
        return {
            "since": span_sum.start.isoformat(),
            "costs": {name: round(period.cost, 2) for name, period in span_sum.periods.items()},
            "energy_kwh": {
                name: round(period.energy_wh / 1000, 1) for name, period in span_sum.periods.items()
            },
            "unpriced_kwh": {
                name: round(period.unpriced_wh / 1000, 1)
                for name, period in span_sum.periods.items()
                if period.unpriced_wh
            },
            "subscription": round(self._subscription(span, today), 2),
        }


def store(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> Store[dict[str, Any]]:
    """Where a meter's cost ledger is saved."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.costs.{entry.entry_id}")
