"""Set up a meter from the UI: choose its source, test it, and use its address as unique id."""

from __future__ import annotations

from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from .const import (
    CONF_CONTRACT,
    CONF_MODE,
    CONF_SOURCE,
    CONF_STALE_AFTER,
    CONF_SUBSCRIBED_KVA,
    CONF_UPDATE_INTERVAL,
    DEFAULT_STALE_AFTER,
    DEFAULT_UPDATE_INTERVAL,
    DOMAIN,
    LOGGER,
    PROBE_TIMEOUT,
    SOURCE_SIMULATOR,
    UPDATE_INTERVALS,
)
from .meter.probe import CorruptSignalError, NoSignalError, ProbeResult, probe_meter
from .simulators.meter import Contract
from .sources_setup import create_source
from .tic import TicMode

SUBSCRIBED_KVA = ("3", "6", "9", "12", "15", "18", "24", "30", "36")


def _select(options: list[str], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, translation_key=key, mode=SelectSelectorMode.DROPDOWN)
    )


def _simulator_schema(defaults: dict[str, Any]) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(
                CONF_MODE, default=defaults.get(CONF_MODE, TicMode.STANDARD.value)
            ): _select([mode.value for mode in TicMode], CONF_MODE),
            probatio.Required(
                CONF_CONTRACT, default=defaults.get(CONF_CONTRACT, Contract.OFF_PEAK.value)
            ): _select([contract.value for contract in Contract], CONF_CONTRACT),
            probatio.Required(
                CONF_SUBSCRIBED_KVA, default=str(defaults.get(CONF_SUBSCRIBED_KVA, "6"))
            ): _select(list(SUBSCRIBED_KVA), CONF_SUBSCRIBED_KVA),
        }
    )


class GestionEnergieConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Linky meter."""

    VERSION = 1

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The update policy."""
        return GestionEnergieOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose how the meter's data reaches Home Assistant."""
        return self.async_show_menu(step_id="user", menu_options=[SOURCE_SIMULATOR])

    async def async_step_simulator(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The built-in simulated meter."""
        return await self._async_source_step(SOURCE_SIMULATOR, user_input, _simulator_schema)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the source settings of the same meter."""
        entry = self._get_reconfigure_entry()
        source = entry.data[CONF_SOURCE]
        return await self._async_source_step(
            source, user_input, _simulator_schema, step_id="reconfigure", entry=entry
        )

    async def _async_source_step(
        self,
        source: str,
        user_input: dict[str, Any] | None,
        schema: Any,
        *,
        step_id: str | None = None,
        entry: ConfigEntry | None = None,
    ) -> ConfigFlowResult:
        """Show a source's form; on submit, listen for the meter and create or update the entry."""
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = dict(entry.data) if entry else {}
        if user_input is not None:
            data = {CONF_SOURCE: source, **user_input}
            defaults = data
            try:
                result = await self._async_probe(data)
            except NoSignalError:
                errors["base"] = "no_signal"
            except CorruptSignalError:
                errors["base"] = "checksum_errors"
            except Exception:
                LOGGER.exception("Unexpected error while testing the meter's source")
                errors["base"] = "unknown"
            else:
                await self.async_set_unique_id(result.address, raise_on_progress=False)
                if entry is not None:
                    self._abort_if_unique_id_mismatch(reason="different_meter")
                    return self.async_update_reload_and_abort(entry, data_updates=data)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=f"Linky {result.address}",
                    data=data,
                )
        return self.async_show_form(
            step_id=step_id or source, data_schema=schema(defaults), errors=errors
        )

    async def _async_probe(self, data: dict[str, Any]) -> ProbeResult:
        def make_source(on_data: Any) -> Any:
            return create_source(self.hass, data, on_data)[0]

        return await probe_meter(make_source, PROBE_TIMEOUT.total_seconds())


class GestionEnergieOptionsFlow(OptionsFlow):
    """How often measurements are written, and when a silent meter counts as unavailable."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The update policy form."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_UPDATE_INTERVAL: int(user_input[CONF_UPDATE_INTERVAL]),
                    CONF_STALE_AFTER: int(user_input[CONF_STALE_AFTER]),
                }
            )
        options = self.config_entry.options
        return self.async_show_form(
            step_id="init",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_UPDATE_INTERVAL,
                        default=str(options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL)),
                    ): _select(
                        [str(seconds) for seconds in UPDATE_INTERVALS], CONF_UPDATE_INTERVAL
                    ),
                    probatio.Required(
                        CONF_STALE_AFTER,
                        default=options.get(CONF_STALE_AFTER, DEFAULT_STALE_AFTER),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=10,
                            max=3600,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                }
            ),
        )
