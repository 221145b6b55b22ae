"""Set up a meter from the UI: choose its source, test it, and use its address as unique id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
import errno
import re
from types import MappingProxyType
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.typing import UNDEFINED
from homeassistant.util import dt as dt_util
import probatio
import serialx

from . import money_flow, sources_setup
from .adopt_history import AdoptionPlan, async_adopt, async_plan_adoption, index_entities
from .const import (
    CONF_ADDRESS,
    CONF_CE_PIN,
    CONF_CHANNEL,
    CONF_CONTRACT,
    CONF_DATA_RATE,
    CONF_DEVICE_ID,
    CONF_IRQ_PIN,
    CONF_METER_ADDRESS,
    CONF_MODE,
    CONF_PA_LEVEL,
    CONF_PLUG_TYPE,
    CONF_SERIAL_PORT,
    CONF_SHED_LIMIT_ENTITY,
    CONF_SHED_MAX_HOURS,
    CONF_SHED_MAX_TOGGLES,
    CONF_SHED_MIN_OFF,
    CONF_SHED_OVERRIDE,
    CONF_SHED_RESTORE_DWELL,
    CONF_SOURCE,
    CONF_SPI_BUS,
    CONF_SPI_DEVICE,
    CONF_STALE_AFTER,
    CONF_SUBSCRIBED_KVA,
    CONF_UPDATE_INTERVAL,
    DEFAULT_STALE_AFTER,
    DEFAULT_UPDATE_INTERVAL,
    DOMAIN,
    LOGGER,
    MODE_AUTO,
    MODE_HISTORIC,
    MODE_STANDARD,
    PROBE_TIMEOUT,
    SOURCE_NETWORK,
    SOURCE_RADIO,
    SOURCE_SERIAL,
    SOURCE_SIMULATOR,
    SUBENTRY_PLUG,
    UPDATE_INTERVALS,
)
from .load_flow import LoadSubentryFlow
from .meter.probe import (
    CorruptSignalError,
    NoSignalError,
    ProbeResult,
    SourceUnavailableError,
    probe_meter,
)
from .money.readings import reported_periods
from .money_manager import price_sets_of
from .plug_coordinator import client_for
from .plug_flow import (
    PlugSubentryFlow,
    async_probe_plug,
    configured_plug,
    plug_error,
)
from .plugs import ZEROCONF_TYPE, PlugError, PlugType, checked_host, parse_announcement
from .radio.chip import DataRate, PaLevel, RadioConfig, RadioError, SpiUnavailableError
from .shedding_const import SUBENTRY_LOAD
from .shedding_manager import settings_from_options
from .simulators.meter import SIMULATED_ADDRESS, Contract
from .sources.base import DataCallback, MeterSource
from .sources.radio import probe_radio
from .sources_setup import create_source, radio_config
from .tic import TicMode
from .voice import decimal

CONF_METER = "meter"  # the discovery form: which meter's entry the plug joins
SUBSCRIBED_KVA = ("3", "6", "9", "12", "15", "18", "24", "30", "36")
MAX_SHOWN_NAME = 63  # a DNS label's length: the most an mDNS instance name should need
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: CommonMark escapes every one


def plain_text(text: str) -> str:
    """A name an announce gave, fit for a card's title: one short line, nothing hidden."""
    return " ".join(_INVISIBLE.sub(" ", text).split())[:MAX_SHOWN_NAME] or "?"


def markdown_text(text: str) -> str:
    """A name from the network or a device, shown as itself inside a Markdown description."""
    return _MARKDOWN.sub(r"\\\1", plain_text(text))


def _select(options: list[str], key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, translation_key=key, mode=SelectSelectorMode.DROPDOWN)
    )


def _number(minimum: int, maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    )


def _mode_field(defaults: dict[str, Any]) -> dict[Any, Any]:
    return {
        probatio.Required(CONF_MODE, default=defaults.get(CONF_MODE, MODE_AUTO)): _select(
            [MODE_AUTO, MODE_HISTORIC, MODE_STANDARD], CONF_MODE
        )
    }


