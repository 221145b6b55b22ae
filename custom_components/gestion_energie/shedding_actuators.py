"""How each kind of entity is shed in steps: read the user's state, take a step, undo it.

A load is a `switch` (one step: off), a `fan` or `light` (off, after graded steps when it has
speeds or a brightness), or a `climate`, `select`, `water_heater` or `number` entity of any
integration, with graded steps before off:

- light: a brightness in % (`50`), never brighter than the user's own, then off;
- fan: a speed in % (`33`), never faster than the user's own, then off;
- climate: a preset (`eco`, `away`...) or a setpoint lowered by some degrees (`-2`), then
  `hvac_mode` off;
- select (fil pilote): its options in a declared order, the last one the "off" option;
- water_heater: an operation mode (`eco`...), then off;
- number (a charger's current): lower values, the last one the lowest (its minimum, or 0).

A step is a target (a preset, an offset, an option, a mode, a value) and the power it saves.
The user's own state is read when the engine first takes the load down (`snapshot`), and a
restore to step 0 puts back exactly that state (mode, setpoint, preset, option, value). Each
step is carried out as the service calls that change what differs from the wanted state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import State

SWITCH_DOMAINS = ("switch", "fan", "light")  # on or off; fans and lights may have levels
DIMMED_KEYS = {"light": "brightness", "fan": "percentage"}  # the level a graded step lowers
GRADED_DOMAINS = ("climate", "select", "water_heater", "number")
LOAD_DOMAINS = (*SWITCH_DOMAINS, *GRADED_DOMAINS)
OFF = "off"
OFF_OPTIONS = ("off", "arret", "arrêt", "stop", "none")  # a fil pilote's off option
CLIMATE_PRESETS = ("eco", "away", "sleep")  # in order of less and less comfort
TEMPERATURE_TOLERANCE = 0.05  # a setpoint read back through a unit conversion

type Snapshot = dict[str, Any]  # the user's state, JSON-able
type Call = tuple[str, str, dict[str, Any]]  # domain, service, data (without the entity id)


@dataclass(frozen=True, slots=True)
class StepTarget:
    """One step of a load: what the entity is set to, and the power that saves (W)."""

    target: str
    saving_w: float | None = None  # None for the last step: off saves everything


def steps_to_data(steps: Sequence[StepTarget]) -> list[dict[str, Any]]:
    """Steps as stored in a load subentry."""
    return [{"target": step.target, "saving": step.saving_w} for step in steps]


def steps_from_data(data: Sequence[Mapping[str, Any]] | None) -> list[StepTarget]:
    """Steps from a load subentry (none stored: a switch, one step off)."""
    if not data:
        return [StepTarget(OFF)]
    return [StepTarget(str(item["target"]), item.get("saving")) for item in data]


def domain_of(entity_id: str) -> str:
    """The domain of an entity id."""
    return entity_id.partition(".")[0]


def propose_steps(state: State, declared_w: float) -> list[StepTarget]:
    """Steps from an entity's capabilities, with savings spread evenly up to off."""
    domain = domain_of(state.entity_id)
    attributes = state.attributes
    targets: list[str]
    if domain == "climate":
        presets = attributes.get("preset_modes") or []
        targets = [preset for preset in CLIMATE_PRESETS if preset in presets]
        if not targets and attributes.get("temperature") is not None:
            targets = ["-2"]
        targets.append(OFF)
    elif domain == "select":
        options = [str(option) for option in attributes.get("options") or []]
        off = next((option for option in options if option.lower() in OFF_OPTIONS), None)
        graded = [option for option in options[1:] if option != off]
        targets = [*graded, off or options[-1]] if options else [OFF]
    elif domain == "water_heater":
        modes = attributes.get("operation_list") or []
        targets = [*(["eco"] if "eco" in modes else []), OFF]
    elif domain == "number":
        low, high = float(attributes.get("min", 0)), float(attributes.get("max", 0))
        middle = round((low + high) / 2)
        targets = [*([f"{middle:g}"] if low < middle < high else []), f"{low:g}"]
    elif domain == "light" and _dimmable(state):
        targets = ["50", OFF]
    elif domain == "fan" and _has_speeds(state):
        # Its speeds below full, at most two: a 3-speed fan's 66 % and 33 %.
        count = min(int(100 / float(attributes.get("percentage_step") or 1)), 3)
        targets = [f"{100 * speed // count}" for speed in range(count - 1, 0, -1)] or ["50"]
        targets.append(OFF)
    else:
        targets = [OFF]
    count = len(targets)
    return [
        StepTarget(target, None if index == count - 1 else round(declared_w * (index + 1) / count))
        for index, target in enumerate(targets)
    ]


def offers_steps(state: State) -> bool:
    """Whether an entity can be shed in graded steps (not only switched off)."""
    return domain_of(state.entity_id) in GRADED_DOMAINS or _has_levels(state)


