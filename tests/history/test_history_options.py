"""Adopting a history from the meter's options, in a real Home Assistant with its recorder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.adopt_history import INDEX_KEYS
from custom_components.gestion_energie.coordinator import MeterCoordinator

from .recording import (
    FIRST_READING,
    HOUR,
    OLD_HOURS,
    OLD_SENSOR,
    import_source_history,
    record_first_hour,
    statistics,
)

OUR_HOUR = (FIRST_READING, 5000.5, 0.3)
OLD_NAME = "Linkytic HC index"
TRANSLATIONS = Path(__file__).parents[2] / "custom_components/gestion_energie/translations"
FIELD = "easf01"  # the form's field of our index 1: its key


@pytest.fixture
async def recorded(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, coordinator: MeterCoordinator
) -> str:
    """Our first hour compiled; the old integration's sensor, still there, and its history."""
    await hass.config.async_set_time_zone("Europe/Paris")  # the form shows hours in it
    ours = await record_first_hour(hass, freezer, coordinator)
    attributes = {
        "device_class": "energy",
        "unit_of_measurement": UnitOfEnergy.WATT_HOUR,
        "friendly_name": OLD_NAME,
    }
    hass.states.async_set(OLD_SENSOR, "5000300", attributes)
    return ours


async def history_form(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    menu = await hass.config_entries.options.async_init(entry.entry_id)
    assert menu["type"] is FlowResultType.MENU
    assert "history" in menu["menu_options"]
    return await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "history"}
    )


def selector_of(form: ConfigFlowResult, field: str) -> dict[str, Any]:
    schema = form["data_schema"]
    assert schema is not None
    [selector] = [value for key, value in schema.schema.items() if key == field]
    return dict(selector.config)


async def test_a_history_is_adopted_from_the_options_after_a_dry_run(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, recorded: str
) -> None:
    ours = recorded
    start = FIRST_READING - 4 * HOUR
    form = await history_form(hass, loaded_simulator)
    assert form["type"] is FlowResultType.FORM
    assert form["step_id"] == "history"
    # One field per index of ours, by its key, labelled with our sensor's name; the old
    # sensors offered are energy sensors, not ours.
    config = selector_of(form, FIELD)
    placeholders = form["description_placeholders"]
    assert placeholders is not None
    assert placeholders[FIELD] == hass.states.get(ours).name  # type: ignore[union-attr]
    assert config["filter"] == [{"domain": ["sensor"], "device_class": ["energy"]}]
    assert ours in config["exclude_entities"]

    # Nothing picked.
    form = await hass.config_entries.options.async_configure(form["flow_id"], {})
    assert form["errors"] == {"base": "no_source_chosen"}

    # The dry run: what would be written, nothing written yet; the sensors by their names.
    our_name = placeholders[FIELD]
    chosen = {FIELD: OLD_SENSOR}
    confirm = await hass.config_entries.options.async_configure(form["flow_id"], chosen)
    assert confirm["type"] is FlowResultType.FORM
    assert confirm["step_id"] == "history_confirm"
    assert confirm["description_placeholders"] == {
        "plan": f"- {our_name} ← {OLD_NAME}: 3 hours, 2026-03-01 08:00 to 2026-03-01 10:00, "
        "before 2026-03-01 11:00; sums raised by 2.000 kWh; 0.200 kWh counted while nothing was "
        "recorded."
    }
    assert await statistics(hass, ours, start) == [OUR_HOUR]

    done = await hass.config_entries.options.async_configure(confirm["flow_id"], {})
    assert done["type"] is FlowResultType.ABORT
    assert done["reason"] == "history_adopted"
    assert await statistics(hass, ours, start) == [
        (FIRST_READING - 3 * HOUR, 4999.0, 1.0),
        (FIRST_READING - 2 * HOUR, 4999.5, 1.5),
        (FIRST_READING - HOUR, 5000.0, 2.0),
        (FIRST_READING, 5000.5, 2.3),
    ]

    # Adopted again from a source without the first of those hours: the dry run says the
    # earlier adoption's first hour goes.
    await import_source_history(hass, "sensor.esphome_index", UnitOfEnergy.WATT_HOUR, OLD_HOURS[1:])
    hass.states.async_set("sensor.esphome_index", "5000300", {"device_class": "energy"})
    form = await history_form(hass, loaded_simulator)
    again = await hass.config_entries.options.async_configure(
        form["flow_id"], {FIELD: "sensor.esphome_index"}
    )
    plan = (again["description_placeholders"] or {})["plan"]
    assert plan.endswith("recorded. 1 hours of an earlier adoption removed."), plan


