"""Adopting history: another integration's statistics of an index become ours.

The `adopt_history` action and the meter's options step (config_flow.py) both plan with
`async_plan_adoption` (every check, nothing written) and write with `async_adopt`.
Reads and writes through the recorder's statistics API only (statistics_during_period,
async_import_statistics, async_adjust_statistics, async_clear_statistics); the arithmetic
is meter/history.py's. What each index was given is kept in a store, so that adopting again
(even from another source) replaces what the earlier run wrote instead of adding to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, cast

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.db_schema import StatisticsShortTerm
from homeassistant.components.recorder.models import StatisticData, StatisticMetaData
from homeassistant.components.recorder.statistics import (
    StatisticsRow,
    async_import_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, UnitOfEnergy
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_get_config_entry
from homeassistant.helpers.storage import Store
from homeassistant.util.json import JsonValueType
from homeassistant.util.unit_conversion import EnergyConverter
import probatio

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .meter.history import Adoption, HistoryMisfitError, HourRow, adopt, first_reading_wh
from .sensor import label_key
from .tic import CATALOGUE, ENERGY_INDEX_LABELS

SERVICE_ADOPT_HISTORY = "adopt_history"
ATTR_SOURCES = "sources"
ATTR_DRY_RUN = "dry_run"

ADOPT_HISTORY_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        # This meter's index sensor -> the old integration's sensor of the same index.
        probatio.Required(ATTR_SOURCES): probatio.All(
            {cv.entity_id: cv.entity_id}, probatio.Length(min=1)
        ),
        probatio.Optional(ATTR_DRY_RUN, default=False): cv.boolean,
    }
)

# The labels of energy indexes, by the key their sensors' unique ids end with, in the
# catalogue's order (the total before the supplier's indexes, then the distributor's).
INDEX_KEYS = tuple(label_key(label) for label in CATALOGUE if label in ENERGY_INDEX_LABELS)
_STORE_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WH = UnitOfEnergy.WATT_HOUR


class _Adopted(TypedDict):
    """What an index was given: from which hour on our sums were raised, and by how much."""

    cutoff: float  # timestamp of our first reading's hour
    adjustment_wh: float
    source: str


def _error(key: str, **placeholders: Any) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={name: str(value) for name, value in placeholders.items()},
    )


def _store(hass: HomeAssistant) -> Store[dict[str, _Adopted]]:
    return Store(hass, _STORE_VERSION, f"{DOMAIN}.adopted_history")


async def _async_adopt_history(call: ServiceCall) -> ServiceResponse:
    """Copy each source's hours before this meter's first reading, and align the sums."""
    hass = call.hass
    entry: GestionEnergieConfigEntry = async_get_config_entry(
        hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    dry_run: bool = call.data[ATTR_DRY_RUN]
    plans = await async_plan_adoption(hass, entry, call.data[ATTR_SOURCES])
    if not dry_run:
        await async_adopt(hass, plans)
    report = [plan.report() for plan in plans]
    return {"dry_run": dry_run, "indexes": cast(list[JsonValueType], report)}


async def async_plan_adoption(
    hass: HomeAssistant, entry: GestionEnergieConfigEntry, sources: dict[str, str]
) -> list[AdoptionPlan]:
    """What adopting each source (by our index sensor) would write, nothing written.

    Every index is checked before anything is written (all or nothing): a misfit raises a
    ServiceValidationError whose translation key and placeholders say why.
    """
    adopted = await _store(hass).async_load() or {}
    plans = []
    for entity_id, source_id in sources.items():
        unique_id = _index_unique_id(hass, entry, entity_id)
        plans.append(
            await _async_plan(hass, entity_id, source_id, adopted.get(unique_id), unique_id)
        )
    return plans


async def async_adopt(hass: HomeAssistant, plans: list[AdoptionPlan]) -> None:
    """Write what was planned, and keep what each index was given."""
    store = _store(hass)
    adopted = await store.async_load() or {}
    for plan in plans:
        await _async_write(hass, plan)
        adopted[plan.unique_id] = _Adopted(
            cutoff=plan.cutoff.timestamp(),
            adjustment_wh=plan.adoption.total_adjustment_wh,
            source=plan.source_id,
        )
    await store.async_save(adopted)


def index_entities(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> dict[str, str]:
    """The enabled energy-index sensors of a meter, whose history can be adopted.

    Their entity ids by index key (`easf01`, `hchc`...), in the catalogue's order.
    """
    prefix = f"{entry.unique_id}_"
    found = {
        registered.unique_id.removeprefix(prefix): registered.entity_id
        for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if registered.disabled_by is None and _is_index(entry, registered)
    }
    return {key: found[key] for key in INDEX_KEYS if key in found}


def _is_index(entry: GestionEnergieConfigEntry, registered: er.RegistryEntry) -> bool:
    prefix = f"{entry.unique_id}_"
    return (
        registered.config_entry_id == entry.entry_id
        and registered.unique_id.startswith(prefix)
        and registered.unique_id.removeprefix(prefix) in INDEX_KEYS
    )


def _index_unique_id(hass: HomeAssistant, entry: GestionEnergieConfigEntry, entity_id: str) -> str:
    """The unique id of one of this meter's energy indexes, or a translated refusal."""
    registered = er.async_get(hass).async_get(entity_id)
    if registered is None or not _is_index(entry, registered):
        raise _error("not_an_index", entity=entity_id, meter=entry.title)
    return registered.unique_id


