"""Add or change a managed load: a config subentry of the meter's entry.

A load is any `switch` entity (this integration's sockets, a Shelly, a Zigbee plug...) with
its priority, an optional power sensor, its declared power and how it may be shed. The same
switch can be managed only once per meter.
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

from .shedding_const import (
    CONF_DECLARED_POWER,
    CONF_INTERRUPT,
    CONF_POWER_SENSOR,
    CONF_PRIORITY,
    CONF_RESTORE,
    CONF_SHED_WHEN_STALE,
    CONF_SWITCH,
    DEFAULT_DECLARED_POWER,
    DEFAULT_PRIORITY,
    INTERRUPT_ALLOWED,
    INTERRUPT_PREVENT_START,
    MAX_PRIORITY,
    MIN_PRIORITY,
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
        probatio.Required(CONF_SWITCH): EntitySelector(EntitySelectorConfig(domain="switch")),
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
    }
)


class LoadSubentryFlow(ConfigSubentryFlow):
    """Add or change a load the meter's shedding manages."""

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
            if self.hass.states.get(switch) is None:
                errors[CONF_SWITCH] = "switch_not_found"
            elif self._managed_elsewhere(switch):
                errors[CONF_SWITCH] = "switch_already_managed"
            else:
                title = name or self._default_name(switch)
                if self.source == SOURCE_RECONFIGURE:
                    # The entry's update listener sets the load up again with its new settings.
                    return self.async_update_and_abort(
                        self._get_entry(), self._get_reconfigure_subentry(), title=title, data=data
                    )
                return self.async_create_entry(title=title, data=data)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(LOAD_SCHEMA, suggested),
            errors=errors,
        )

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