@pytest.mark.parametrize(
    ("source", "hours", "error", "placeholders"),
    [
        # Another meter: its index stood above ours at 09:00.
        (
            "sensor.other_meter",
            [(FIRST_READING - HOUR, 7_000_000.0, 10.0)],
            "history_beyond_index",
            {"source": "sensor.other_meter", "at": "2026-03-01 10:00"},
        ),
        # A sensor without long-term statistics.
        ("sensor.nothing_recorded", [], "not_an_energy_history", {"at": "-"}),
    ],
)
async def test_a_history_that_does_not_fit_is_refused_in_the_form(
    hass: HomeAssistant,
    loaded_simulator: MockConfigEntry,
    recorded: str,
    source: str,
    hours: list[tuple[Any, float, float]],
    error: str,
    placeholders: dict[str, str],
) -> None:
    if hours:
        await import_source_history(hass, source, UnitOfEnergy.WATT_HOUR, hours)
    form = await history_form(hass, loaded_simulator)
    refused = await hass.config_entries.options.async_configure(form["flow_id"], {FIELD: source})
    assert refused["type"] is FlowResultType.FORM
    assert refused["step_id"] == "history"
    assert refused["errors"] == {"base": error}
    shown = refused["description_placeholders"]
    assert shown is not None
    assert {key: shown[key] for key in placeholders} == placeholders
    assert shown["source"] == source
    assert await statistics(hass, recorded, FIRST_READING - 4 * HOUR) == [OUR_HOUR]


async def test_the_confirmation_writes_what_is_true_when_confirming(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, recorded: str
) -> None:
    """A history adopted by the action meanwhile: confirming again adds nothing."""
    form = await history_form(hass, loaded_simulator)
    confirm = await hass.config_entries.options.async_configure(
        form["flow_id"], {FIELD: OLD_SENSOR}
    )
    second = await history_form(hass, loaded_simulator)
    second_confirm = await hass.config_entries.options.async_configure(
        second["flow_id"], {FIELD: OLD_SENSOR}
    )
    await hass.config_entries.options.async_configure(second_confirm["flow_id"], {})
    adopted = await statistics(hass, recorded, FIRST_READING - 4 * HOUR)
    assert adopted[-1] == (FIRST_READING, 5000.5, 2.3)
    done = await hass.config_entries.options.async_configure(confirm["flow_id"], {})
    assert done["reason"] == "history_adopted"
    assert await statistics(hass, recorded, FIRST_READING - 4 * HOUR) == adopted


async def test_a_source_that_no_longer_fits_when_confirming_is_refused_then(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, recorded: str
) -> None:
    """The check runs again on confirming: an hour recorded meanwhile that goes backwards."""
    form = await history_form(hass, loaded_simulator)
    confirm = await hass.config_entries.options.async_configure(
        form["flow_id"], {FIELD: OLD_SENSOR}
    )
    assert confirm["step_id"] == "history_confirm"
    earlier = [(FIRST_READING - 4 * HOUR, 5_100_000.0, 900.0)]
    await import_source_history(hass, OLD_SENSOR, UnitOfEnergy.WATT_HOUR, earlier)
    refused = await hass.config_entries.options.async_configure(confirm["flow_id"], {})
    assert refused["step_id"] == "history"
    assert refused["errors"] == {"base": "history_backwards"}
    assert await statistics(hass, recorded, FIRST_READING - 4 * HOUR) == [OUR_HOUR]


async def test_the_history_step_waits_for_the_meters_indexes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, loaded_simulator: MockConfigEntry
) -> None:
    """Before any index is registered (no frame yet), the step says so."""
    del freezer
    form = await history_form(hass, loaded_simulator)
    assert form["type"] is FlowResultType.ABORT
    assert form["reason"] == "no_periods_yet"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_index_field_is_labelled_with_its_sensors_name(language: str) -> None:
    """The frontend shows a field's name when the step has no label for it: each index key's
    label is the placeholder of its sensor's name."""
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
    labels = strings["options"]["step"]["history"]["data"]
    assert labels == {key: f"{{{key}}}" for key in INDEX_KEYS}
