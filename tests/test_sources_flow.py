"""Setting up real sources from the UI: a serial port (a real pseudo-terminal), a TCP bridge
on loopback, and the radio (the real receiver over the fake radio chip, the hardware edge)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import errno
import logging
import os
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.gestion_energie import config_flow, sources_setup
from custom_components.gestion_energie.const import DOMAIN, PROBE_TIMEOUT
from custom_components.gestion_energie.radio import MeterMode
from custom_components.gestion_energie.radio.chip import (
    RadioConfig,
    RadioNotFoundError,
    SpiUnavailableError,
    open_chip,
)
from custom_components.gestion_energie.simulators.fake_radio import FakeAir, FakeRF24
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import TicMode
from transmitter.app import Transmitter

ADDRESS = "042164123456"
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def short_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listen for 3 s, not 20, before saying there is no signal."""
    monkeypatch.setattr(config_flow, "PROBE_TIMEOUT", PROBE_TIMEOUT / 20 * 3)


def historic_frames() -> Callable[[], bytes]:
    meter = SimulatedMeter(mode=TicMode.HISTORIC, contract=Contract.BASE, address=ADDRESS)
    now = [1_764_165_600.0]

    def next_frame() -> bytes:
        now[0] += 1.5
        return meter.frame(now[0])

    return next_frame


async def _form(hass: HomeAssistant, step: str) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result


