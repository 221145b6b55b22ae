"""Add or change a managed load: a config subentry of the meter's entry.

A load is a `switch` (this integration's sockets, a Shelly, a Zigbee plug...), or a `climate`,
`select` (fil pilote), `water_heater`, `number` (a charger's current), `light` or `fan` entity
of any integration, with its priority, an optional power sensor, its declared power and how it
may be shed. A load that can be turned down (all but a switch, and a light or fan that only
switches) is shed in steps: a second page offers the steps proposed from the entity's
capabilities (presets, options, modes, range, brightness, speeds), each a choice of the targets
the entity offers with the power it saves, then its last (off) step, to keep or change. The
same entity can be managed only once per meter.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio

from .shedding.model import LoadConfig
from .shedding_actuators import (
    LOAD_DOMAINS,
    StepTarget,
    check_steps,
    offers_steps,
    propose_steps,
    step_choices,
    steps_from_data,
    steps_to_data,
)
from .shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_MIN_RUN,
    CONF_PHASE,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_STEPS,
    CONF_SWITCH,
    DEFAULT_DECLARED_POWER,
    DEFAULT_PRIORITY,
    INTERRUPT_ALLOWED,
    INTERRUPT_PREVENT_START,
    MAX_PRIORITY,
    MIN_PRIORITY,
    PHASE_ALL,
    PHASES,
    RESTORE_AUTO,
    RESTORE_NOTIFY,
    SUBENTRY_LOAD,
)


def _choice(options: list[str], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, translation_key=key, mode=SelectSelectorMode.LIST)
    )


LOAD_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_SWITCH): EntitySelector(
            EntitySelectorConfig(domain=list(LOAD_DOMAINS))
        ),
        probatio.Optional(CONF_NAME): TextSelector(),
        probatio.Required(CONF_PRIORITY, default=DEFAULT_PRIORITY): NumberSelector(
            NumberSelectorConfig(
                min=MIN_PRIORITY, max=MAX_PRIORITY, step=1, mode=NumberSelectorMode.BOX
            )
        ),
        probatio.Required(CONF_DECLARED_POWER, default=DEFAULT_DECLARED_POWER): NumberSelector(
            NumberSelectorConfig(
                min=1, max=36_000, step=1, unit_of_measurement="W", mode=NumberSelectorMode.BOX
            )
        ),
        probatio.Optional(CONF_POWER_SENSOR): EntitySelector(
            EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
        ),
        probatio.Required(CONF_INTERRUPT, default=INTERRUPT_ALLOWED): _choice(
            [INTERRUPT_ALLOWED, INTERRUPT_PREVENT_START], CONF_INTERRUPT
        ),
        probatio.Required(CONF_RESTORE, default=RESTORE_AUTO): _choice(
            [RESTORE_AUTO, RESTORE_NOTIFY], CONF_RESTORE
        ),
        probatio.Required(CONF_SHED_WHEN_STALE, default=False): BooleanSelector(),
        probatio.Required(CONF_PHASE, default=PHASE_ALL): _choice(list(PHASES), CONF_PHASE),
        probatio.Required(CONF_MIN_RUN, default=0): NumberSelector(
            NumberSelectorConfig(
                min=0, max=23, step=0.5, unit_of_measurement="h", mode=NumberSelectorMode.BOX
            )
        ),
    }
)
MAX_GRADED_STEPS = 4  # the steps before the last (off) one the form offers
CONF_LAST_STEP = "last_step"


def _step_key(index: int) -> str:
    return f"step_{index}"


def _saving_key(index: int) -> str:
    return f"saving_{index}"


def _targets(options: list[str]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, custom_value=True, mode=SelectSelectorMode.DROPDOWN)
    )


def steps_schema(graded: list[str], last: list[str]) -> probatio.Schema:
    """The steps page: each graded step a target and the power it saves, then the last step."""
    saving = NumberSelector(
        NumberSelectorConfig(
            min=1, max=36_000, step=1, unit_of_measurement="W", mode=NumberSelectorMode.BOX
        )
    )
    fields: dict[Any, Any] = {}
    for index in range(1, MAX_GRADED_STEPS + 1):
        fields[probatio.Optional(_step_key(index))] = _targets(graded)
        fields[probatio.Optional(_saving_key(index))] = saving
    fields[probatio.Required(CONF_LAST_STEP)] = _targets(last)
    return probatio.Schema(fields)


def steps_to_form(steps: list[StepTarget]) -> dict[str, Any]:
    """The steps page's values for steps (the last one off)."""
    values: dict[str, Any] = {CONF_LAST_STEP: steps[-1].target}
    for index, step in enumerate(steps[:-1], start=1):
        values[_step_key(index)] = step.target
        values[_saving_key(index)] = step.saving_w
    return values


