"""Each entity kind's steps: proposed from capabilities, checked, read back and carried out."""

from __future__ import annotations

from homeassistant.core import State
import pytest

from custom_components.gestion_energie.shedding_actuators import (
    StepTarget,
    calls_for,
    check_steps,
    is_readable,
    is_running,
    on_state,
    propose_steps,
    snapshot,
    step_shown,
)

FIL_PILOTE = State(
    "select.radiateur", "comfort", {"options": ["comfort", "eco", "frost_protection", "arret"]}
)
WATER_HEATER = State(
    "water_heater.ballon",
    "electric",
    {"operation_list": ["eco", "electric", "off"], "temperature": 55},
)
CHARGER = State("number.borne_courant", "16", {"min": 6, "max": 32})
THERMOSTAT = State("climate.salon", "heat", {"temperature": 20, "hvac_modes": ["off", "heat"]})
LIGHT = State("light.spot", "on", {"brightness": 120, "supported_color_modes": ["brightness"]})
ON_OFF_LIGHT = State("light.porch", "on", {"supported_color_modes": ["onoff"]})
FAN = State("fan.extractor", "on", {"percentage": 100, "percentage_step": 100 / 3})


def parse_steps(text: str) -> list[StepTarget]:
    """Steps written `eco=600, frost_protection=1200, off` (the last saves everything)."""
    *graded, last = (item.strip() for item in text.split(","))
    steps = [StepTarget(target, float(saving)) for target, saving in (i.split("=") for i in graded)]
    return [*steps, StepTarget(last)]


def format_steps(steps: list[StepTarget]) -> str:
    """Steps written as `parse_steps` reads them."""
    return ", ".join(
        step.target if step.saving_w is None else f"{step.target}={step.saving_w:g}"
        for step in steps
    )


def test_steps_are_proposed_from_each_kinds_capabilities() -> None:
    assert format_steps(propose_steps(FIL_PILOTE, 1500)) == "eco=500, frost_protection=1000, arret"
    assert format_steps(propose_steps(WATER_HEATER, 2000)) == "eco=1000, off"
    assert format_steps(propose_steps(CHARGER, 7000)) == "19=3500, 6"
    assert format_steps(propose_steps(THERMOSTAT, 2000)) == "-2=1000, off"
    assert format_steps(propose_steps(LIGHT, 100)) == "50=50, off"
    assert format_steps(propose_steps(ON_OFF_LIGHT, 100)) == "off"
    assert format_steps(propose_steps(FAN, 90)) == "66=30, 33=60, off"


@pytest.mark.parametrize(
    ("state", "text", "error"),
    [
        (FIL_PILOTE, "eco=500, arret", None),
        (FIL_PILOTE, "eco=500, off", "step_unknown_target"),
        (WATER_HEATER, "eco=500, off", None),
        (WATER_HEATER, "boost=500, off", "step_unknown_target"),
        (CHARGER, "10=3000, 6", None),
        (CHARGER, "ten=3000, 6", "step_unknown_target"),
        (LIGHT, "off", None),
        (LIGHT, "30=50, off", None),
        (LIGHT, "dim=50, off", "step_unknown_target"),
        (LIGHT, "120=50, off", "step_unknown_target"),
        (LIGHT, "30=50, 10", "steps_not_for_switch"),
        (ON_OFF_LIGHT, "30=50, off", "steps_not_for_switch"),
        (FAN, "50=40, off", None),
        (State("switch.x", "on"), "50=40, off", "steps_not_for_switch"),
    ],
)
def test_steps_the_entity_cannot_take_are_refused(
    state: State, text: str, error: str | None
) -> None:
    assert check_steps(state, parse_steps(text)) == error