class AdoptionPlan:
    """What adopting one source into one index writes."""

    def __init__(
        self,
        unique_id: str,
        entity_id: str,
        source_id: str,
        cutoff: datetime,
        adoption: Adoption,
        metadata: StatisticMetaData,
        hours_removed: int,
    ) -> None:
        """Keep what `_async_plan` found."""
        self.unique_id = unique_id
        self.entity_id = entity_id
        self.source_id = source_id
        self.cutoff = cutoff
        self.adoption = adoption
        self.metadata = metadata  # our statistic's, whose unit the rows are written in
        # The hours an earlier adoption wrote that this one does not cover: they go.
        self.hours_removed = hours_removed

    @property
    def unit(self) -> str:
        """Our statistic's unit."""
        return cast(str, self.metadata["unit_of_measurement"])

    def to_unit(self, wh: float) -> float:
        """Watt-hours in our statistic's unit."""
        return EnergyConverter.convert(wh, _WH, self.unit)

    def statistic(self, row: HourRow, raised_wh: float = 0.0) -> StatisticData:
        """A row to write, in our unit, its sum raised by `raised_wh`."""
        written = StatisticData(
            start=row.start, sum=self.to_unit(cast(float, row.sum_wh) + raised_wh)
        )
        if row.state_wh is not None:
            written["state"] = self.to_unit(row.state_wh)
        return written

    def report(self) -> dict[str, Any]:
        """What is written, as the action reports it."""
        rows = self.adoption.rows
        return {
            "entity_id": self.entity_id,
            "source": self.source_id,
            "hours": len(rows),
            "hours_removed": self.hours_removed,
            "first_hour": rows[0].start.isoformat(),
            "last_hour": rows[-1].start.isoformat(),
            "until": self.cutoff.isoformat(),
            "unit": self.unit,
            "sum_adjustment": round(self.to_unit(self.adoption.adjustment_wh), 3),
            "unrecorded_energy": round(self.to_unit(self.adoption.unrecorded_wh), 3),
        }


