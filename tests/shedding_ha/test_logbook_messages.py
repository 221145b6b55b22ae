"""What the logbook says of each load shedding event, in English and French."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from homeassistant.components.logbook import LazyEventPartialState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.gestion_energie import logbook
from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_RESTORED, EVENT_LOAD_SHED


@pytest.mark.parametrize(
    ("language", "event_type", "reason", "message"),
    [
        ("en", EVENT_LOAD_SHED, "over_limit", "shed Ballon: "),
        ("en", EVENT_LOAD_RESTORED, "min_run", "switched Ballon on: Minimum run of the day"),
        ("en", EVENT_LOAD_SHED, "min_run_met", "switched Ballon off: Minimum run of the day done"),
        ("fr", EVENT_LOAD_RESTORED, "min_run", "a allumé Ballon : "),
        ("fr", EVENT_LOAD_SHED, "min_run_met", "a éteint Ballon : "),
    ],
)
async def test_a_minimum_run_reads_as_switched_on_then_off_not_as_a_shed(
    hass: HomeAssistant, language: str, event_type: str, reason: str, message: str
) -> None:
    hass.config.language = language
    for category in ("exceptions", "entity"):
        await async_get_translations(hass, language, category, {DOMAIN})  # cached, as at run time
    described: dict[str, Callable[[LazyEventPartialState], dict[str, Any]]] = {}
    logbook.async_describe_events(
        hass, lambda _domain, kind, describe: described.update({kind: describe})
    )
    event = SimpleNamespace(
        event_type=event_type,
        data={"load": "Ballon", "reason": reason, "entity_id": "water_heater.ballon"},
        context_id=None,
    )
    entry = described[event_type](cast("LazyEventPartialState", event))
    assert entry["message"].startswith(message)
    assert entry["entity_id"] == "water_heater.ballon"
