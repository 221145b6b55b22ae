"""Load shedding explains itself: in the logbook, in history, and when nothing is left to shed."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path

from homeassistant.components import persistent_notification
from homeassistant.components.recorder import Recorder
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, DOMAIN
from custom_components.gestion_energie.shedding_const import EVENT_LOAD_SHED

from ..conftest import SIMULATED_ADDRESS
from .conftest import Meter

RADIATOR = "switch.radiator"
EN = json.loads(
    (
        Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations" / "en.json"
    ).read_text()
)
REASONS = EN["entity"]["sensor"]["load_status"]["state_attributes"]["reason"]["state"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the logbook needs it."""


def _state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def _meter_entity(hass: HomeAssistant, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SIMULATED_ADDRESS}_{key}"
    )
    assert entity_id is not None
    return entity_id


async def test_the_logbook_says_load_shedding_switched_the_load_off_and_why(
    hass: HomeAssistant, meter: Meter, hass_ws_client: WebSocketGenerator
) -> None:
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow()
    shed = async_capture_events(hass, EVENT_LOAD_SHED)
    await meter.frames(3000, 2)
    await meter.frames(9000, 1, overload=True)
    assert _state(hass, RADIATOR) == STATE_OFF
    (event,) = (item for item in shed if item.data[ATTR_ENTITY_ID] == RADIATOR)
    why = f"shed Radiator: {REASONS[event.data['reason']]}"
    meter.freezer.tick(timedelta(seconds=1))  # the logbook ends before now
    await async_wait_recording_done(hass)
    client = await hass_ws_client(hass)
    # The logbook page's query (an entity's own orders rows of equal times, as the frozen
    # clock makes them, by another rule than the real clock's order).
    await client.send_json_auto_id({"type": "logbook/get_events", "start_time": start.isoformat()})
    entries = (await client.receive_json())["result"]
    (switched_off,) = (
        entry for entry in entries if (entry["entity_id"], entry.get("state")) == (RADIATOR, "off")
    )
    # The switch's change is credited to load shedding, with the reason ...
    assert switched_off["context_event_type"] == EVENT_LOAD_SHED
    assert switched_off["context_domain"] == DOMAIN
    assert switched_off["context_name"] == "Load shedding"
    assert switched_off["context_message"] == why
    # ... and the event is an entry of its own.
    (told,) = (
        entry
        for entry in entries
        if entry.get("domain") == DOMAIN and entry["entity_id"] == RADIATOR
    )
    assert (told["name"], told["message"]) == ("Load shedding", why)


async def test_the_frame_a_shed_rests_on_is_written_in_spite_of_the_interval(
    hass: HomeAssistant, meter: Meter
) -> None:
    hass.config_entries.async_update_entry(meter.entry, options={CONF_UPDATE_INTERVAL: 10})
    power = _meter_entity(hass, "apparent_power")
    await meter.frames(3000, 3, every=11)  # a lasting move, past the interval: written
    assert _state(hass, power) == "3000"
    await meter.frames(3100, 1)
    assert _state(hass, power) == "3000"  # held back: a small move, for the interval
    await meter.frames(9000, 1, overload=True)  # one frame, no time to settle: a shed
    assert _state(hass, RADIATOR) == STATE_OFF
    assert _state(hass, power) == "9000"
    await meter.frames(8900, 1, overload=True)  # the policy holds again
    assert _state(hass, power) == "9000"


async def test_a_notification_when_the_cut_comes_and_nothing_is_left_to_shed(
    hass: HomeAssistant, meter: Meter
) -> None:
    notification_id = f"nothing_left_to_shed_{meter.entry.entry_id}"
    await meter.frames(3000, 2)
    for _ in range(30):  # the house keeps drawing too much, whatever is switched off
        await meter.frames(9000, 1, overload=True)
        if notification_id in persistent_notification._async_get_or_create_notifications(hass):
            break
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notification_id in notifications
    assert "Linky" in notifications[notification_id]["message"]
    # Every load that may be cut is off; the washer, running, may not be.
    for load in ("radiator", "water_heater", "oven"):
        assert _state(hass, f"switch.{load}") == STATE_OFF
    meter.freezer.tick(timedelta(seconds=2))
    await meter.frames(2000, 3)
    # Not dismissed at once: the danger must stay over for a minute (the restore dwell).
    assert notification_id in persistent_notification._async_get_or_create_notifications(hass)
    await meter.frames(2000, 30)
    assert notification_id not in persistent_notification._async_get_or_create_notifications(hass)


async def test_the_nothing_left_notification_does_not_flap_about_the_cut_off_power(
    hass: HomeAssistant, meter: Meter
) -> None:
    notification_id = f"nothing_left_to_shed_{meter.entry.entry_id}"
    seen: list[str] = []

    @callback
    def on_update(
        update: persistent_notification.UpdateType,
        notifications: dict[str, persistent_notification.Notification],
    ) -> None:
        if notification_id in notifications:
            seen.append(update)

    persistent_notification.async_register_callback(hass, on_update)
    await meter.frames(3000, 2)
    for _ in range(30):  # every load that may be cut goes off, the house still too much
        await meter.frames(9000, 1, overload=True)
    # Then it hovers about the 6 kVA cut-off power: a cut coming on one frame, not the next.
    for _ in range(20):
        await meter.frames(6600, 1, overload=True)
        await meter.frames(5800, 1)
    assert seen == [persistent_notification.UpdateType.ADDED]
    # Clearly below (the restore limit, 85 %) for a minute: dismissed, once.
    await meter.frames(2000, 32)
    assert seen == [
        persistent_notification.UpdateType.ADDED,
        persistent_notification.UpdateType.REMOVED,
    ]
