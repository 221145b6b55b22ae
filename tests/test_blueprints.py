"""The shipped blueprints, loaded into a real Home Assistant and driven by the simulated meter."""

from __future__ import annotations

from datetime import datetime
import json
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.device_automation import (
    DeviceAutomationType,
    async_get_device_automations,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from yarl import URL

from custom_components.gestion_energie.blueprint_install import async_install_blueprints
from custom_components.gestion_energie.const import CONF_CONTRACT, DOMAIN
from custom_components.gestion_energie.coordinator import MeterCoordinator
from custom_components.gestion_energie.device_trigger import (
    meter_sensor_entity,
    required_meter_sensor,
)
from custom_components.gestion_energie.tic import Group, TicMode, encode_frame

BLUEPRINTS = (
    Path(__file__).resolve().parents[1] / "custom_components" / "gestion_energie" / "blueprints"
)
PLUG = "switch.water_heater"


@pytest.fixture(autouse=True)
async def blueprints_and_plug(hass: HomeAssistant) -> None:
    """The blueprints in the configuration, and a switch standing for a plug."""
    target = Path(hass.config.path("blueprints", "automation", "gestion_energie"))
    target.mkdir(parents=True, exist_ok=True)
    for blueprint in BLUEPRINTS.glob("*.yaml"):
        shutil.copy(blueprint, target)
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"water_heater_relay": {}}}
    )
    relay = "input_boolean.water_heater_relay"
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "switch": [
                        {
                            "name": "Water heater",
                            "state": f"{{{{ is_state('{relay}', 'on') }}}}",
                            "turn_on": {
                                "action": "input_boolean.turn_on",
                                "target": {"entity_id": relay},
                            },
                            "turn_off": {
                                "action": "input_boolean.turn_off",
                                "target": {"entity_id": relay},
                            },
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()


async def _use_blueprint(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"gestion_energie/{path}", "input": inputs}}},
    )
    await hass.async_block_till_done()


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


# The schedule helper keeps a timer for its next slot.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_plug_follows_a_schedule_helper(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2026, 11, 23, 6, 0, tzinfo=dt_util.get_default_time_zone()))  # Monday
    assert await async_setup_component(
        hass,
        "schedule",
        {
            "schedule": {
                "heater": {"name": "Heater", "monday": [{"from": "07:00:00", "to": "09:00:00"}]}
            }
        },
    )
    await _use_blueprint(
        hass,
        "follow_schedule.yaml",
        {"schedule_entity": "schedule.heater", "switch_target": {"entity_id": PLUG}},
    )
    assert _state(hass, PLUG) == STATE_OFF
    for hour, expected in ((7, STATE_ON), (9, STATE_OFF)):
        freezer.move_to(datetime(2026, 11, 23, hour, 0, 1, tzinfo=dt_util.get_default_time_zone()))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert _state(hass, PLUG) == expected, hour


def _frame(ltarf: str = "HEURE PLEINE", tempo_today: int = 1, tempo_tomorrow: int = 0) -> bytes:
    """A standard frame; Tempo colours in the status register (0 none, 1 blue, 2 white, 3 red)."""
    return encode_frame(
        [
            Group("ADSC", "042164123456"),
            Group("SINSTS", "01000"),
            Group("PREF", "06"),
            Group("LTARF", f"{ltarf:<16}"),
            Group("STGE", f"{tempo_tomorrow << 26 | tempo_today << 24 | 1 << 17:08X}"),
        ],
        TicMode.STANDARD,
    )


def _meter_device(hass: HomeAssistant, coordinator: MeterCoordinator) -> str:
    entry = coordinator.config_entry
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, str(entry.unique_id)), entry.entry_id
    )
    assert device is not None
    return device.id