async def _serial_schema(defaults: dict[str, Any]) -> probatio.Schema:
    """The port, chosen among the machine's (or typed: a pyserial URL), and the mode."""
    ports = await serialx.async_list_serial_ports()
    options = [
        SelectOptionDict(
            value=port.device,
            label=" - ".join(
                filter(None, (port.device, port.manufacturer, port.product, port.serial_number))
            ),
        )
        for port in ports
    ]
    return probatio.Schema(
        {
            probatio.Required(
                CONF_SERIAL_PORT, default=defaults.get(CONF_SERIAL_PORT, probatio.UNDEFINED)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=options, custom_value=True, mode=SelectSelectorMode.DROPDOWN
                )
            ),
            **_mode_field(defaults),
        }
    )


async def _network_schema(defaults: dict[str, Any]) -> probatio.Schema:
    return probatio.Schema(
        {
            probatio.Required(CONF_HOST, default=defaults.get(CONF_HOST, probatio.UNDEFINED)): str,
            probatio.Required(CONF_PORT, default=defaults.get(CONF_PORT, 23)): _number(1, 65535),
        }
    )


async def _radio_schema(defaults: dict[str, Any]) -> probatio.Schema:
    chip = RadioConfig()  # the transmitter's defaults
    fields: dict[Any, Any] = {
        probatio.Required(CONF_CE_PIN, default=defaults.get(CONF_CE_PIN, chip.ce_pin)): _number(
            0, 63
        ),
        probatio.Required(CONF_SPI_BUS, default=defaults.get(CONF_SPI_BUS, chip.spi_bus)): _number(
            0, 9
        ),
        probatio.Required(
            CONF_SPI_DEVICE, default=defaults.get(CONF_SPI_DEVICE, chip.spi_device)
        ): _number(0, 9),
        probatio.Required(CONF_CHANNEL, default=defaults.get(CONF_CHANNEL, chip.channel)): _number(
            0, 125
        ),
        probatio.Required(
            CONF_DATA_RATE, default=defaults.get(CONF_DATA_RATE, chip.data_rate.name.lower())
        ): _select([rate.name.lower() for rate in DataRate], CONF_DATA_RATE),
        probatio.Required(
            CONF_PA_LEVEL, default=defaults.get(CONF_PA_LEVEL, chip.pa_level.name.lower())
        ): _select([level.name.lower() for level in PaLevel], CONF_PA_LEVEL),
        probatio.Required(
            CONF_ADDRESS, default=defaults.get(CONF_ADDRESS, chip.address.decode())
        ): str,
        probatio.Optional(CONF_IRQ_PIN, default=defaults.get(CONF_IRQ_PIN, probatio.UNDEFINED)): (
            _number(0, 63)
        ),
    }
    return probatio.Schema(fields)


