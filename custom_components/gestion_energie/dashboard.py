"""A ready dashboard of a meter, written on request into Home Assistant's Lovelace storage.

The `create_dashboard` action adds a storage dashboard (the user edits it like any other
afterwards): power now against the subscribed and cut-off powers, the time before the cut-off,
the tariff period and Tempo colours, what today and this month cost with the price now and its
next change, the loads in their shedding order with their state, priority (a number box) and
buttons moving them in that order, and the per-device breakdown of consumption. Entities are
found by unique id: their ids are in the installation's language.

Home Assistant has no Python API to add a storage dashboard. Read in its 2026.10 source: the
lovelace component keeps its `DashboardsCollection` in a local variable of `async_setup`, not in
`hass.data` (`LovelaceData` holds the dashboards' configs, the resources and the YAML
dashboards, not the collection); its only handles are the websocket commands the frontend uses.
A second collection over the same store would write behind the first one's back (no panel until a
restart, and the frontend's next edit overwrites ours); a websocket message would need a fake
admin connection. So this module takes the collection from the `lovelace/dashboards/list`
command's handler, the collection's own bound method, adds the dashboard with its
`async_create_item` (the panel registered by lovelace itself) and saves the cards with the new
dashboard's `async_save`, what the frontend's save command calls. Should that handler change, the
action fails with a translated error instead of writing anything.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.websocket_api import DOMAIN as WEBSOCKET_DOMAIN
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import collection, config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_get_config_entry
from homeassistant.helpers.translation import async_get_translations
import probatio

from .const import DOMAIN
from .coordinator import GestionEnergieConfigEntry
from .shedding_manager import ManagedLoad
from .tic.cutoff import THRESHOLD_RATIO

SERVICE_CREATE_DASHBOARD = "create_dashboard"
CREATE_DASHBOARD_SCHEMA = probatio.Schema({probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string})


def dashboard_url(entry: GestionEnergieConfigEntry) -> str:
    """The dashboard's address: one per meter."""
    return f"linky-{entry.unique_id}".lower()


def _dashboards(hass: HomeAssistant) -> collection.DictStorageCollection:
    """Lovelace's collection of storage dashboards."""
    handlers = hass.data.get(WEBSOCKET_DOMAIN, {})
    handler = handlers.get("lovelace/dashboards/list", (None,))[0]
    websocket = getattr(handler, "__self__", None)
    dashboards = getattr(websocket, "storage_collection", None)
    if LOVELACE_DATA not in hass.data or not isinstance(
        dashboards, collection.DictStorageCollection
    ):
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="no_lovelace")
    return dashboards