async def test_plug_runs_during_off_peak_hours(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    coordinator.async_receive(_frame("HEURE PLEINE"))
    await hass.async_block_till_done()
    await hass.services.async_call("switch", "turn_on", {"entity_id": PLUG}, blocking=True)
    await _use_blueprint(
        hass,
        "off_peak.yaml",
        {"meter": _meter_device(hass, coordinator), "switch_target": {"entity_id": PLUG}},
    )
    # Home Assistant starting: the switches follow the hours now (peak hours: off).
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF
    for ltarf, expected in (("HEURE CREUSE", STATE_ON), ("HEURE PLEINE", STATE_OFF)):
        coordinator.async_receive(_frame(ltarf))
        await hass.async_block_till_done()
        assert _state(hass, PLUG) == expected, ltarf


def _meter_picker(blueprint: str) -> set[str]:
    """The blueprint's inputs, the meter among them picked as a device of ours by Enedis."""
    inputs = yaml.load_yaml_dict(BLUEPRINTS / blueprint)["blueprint"]["input"]
    assert inputs["meter"]["selector"] == {
        "device": {"filter": [{"integration": DOMAIN, "manufacturer": "Enedis"}]}
    }
    return set(inputs)


async def _ours(hass: HomeAssistant, kind: DeviceAutomationType, device_id: str) -> set[str]:
    """The types of the device's triggers or conditions that the integration offers."""
    automations = await async_get_device_automations(hass, kind, [device_id])
    return {item["type"] for item in automations[device_id] if item["domain"] == DOMAIN}


async def test_the_off_peak_blueprint_offers_only_the_meters_and_follows_their_tariff_period(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    """The picker is a device selector: the meters only, each with its tariff-period sensor.

    Home Assistant's entity selector filters by integration, domain, device class, unit and
    the device's maker: the meter's other enum sensors (Tempo colours, cut-off switch...) pass
    every such filter. Its device selector filtered on the integration and Enedis offers each
    meter once, and the meter's device triggers and conditions find its tariff-period sensor.
    """
    assert _meter_picker("off_peak.yaml") == {"meter", "switch_target"}
    # Another device of the integration (a plug's) is no meter: no trigger, not offered.
    plug = dr.async_get(hass).async_get_or_create(
        config_entry_id=coordinator.config_entry.entry_id,
        identifiers={(DOMAIN, "plug-1")},
        manufacturer="Tasmota",
    )
    assert await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, [plug.id]) == {
        plug.id: []
    }
    assert await async_get_device_automations(hass, DeviceAutomationType.CONDITION, [plug.id]) == {
        plug.id: []
    }
    meter = _meter_device(hass, coordinator)
    triggers = await _ours(hass, DeviceAutomationType.TRIGGER, meter)
    assert {"off_peak_started", "off_peak_ended"} <= triggers
    conditions = await _ours(hass, DeviceAutomationType.CONDITION, meter)
    assert {"is_off_peak", "is_not_off_peak"} <= conditions
    assert meter_sensor_entity(hass, meter, "tariff_period") == "sensor.linky_tariff_period"
    assert meter_sensor_entity(hass, plug.id, "tariff_period") is None
    assert meter_sensor_entity(hass, "no-such-device", "tariff_period") is None
    with pytest.raises(HomeAssistantError, match="not a meter"):
        required_meter_sensor(hass, plug.id, "tariff_period")


async def test_the_tempo_blueprint_picks_the_meter_whose_colours_it_follows(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    """The Tempo blueprint's picker is the meter's device, as the off-peak one's.

    Its entity picker offered every enum sensor of the meter (tariff period, tomorrow's
    colour, cut-off switch...): picking tomorrow's colour switched the plugs off a day early.
    A Tempo meter offers red-day triggers and conditions that follow its colour sensors.
    """
    assert _meter_picker("tempo_red_days.yaml") == {"meter", "switch_entities", "restore_after"}
    coordinator.async_receive(_frame(tempo_today=1))
    await hass.async_block_till_done()
    meter = _meter_device(hass, coordinator)
    assert await _ours(hass, DeviceAutomationType.TRIGGER, meter) == {
        "off_peak_started",
        "off_peak_ended",
        "red_day_started",
        "red_day_ended",
        "red_day_announced",
    }
    assert await _ours(hass, DeviceAutomationType.CONDITION, meter) == {
        "is_off_peak",
        "is_not_off_peak",
        "is_red_day",
        "is_red_day_tomorrow",
    }
    assert meter_sensor_entity(hass, meter, "tempo_today") == "sensor.linky_tempo_colour_today"
    tomorrow = meter_sensor_entity(hass, meter, "tempo_tomorrow")
    assert tomorrow == "sensor.linky_tempo_colour_tomorrow"


async def test_a_meter_without_tempo_colours_offers_no_red_day(
    hass: HomeAssistant, simulator_entry: MockConfigEntry
) -> None:
    """An off-peak contract has no colour sensors: no red-day trigger or condition."""
    hass.config_entries.async_update_entry(
        simulator_entry, data={**simulator_entry.data, CONF_CONTRACT: "off_peak"}
    )
    assert await hass.config_entries.async_setup(simulator_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = simulator_entry.runtime_data.coordinator
    await simulator_entry.runtime_data.source.stop()
    coordinator.async_receive(_frame(tempo_today=0))
    await hass.async_block_till_done()
    meter = _meter_device(hass, coordinator)
    assert meter_sensor_entity(hass, meter, "tempo_today") is None
    assert await _ours(hass, DeviceAutomationType.TRIGGER, meter) == {
        "off_peak_started",
        "off_peak_ended",
    }
    assert await _ours(hass, DeviceAutomationType.CONDITION, meter) == {
        "is_off_peak",
        "is_not_off_peak",
    }
    with pytest.raises(HomeAssistantError, match="not a meter with a tempo_today sensor"):
        required_meter_sensor(hass, meter, "tempo_today")
    await hass.config_entries.async_unload(simulator_entry.entry_id)


async def test_tomorrows_red_day_announced_triggers_an_automation_of_the_meter(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    """The trigger and condition on tomorrow's colour, as the automation editor saves them."""
    coordinator.async_receive(_frame(tempo_today=1, tempo_tomorrow=0))
    await hass.async_block_till_done()
    device = {"domain": DOMAIN, "device_id": _meter_device(hass, coordinator)}
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [{"trigger": "device", **device, "type": "red_day_announced"}],
                "conditions": [{"condition": "device", **device, "type": "is_red_day_tomorrow"}],
                "actions": [{"action": "switch.turn_off", "target": {"entity_id": PLUG}}],
            }
        },
    )
    await hass.services.async_call("switch", "turn_on", {"entity_id": PLUG}, blocking=True)
    coordinator.async_receive(_frame(tempo_today=1, tempo_tomorrow=2))  # white tomorrow
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_ON
    coordinator.async_receive(_frame(tempo_today=1, tempo_tomorrow=3))  # red tomorrow
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF


async def test_plug_kept_off_on_tempo_red_days(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    coordinator.async_receive(_frame(tempo_today=1))  # blue
    await hass.async_block_till_done()
    await hass.services.async_call("switch", "turn_on", {"entity_id": PLUG}, blocking=True)
    await _use_blueprint(
        hass,
        "tempo_red_days.yaml",
        {"meter": _meter_device(hass, coordinator), "switch_entities": [PLUG]},
    )
    # Tomorrow's colour is not today's: a red day announced switches nothing yet.
    coordinator.async_receive(_frame(tempo_today=1, tempo_tomorrow=3))
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_ON
    coordinator.async_receive(_frame(tempo_today=3))  # red
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF
    # Someone turns it on during the red day: it goes back off.
    await hass.services.async_call("switch", "turn_on", {"entity_id": PLUG}, blocking=True)
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF
    coordinator.async_receive(_frame(tempo_today=2))  # white: the red day is over
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_ON


async def test_a_red_day_at_start_switches_off_and_its_end_restores_only_if_asked(
    hass: HomeAssistant, coordinator: MeterCoordinator
) -> None:
    coordinator.async_receive(_frame(tempo_today=3))  # red
    await hass.async_block_till_done()
    await hass.services.async_call("switch", "turn_on", {"entity_id": PLUG}, blocking=True)
    await _use_blueprint(
        hass,
        "tempo_red_days.yaml",
        {
            "meter": _meter_device(hass, coordinator),
            "switch_entities": [PLUG],
            "restore_after": False,
        },
    )
    # Home Assistant starting on a red day: the switches go off.
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF
    coordinator.async_receive(_frame(tempo_today=1))  # blue: the red day is over
    await hass.async_block_till_done()
    assert _state(hass, PLUG) == STATE_OFF


async def test_the_integration_installs_its_blueprints_once_and_then_leaves_them_alone(
    hass: HomeAssistant, tmp_path: Path, hass_ws_client: WebSocketGenerator
) -> None:
    hass.config.config_dir = str(tmp_path)
    installed = tmp_path / "blueprints" / "automation" / DOMAIN
    assert await async_setup_component(hass, DOMAIN, {})
    assert sorted(path.name for path in installed.iterdir()) == sorted(
        path.name for path in BLUEPRINTS.glob("*.yaml")
    )
    # Home Assistant offers them, in French.
    assert await async_setup_component(hass, "automation", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "blueprint/list", "domain": "automation"})
    listed = (await client.receive_json())["result"]
    names = {path: item["metadata"]["name"] for path, item in listed.items()}
    assert names[f"{DOMAIN}/off_peak.yaml"] == "Prises allumées en heures creuses"
    assert names[f"{DOMAIN}/tempo_red_days.yaml"] == "Prises éteintes les jours rouges Tempo"
    # The folder is the user's now: what they delete stays deleted.
    (installed / "off_peak.yaml").unlink()
    await async_install_blueprints(hass)
    assert not (installed / "off_peak.yaml").exists()


def test_the_readme_links_import_every_blueprint_from_the_repository() -> None:
    repository = json.loads((BLUEPRINTS.parent / "manifest.json").read_text())["documentation"]
    owner_and_name = repository.removeprefix("https://github.com/")
    readme = (BLUEPRINTS.parents[2] / "README.md").read_text()
    links = re.findall(
        r"\(https://my\.home-assistant\.io/redirect/blueprint_import/\?([^)]+)\)", readme
    )
    raw = f"https://raw.githubusercontent.com/{owner_and_name}/main/"
    linked = []
    for query in links:
        (url,) = parse_qs(query)["blueprint_url"]
        assert url.startswith(raw), url
        linked.append(BLUEPRINTS.parents[2] / url.removeprefix(raw))
    assert sorted(linked) == sorted(BLUEPRINTS.glob("*.yaml"))
    for blueprint in linked:
        # Home Assistant's re-import follows the blueprint's own source URL to the same file.
        source = re.search(r"source_url: (\S+)", blueprint.read_text())
        assert source is not None
        assert (
            source.group(1)
            == f"{repository}/blob/main/{blueprint.relative_to(BLUEPRINTS.parents[2])}"
        )


@pytest.mark.usefixtures("socket_enabled")
async def test_a_readme_link_imports_its_blueprint(
    hass: HomeAssistant, tmp_path: Path, hass_ws_client: WebSocketGenerator
) -> None:
    """What the import dialog does with a README link, GitHub played by a loopback server."""
    checkout = BLUEPRINTS.parents[2]
    readme = (checkout / "README.md").read_text()
    query = re.search(r"blueprint_import/\?([^)]+)\)", readme)
    assert query is not None
    (raw_url,) = parse_qs(query.group(1))["blueprint_url"]
    owner, name, branch, *path = URL(raw_url).parts[1:]

    async def raw_file(request: web.Request) -> web.Response:
        return web.Response(text=(checkout / request.match_info["path"]).read_text())

    app = web.Application()
    app.router.add_get(f"/{owner}/{name}/{branch}/{{path:.+}}", raw_file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        hass.config.config_dir = str(tmp_path)
        assert await async_setup_component(hass, "automation", {})
        client = await hass_ws_client(hass)
        url = str(URL(raw_url).with_scheme("http").with_host("127.0.0.1").with_port(port))
        await client.send_json_auto_id({"type": "blueprint/import", "url": url})
        imported = (await client.receive_json())["result"]
        assert imported["validation_errors"] is None
        assert imported["blueprint"]["metadata"]["name"] == "Prises allumées en heures creuses"
        await client.send_json_auto_id(
            {
                "type": "blueprint/save",
                "domain": "automation",
                "path": "gestion_energie/off_peak",
                "yaml": imported["raw_data"],
                "source_url": raw_url,
            }
        )
        assert (await client.receive_json())["success"]
        assert (
            tmp_path / "blueprints" / "automation" / "gestion_energie" / "off_peak.yaml"
        ).exists()
    finally:
        await runner.cleanup()
    assert "/".join(path) == "custom_components/gestion_energie/blueprints/off_peak.yaml"
