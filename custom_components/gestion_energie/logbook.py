"""The logbook tells what load shedding did, and why.

The manager fires its event under the context of the switching it commands, before the
command: the logbook then credits the switch's change to load shedding, with the reason,
instead of a bare "via switch".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook import (
    LOGBOOK_ENTRY_CONTEXT_ID,
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
    LazyEventPartialState,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN
from .shedding.model import Reason
from .shedding_const import EVENT_LOAD_RESTORED, EVENT_LOAD_SHED

# What the logbook says in a language whose translations are not loaded.
_FALLBACK = {
    "logbook_name": "Load shedding",
    EVENT_LOAD_SHED: "shed {load} ({reason})",
    EVENT_LOAD_RESTORED: "restored {load} ({reason})",
}
_KEYS = {EVENT_LOAD_SHED: "logbook_shed", EVENT_LOAD_RESTORED: "logbook_restored"}
# A minimum run is not a shed nor a give-back: the engine switched the load on, then off.
_RUN_KEYS: dict[tuple[str, str], str] = {
    (EVENT_LOAD_RESTORED, Reason.MIN_RUN): "logbook_run_started",
    (EVENT_LOAD_SHED, Reason.MIN_RUN_MET): "logbook_run_done",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None
    ],
) -> None:
    """Describe the load shedding events."""

    @callback
    def describe(event: LazyEventPartialState) -> dict[str, Any]:
        language = hass.config.language
        exceptions = async_get_cached_translations(hass, language, "exceptions", DOMAIN)
        entity = async_get_cached_translations(hass, language, "entity", DOMAIN)
        prefix = f"component.{DOMAIN}.exceptions"
        data = event.data
        event_type = str(event.event_type)
        reason = str(data.get("reason"))
        reason_key = (
            f"component.{DOMAIN}.entity.sensor.load_status.state_attributes.reason.state.{reason}"
        )
        key = _RUN_KEYS.get((event_type, reason), _KEYS[event_type])
        message = exceptions.get(f"{prefix}.{key}.message")
        return {
            LOGBOOK_ENTRY_NAME: exceptions.get(
                f"{prefix}.logbook_name.message", _FALLBACK["logbook_name"]
            ),
            LOGBOOK_ENTRY_MESSAGE: (message or _FALLBACK[event_type]).format(
                load=data.get("load"), reason=entity.get(reason_key, reason)
            ),
            LOGBOOK_ENTRY_ENTITY_ID: data.get(ATTR_ENTITY_ID),
            LOGBOOK_ENTRY_CONTEXT_ID: event.context_id,
        }

    for event_type in (EVENT_LOAD_SHED, EVENT_LOAD_RESTORED):
        async_describe_event(DOMAIN, event_type, describe)