@pytest.fixture
async def meter_on_pty(tmp_path: Path) -> AsyncIterator[str]:
    """A meter writing historic frames into a real pseudo-terminal; yields the port's path."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    port = tmp_path / "ttyTIC"
    port.symlink_to(os.ttyname(slave))
    os.close(slave)
    frames = historic_frames()

    async def run() -> None:
        while True:
            with contextlib.suppress(OSError):  # nobody has the port open yet
                os.write(master, frames())
            await asyncio.sleep(0.1)

    task = asyncio.create_task(run())
    yield str(port)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    os.close(master)


async def test_serial_adapter_on_a_real_pty(hass: HomeAssistant, meter_on_pty: str) -> None:
    result = await _form(hass, "serial")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": meter_on_pty, "mode": "historic"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == ADDRESS
    assert result["data"] == {"source": "serial", "port": meter_on_pty, "mode": "historic"}
    assert result["title"] == f"Linky (serial {meter_on_pty})"  # named after its source
    await hass.async_block_till_done()
    # Set up for real: the meter's frames reach the sensors.
    for _ in range(50):
        if (state := hass.states.get("sensor.linky_power_now")) and state.state.isdigit():
            break
        await asyncio.sleep(0.1)
    source = result["result"].runtime_data.source
    assert hass.states.get("sensor.linky_power_now").state.isdigit(), source.status  # type: ignore[union-attr]
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_missing_serial_port_is_said_at_once(
    hass: HomeAssistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    result = await _form(hass, "serial")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": str(tmp_path / "ttyUSB9"), "mode": "auto"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "port_not_found"}
    # The form says it; the log keeps it for debugging only.
    said = [record for record in caplog.records if "ttyUSB9" in record.getMessage()]
    assert said
    assert all(record.levelno == logging.DEBUG for record in said)


async def test_quiet_serial_port_has_no_signal(hass: HomeAssistant, tmp_path: Path) -> None:
    master, slave = os.openpty()
    port = tmp_path / "ttyQuiet"
    port.symlink_to(os.ttyname(slave))
    os.close(slave)
    try:
        result = await _form(hass, "serial")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"port": str(port), "mode": "standard"}
        )
    finally:
        os.close(master)
    assert result["errors"] == {"base": "no_signal"}


@pytest.fixture
async def bridge() -> AsyncIterator[int]:
    """A ser2net-like TIC bridge on 127.0.0.1; yields its port."""
    frames = historic_frames()
    handlers: set[asyncio.Task[None]] = set()

    async def serve(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while True:
                writer.write(frames())
                await writer.drain()
                await asyncio.sleep(0.1)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    for handler in handlers:
        handler.cancel()
    await asyncio.gather(*handlers)
    await server.wait_closed()


@pytest.mark.usefixtures("socket_enabled")
async def test_network_bridge(hass: HomeAssistant, bridge: int) -> None:
    result = await _form(hass, "network")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": bridge}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"source": "network", "host": "127.0.0.1", "port": bridge}
    assert result["title"] == f"Linky (network 127.0.0.1:{bridge})"
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.usefixtures("socket_enabled")
async def test_network_bridge_refused(hass: HomeAssistant, unused_tcp_port: int) -> None:
    result = await _form(hass, "network")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": unused_tcp_port}
    )
    assert result["errors"] == {"base": "cannot_connect"}


RADIO_FORM = {
    "ce_pin": 25,
    "spi_bus": 0,
    "spi_device": 0,
    "channel": 90,
    "data_rate": "kbps_250",
    "pa_level": "max",
    "address": "TEST1",
}


@pytest.mark.parametrize(
    ("chip", "error"),
    [({"present": False}, "radio_not_found"), ({"spi_present": False}, "spi_unavailable")],
)
async def test_radio_without_a_chip(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, chip: dict[str, bool], error: str
) -> None:
    air = FakeAir()
    monkeypatch.setattr(sources_setup, "RADIO_CHIP_FACTORY", lambda _: FakeRF24(air, **chip))
    result = await _form(hass, "radio")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], RADIO_FORM)
    assert result["errors"] == {"base": error}


async def test_radio_settings_a_chip_cannot_take(hass: HomeAssistant) -> None:
    result = await _form(hass, "radio")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**RADIO_FORM, "address": "TOO-LONG"}
    )
    assert result["errors"] == {"base": "invalid_radio_settings"}


async def test_radio_link_from_the_transmitter(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    air = FakeAir(time_scale=0.01)
    receiver = FakeRF24(air)
    monkeypatch.setattr(sources_setup, "RADIO_CHIP_FACTORY", lambda _: receiver)
    config = RadioConfig(channel=90, address=b"TEST1")
    transmitter = Transmitter(
        open_chip(lambda _: FakeRF24(air), config, receive=False), mode=MeterMode.HISTORIC
    )
    frames = historic_frames()
    sending = True

    def send() -> None:
        while sending:
            transmitter.send_frame(frames())
            transmitter.sleep(0.05)

    thread = asyncio.create_task(asyncio.to_thread(send))
    try:
        result = await _form(hass, "radio")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], RADIO_FORM)
    finally:
        sending = False
        await thread
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == ADDRESS
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_a_source_that_cannot_open_raises_a_repair_issue(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At run time (the chip unplugged since setup): a repair issue, cleared when it is back."""
    air = FakeAir(time_scale=0.01)
    receiver = FakeRF24(air, present=False)
    monkeypatch.setattr(sources_setup, "RADIO_CHIP_FACTORY", lambda _: receiver)
    entry = await _radio_entry(hass)
    issue_id = f"source_unavailable_{entry.entry_id}"
    for _ in range(50):
        if ir.async_get(hass).async_get_issue(DOMAIN, issue_id):
            break
        await asyncio.sleep(0.05)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    source: Any = entry.runtime_data.source
    source.backoff.initial = source.backoff.maximum = 0.05
    receiver.present = True
    transmitter = Transmitter(
        open_chip(
            lambda _: FakeRF24(air), RadioConfig(channel=90, address=b"TEST1"), receive=False
        ),
        mode=MeterMode.HISTORIC,
    )
    frames = historic_frames()
    for _ in range(100):
        await asyncio.to_thread(transmitter.send_frame, frames())
        if ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None:
            break
        await asyncio.sleep(0.05)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def _radio_entry(hass: HomeAssistant) -> Any:
    from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: PLC0415

    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=ADDRESS, data={"source": "radio", **RADIO_FORM}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.mark.parametrize(
    ("source", "error", "reason"),
    [
        ("radio", SpiUnavailableError("no spi"), "spi_unavailable"),
        ("radio", RadioNotFoundError("no chip"), "radio_not_found"),
        ("network", ConnectionRefusedError(), "cannot_connect"),
        ("serial", FileNotFoundError(), "port_not_found"),
        ("serial", OSError(errno.EBUSY, "busy"), "port_busy"),
        ("serial", OSError(errno.EACCES, "denied"), "port_busy"),
        ("serial", OSError(errno.EIO, "io"), "cannot_open"),
    ],
)
def test_every_unavailable_source_has_its_reason(
    source: str, error: Exception, reason: str
) -> None:
    assert config_flow._unavailable_reason(source, error) == reason
