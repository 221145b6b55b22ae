"""Adding plugs to a meter's entry: the subentry flow, its errors, reconfigure, discovery."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie import plug_flow
from custom_components.gestion_energie.const import DOMAIN, SUBENTRY_PLUG
from custom_components.gestion_energie.plugs import ZEROCONF_TYPE, PlugType
from custom_components.gestion_energie.simulators.plugs import (
    Fault,
    PlugSimulator,
    SimulatedPlug,
    SimulatedSocket,
)

from ..conftest import SIMULATOR_DATA
from .ha import NEW_TOKEN, TOKEN, WRONG, House, add_plug


@pytest.fixture
async def house(plugs_sim: PlugSimulator) -> House:
    return await House(plugs_sim).start()


async def _plug_form(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PLUG), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["gestion_energie", "tasmota"]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return dict(result)


async def test_a_strip_of_the_project_api_is_tested_then_added(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House, closed_port: int
) -> None:
    flow = await _plug_form(hass, loaded_simulator, "gestion_energie")
    configure = hass.config_entries.subentries.async_configure
    # Every bad input shows its error in the form, which stays open.
    wrong = [
        (house.form(house.strip, port=closed_port), "cannot_connect"),
        (house.form(house.strip, token=WRONG), "invalid_auth"),
        # A Tasmota plug does not speak the project's API.
        ({"host": "127.0.0.1", "port": house.heater.port}, "not_a_plug"),
    ]
    for form, error in wrong:
        result = await configure(flow["flow_id"], form)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": error}
    result = await configure(flow["flow_id"], house.form(house.strip, name="Bureau de Léa"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Bureau de Léa"
    assert result["unique_id"] == house.strip.device_id
    assert result["data"] == {
        "plug_type": "gestion_energie",
        "host": "127.0.0.1",
        "port": house.strip.port,
        "token": TOKEN,
        "device_id": house.strip.device_id,
        "model": "Multiprise simulée 2 prises",
        "manufacturer": "Gestion Énergie",
        "firmware": "1.0.0",
        "sockets": 2,
        "socket_readings": ["current", "power", "energy"],
        "device_readings": [],
    }
    await hass.async_block_till_done()
    assert [s.title for s in loaded_simulator.subentries.values()] == ["Bureau de Léa"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Fault.NOT_A_PLUG, "not_a_plug"), (Fault.MALFORMED, "not_a_plug"), (None, "unknown")],
)
async def test_replies_that_are_not_a_plugs_and_surprises(
    hass: HomeAssistant,
    simulator_entry: MockConfigEntry,
    house: House,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault | None,
    error: str,
) -> None:
    flow = await _plug_form(hass, simulator_entry, "tasmota")
    if fault is None:

        def surprise(*_args: object) -> None:
            raise RuntimeError("surprise")

        monkeypatch.setattr(plug_flow, "readings_of", surprise)
    else:
        house.heater.fault = fault
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], house.form(house.heater)
    )
    assert result["errors"] == {"base": error}


async def test_tasmota_plugs_and_their_readings(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, house: House
) -> None:
    flow = await _plug_form(hass, simulator_entry, "tasmota")
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], house.form(house.heater, password=WRONG)
    )
    assert result["errors"] == {"base": "invalid_auth"}
    heater = await add_plug(hass, simulator_entry, "tasmota", house.form(house.heater))
    assert heater.title == "Chauffe-eau"  # the plug's own DeviceName
    assert heater.data["sockets"] == 1
    assert heater.data["socket_readings"] == ["current", "power", "energy"]
    # A strip with one meter for the whole device: device readings only.
    radiators = await add_plug(hass, simulator_entry, "tasmota", house.form(house.radiators))
    assert radiators.data["sockets"] == 2
    assert radiators.data["socket_readings"] == []
    assert radiators.data["device_readings"] == ["current", "power", "energy"]
    assert "password" not in radiators.data


async def test_a_plug_is_added_once_across_meters(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, house: House
) -> None:
    await add_plug(hass, simulator_entry, "tasmota", house.form(house.heater))
    other = MockConfigEntry(domain=DOMAIN, unique_id="999999999999", data=dict(SIMULATOR_DATA))
    other.add_to_hass(hass)
    flow = await _plug_form(hass, other, "tasmota")
    result = await hass.config_entries.subentries.async_configure(
        flow["flow_id"], house.form(house.heater)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_a_plug(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House, closed_port: int
) -> None:
    strip = await add_plug(hass, loaded_simulator, "gestion_energie", house.form(house.strip))
    start = loaded_simulator.start_subentry_reconfigure_flow
    configure = hass.config_entries.subentries.async_configure
    flow = await start(hass, strip.subentry_id)
    assert flow["type"] is FlowResultType.FORM
    assert flow["step_id"] == "reconfigure"
    result = await configure(flow["flow_id"], house.form(house.strip, port=closed_port))
    assert result["errors"] == {"base": "cannot_connect"}
    # The object got a new token, and a new name here.
    house.strip.token = NEW_TOKEN
    result = await configure(
        result["flow_id"], house.form(house.strip, token=NEW_TOKEN, name="Salon")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    strip = loaded_simulator.subentries[strip.subentry_id]
    assert strip.title == "Salon"
    assert strip.data["token"] == NEW_TOKEN
    assert loaded_simulator.runtime_data.plugs[strip.subentry_id].subentry.title == "Salon"
    # Another object's address is refused.
    other = SimulatedPlug(PlugType.GESTION_ENERGIE, [SimulatedSocket(60)])
    port = await house.simulator.add(other)
    flow = await start(hass, strip.subentry_id)
    result = await configure(flow["flow_id"], {"host": "127.0.0.1", "port": port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_plug"


def _announcement(port: int, **properties: str) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        port=port,
        hostname="bureau.local.",
        type=ZEROCONF_TYPE,
        name=f"Bureau.{ZEROCONF_TYPE}",
        properties=properties,
    )


def _fields(result: ConfigFlowResult) -> set[str]:
    schema = result["data_schema"]
    assert schema is not None
    return {str(key) for key in schema.schema}


async def _discover(hass: HomeAssistant, info: ZeroconfServiceInfo) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
    )


async def test_a_discovered_object_joins_the_only_meter(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry, house: House
) -> None:
    port = house.strip.port
    assert port is not None
    info = _announcement(port, id=house.strip.device_id, model="Multiprise", auth="1")
    result = await _discover(hass, info)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert (result["description_placeholders"] or {})["name"] == "Bureau"
    assert _fields(result) == {"name", "token"}  # one meter: no choice
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": WRONG})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": TOKEN, "name": "Bureau"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "plug_added"
    assert result["description_placeholders"] == {
        "plug": "Bureau",
        "meter": loaded_simulator.title,
    }
    await hass.async_block_till_done()
    (subentry,) = loaded_simulator.subentries.values()
    assert subentry.unique_id == house.strip.device_id
    assert subentry.data["token"] == TOKEN
    assert len(loaded_simulator.runtime_data.plugs) == 1  # the entry reloaded with it
    # Announced again at another address while it answers at its own: not followed
    # (anyone can announce; tests/attack covers a plug that really moved).
    for announced in (port + 1, port):
        result = await _discover(hass, _announcement(announced, id=house.strip.device_id))
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "plug_already_configured"
        assert loaded_simulator.subentries[subentry.subentry_id].data["port"] == port


async def test_discovery_with_several_meters_asks_which(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, house: House
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN, title="Linky garage", unique_id="999999999999", data=dict(SIMULATOR_DATA)
    )
    other.add_to_hass(hass)
    port = house.strip.port
    assert port is not None
    result = await _discover(hass, _announcement(port, id=house.strip.device_id))
    assert _fields(result) == {"name", "meter"}  # no token announced
    # The object wants a token after all: the form says so.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"meter": other.entry_id}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    house.strip.token = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"meter": other.entry_id}
    )
    assert result["reason"] == "plug_added"
    assert [s.title for s in other.subentries.values()] == ["Bureau"]
    assert not simulator_entry.subentries


async def test_discovery_without_meter_or_id_aborts(hass: HomeAssistant, house: House) -> None:
    port = house.strip.port
    assert port is not None
    result = await _discover(hass, _announcement(port, model="Multiprise"))
    assert result["reason"] == "not_a_plug"
    result = await _discover(hass, _announcement(port, id=house.strip.device_id))
    assert result["reason"] == "no_meter"


async def test_a_plug_added_elsewhere_meanwhile_is_not_added_twice(
    hass: HomeAssistant, simulator_entry: MockConfigEntry, house: House
) -> None:
    port = house.strip.port
    assert port is not None
    house.strip.token = None
    result = await _discover(hass, _announcement(port, id=house.strip.device_id))
    await add_plug(hass, simulator_entry, "gestion_energie", house.form(house.strip, token=""))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "plug_already_configured"
