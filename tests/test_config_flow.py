"""The config flow, options flow and reconfigure flow, in a real Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.const import (
    CONF_STALE_AFTER,
    CONF_UPDATE_INTERVAL,
    DOMAIN,
)

from .conftest import SIMULATED_ADDRESS, SIMULATOR_DATA

FORM = {key: value for key, value in SIMULATOR_DATA.items() if key != "source"}


async def _start_simulator_flow(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["serial", "radio", "network", "simulator"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "simulator"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "simulator"
    return result


async def test_simulator_creates_an_entry_named_after_its_source(hass: HomeAssistant) -> None:
    result = await _start_simulator_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Simulated Linky {SIMULATED_ADDRESS}"
    assert result["data"] == {**SIMULATOR_DATA, "meter_address": SIMULATED_ADDRESS}
    assert result["result"].unique_id == SIMULATED_ADDRESS
    await hass.async_block_till_done()


async def test_a_second_simulated_meter_has_an_address_of_its_own(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    result = await _start_simulator_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    second = result["result"]
    assert second.unique_id == "042164123457"
    await hass.async_block_till_done()
    # Both run side by side, each meter its own device.
    devices = {
        device.serial_number
        for device in dr.async_get(hass).devices
        if device.manufacturer == "Enedis"
    }
    assert devices == {SIMULATED_ADDRESS, "042164123457"}
    assert second.runtime_data.simulator.address == "042164123457"
    await hass.config_entries.async_unload(second.entry_id)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        ("NoSignalError", "no_signal"),
        ("CorruptSignalError", "checksum_errors"),
        ("RuntimeError", "unknown"),
    ],
)
async def test_probe_failures_show_a_translated_error_and_recover(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, error: str, key: str
) -> None:
    from custom_components.gestion_energie import config_flow  # noqa: PLC0415
    from custom_components.gestion_energie.meter import probe  # noqa: PLC0415

    exception = getattr(probe, error, RuntimeError)

    async def failing_probe(*_args: object) -> None:
        raise exception

    result = await _start_simulator_flow(hass)
    with monkeypatch.context() as patch:
        patch.setattr(config_flow, "probe_meter", failing_probe)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": key}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure_changes_the_settings_of_the_same_meter(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    result = await loaded_simulator.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**FORM, "contract": "base", "mode": "historic"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_simulator.data["contract"] == "base"
    assert loaded_simulator.data["mode"] == "historic"


async def test_reconfigure_refuses_another_meter(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id="999999999999", data=dict(SIMULATOR_DATA))
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], FORM)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_meter"
    assert entry.data == SIMULATOR_DATA


async def test_options_set_the_update_policy(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_simulator.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"]
    assert schema is not None
    # Every field but the optional entity the shed limit may follow has a default.
    defaults = {str(key): key.default() for key in schema.schema if key != "shed_limit_entity"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**defaults, CONF_UPDATE_INTERVAL: "30", CONF_STALE_AFTER: 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_simulator.options == {
        CONF_UPDATE_INTERVAL: 30,
        CONF_STALE_AFTER: 120,
        # The load-shedding timing keeps the engine's defaults when left as shown.
        "shed_restore_dwell": 60,
        "shed_min_off": 2,
        "shed_max_toggles": 6,
        "shed_override": 60,
        "shed_max_hours": 4,
    }
    assert loaded_simulator.runtime_data.coordinator.update_interval_s == 30


async def test_options_set_the_shedding_timing(
    hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_simulator.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    timing = {
        "shed_restore_dwell": 30.0,  # number selectors give floats
        "shed_min_off": 10.0,
        "shed_max_toggles": 4.0,
        "shed_override": 90.0,
        "shed_max_hours": 8.0,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UPDATE_INTERVAL: "10", CONF_STALE_AFTER: 60, **timing}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the entry reloads with the new timing
    settings = loaded_simulator.runtime_data.shedding.engine.settings
    assert settings.restore_dwell_s == 30
    assert settings.min_off_s == 600
    assert settings.max_toggles_per_hour == 4
    assert settings.override_respect_s == 5400
    assert settings.max_shed_s == 8 * 3600
