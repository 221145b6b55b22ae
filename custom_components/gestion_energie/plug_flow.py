"""Add a plug to a meter's entry, as a config subentry: type, address, credentials, name.

The plug is asked who it is and what it measures before it is added (its id is the
subentry's unique id, across every meter), so its entities exist even while it is
offline later. Errors show in the form: unreachable, credentials refused, not a plug.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_TOKEN,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .const import (
    CONF_DEVICE_ID,
    CONF_DEVICE_READINGS,
    CONF_FIRMWARE,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_PLUG_TYPE,
    CONF_SOCKET_READINGS,
    CONF_SOCKETS,
    DOMAIN,
    LOGGER,
    SUBENTRY_PLUG,
)
from .plug_coordinator import client_for, readings_of
from .plugs import (
    PlugAuthError,
    PlugConnectionError,
    PlugError,
    PlugInfo,
    PlugType,
    checked_host,
)
from .plugs.tasmota import DEFAULT_USERNAME

DEFAULT_PORT = 80
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX))


def plug_schema(plug_type: str) -> probatio.Schema:
    """The form of a plug of `plug_type`: address, credentials and name."""
    fields: dict[Any, Any] = {
        probatio.Required(CONF_HOST): str,
        probatio.Required(CONF_PORT, default=DEFAULT_PORT): _PORT,
    }
    if plug_type == PlugType.TASMOTA:
        fields[probatio.Optional(CONF_USERNAME, default=DEFAULT_USERNAME)] = str
        fields[probatio.Optional(CONF_PASSWORD)] = _SECRET
    else:
        fields[probatio.Optional(CONF_TOKEN)] = _SECRET
    fields[probatio.Optional(CONF_NAME)] = str
    return probatio.Schema(fields)


async def async_probe_plug(
    hass: HomeAssistant, plug_type: str, user_input: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Ask the plug who it is and what it measures: its title and subentry data.

    Raises the plug client's errors (see `plug_error`).
    """
    data = {CONF_PLUG_TYPE: plug_type, **user_input}
    data[CONF_PORT] = int(data[CONF_PORT])
    name = data.pop(CONF_NAME, None)
    client = client_for(hass, data)
    info = await client.get_info()
    state = await client.get_state()
    per_socket, device_only = readings_of(state)
    data.update(
        {
            CONF_DEVICE_ID: info.device_id,
            CONF_MODEL: info.model,
            CONF_MANUFACTURER: info.manufacturer,
            CONF_FIRMWARE: info.firmware,
            CONF_SOCKETS: info.sockets,
            CONF_SOCKET_READINGS: per_socket,
            CONF_DEVICE_READINGS: device_only,
        }
    )
    return name or _default_name(info), data


def _default_name(info: PlugInfo) -> str:
    return info.name or info.model


def plug_error(err: Exception) -> str:
    """The form's error key for what probing a plug raised."""
    if isinstance(err, PlugConnectionError):
        return "cannot_connect"
    if isinstance(err, PlugAuthError):
        return "invalid_auth"
    if isinstance(err, PlugError):  # a reply that is not a plug's, malformed or truncated
        return "not_a_plug"
    LOGGER.exception("Unexpected error while testing a plug", exc_info=err)
    return "unknown"


def configured_plug(
    hass: HomeAssistant, device_id: str
) -> tuple[ConfigEntry, ConfigSubentry] | None:
    """The (entry, subentry) of a plug already added to any meter, if it is."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry in entry.get_subentries_of_type(SUBENTRY_PLUG):
            if subentry.unique_id == device_id:
                return entry, subentry
    return None


class PlugSubentryFlow(ConfigSubentryFlow):
    """Add or change a plug of a meter's entry."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Which kind of plug."""
        return self.async_show_menu(step_id="user", menu_options=[t.value for t in PlugType])

    async def async_step_gestion_energie(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """An object speaking the project's own API."""
        return await self._async_plug_step(PlugType.GESTION_ENERGIE, user_input)

    async def async_step_tasmota(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A Tasmota plug or strip, over its HTTP commands."""
        return await self._async_plug_step(PlugType.TASMOTA, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A new address or credentials for the same plug."""
        subentry = self._get_reconfigure_subentry()
        return await self._async_plug_step(
            subentry.data[CONF_PLUG_TYPE],
            user_input,
            step_id="reconfigure",
            suggested={**subentry.data, CONF_NAME: subentry.title},
        )

    async def _async_plug_step(
        self,
        plug_type: str,
        user_input: dict[str, Any] | None,
        *,
        step_id: str | None = None,
        suggested: dict[str, Any] | None = None,
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            suggested = user_input
            try:
                user_input = {**user_input, CONF_HOST: checked_host(user_input[CONF_HOST])}
            except ValueError:
                errors[CONF_HOST] = "invalid_host"
        if user_input is not None and not errors:
            try:
                title, data = await async_probe_plug(self.hass, plug_type, user_input)
            except Exception as err:  # every error becomes the form's
                errors["base"] = plug_error(err)
            else:
                return self._async_finish(title, data)
        return self.async_show_form(
            step_id=step_id or plug_type,
            data_schema=self.add_suggested_values_to_schema(plug_schema(plug_type), suggested),
            errors=errors,
        )

    def _async_finish(self, title: str, data: dict[str, Any]) -> SubentryFlowResult:
        device_id = data[CONF_DEVICE_ID]
        if self.source == SOURCE_RECONFIGURE:
            subentry = self._get_reconfigure_subentry()
            if subentry.unique_id != device_id:
                return self.async_abort(reason="different_plug")
            # The entry's update listener sets the plug up again with its new settings.
            return self.async_update_and_abort(self._get_entry(), subentry, title=title, data=data)
        if configured_plug(self.hass, device_id) is not None:
            return self.async_abort(reason="already_configured")
        return self.async_create_entry(title=title, data=data, unique_id=device_id)