class _Layout:
    """Builds the cards, in Home Assistant's language, from the entities' unique ids."""

    def __init__(
        self, hass: HomeAssistant, entry: GestionEnergieConfigEntry, strings: dict[str, str]
    ) -> None:
        self.registry = er.async_get(hass)
        self.entry = entry
        self.strings = strings

    def title(self, key: str) -> str:
        return self.strings[f"component.{DOMAIN}.exceptions.dashboard_{key}.message"]

    def entity(self, platform: str, unique_id: str) -> str | None:
        return self.registry.async_get_entity_id(platform, DOMAIN, unique_id)

    def meter(self, platform: str, key: str) -> str | None:
        return self.entity(platform, f"{self.entry.unique_id}_{key}")

    def load_row(self, platform: str, load: ManagedLoad, key: str) -> dict[str, str] | None:
        """A load's entity, named without the load's name: its card's title says it."""
        entity_id = self.entity(platform, f"{load.subentry_id}_{key}")
        name = self.strings[f"component.{DOMAIN}.entity.{platform}.{key}.name"]
        return None if entity_id is None else {"entity": entity_id, "name": name}

    def entities_card(self, title: str, rows: list[str | dict[str, str] | None]) -> dict[str, Any]:
        return {"type": "entities", "title": title, "entities": [r for r in rows if r]}

    def gauge(self) -> dict[str, Any]:
        """Power now; green up to the subscribed power, orange to the cut-off, red beyond."""
        data = self.entry.runtime_data.coordinator.data
        cutoff = data.cutoff_power_va or data.reference_power_va or 6000
        subscribed = data.reference_power_va or cutoff
        return {
            "type": "gauge",
            "name": self.title("gauge"),
            "entity": self.meter("sensor", "apparent_power"),
            "min": 0,
            "max": round(cutoff * THRESHOLD_RATIO),  # where the meter cuts
            "needle": True,
            "segments": [
                {"from": 0, "color": "var(--success-color)"},
                {"from": subscribed, "color": "var(--warning-color)"},
                {"from": cutoff, "color": "var(--error-color)"},
            ],
        }

    def loads(self) -> list[dict[str, Any]]:
        """The shedding's switch, the shedding order, then a card per load in that order."""
        manager = self.entry.runtime_data.shedding
        cards = [
            self.entities_card(
                self.title("shedding"),
                [
                    self.meter("switch", "shedding"),
                    self.meter("binary_sensor", "shedding_active"),
                    self.meter("sensor", "loads_shed"),
                    self.meter("sensor", "shed_power"),
                ],
            )
        ]
        if manager is None:
            return cards
        loads = [manager.loads[switch] for switch in manager.shedding_order()]
        priorities = [
            (load.title, self.entity("number", f"{load.subentry_id}_priority")) for load in loads
        ]
        cards.append(self.order(priorities))
        cards.extend(
            self.entities_card(
                load.title,
                [
                    load.switch,
                    self.load_row("sensor", load, "load_status"),
                    self.load_row("number", load, "priority"),
                    self.load_row("button", load, "shed_earlier"),
                    self.load_row("button", load, "shed_later"),
                ],
            )
            for load in loads
        )
        return cards

    def order(self, priorities: list[tuple[str, str | None]]) -> dict[str, Any]:
        """The loads in the order they are shed, as it is now (a template of their priorities)."""
        pairs = ", ".join(
            f"(states({json.dumps(entity)}) | int(0), {json.dumps(title, ensure_ascii=False)})"
            for title, entity in priorities
            if entity
        )
        return {
            "type": "markdown",
            "title": self.title("order"),
            "content": (
                f"{{% for priority, name in [{pairs}] | sort %}}"
                "1. {{ name }} ({{ priority }})\n"
                "{% endfor %}"
            ),
        }

    def money(self) -> dict[str, Any]:
        """What today and this month cost, the price now and when it changes."""
        return self.entities_card(
            self.title("money"),
            [
                self.meter("sensor", "cost_day"),
                self.meter("sensor", "cost_month"),
                self.meter("sensor", "current_price"),
                self.meter("sensor", "next_period_change"),
                self.meter("sensor", "next_period_price"),
            ],
        )

    def config(self) -> dict[str, Any]:
        meter = self.entities_card(
            self.title("meter"),
            [
                self.meter("sensor", "time_to_cutoff"),
                self.meter("sensor", "headroom"),
                self.meter("sensor", "tariff_period"),
                self.meter("sensor", "tempo_today"),
                self.meter("sensor", "tempo_tomorrow"),
                self.meter("sensor", "unmeasured_power"),
            ],
        )
        breakdown = [
            {"type": "energy-date-selection"},
            {"type": "energy-devices-graph", "title": self.title("devices")},
        ]
        return {
            "views": [
                {
                    "title": self.entry.title,
                    "path": "linky",
                    "type": "sections",
                    "sections": [
                        {"type": "grid", "cards": [self.gauge(), meter, self.money()]},
                        {"type": "grid", "cards": self.loads()},
                        {"type": "grid", "cards": breakdown},
                    ],
                }
            ]
        }


async def async_create_dashboard(hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> str:
    """Write the meter's dashboard; its address. A dashboard already there is left as it is."""
    dashboards = _dashboards(hass)
    url_path = dashboard_url(entry)
    if url_path in hass.data[LOVELACE_DATA].dashboards:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="dashboard_exists",
            translation_placeholders={"url": f"/{url_path}"},
        )
    strings = await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})
    strings |= await async_get_translations(hass, hass.config.language, "entity", {DOMAIN})
    config = _Layout(hass, entry, strings).config()
    await dashboards.async_create_item(
        {
            "url_path": url_path,
            "title": entry.title,
            "icon": "mdi:home-lightning-bolt",
            "show_in_sidebar": True,
            "require_admin": False,
        }
    )
    await hass.data[LOVELACE_DATA].dashboards[url_path].async_save(config)
    return url_path


async def _async_create_dashboard_action(call: ServiceCall) -> ServiceResponse:
    entry: GestionEnergieConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    url_path = await async_create_dashboard(call.hass, entry)
    return {"url": f"/{url_path}"}


def async_setup_dashboard_action(hass: HomeAssistant) -> None:
    """Register the `create_dashboard` action."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CREATE_DASHBOARD,
        _async_create_dashboard_action,
        schema=CREATE_DASHBOARD_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