def step_choices(state: State) -> tuple[list[str], list[str]]:
    """The targets an entity offers: for its graded steps, and for its last (off) step."""
    domain = domain_of(state.entity_id)
    attributes = state.attributes
    if domain == "climate":
        presets = [str(preset) for preset in attributes.get("preset_modes") or []]
        offsets = ["-1", "-2", "-3", "-4"] if attributes.get("temperature") is not None else []
        return [*presets, *offsets], [OFF]
    if domain == "select":
        options = [str(option) for option in attributes.get("options") or []]
        offs = [option for option in options if option.lower() in OFF_OPTIONS]
        return options, [*offs, *(option for option in options if option not in offs)]
    if domain == "water_heater":
        modes = [str(mode) for mode in attributes.get("operation_list") or [] if mode != OFF]
        return modes, [OFF]
    if domain == "number":
        low, high = float(attributes.get("min", 0)), float(attributes.get("max", 0))
        values = sorted({round(low + (high - low) * share) for share in (0.75, 0.5, 0.25)})
        graded = [f"{value:g}" for value in reversed(values) if low < value < high]
        return graded, [f"{low:g}"]
    targets = [step.target for step in propose_steps(state, 1.0)]
    levels = ["75", "50", "25"] if domain == "light" else targets[:-1]
    return levels, [OFF]


def check_steps(state: State, steps: Sequence[StepTarget]) -> str | None:
    """Return an error key when the entity cannot take these steps, else None."""
    domain = domain_of(state.entity_id)
    attributes = state.attributes
    targets = [step.target for step in steps]
    if domain in SWITCH_DOMAINS:
        levels = [_number(target) for target in targets[:-1]]
        if targets[-1] != OFF or (levels and not _has_levels(state)):
            return "steps_not_for_switch"
        known = all(level is not None and 0 < level < 100 for level in levels)
        return None if known else "step_unknown_target"
    if domain == "climate":
        presets = attributes.get("preset_modes") or []
        if targets[-1] != OFF:
            return "step_last_not_off"
        known = all(target in presets or _offset(target) is not None for target in targets[:-1])
    elif domain == "select":
        known = all(target in (attributes.get("options") or []) for target in targets)
    elif domain == "water_heater":
        modes = [*(attributes.get("operation_list") or []), OFF]
        known = all(target in modes for target in targets)
    else:
        known = all(_number(target) is not None for target in targets)
    return None if known else "step_unknown_target"


def snapshot(state: State) -> Snapshot:
    """The user's own state, to undo every step to exactly it."""
    domain = domain_of(state.entity_id)
    attributes = state.attributes
    if domain == "climate":
        return {
            "hvac_mode": state.state,
            "temperature": attributes.get("temperature"),
            "preset_mode": attributes.get("preset_mode"),
        }
    if domain == "water_heater":
        return {"operation_mode": state.state, "temperature": attributes.get("temperature")}
    if domain == "light":
        return {"state": state.state, "brightness": attributes.get("brightness")}
    if domain == "fan":
        return {"state": state.state, "percentage": attributes.get("percentage")}
    if domain == "number":
        return {"state": _number(state.state)}
    return {"state": state.state}


def on_state(state: State) -> Snapshot:
    """A state that runs, for a load to give back whose user's state was lost (a switch's on)."""
    domain = domain_of(state.entity_id)
    attributes = state.attributes
    if domain == "climate":
        modes = [mode for mode in attributes.get("hvac_modes") or [] if mode != STATE_OFF]
        return {"hvac_mode": modes[0] if modes else "heat"}
    if domain == "water_heater":
        modes = [mode for mode in attributes.get("operation_list") or [] if mode != STATE_OFF]
        return {"operation_mode": modes[0] if modes else "eco"}
    if domain == "select":
        return {"state": (attributes.get("options") or [state.state])[0]}
    if domain == "number":
        return {"state": float(attributes.get("max", 0))}
    return {"state": STATE_ON}


def is_running(state: State, steps: Sequence[StepTarget]) -> bool:
    """Whether the entity draws power (is not off)."""
    domain = domain_of(state.entity_id)
    if domain in SWITCH_DOMAINS:
        return state.state == STATE_ON
    if domain == "select":
        return state.state != steps[-1].target
    if domain == "number":
        value, off = _number(state.state), _number(steps[-1].target)
        return value is not None and off is not None and value > off
    return state.state != STATE_OFF


def is_readable(state: State | None) -> bool:
    """Whether the entity answers (its state is one the steps can be read from)."""
    if state is None or state.state in (STATE_UNAVAILABLE, "unknown"):
        return False
    domain = domain_of(state.entity_id)
    if domain in SWITCH_DOMAINS:
        return state.state in (STATE_ON, STATE_OFF)
    return domain != "number" or _number(state.state) is not None