async def _simulator_schema(defaults: dict[str, Any]) -> probatio.Schema:
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

    def __init__(self) -> None:
        """Nothing discovered yet."""
        self._plug: dict[str, Any] = {}  # a discovered plug's address
        self._token_required = False
        self._model: str | None = None

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The update policy."""
        return GestionEnergieOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """A meter's entry holds its home's plugs and the loads its shedding manages."""
        return {SUBENTRY_PLUG: PlugSubentryFlow, SUBENTRY_LOAD: LoadSubentryFlow}

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """An object of the project's API announced itself: offer to add it to a meter.

        Home Assistant starts only config flows from discovery (a subentry flow can only
        be started by the user), so this flow adds the plug as a subentry of the meter's
        entry itself, then ends with an abort that says so.
        """
        announcement = parse_announcement(discovery_info.properties)
        if announcement is None:
            return self.async_abort(reason="not_a_plug")
        await self.async_set_unique_id(announcement.device_id)
        address = {CONF_HOST: discovery_info.host, CONF_PORT: discovery_info.port or 80}
        if (found := configured_plug(self.hass, announcement.device_id)) is not None:
            return await self._async_known_plug_announced(*found, address)
        if not self._async_current_entries():
            return self.async_abort(reason="no_meter")
        self._plug = address
        self._token_required = announcement.token_required
        self._model = announcement.model
        name = plain_text(discovery_info.name.removesuffix(f".{ZEROCONF_TYPE}"))
        self.context["title_placeholders"] = {"name": name}
        self._plug[CONF_NAME] = name
        return await self.async_step_zeroconf_confirm()

    async def _async_known_plug_announced(
        self, entry: ConfigEntry, subentry: ConfigSubentry, address: dict[str, Any]
    ) -> ConfigFlowResult:
        """A plug already added announces itself: maybe it moved, maybe it is an impostor.

        mDNS is unauthenticated: anyone on the LAN can announce any id. Nothing is sent to
        the announced address before the user confirms the move, and a plug of another
        protocol is never touched by this one's announcements.
        """
        if subentry.data[CONF_PLUG_TYPE] != PlugType.GESTION_ENERGIE:
            return self.async_abort(reason="plug_already_configured")
        if {key: subentry.data.get(key) for key in address} == address:
            return self.async_abort(reason="plug_already_configured")
        try:  # its stored address is trusted: ask it there
            info = await client_for(self.hass, subentry.data).get_info()
        except PlugError:
            pass  # gone from there: it may have moved
        else:
            if info.device_id == subentry.unique_id:  # still where it was
                return self.async_abort(reason="plug_already_configured")
        self._plug = address
        self.context["title_placeholders"] = {"name": plain_text(subentry.title)}
        return await self.async_step_zeroconf_moved()

    async def async_step_zeroconf_moved(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before following a plug to the address it announced; its credentials go there."""
        # Read again at every step: the user may have changed or removed the plug meanwhile.
        if (found := configured_plug(self.hass, self.unique_id or "")) is None:
            return self.async_abort(reason="plug_gone")
        entry, subentry = found
        errors: dict[str, str] = {}
        if user_input is not None:
            form = {**self._plug, CONF_NAME: subentry.title}
            if CONF_TOKEN in subentry.data:
                form[CONF_TOKEN] = subentry.data[CONF_TOKEN]
            try:
                title, data = await async_probe_plug(self.hass, PlugType.GESTION_ENERGIE, form)
            except Exception as err:  # every error becomes the form's
                errors["base"] = plug_error(err)
            else:
                if data[CONF_DEVICE_ID] != subentry.unique_id:
                    return self.async_abort(reason="different_plug")
                # The entry's update listener reloads it with the plug's new address.
                self.hass.config_entries.async_update_subentry(
                    entry, subentry, title=title, data=data
                )
                return self.async_abort(
                    reason="plug_moved", description_placeholders={"plug": markdown_text(title)}
                )
        return self.async_show_form(
            step_id="zeroconf_moved",
            data_schema=probatio.Schema({}),
            description_placeholders={
                "name": markdown_text(subentry.title),
                "old_host": f"{subentry.data[CONF_HOST]}:{subentry.data[CONF_PORT]}",
                "host": f"{self._plug[CONF_HOST]}:{self._plug[CONF_PORT]}",
            },
            errors=errors,
        )

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name the discovered plug, give its token if it wants one, choose the meter."""
        meters = self._async_current_entries()
        errors: dict[str, str] = {}
        if user_input is not None:
            meter = (
                self.hass.config_entries.async_get_entry(user_input.pop(CONF_METER, ""))
                or meters[0]
            )
            form = {CONF_HOST: self._plug[CONF_HOST], CONF_PORT: self._plug[CONF_PORT]}
            form.update(user_input)
            try:
                title, data = await async_probe_plug(self.hass, PlugType.GESTION_ENERGIE, form)
            except Exception as err:  # every error becomes the form's
                errors["base"] = plug_error(err)
            else:
                if configured_plug(self.hass, data[CONF_DEVICE_ID]) is not None:
                    return self.async_abort(reason="plug_already_configured")
                self.hass.config_entries.async_add_subentry(
                    meter,
                    ConfigSubentry(
                        data=MappingProxyType(data),
                        subentry_type=SUBENTRY_PLUG,
                        title=title,
                        unique_id=data[CONF_DEVICE_ID],
                    ),
                )
                return self.async_abort(
                    reason="plug_added",
                    description_placeholders={
                        "plug": markdown_text(title),
                        "meter": markdown_text(meter.title),
                    },
                )
        fields: dict[Any, Any] = {probatio.Optional(CONF_NAME): str}
        if self._token_required:
            fields[probatio.Required(CONF_TOKEN)] = TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            )
        if len(meters) > 1:
            fields[probatio.Required(CONF_METER, default=meters[0].entry_id)] = SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=entry.entry_id, label=entry.title)
                        for entry in meters
                    ],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(fields), user_input or self._plug
            ),
            description_placeholders={
                "name": markdown_text(self._plug[CONF_NAME]),
                "host": f"{self._plug[CONF_HOST]}:{self._plug[CONF_PORT]}",
                "model": markdown_text(self._model or "?"),
            },
            errors=errors,
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose how the meter's data reaches Home Assistant."""
        return self.async_show_menu(step_id="user", menu_options=list(SOURCE_SCHEMAS))

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A serial or USB TIC adapter, or a serial server reached by a pyserial URL."""
        return await self._async_source_step(SOURCE_SERIAL, user_input)

    async def async_step_radio(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The nRF24L01 receiver wired to this machine, listening to the meter's transmitter."""
        return await self._async_source_step(SOURCE_RADIO, user_input)

    async def async_step_network(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A network bridge sending the raw TIC over TCP (ser2net and the like)."""
        return await self._async_source_step(SOURCE_NETWORK, user_input)

    async def async_step_simulator(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The built-in simulated meter."""
        return await self._async_source_step(SOURCE_SIMULATOR, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the source settings of the same meter."""
        entry = self._get_reconfigure_entry()
        return await self._async_source_step(
            entry.data[CONF_SOURCE], user_input, step_id="reconfigure", entry=entry
        )

    async def _async_source_step(
        self,
        source: str,
        user_input: dict[str, Any] | None,
        *,
        step_id: str | None = None,
        entry: ConfigEntry | None = None,
    ) -> ConfigFlowResult:
        """Show a source's form; on submit, listen for the meter and create or update the entry."""
        errors: dict[str, str] = {}
        defaults: dict[str, Any] = dict(entry.data) if entry else {}
        if user_input is not None:
            data = {CONF_SOURCE: source, **_whole_numbers(user_input)}
            if source == SOURCE_SIMULATOR:  # a meter of its own, or the same one again
                data[CONF_METER_ADDRESS] = (
                    entry.data.get(CONF_METER_ADDRESS, SIMULATED_ADDRESS)
                    if entry is not None
                    else self._free_simulated_address()
                )
            defaults = data
            if source == SOURCE_NETWORK:
                try:
                    data[CONF_HOST] = checked_host(data[CONF_HOST])
                except ValueError:
                    errors[CONF_HOST] = "invalid_host"
        if user_input is not None and not errors:
            try:
                result = await self._async_probe(data)
            except SourceUnavailableError as err:
                errors["base"] = _unavailable_reason(source, err.error)
            except NoSignalError:
                errors["base"] = "no_signal"
            except CorruptSignalError:
                errors["base"] = "checksum_errors"
            except ValueError:  # settings a radio chip cannot take, a port no path can name
                errors["base"] = (
                    "invalid_radio_settings" if source == SOURCE_RADIO else "port_not_found"
                )
            except Exception:
                LOGGER.exception("Unexpected error while testing the meter's source")
                errors["base"] = "unknown"
            else:
                await self.async_set_unique_id(result.address, raise_on_progress=False)
                title = await self._async_title(data, result.address)
                if entry is not None:
                    self._abort_if_unique_id_mismatch(reason="different_meter")
                    # Named after its source still, unless the user named it otherwise. The
                    # entry's update listener reloads it when the settings changed.
                    old = await self._async_title(dict(entry.data), result.address)
                    return self.async_update_and_abort(
                        entry, data_updates=data, title=title if entry.title == old else UNDEFINED
                    )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=title, data=data)
        return self.async_show_form(
            step_id=step_id or source,
            data_schema=await SOURCE_SCHEMAS[source](defaults),
            errors=errors,
        )

    async def _async_title(self, data: dict[str, Any], address: str) -> str:
        """The entry's title, after its source: "Linky (série /dev/ttyUSB0)"."""
        strings = await async_get_translations(
            self.hass, self.hass.config.language, "exceptions", {DOMAIN}
        )
        source = data[CONF_SOURCE]
        title = strings.get(f"component.{DOMAIN}.exceptions.entry_title_{source}.message")
        if title is None:  # translations unavailable: the meter's address
            return f"Linky {address}"
        return title.format_map(
            {**{key: str(value) for key, value in data.items()}, "address": address}
        )

    def _free_simulated_address(self) -> str:
        """The first simulated meter address no entry has: several simulated meters coexist."""
        taken = {entry.unique_id for entry in self._async_current_entries(include_ignore=True)}
        address = int(SIMULATED_ADDRESS)
        while f"{address:012}" in taken:
            address += 1
        return f"{address:012}"

    async def _async_probe(self, data: dict[str, Any]) -> ProbeResult:
        if data[CONF_SOURCE] == SOURCE_RADIO:
            # Fails fast, and with the reason, when the chip or SPI is missing.
            config = radio_config(data)
            try:
                await self.hass.async_add_executor_job(
                    probe_radio, config, sources_setup.RADIO_CHIP_FACTORY
                )
            except RadioError as err:
                raise SourceUnavailableError(err) from err

        def make_source(on_data: DataCallback) -> MeterSource:
            return create_source(self.hass, data, on_data)[0]

        return await probe_meter(make_source, PROBE_TIMEOUT.total_seconds())


def _whole_numbers(user_input: dict[str, Any]) -> dict[str, Any]:
    """Number selectors give floats: keep whole numbers as int in the entry."""
    return {
        key: int(value) if isinstance(value, float) and value.is_integer() else value
        for key, value in user_input.items()
    }


def _unavailable_reason(source: str, error: Exception) -> str:
    """The form's error for a source that cannot be opened."""
    if isinstance(error, SpiUnavailableError):
        return "spi_unavailable"
    if isinstance(error, RadioError):
        return "radio_not_found"
    if source == SOURCE_NETWORK:
        return "cannot_connect"
    if isinstance(error, FileNotFoundError):
        return "port_not_found"
    if isinstance(error, OSError) and error.errno in {errno.EBUSY, errno.EACCES}:
        return "port_busy"
    return "cannot_open"


SOURCE_SCHEMAS: dict[str, Callable[[dict[str, Any]], Awaitable[probatio.Schema]]] = {
    SOURCE_SERIAL: _serial_schema,
    SOURCE_RADIO: _radio_schema,
    SOURCE_NETWORK: _network_schema,
    SOURCE_SIMULATOR: _simulator_schema,
}


def _local_hour(iso: str) -> str:
    """An hour of the recorder (ISO, UTC) in Home Assistant's time zone, to the minute."""
    return dt_util.as_local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


class GestionEnergieOptionsFlow(OptionsFlow):
    """The update policy and load shedding's timing, the prices, or adopting a history."""

    _history_sources: dict[str, str]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which options to change."""
        return self.async_show_menu(step_id="init", menu_options=["settings", "prices", "history"])

    async def async_step_history(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """For each of our indexes, the old integration's sensor whose history it takes."""
        entry = self.config_entry
        loaded = getattr(entry, "runtime_data", None) is not None
        if "recorder" not in self.hass.config.components or not loaded:
            return self.async_abort(reason="history_unavailable")
        indexes = index_entities(self.hass, entry)
        if not indexes:
            return self.async_abort(reason="no_periods_yet")
        if user_input is None:
            return self._history_form({}, {})
        # The fields are the indexes' keys (each labelled with its sensor's name).
        sources = {indexes[key]: source for key, source in user_input.items() if source}
        if not sources:
            return self._history_form({"base": "no_source_chosen"}, user_input)
        self._history_sources = sources
        return await self.async_step_history_confirm()

    async def async_step_history_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """What would be copied (a dry run, planned again on confirming); then written."""
        sources = self._history_sources
        try:
            plans = await async_plan_adoption(self.hass, self.config_entry, sources)
        except ServiceValidationError as misfit:  # the action's checks, its translated reasons
            return self._history_form(
                {"base": misfit.translation_key or "unknown"},
                self._chosen(sources),
                self._readable(misfit.translation_placeholders or {}),
            )
        if user_input is not None:
            await async_adopt(self.hass, plans)
            return self.async_abort(
                reason="history_adopted", description_placeholders={"indexes": str(len(plans))}
            )
        return self.async_show_form(
            step_id="history_confirm",
            data_schema=probatio.Schema({}),
            description_placeholders={"plan": await self._history_plan_text(plans)},
        )

    def _chosen(self, sources: dict[str, str]) -> dict[str, str]:
        """The sources chosen, by the form's fields (the indexes' keys)."""
        indexes = index_entities(self.hass, self.config_entry)
        return {key: sources[entity] for key, entity in indexes.items() if entity in sources}

    def _readable(self, placeholders: dict[str, str]) -> dict[str, str]:
        """A refusal's placeholders as the user reads them: names, a local hour."""
        readable = dict(placeholders)
        for key in ("entity", "source"):
            if key in readable:
                readable[key] = self._name(readable[key])
        if readable.get("at"):
            readable["at"] = _local_hour(readable["at"])
        return readable

    def _name(self, entity_id: str) -> str:
        """What the user reads for an entity: its name, as the frontend shows it."""
        state = self.hass.states.get(entity_id)
        return str(state.name) if state is not None else entity_id

    def _history_form(
        self,
        errors: dict[str, str],
        user_input: dict[str, Any],
        misfit: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        indexes = index_entities(self.hass, self.config_entry)
        ours = er.async_entries_for_config_entry(
            er.async_get(self.hass), self.config_entry.entry_id
        )
        sources = EntitySelector(
            EntitySelectorConfig(
                filter=[
                    EntityWithDeviceFilterSelectorConfig(domain="sensor", device_class="energy")
                ],
                exclude_entities=[registered.entity_id for registered in ours],
            )
        )
        schema = probatio.Schema({probatio.Optional(key): sources for key in indexes})
        # Every error's placeholders, named whichever error is shown; each field's label
        # (`data.<key>` is "{<key>}"): the name of our index sensor.
        placeholders = {"entity": "-", "source": "-", "at": "-", "meter": self.config_entry.title}
        labels = {key: self._name(entity_id) for key, entity_id in indexes.items()}
        return self.async_show_form(
            step_id="history",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={**placeholders, **labels, **(misfit or {})},
        )

    async def _history_plan_text(self, plans: list[AdoptionPlan]) -> str:
        """One line per index, from the translated template (placeholders of the report).

        The sensors by their names, local hours, numbers in the user's language.
        """
        language = self.hass.config.language
        strings = await async_get_translations(self.hass, language, "exceptions", {DOMAIN})
        line, removed = (
            strings.get(f"component.{DOMAIN}.exceptions.history_plan_{key}.message", "")
            for key in ("line", "removed")
        )
        lines = []
        for plan in plans:
            report = plan.report()
            values = {key: str(value) for key, value in report.items()}
            for key in ("first_hour", "last_hour", "until"):
                values[key] = _local_hour(report[key])
            for key in ("entity_id", "source"):
                values[key] = self._name(report[key])
            for key in ("sum_adjustment", "unrecorded_energy"):
                values[key] = decimal(report[key], language, places=3)
            text = line.format_map(values)
            if report["hours_removed"]:  # said only when an earlier adoption loses hours
                text += f" {removed.format_map(values)}"
            lines.append(f"- {text}")
        return "\n".join(lines)

    async def async_step_prices(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A dated price set, with a price for each period the meter reports."""
        entry = self.config_entry
        runtime = getattr(entry, "runtime_data", None)
        if runtime is None or runtime.money is None:
            return self.async_abort(reason="meter_not_loaded")
        periods = reported_periods(runtime.coordinator.data)
        if not periods:
            return self.async_abort(reason="no_periods_yet")
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                options = money_flow.updated_options(entry.options, periods, user_input)
            except money_flow.InvalidFieldError as error:
                errors[error.key] = money_flow.FIELD_ERRORS[error.key]
            else:
                return self.async_create_entry(data=options)
        sets = price_sets_of(entry)
        schema = money_flow.prices_schema(periods, sets, runtime.money.today())
        return self.async_show_form(
            step_id="prices",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders={
                "sets": ", ".join(price_set.valid_from.isoformat() for price_set in sets) or "-",
                "periods": ", ".join(periods),
            },
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The update policy form."""
        options = self.config_entry.options
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **options,
                    **_whole_numbers(user_input),
                    CONF_UPDATE_INTERVAL: int(user_input[CONF_UPDATE_INTERVAL]),
                }
            )
        timing = settings_from_options(options)
        shedding_defaults = {
            CONF_SHED_RESTORE_DWELL: (timing.restore_dwell_s, 10, 3600),
            CONF_SHED_MIN_OFF: (timing.min_off_s / 60, 1, 120),
            CONF_SHED_MAX_TOGGLES: (timing.max_toggles_per_hour, 2, 30),
            CONF_SHED_OVERRIDE: (timing.override_respect_s / 60, 1, 1440),
            CONF_SHED_MAX_HOURS: (timing.max_shed_s / 3600, 1, 48),
        }
        return self.async_show_form(
            step_id="settings",
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
                    **{
                        probatio.Required(key, default=int(default)): _number(minimum, maximum)
                        for key, (default, minimum, maximum) in shedding_defaults.items()
                    },
                    probatio.Optional(
                        CONF_SHED_LIMIT_ENTITY,
                        description={"suggested_value": options.get(CONF_SHED_LIMIT_ENTITY)},
                    ): EntitySelector(
                        EntitySelectorConfig(domain=["sensor", "number", "input_number"])
                    ),
                }
            ),
        )