async def _async_plan(
    hass: HomeAssistant,
    entity_id: str,
    source_id: str,
    adopted: _Adopted | None,
    unique_id: str,
) -> AdoptionPlan:
    recorder = get_instance(hass)
    metadata = await recorder.async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={entity_id, source_id})
    )
    source_meta = metadata.get(source_id, (0, None))[1]
    if (
        source_meta is None
        or not source_meta["has_sum"]
        or source_meta["unit_of_measurement"] not in EnergyConverter.VALID_UNITS
    ):
        raise _error("not_an_energy_history", source=source_id)
    if entity_id not in metadata:
        raise _error("no_reading_yet", entity=entity_id)
    our_meta = metadata[entity_id][1]
    applied_wh = 0.0
    if adopted is not None:  # our first reading's hour is hidden by what was adopted
        cutoff = datetime.fromtimestamp(adopted["cutoff"], UTC)
        applied_wh = adopted["adjustment_wh"]
        ours = await _async_rows(hass, entity_id, cutoff, cutoff + timedelta(hours=1))
    else:
        ours = await _async_rows(hass, entity_id, _EPOCH, None)
        cutoff = min((row.start for row in ours), default=_EPOCH)
        cutoff = cutoff.replace(minute=0, second=0, microsecond=0)
    first = next((row for row in ours if row.state_wh is not None and row.sum_wh is not None), None)
    if first is None or first.state_wh is None or first.sum_wh is None:
        raise _error("no_reading_yet", entity=entity_id)
    first_index = first_reading_wh(first.state_wh, first.sum_wh, applied_wh)
    source_rows = await _async_rows(hass, source_id, _EPOCH, cutoff, periods=("hour",))
    try:
        adoption = adopt(source_rows, cutoff, first_index, applied_wh)
    except HistoryMisfitError as misfit:
        at = "" if misfit.at is None else misfit.at.isoformat()
        raise _error(misfit.misfit.value, source=source_id, entity=entity_id, at=at) from None
    hours_removed = 0
    if adopted is not None:  # every hour of ours before the cutoff is an earlier adoption's
        earlier = await _async_rows(hass, entity_id, _EPOCH, cutoff, periods=("hour",))
        hours_removed = len({row.start for row in earlier} - {row.start for row in adoption.rows})
    return AdoptionPlan(unique_id, entity_id, source_id, cutoff, adoption, our_meta, hours_removed)


async def _async_rows(
    hass: HomeAssistant,
    statistic_id: str,
    start: datetime,
    end: datetime | None,
    periods: tuple[str, ...] = ("hour", "5minute"),
) -> list[HourRow]:
    """A statistic's rows of these periods in watt-hours, oldest first.

    Our first reading may be only in the 5-minute statistics yet (its first hour is not over).
    """

    def read() -> list[HourRow]:
        rows: list[HourRow] = []
        for period in periods:
            found: dict[str, list[StatisticsRow]] = statistics_during_period(
                hass,
                start,
                end,
                {statistic_id},
                cast(Any, period),
                {"energy": _WH},
                {"state", "sum"},
            )
            rows += (
                HourRow(datetime.fromtimestamp(row["start"], UTC), row.get("state"), row.get("sum"))
                for row in found.get(statistic_id, [])
            )
        return sorted(rows, key=lambda row: row.start)

    return await get_instance(hass).async_add_executor_job(read)


async def _async_write(hass: HomeAssistant, plan: AdoptionPlan) -> None:
    """The source's hours, in our unit; then our own sums raised to continue them."""
    adopted = [plan.statistic(row) for row in plan.adoption.rows]
    if not plan.hours_removed:
        async_import_statistics(hass, plan.metadata, adopted)
        if plan.adoption.adjustment_wh:
            get_instance(hass).async_adjust_statistics(
                plan.entity_id, plan.cutoff, plan.adoption.adjustment_wh, _WH
            )
        return
    # The recorder's API removes no single rows: our statistic is cleared and written again,
    # the new source's hours, then ours (hourly and 5-minute) with their sums raised.
    raised: dict[str, list[StatisticData]] = {}
    for period in ("hour", "5minute"):
        rows = await _async_rows(hass, plan.entity_id, plan.cutoff, None, periods=(period,))
        raised[period] = [plan.statistic(row, plan.adoption.adjustment_wh) for row in rows]
    recorder = get_instance(hass)
    recorder.async_clear_statistics([plan.entity_id])
    async_import_statistics(hass, plan.metadata, adopted + raised["hour"])
    recorder.async_import_statistics(plan.metadata, raised["5minute"], StatisticsShortTerm)


@callback
def async_setup_history_services(hass: HomeAssistant) -> None:
    """Register the `adopt_history` action."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADOPT_HISTORY,
        _async_adopt_history,
        schema=ADOPT_HISTORY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
