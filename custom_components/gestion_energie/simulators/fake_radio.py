"""A software nRF24L01: the pyrf24 RF24 methods the project uses, over a shared fake air.

Two or more `FakeRF24` on one `FakeAir` talk like real modules: a packet reaches the radios
listening on the same channel, data rate and address; each has the chip's 3-entry RX FIFO,
and a packet that finds it full is not acknowledged. Auto-acknowledgement and automatic
retransmission behave as on the chip (a retransmission of a packet already received is
discarded by the receiver, so only a fresh `write` can duplicate a packet). The air injects
loss, lost acknowledgements, duplication and reordering from a seeded random generator.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
import random
import threading
import time

RX_FIFO_DEPTH = 3
MAX_PAYLOAD = 32
RETRY_STEP_S = 250e-6


@dataclass
class Impairments:
    """Probabilities, each per packet on the air."""

    loss: float = 0.0
    ack_loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0


class FakeAir:
    """The medium shared by fake radios, with injectable faults."""

    def __init__(
        self, impairments: Impairments | None = None, *, seed: int = 0, time_scale: float = 1.0
    ) -> None:
        """Build a quiet air; `time_scale` shortens (or stretches) retransmission delays."""
        self.impairments = impairments or Impairments()
        self.time_scale = time_scale
        self.sent = 0
        self.fifo_full_drops = 0
        self._rng = random.Random(seed)  # reproducible faults, not secrets
        self._lock = threading.Lock()
        self._radios: list[FakeRF24] = []
        self._held: tuple[FakeRF24, bytes] | None = None

    def join(self, radio: FakeRF24) -> None:
        """Put a radio on the air."""
        with self._lock:
            self._radios.append(radio)

    def _chance(self, probability: float) -> bool:
        return probability > 0 and self._rng.random() < probability

    def attempt(
        self, sender: FakeRF24, payload: bytes, *, retransmission: bool
    ) -> tuple[bool, bool]:
        """One transmission: whether a receiver took the packet, and whether it acknowledged.

        A retransmission of a packet already taken is recognised by the receiver (same packet
        id) and only acknowledged again.
        """
        with self._lock:
            self.sent += 1
            if self._chance(self.impairments.loss):
                return False, False
            receiver = next((r for r in self._radios if r is not sender and r.hears(sender)), None)
            if receiver is None:
                return False, False
            if not retransmission:
                if not receiver.fifo_has_room():
                    self.fifo_full_drops += 1
                    return False, False  # the chip does not acknowledge what it cannot store
                self._enqueue(receiver, payload)
            return True, not self._chance(self.impairments.ack_loss)

    def _enqueue(self, receiver: FakeRF24, payload: bytes) -> None:
        if self._held is None and self._chance(self.impairments.reorder):
            self._held = (receiver, payload)  # overtaken by the next packet
            return
        receiver.receive(payload)
        if self._chance(self.impairments.duplicate):
            receiver.receive(payload)
        if self._held is not None:
            held_receiver, held = self._held
            self._held = None
            held_receiver.receive(held)

    def flush(self) -> None:
        """Release a packet held back for reordering."""
        with self._lock:
            if self._held is not None:
                receiver, payload = self._held
                self._held = None
                receiver.receive(payload)


class FakeRF24:
    """The subset of pyrf24's RF24 used by the receiver and the transmitter.

    Data rate and PA level are the chip's codes (0 = 1 Mbps, 1 = 2 Mbps, 2 = 250 kbps;
    PA 0 = min to 3 = max), as the project's pyrf24 adapter takes them.
    """

    def __init__(self, air: FakeAir, *, present: bool = True, spi_present: bool = True) -> None:
        """Build a radio on `air`; a missing chip or SPI device fails `begin` as pyrf24 does."""
        self.air = air
        self.present = present
        self.spi_present = spi_present
        self.channel = 76
        self.data_rate = 0
        self.pa_level = 3
        self.dynamic_payloads = False
        self.auto_ack = True
        self.address_width = 5
        self.retries = (5, 15)
        self.listening = False
        self.powered = False
        self.reading_pipes: dict[int, bytes] = {}
        self.tx_address = b""
        self.rx_fifo: deque[bytes] = deque()
        self.rx_overflows = 0
        self.irq = threading.Event()
        self._lock = threading.Lock()
        air.join(self)

    # Setup

    def begin(self) -> bool:
        """Start the chip: RuntimeError without SPI, False when no module answers."""
        if not self.spi_present:
            raise RuntimeError("[SPI::begin] Can't open device /dev/spidev0.0")
        self.powered = self.present
        return self.present

    def isChipConnected(self) -> bool:  # noqa: N802  (pyrf24's name)
        """Whether a module answers on SPI."""
        return self.present

    def setChannel(self, channel: int) -> None:  # noqa: N802
        """Tune to a channel, 0 to 125."""
        self.channel = channel

    def setDataRate(self, speed: int) -> bool:  # noqa: N802
        """Set the air data rate."""
        self.data_rate = speed
        return True

    def setPALevel(self, level: int, lna_enable: bool = True) -> None:  # noqa: N802
        """Set the transmit power."""
        self.pa_level = level

    def setAddressWidth(self, width: int) -> None:  # noqa: N802
        """Addresses of 3 to 5 bytes."""
        self.address_width = width

    def enableDynamicPayloads(self) -> None:  # noqa: N802
        """Payloads of 1 to 32 bytes, each with its length."""
        self.dynamic_payloads = True

    def setAutoAck(self, enable: bool) -> None:  # noqa: N802
        """Acknowledge received packets (and wait for acknowledgements)."""
        self.auto_ack = enable

    def setRetries(self, delay: int, count: int) -> None:  # noqa: N802
        """Automatic retransmission: (delay + 1) x 250 us between `count` retries."""
        self.retries = (delay, count)

    def openReadingPipe(self, number: int, address: bytes) -> None:  # noqa: N802
        """Receive packets sent to `address` on pipe `number`."""
        self.reading_pipes[number] = bytes(address)

    def startListening(self) -> None:  # noqa: N802
        """Enter receive mode."""
        self.listening = True

    def stopListening(self, tx_address: bytes | None = None) -> None:  # noqa: N802
        """Enter transmit mode, optionally towards `tx_address` (pyrf24 0.6 style)."""
        self.listening = False
        if tx_address is not None:
            self.tx_address = bytes(tx_address)

    def powerDown(self) -> None:  # noqa: N802
        """Sleep; the FIFO is kept, as on the chip."""
        self.powered = False

    # Receive

    def hears(self, sender: FakeRF24) -> bool:
        """Whether a packet from `sender` would land here."""
        return (
            self.powered
            and self.listening
            and self.channel == sender.channel
            and self.data_rate == sender.data_rate
            and sender.tx_address in self.reading_pipes.values()
        )

    def fifo_has_room(self) -> bool:
        """Room for one more packet in the RX FIFO."""
        with self._lock:
            return len(self.rx_fifo) < RX_FIFO_DEPTH

    def receive(self, payload: bytes) -> None:
        """Take a packet from the air (dropped when the FIFO is full)."""
        with self._lock:
            if len(self.rx_fifo) >= RX_FIFO_DEPTH:
                self.rx_overflows += 1
                return
            self.rx_fifo.append(payload)
        self.irq.set()

    def available(self) -> bool:
        """Whether the RX FIFO holds a packet."""
        with self._lock:
            return bool(self.rx_fifo)

    def available_pipe(self) -> tuple[bool, int]:
        """Like `available`, with the pipe number (always 1 here)."""
        return self.available(), 1

    def rxFifoFull(self) -> bool:  # noqa: N802
        """Whether the RX FIFO is full."""
        with self._lock:
            return len(self.rx_fifo) >= RX_FIFO_DEPTH

    def getDynamicPayloadSize(self) -> int:  # noqa: N802
        """Length of the packet at the head of the FIFO."""
        with self._lock:
            return len(self.rx_fifo[0]) if self.rx_fifo else 0

    def read(self, length: int) -> bytearray:
        """Pop the head packet, cut or zero-padded to `length` like the chip's buffer."""
        with self._lock:
            payload = self.rx_fifo.popleft() if self.rx_fifo else b""
        return bytearray(payload[:length].ljust(length, b"\0"))

    def flush_rx(self) -> None:
        """Empty the RX FIFO."""
        with self._lock:
            self.rx_fifo.clear()

    def clearStatusFlags(self, flags: int = 0x70) -> int:  # noqa: N802
        """Release the IRQ line (it falls again with the next packet)."""
        self.irq.clear()
        return 0

    # Transmit

    def write(self, buf: bytes | bytearray, multicast: bool = False) -> bool:
        """Send one packet; True when acknowledged (always True without auto-ack)."""
        payload = bytes(buf)
        if not self.dynamic_payloads:
            payload = payload.ljust(MAX_PAYLOAD, b"\0")
        if not self.powered or self.listening or len(payload) > MAX_PAYLOAD:
            return False
        if not self.auto_ack or multicast:
            self.air.attempt(self, payload, retransmission=False)
            return True
        delay, count = self.retries
        delivered = False
        for attempt in range(count + 1):
            if attempt:
                time.sleep((delay + 1) * RETRY_STEP_S * self.air.time_scale)
            stored, acked = self.air.attempt(self, payload, retransmission=delivered)
            # A lost acknowledgement still left the packet in the receiver's FIFO.
            delivered = delivered or stored
            if acked:
                return True
        return False


class FakeIrq:
    """The IRQ pin of a fake radio, waited on like the gpiod line."""

    def __init__(self, radio: FakeRF24) -> None:
        """Watch `radio`'s IRQ."""
        self._radio = radio

    def wait(self, timeout: float) -> bool:
        """Wait for the line to fall; False on timeout."""
        return self._radio.irq.wait(timeout)

    def close(self) -> None:
        """Nothing to release."""