def steps_from_form(values: dict[str, Any]) -> tuple[list[StepTarget], dict[str, str]]:
    """The steps the page's values give, and the errors by field (a target or saving missing)."""
    steps: list[StepTarget] = []
    errors: dict[str, str] = {}
    for index in range(1, MAX_GRADED_STEPS + 1):
        target = str(values.get(_step_key(index)) or "").strip()
        saving = values.get(_saving_key(index))
        if target and saving is None:
            errors[_saving_key(index)] = "step_saving_missing"
        elif saving is not None and not target:
            errors[_step_key(index)] = "step_target_missing"
        elif target and saving is not None:
            steps.append(StepTarget(target, float(saving)))
    steps.append(StepTarget(str(values[CONF_LAST_STEP]).strip()))
    return steps, errors


class LoadSubentryFlow(ConfigSubentryFlow):
    """Add or change a load the meter's shedding manages."""

    _data: dict[str, Any]
    _title: str

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Choose the switch and how it may be shed."""
        return await self._async_load_step("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a load's switch, priority, power or flags."""
        subentry = self._get_reconfigure_subentry()
        return await self._async_load_step(
            "reconfigure", user_input, {**subentry.data, CONF_NAME: subentry.title}
        )

    async def _async_load_step(
        self, step_id: str, user_input: dict[str, Any] | None, suggested: dict[str, Any]
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            suggested = user_input
            data = dict(user_input)
            name = str(data.pop(CONF_NAME, "") or "").strip()
            data[CONF_PRIORITY] = int(data[CONF_PRIORITY])
            data[CONF_DECLARED_POWER] = int(data[CONF_DECLARED_POWER])
            switch = data[CONF_SWITCH]
            if self.source == SOURCE_RECONFIGURE:
                old = self._get_reconfigure_subentry().data
                if old.get(CONF_SWITCH) == switch and CONF_STEPS in old:
                    data[CONF_STEPS] = old[CONF_STEPS]  # offered again on the steps page
            if self.hass.states.get(switch) is None:
                errors[CONF_SWITCH] = "switch_not_found"
            elif self._managed_elsewhere(switch):
                errors[CONF_SWITCH] = "switch_already_managed"
            else:
                self._title = name or self._default_name(switch)
                self._data = data
                if offers_steps(self.hass.states.get(switch)):  # type: ignore[arg-type]
                    return await self.async_step_steps()
                data.pop(CONF_STEPS, None)
                return self._async_finish()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(LOAD_SCHEMA, suggested),
            errors=errors,
        )

    async def async_step_steps(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The steps of a load that can be turned down, proposed from its capabilities."""
        data = self._data
        state = self.hass.states.get(data[CONF_SWITCH])
        assert state is not None  # noqa: S101 - checked by the first page
        errors: dict[str, str] = {}
        if user_input is not None:
            values = user_input
            steps, errors = steps_from_form(user_input)
            if not errors:
                error = check_steps(state, steps) or _check_savings(
                    steps, data[CONF_DECLARED_POWER]
                )
                if error is None:
                    data[CONF_STEPS] = steps_to_data(steps)
                    return self._async_finish()
                errors["base"] = error
        else:
            stored = data.get(CONF_STEPS)
            proposed = (
                steps_from_data(stored)
                if stored and check_steps(state, steps_from_data(stored)) is None
                else propose_steps(state, data[CONF_DECLARED_POWER])
            )
            values = steps_to_form(proposed)
        graded, last = step_choices(state)
        return self.async_show_form(
            step_id="steps",
            data_schema=self.add_suggested_values_to_schema(steps_schema(graded, last), values),
            errors=errors,
            description_placeholders={"entity": data[CONF_SWITCH]},
        )

    def _async_finish(self) -> SubentryFlowResult:
        if self.source == SOURCE_RECONFIGURE:
            # The entry's update listener sets the load up again with its new settings.
            return self.async_update_and_abort(
                self._get_entry(),
                self._get_reconfigure_subentry(),
                title=self._title,
                data=self._data,
            )
        return self.async_create_entry(title=self._title, data=self._data)

    def _managed_elsewhere(self, switch: str) -> bool:
        """Whether another load of this meter already manages `switch`."""
        own = None
        if self.source == SOURCE_RECONFIGURE:
            own = self._get_reconfigure_subentry().subentry_id
        return any(
            subentry.data.get(CONF_SWITCH) == switch and subentry.subentry_id != own
            for subentry in self._get_entry().get_subentries_of_type(SUBENTRY_LOAD)
        )

    def _default_name(self, switch: str) -> str:
        state = self.hass.states.get(switch)
        return state.name if state is not None else switch


def _check_savings(steps: list[StepTarget], declared_power: int) -> str | None:
    """Each step must save more than the one before, and less than the declared power."""
    try:
        LoadConfig(
            "x",
            declared_power_w=declared_power,
            step_savings_w=tuple(float(step.saving_w or 0.0) for step in steps[:-1]),
        )
    except ValueError:
        return "step_savings"
    return None
