"""Services of load shedding: shed, restore, boost, set_priority, set_limits and simulate.

A load is named by its managed switch's entity id; the limits and the dry run by the meter's
config entry. Errors are translated (`exceptions` in the translations).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry
import probatio

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .shedding import (
    THRESHOLD_RATIO,
    Action,
    Event,
    LoadChange,
    LoadState,
    MeterSample,
    Notify,
    RaiseLongShed,
    Restore,
    Run,
    Shed,
    Tick,
    Unit,
)
from .shedding_const import DEFAULT_BOOST, MAX_BOOST, MAX_PRIORITY, MIN_PRIORITY
from .shedding_manager import SheddingManager, managers
from .tic.interpret import Period

SERVICE_SHED = "shed"
SERVICE_RESTORE = "restore"
SERVICE_BOOST = "boost"
SERVICE_SET_PRIORITY = "set_priority"
SERVICE_SET_LIMITS = "set_limits"
SERVICE_SIMULATE = "simulate"

ATTR_LOAD = "load"  # the managed switch's entity id
ATTR_DURATION = "duration"
ATTR_PRIORITY = "priority"
ATTR_SHED_LIMIT = "shed_limit"
ATTR_RESTORE_LIMIT = "restore_limit"
ATTR_UNIT = "unit"
ATTR_EVENTS = "events"
ATTR_AT = "at"  # seconds from now
ATTR_POWER = "power"
ATTR_SECONDS_LEFT = "seconds_left"
ATTR_OVERLOAD = "overload"
ATTR_OFF_PEAK = "off_peak"  # the reading's tariff period is off-peak hours (default: as now)
ATTR_PCOUP = "pcoup"  # kVA
ATTR_SWITCH = "switch"
ATTR_ON = "on"
ATTR_STEP = "step"  # a load of steps: the step it shows (0: the user's own state)
MAX_EVENTS = 1000


def _boost_duration(value: Any) -> timedelta:
    """A positive time period; one too large for a timedelta is longer than any boost."""
    try:
        duration: timedelta = cv.positive_time_period(value)
    except OverflowError:
        return timedelta.max
    return duration


LOAD_SCHEMA = probatio.Schema({probatio.Required(ATTR_LOAD): cv.entity_id})
BOOST_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_LOAD): cv.entity_id,
        probatio.Optional(ATTR_DURATION, default=DEFAULT_BOOST): _boost_duration,
    }
)
SET_PRIORITY_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_LOAD): cv.entity_id,
        probatio.Required(ATTR_PRIORITY): probatio.All(
            probatio.Coerce(int), probatio.Range(min=MIN_PRIORITY, max=MAX_PRIORITY)
        ),
    }
)
SET_LIMITS_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_SHED_LIMIT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=50_000)
        ),
        probatio.Required(ATTR_RESTORE_LIMIT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=50_000)
        ),
        probatio.Optional(ATTR_UNIT, default=Unit.PERCENT.value): probatio.In(
            [unit.value for unit in Unit]
        ),
    }
)
_EVENT_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_AT): probatio.All(probatio.Coerce(float), probatio.Range(min=0)),
        probatio.Optional(ATTR_POWER): probatio.All(probatio.Coerce(float), probatio.Range(min=0)),
        probatio.Optional(ATTR_PCOUP): probatio.All(
            probatio.Coerce(float), probatio.Range(min=1, max=36)
        ),
        probatio.Optional(ATTR_SECONDS_LEFT): probatio.All(
            probatio.Coerce(float), probatio.Range(min=0)
        ),
        probatio.Optional(ATTR_OVERLOAD, default=False): cv.boolean,
        probatio.Optional(ATTR_OFF_PEAK): cv.boolean,
        probatio.Optional(ATTR_SWITCH): cv.entity_id,
        probatio.Optional(ATTR_ON): cv.boolean,
        probatio.Optional(ATTR_STEP): probatio.All(
            probatio.Coerce(int), probatio.Range(min=0, max=20)
        ),
    }
)
SIMULATE_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_EVENTS): probatio.All(
            cv.ensure_list, probatio.Length(min=1, max=MAX_EVENTS), [_EVENT_SCHEMA]
        ),
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _manager_of_load(call: ServiceCall) -> tuple[SheddingManager, str]:
    switch = call.data[ATTR_LOAD]
    for manager in managers(call.hass):
        if switch in manager.loads:
            return manager, switch
    raise _error("load_not_managed", load=switch)


def _manager_of_entry(call: ServiceCall) -> SheddingManager:
    entry: GestionEnergieConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    manager = entry.runtime_data.shedding
    assert manager is not None  # noqa: S101 - every loaded meter entry has one
    return manager


@callback
def _async_shed(call: ServiceCall) -> None:
    manager, switch = _manager_of_load(call)
    manager.async_shed(switch)  # a load shed already stays off until restored by hand


@callback
def _async_restore(call: ServiceCall) -> None:
    manager, switch = _manager_of_load(call)
    if manager.load_status(switch) != "shed":
        raise _error("load_not_shed", load=switch)
    manager.async_restore(switch)


@callback
def _async_boost(call: ServiceCall) -> None:
    manager, switch = _manager_of_load(call)
    duration: timedelta = call.data[ATTR_DURATION]
    if duration > MAX_BOOST:
        raise _error("boost_too_long", days=f"{MAX_BOOST.days}")
    manager.async_boost(switch, duration.total_seconds())


@callback
def _async_set_priority(call: ServiceCall) -> None:
    manager, switch = _manager_of_load(call)
    manager.async_set_priority(switch, call.data[ATTR_PRIORITY])


@callback
def _async_set_limits(call: ServiceCall) -> None:
    manager = _manager_of_entry(call)
    shed, restore = call.data[ATTR_SHED_LIMIT], call.data[ATTR_RESTORE_LIMIT]
    unit = Unit(call.data[ATTR_UNIT])
    if restore >= shed:
        raise _error("invalid_limits", shed=f"{shed:g}", restore=f"{restore:g}")
    # The engine never sheds above the meter's own trip threshold: a restore limit there or
    # above leaves no gap, and loads would go off and on with every reading.
    pcoup_va = 100.0 if unit is Unit.PERCENT else manager.coordinator.data.cutoff_power_va
    if pcoup_va and restore >= (ceiling := THRESHOLD_RATIO * pcoup_va):
        raise _error(
            "limits_without_gap", restore=f"{restore:g}", ceiling=f"{ceiling:g}", unit=unit.value
        )
    manager.async_set_limits(shed, restore, unit)


@callback
def _async_simulate(call: ServiceCall) -> ServiceResponse:
    """Dry run: what the engine would do with these readings and switch changes."""
    manager = _manager_of_entry(call)
    now = manager.now()
    meter = manager.coordinator.data
    pcoup_kva = (meter.cutoff_power_va or 0) / 1000.0
    off_peak = None if meter.tariff_period is None else meter.tariff_period is Period.OFF_PEAK
    events: list[Event] = []
    for item in sorted(call.data[ATTR_EVENTS], key=lambda item: item[ATTR_AT]):
        at = now + item[ATTR_AT]
        if ATTR_SWITCH in item:
            switch = item[ATTR_SWITCH]
            if switch not in manager.loads:
                raise _error("load_not_managed", load=switch)
            on = bool(item.get(ATTR_ON, True))
            power = item.get(ATTR_POWER)
            events.append(LoadChange(at, LoadState(switch, on, power, item.get(ATTR_STEP))))
        elif ATTR_POWER in item:
            pcoup_kva = item.get(ATTR_PCOUP, pcoup_kva)
            if not pcoup_kva:
                raise _error("simulate_needs_pcoup")
            events.append(
                MeterSample(
                    time=at,
                    apparent_power_va=item[ATTR_POWER],
                    pref_kva=pcoup_kva,
                    pcoup_kva=pcoup_kva,
                    overload_warning=item[ATTR_OVERLOAD],
                    seconds_left=item.get(ATTR_SECONDS_LEFT),
                    off_peak=item.get(ATTR_OFF_PEAK, off_peak),
                )
            )
        else:
            events.append(Tick(at))
    return {
        "actions": [
            {ATTR_AT: round(time - now, 3), **_describe(action, manager)}
            for time, action in manager.engine.simulate(events)
        ]
    }


def _describe(action: Action, manager: SheddingManager) -> dict[str, Any]:
    kind = {Shed: "shed", Restore: "restore", Notify: "notify", RaiseLongShed: "long_shed"}
    described: dict[str, Any] = {
        "action": ("run_on" if action.on else "run_off")
        if isinstance(action, Run)
        else kind[type(action)],
        ATTR_SWITCH: action.load,
        ATTR_LOAD: manager.loads[action.load].title,
    }
    if not isinstance(action, RaiseLongShed):
        described["reason"] = action.reason.value
    if isinstance(action, Shed | Restore):
        steps = manager.loads[action.load].steps
        described[ATTR_STEP] = action.step
        described["target"] = None if action.step == 0 else steps[action.step - 1].target
    return described


@callback
def async_setup_shedding_services(hass: HomeAssistant) -> None:
    """Register the shedding services."""
    for name, handler, schema in (
        (SERVICE_SHED, _async_shed, LOAD_SCHEMA),
        (SERVICE_RESTORE, _async_restore, LOAD_SCHEMA),
        (SERVICE_BOOST, _async_boost, BOOST_SCHEMA),
        (SERVICE_SET_PRIORITY, _async_set_priority, SET_PRIORITY_SCHEMA),
        (SERVICE_SET_LIMITS, _async_set_limits, SET_LIMITS_SCHEMA),
    ):
        hass.services.async_register(DOMAIN, name, handler, schema=schema)
    hass.services.async_register(
        DOMAIN,
        SERVICE_SIMULATE,
        _async_simulate,
        schema=SIMULATE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