def test_a_charger_goes_down_and_back_to_the_users_current() -> None:
    steps = parse_steps("10=3000, 6")
    user = snapshot(CHARGER)
    assert calls_for(CHARGER, steps, 1, user) == [
        ("number", "set_value", {"entity_id": CHARGER.entity_id, "value": 10.0})
    ]
    lowered = State(CHARGER.entity_id, "10.0", CHARGER.attributes)
    assert step_shown(lowered, steps, user) == 1
    assert is_running(lowered, steps)
    assert not is_running(State(CHARGER.entity_id, "6", CHARGER.attributes), steps)
    assert calls_for(lowered, steps, 0, user) == [
        ("number", "set_value", {"entity_id": CHARGER.entity_id, "value": 16.0})
    ]
    assert not is_readable(State(CHARGER.entity_id, "unavailable"))
    assert not is_readable(State(CHARGER.entity_id, "lots"))


def test_a_water_heater_comes_back_to_its_mode_and_temperature() -> None:
    steps = parse_steps("eco=1000, off")
    user = snapshot(WATER_HEATER)
    off = State(WATER_HEATER.entity_id, "off", {**WATER_HEATER.attributes, "temperature": 40})
    assert step_shown(off, steps, user) == 2
    assert calls_for(off, steps, 0, user) == [
        (
            "water_heater",
            "set_operation_mode",
            {"entity_id": off.entity_id, "operation_mode": "electric"},
        ),
        ("water_heater", "set_temperature", {"entity_id": off.entity_id, "temperature": 55}),
    ]


def test_a_light_comes_back_at_its_brightness() -> None:
    user = snapshot(LIGHT)
    off = State(LIGHT.entity_id, "off")
    assert calls_for(off, [StepTarget("off")], 0, user) == [
        ("light", "turn_on", {"entity_id": LIGHT.entity_id, "brightness": 120})
    ]


def test_a_light_is_dimmed_never_brightened_and_comes_back_to_the_users_brightness() -> None:
    steps = parse_steps("50=40, off")
    user = snapshot(LIGHT)  # 120 of 255
    # 50 % is 128: brighter than the user's 120, so the step keeps 120 (the step saves
    # nothing more); a user at full brightness is taken down to 128.
    assert calls_for(LIGHT, steps, 1, user) == [
        ("light", "turn_on", {"entity_id": LIGHT.entity_id, "brightness": 120})
    ]
    bright = State(LIGHT.entity_id, "on", {**LIGHT.attributes, "brightness": 255})
    full = snapshot(bright)
    assert calls_for(bright, steps, 1, full) == [
        ("light", "turn_on", {"entity_id": LIGHT.entity_id, "brightness": 128})
    ]
    dimmed = State(LIGHT.entity_id, "on", {**LIGHT.attributes, "brightness": 128})
    assert step_shown(dimmed, steps, full) == 1
    assert step_shown(State(LIGHT.entity_id, "off"), steps, full) == 2
    assert calls_for(dimmed, steps, 0, full) == [
        ("light", "turn_on", {"entity_id": LIGHT.entity_id, "brightness": 255})
    ]


def test_a_fan_slows_down_then_stops_and_comes_back_to_the_users_speed() -> None:
    steps = parse_steps("66=30, 33=60, off")
    user = snapshot(FAN)
    assert calls_for(FAN, steps, 2, user) == [
        ("fan", "turn_on", {"entity_id": FAN.entity_id, "percentage": 33})
    ]
    slow = State(FAN.entity_id, "on", {**FAN.attributes, "percentage": 33})
    assert step_shown(slow, steps, user) == 2
    assert calls_for(slow, steps, 0, user) == [
        ("fan", "turn_on", {"entity_id": FAN.entity_id, "percentage": 100})
    ]
    # A user already slower than a step: two steps look alike, the one held is taken.
    own = snapshot(slow)
    assert step_shown(slow, steps, own, held=1) == 1


def test_a_load_whose_users_state_was_lost_is_given_a_running_one() -> None:
    assert on_state(THERMOSTAT) == {"hvac_mode": "heat"}
    assert on_state(WATER_HEATER) == {"operation_mode": "eco"}
    assert on_state(FIL_PILOTE) == {"state": "comfort"}
    assert on_state(CHARGER) == {"state": 32.0}
    assert on_state(LIGHT) == {"state": "on"}
