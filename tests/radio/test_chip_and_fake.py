"""Chip settings, and the fake radio's behaviour where the chip's matters."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.radio.chip import RadioConfig, open_chip
from custom_components.gestion_energie.simulators.fake_radio import FakeAir, FakeRF24


def test_config_checks_and_pins() -> None:
    config = RadioConfig(spi_bus=1, spi_device=2)
    assert config.csn_pin == 12
    assert config.spi_path == "/dev/spidev1.2"
    with pytest.raises(ValueError, match="channel"):
        RadioConfig(channel=126)
    with pytest.raises(ValueError, match="address"):
        RadioConfig(address=b"AB")


def test_both_ends_agree_or_nothing_passes() -> None:
    air = FakeAir()
    rx = open_chip(lambda _: FakeRF24(air), RadioConfig(channel=10), receive=True)
    tx = open_chip(lambda _: FakeRF24(air), RadioConfig(channel=11), receive=False)
    assert not tx.write(b"hello")  # another channel: no acknowledgement
    tx.setChannel(10)
    assert tx.write(b"hello")
    assert rx.available_pipe() == (True, 1)  # type: ignore[attr-defined]
    assert rx.read(rx.getDynamicPayloadSize()) == b"hello"
    assert not rx.available()


def test_fifo_of_three_and_no_ack_writes() -> None:
    air = FakeAir()
    rx = open_chip(lambda _: FakeRF24(air), RadioConfig(), receive=True)
    tx = FakeRF24(air)
    open_chip(lambda _: tx, RadioConfig(), receive=False)
    tx.retries = (0, 0)
    assert [tx.write(bytes([n])) for n in range(4)] == [True, True, True, False]
    assert rx.rxFifoFull()  # type: ignore[attr-defined]
    assert air.fifo_full_drops == 1
    tx.setAutoAck(False)
    assert tx.write(b"lost")  # without acknowledgement the sender cannot know
    assert tx.write(b"x" * 33) is False
    tx.startListening()
    assert not tx.write(b"in RX mode")
    rx.flush_rx()
    assert rx.read(4) == bytearray(4)  # an empty FIFO reads as zeros, like the chip


def test_fixed_payloads_are_padded() -> None:
    air = FakeAir()
    rx = open_chip(lambda _: FakeRF24(air), RadioConfig(), receive=True)
    tx = FakeRF24(air)
    tx.begin()
    tx.setDataRate(RadioConfig().data_rate)
    tx.stopListening(RadioConfig().address)
    assert tx.write(b"abc")  # dynamic payloads off: 32 bytes on the air
    assert rx.getDynamicPayloadSize() == 32
