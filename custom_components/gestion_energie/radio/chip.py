"""How both ends set up their nRF24L01: settings, the chip methods used, typed failures.

Pure code: the chip object is passed in (pyrf24's RF24 through an adapter, or the fake).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

AUTO_RETRY_DELAY = 5
"""(5 + 1) x 250 us between automatic retransmissions: room for an ACK even at 250 kbps."""
AUTO_RETRY_COUNT = 15


class DataRate(IntEnum):
    """Air data rate, as the chip codes it; 250 kbps carries farthest."""

    MBPS_1 = 0
    MBPS_2 = 1
    KBPS_250 = 2


class PaLevel(IntEnum):
    """Transmit power, as the chip codes it."""

    MIN = 0
    LOW = 1
    HIGH = 2
    MAX = 3


@dataclass(frozen=True, slots=True)
class RadioConfig:
    """Wiring and air settings; both ends must agree on channel, data rate and address."""

    ce_pin: int = 25
    """GPIO line (BCM number) wired to CE."""
    spi_bus: int = 0
    spi_device: int = 0
    """CSN is the SPI chip select: /dev/spidev{bus}.{device}."""
    channel: int = 76
    data_rate: DataRate = DataRate.KBPS_250
    pa_level: PaLevel = PaLevel.MAX
    address: bytes = b"TIC01"
    irq_pin: int | None = None
    """GPIO line wired to IRQ; None to poll the chip instead."""
    gpio_chip: str = "/dev/gpiochip0"

    def __post_init__(self) -> None:
        """Reject what the chip cannot do."""
        if not 0 <= self.channel <= 125:
            raise ValueError(f"channel {self.channel} is not in 0..125")
        if not 3 <= len(self.address) <= 5:
            raise ValueError("the address is 3 to 5 bytes")

    @property
    def csn_pin(self) -> int:
        """The CSN number pyrf24 expects on Linux: bus x 10 + device."""
        return self.spi_bus * 10 + self.spi_device

    @property
    def spi_path(self) -> str:
        """The SPI device the chip answers on."""
        return f"/dev/spidev{self.spi_bus}.{self.spi_device}"


class Chip(Protocol):
    """The RF24 methods the project uses (pyrf24 names; rate and power as chip codes)."""

    def begin(self) -> bool: ...  # noqa: D102
    def isChipConnected(self) -> bool: ...  # noqa: D102, N802
    def setChannel(self, channel: int) -> None: ...  # noqa: D102, N802
    def setDataRate(self, speed: int) -> bool: ...  # noqa: D102, N802
    def setPALevel(self, level: int, lna_enable: bool = True) -> None: ...  # noqa: D102, N802
    def setAddressWidth(self, width: int) -> None: ...  # noqa: D102, N802
    def enableDynamicPayloads(self) -> None: ...  # noqa: D102, N802
    def setAutoAck(self, enable: bool) -> None: ...  # noqa: D102, N802
    def setRetries(self, delay: int, count: int) -> None: ...  # noqa: D102, N802
    def openReadingPipe(self, number: int, address: bytes) -> None: ...  # noqa: D102, N802
    def startListening(self) -> None: ...  # noqa: D102, N802
    def stopListening(self, tx_address: bytes | None = None) -> None: ...  # noqa: D102, N802
    def available(self) -> bool: ...  # noqa: D102
    def getDynamicPayloadSize(self) -> int: ...  # noqa: D102, N802
    def read(self, length: int) -> bytearray: ...  # noqa: D102
    def write(self, buf: bytes | bytearray, multicast: bool = False) -> bool: ...  # noqa: D102
    def flush_rx(self) -> None: ...  # noqa: D102
    def clearStatusFlags(self, flags: int = 0x70) -> int: ...  # noqa: D102, N802
    def powerDown(self) -> None: ...  # noqa: D102, N802


ChipFactory = Callable[[RadioConfig], Chip]


class RadioError(Exception):
    """The radio module cannot be used."""


class SpiUnavailableError(RadioError):
    """No SPI device: SPI not enabled, or the wrong bus and device (pyrf24 raised)."""


class RadioNotFoundError(RadioError):
    """The SPI device is there but no nRF24L01 answers on it (wiring, power, CE/CSN)."""


def open_chip(factory: ChipFactory, config: RadioConfig, *, receive: bool) -> Chip:
    """Create, start and set up the chip; typed errors when it cannot be used."""
    try:
        chip = factory(config)
        started = chip.begin()
    except RuntimeError as err:
        raise SpiUnavailableError(f"{config.spi_path}: {err}") from err
    if not started or not chip.isChipConnected():
        raise RadioNotFoundError(f"no nRF24L01 answers on {config.spi_path}")
    chip.setChannel(config.channel)
    chip.setDataRate(config.data_rate)
    chip.setPALevel(config.pa_level)
    chip.setAddressWidth(len(config.address))
    chip.enableDynamicPayloads()
    chip.setAutoAck(True)
    chip.setRetries(AUTO_RETRY_DELAY, AUTO_RETRY_COUNT)
    if receive:
        chip.openReadingPipe(1, config.address)
        chip.startListening()
    else:
        chip.stopListening(config.address)
    return chip