def step_shown(
    state: State, steps: Sequence[StepTarget], user: Snapshot, held: int | None = None
) -> int:
    """The step an entity shows, given the user's state; 0 if it shows none of them.

    `held`: the step the engine holds it at, taken when the entity shows it (a light dimmed
    by the user below a step shows two steps alike).
    """
    if held and _matches(state, _wanted(state.entity_id, steps, held, user)):
        return held
    for index in range(len(steps), 0, -1):
        if _matches(state, _wanted(state.entity_id, steps, index, user)):
            return index
    return 0


def calls_for(state: State, steps: Sequence[StepTarget], step: int, user: Snapshot) -> list[Call]:
    """The service calls that take the entity from its present state to `step`."""
    domain = domain_of(state.entity_id)
    wanted = _wanted(state.entity_id, steps, step, user)
    entity = {ATTR_ENTITY_ID: state.entity_id}
    if domain in SWITCH_DOMAINS:
        if wanted["state"] == STATE_OFF:
            return [(domain, "turn_off", entity)]
        extra = {
            key: value
            for key in ("brightness", "percentage")
            if (value := wanted.get(key)) is not None
        }
        return [(domain, "turn_on", {**entity, **extra})]
    if domain == "select":
        return [("select", "select_option", {**entity, "option": wanted["state"]})]
    if domain == "number":
        return [("number", "set_value", {**entity, "value": wanted["state"]})]
    mode_key = "hvac_mode" if domain == "climate" else "operation_mode"
    mode = wanted[mode_key]
    calls: list[Call] = []
    if mode != state.state:
        service = "set_hvac_mode" if domain == "climate" else "set_operation_mode"
        calls.append((domain, service, {**entity, mode_key: mode}))
    if mode == STATE_OFF:
        return calls
    preset = wanted.get("preset_mode")
    if preset is not None and preset != state.attributes.get("preset_mode"):
        calls.append((domain, "set_preset_mode", {**entity, "preset_mode": preset}))
    temperature = wanted.get("temperature")
    if temperature is not None and not _same(temperature, state.attributes.get("temperature")):
        calls.append((domain, "set_temperature", {**entity, "temperature": temperature}))
    return calls


def _wanted(entity_id: str, steps: Sequence[StepTarget], step: int, user: Snapshot) -> Snapshot:
    """The state wanted at `step`: the user's, changed by the step's target."""
    if step <= 0:
        return dict(user)
    domain = domain_of(entity_id)
    target = steps[min(step, len(steps)) - 1].target
    if domain in SWITCH_DOMAINS:
        return _dimmed(domain, target, user)
    if domain in ("select", "number"):
        return {"state": _number(target) if domain == "number" else target}
    if domain == "water_heater":
        return {"operation_mode": target, "temperature": None}
    if target == OFF:  # climate
        return {"hvac_mode": STATE_OFF}
    return _climate_step(target, user)


def _dimmed(domain: str, target: str, user: Snapshot) -> Snapshot:
    """A light's or fan's step: its level lowered to the target %, never raised; or off."""
    percent = _number(target)
    if percent is None or domain == "switch":
        return {"state": STATE_OFF}
    key = DIMMED_KEYS[domain]
    level = round(percent * 255 / 100) if domain == "light" else round(percent)
    own = user.get(key)
    return {"state": STATE_ON, key: level if own is None else min(level, own)}


def _dimmable(state: State) -> bool:
    """Whether a light has a brightness (a colour mode other than on-off)."""
    modes = state.attributes.get("supported_color_modes") or []
    return any(str(mode) != "onoff" for mode in modes) or "brightness" in state.attributes


def _has_speeds(state: State) -> bool:
    """Whether a fan sets its speed in % (it tells its percentage step)."""
    return state.attributes.get("percentage_step") is not None


def _has_levels(state: State) -> bool:
    domain = domain_of(state.entity_id)
    return (domain == "light" and _dimmable(state)) or (domain == "fan" and _has_speeds(state))


def _climate_step(target: str, user: Snapshot) -> Snapshot:
    """A climate's graded step: a setpoint lowered by an offset, or a preset."""
    offset = _offset(target)
    if offset is None:
        return {**user, "preset_mode": target, "temperature": None}
    temperature = user.get("temperature")
    lowered = None if temperature is None else round(float(temperature) + offset, 1)
    return {**user, "temperature": lowered}


def _matches(state: State, wanted: Snapshot) -> bool:
    """Whether the entity shows the wanted state (the keys that matter, set in `wanted`)."""
    for key, value in wanted.items():
        if value is None:
            continue
        shown = state.state if key in ("state", "hvac_mode", "operation_mode") else None
        if shown is None:
            shown = state.attributes.get(key)
        if isinstance(value, float | int) and not isinstance(value, bool):
            if not _same(value, _number(str(shown))):
                return False
        elif str(shown) != str(value):
            return False
    return True


def _same(left: float | None, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    try:
        return abs(float(left) - float(right)) <= TEMPERATURE_TOLERANCE
    except TypeError, ValueError:
        return False


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _offset(target: str) -> float | None:
    """A climate step written as a setpoint offset (`-2`), None if it is a preset."""
    value = _number(target)
    return value if value is not None and value < 0 else None
