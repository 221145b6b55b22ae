"""Read the TIC on a serial port and send its frames over nRF24L01, with a heartbeat."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import importlib
import logging
import os
import threading
import time
from typing import Any

from custom_components.gestion_energie.radio import (
    MAX_FRAME,
    Heartbeat,
    MeterMode,
    encode_heartbeat,
    fragment,
)
from custom_components.gestion_energie.radio.chip import (
    Chip,
    ChipFactory,
    DataRate,
    PaLevel,
    RadioConfig,
    open_chip,
)
from custom_components.gestion_energie.sources.detect import SPEEDS, Judge, tic_judge

VERSION = (1, 0)
STX, ETX, EOT = 0x02, 0x03, 0x04
_STRIP_PARITY = bytes(b & 0x7F for b in range(256))  # a port opened 8N1 leaves parity in
HEARTBEAT_INTERVAL = 10.0
DETECT_WINDOW = 6.0

_LOGGER = logging.getLogger("transmitter")


class Framer:
    """Cut a TIC byte stream into whole frames, STX to ETX; memory stays bounded."""

    def __init__(self) -> None:
        """Start outside any frame."""
        self._frame: bytearray | None = None
        self.aborted = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield the frames that `data` completes."""
        for byte in data.translate(_STRIP_PARITY):
            if byte == STX:
                if self._frame is not None:
                    self.aborted += 1
                self._frame = bytearray(b"\x02")
            elif self._frame is None:
                continue
            elif byte == EOT or len(self._frame) >= MAX_FRAME:
                self.aborted += 1
                self._frame = None
            else:
                self._frame.append(byte)
                if byte == ETX:
                    yield bytes(self._frame)
                    self._frame = None


@dataclass
class Transmitter:
    """Send frames as fragments, retrying each packet, and beat with counters."""

    chip: Chip
    mode: MeterMode = MeterMode.UNKNOWN
    retries: int = 5
    """Application retries of a packet after the chip's own 15 retransmissions failed."""
    retry_delay: float = 0.002
    heartbeat_interval: float = HEARTBEAT_INTERVAL
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    sequence: int = field(default_factory=lambda: int.from_bytes(os.urandom(2)))
    """Starts at random: after a reboot, the receiver sees a jump, not a replay."""
    frames_read: int = 0
    frames_sent: int = 0
    frames_abandoned: int = 0
    packet_retries: int = 0
    serial_errors: int = 0
    framer: Framer = field(default_factory=Framer)
    _started: float = field(init=False, default=0.0)
    _next_beat: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        """Start the uptime clock; the first heartbeat goes out at once."""
        self._started = self._next_beat = self.clock()

    def feed(self, data: bytes) -> None:
        """Send every frame completed by bytes read from the meter."""
        for frame in self.framer.feed(data):
            self.frames_read += 1
            self.send_frame(frame)
        self.tick()

    def send_frame(self, frame: bytes) -> bool:
        """Send one frame; give it up at the first packet that cannot get through."""
        packets = fragment(self.sequence, frame)
        self.sequence = (self.sequence + 1) % 65536
        if all(self._send(packet) for packet in packets):
            self.frames_sent += 1
            return True
        self.frames_abandoned += 1
        return False

    def tick(self) -> None:
        """Send the heartbeat when it is due."""
        now = self.clock()
        if now >= self._next_beat:
            self._next_beat = now + self.heartbeat_interval
            self._send(encode_heartbeat(self.heartbeat()))

    def heartbeat(self) -> Heartbeat:
        """The transmitter's state, as the receiver will see it."""
        return Heartbeat(
            version=VERSION,
            mode=self.mode,
            uptime=int(self.clock() - self._started),
            frames_read=self.frames_read,
            frames_sent=self.frames_sent,
            frames_abandoned=self.frames_abandoned,
            packet_retries=self.packet_retries,
            serial_errors=self.serial_errors + self.framer.aborted,
        )

    def _send(self, packet: bytes) -> bool:
        for attempt in range(self.retries + 1):
            if attempt:
                self.packet_retries += 1
                self.sleep(self.retry_delay * attempt)
            if self.chip.write(packet):
                return True
        return False


def detect_baudrate(
    port: Any, judge_factory: Callable[[], Judge] = tic_judge, window: float = DETECT_WINDOW
) -> int | None:
    """Try each TIC speed on an open pyserial port; the first that yields valid frames."""
    for speed in SPEEDS:
        _set_speed(port, speed)
        port.reset_input_buffer()
        judge: Judge = judge_factory()
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            if judge(port.read(port.in_waiting or 1)):
                return speed
    return None


def _set_speed(port: Any, speed: int) -> None:
    # Only on a change: some C libraries refuse to set a terminal to the speed it has.
    if port.baudrate != speed:
        port.baudrate = speed


def run(
    transmitter: Transmitter,
    port_name: str,
    baudrate: int | None,
    stop: threading.Event,
    *,
    detect_window: float = DETECT_WINDOW,
    reopen_delay: float = 5.0,
) -> None:
    """Read the meter until `stop`; reopen the port after errors."""
    serial: Any = importlib.import_module("serial")
    while not stop.is_set():
        try:
            with serial.Serial(
                port_name,
                baudrate or SPEEDS[0],
                bytesize=serial.SEVENBITS,
                parity=serial.PARITY_EVEN,
                stopbits=serial.STOPBITS_ONE,
                timeout=0.2,
            ) as port:
                speed = baudrate or detect_baudrate(port, window=detect_window)
                if speed is None:
                    raise OSError("no TIC frame at 1200 or 9600 baud")
                _set_speed(port, speed)
                transmitter.mode = MeterMode.from_baudrate(speed)
                _LOGGER.info("reading the TIC on %s at %d baud", port_name, speed)
                while not stop.is_set():
                    transmitter.feed(port.read(port.in_waiting or 1))
        except Exception as err:  # whatever the port does, count it and reopen: never stop
            transmitter.serial_errors += 1
            _LOGGER.warning("serial port %s: %s", port_name, err)
            transmitter.tick()
            stop.wait(reopen_delay)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m transmitter", description=__doc__)
    parser.add_argument("--port", default="/dev/serial0", help="serial port of the TIC")
    parser.add_argument("--baud", choices=["auto", "1200", "9600"], default="auto")
    parser.add_argument("--ce-pin", type=int, default=25, help="GPIO (BCM) wired to CE")
    parser.add_argument("--spi-bus", type=int, default=0)
    parser.add_argument("--spi-device", type=int, default=0, help="CSN: /dev/spidevBUS.DEVICE")
    parser.add_argument("--channel", type=int, default=76)
    parser.add_argument(
        "--data-rate", choices=[r.name.lower() for r in DataRate], default="kbps_250"
    )
    parser.add_argument("--pa-level", choices=[p.name.lower() for p in PaLevel], default="max")
    parser.add_argument("--address", default="TIC01", help="3 to 5 ASCII characters")
    parser.add_argument("--heartbeat", type=float, default=HEARTBEAT_INTERVAL, help="seconds")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: list[str] | None = None, chip_factory: ChipFactory | None = None) -> int:
    """Run until interrupted; 2 when the radio cannot be used."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    config = RadioConfig(
        ce_pin=args.ce_pin,
        spi_bus=args.spi_bus,
        spi_device=args.spi_device,
        channel=args.channel,
        data_rate=DataRate[args.data_rate.upper()],
        pa_level=PaLevel[args.pa_level.upper()],
        address=args.address.encode("ascii"),
    )
    if chip_factory is None:  # pragma: no cover - real hardware
        from custom_components.gestion_energie.sources.radio import pyrf24_chip  # noqa: PLC0415

        chip_factory = pyrf24_chip
    try:
        chip = open_chip(chip_factory, config, receive=False)
    except Exception as err:  # the radio module is missing or miswired: say so, do not loop
        _LOGGER.error("radio: %s", err)
        return 2
    transmitter = Transmitter(chip, heartbeat_interval=args.heartbeat)
    baudrate = None if args.baud == "auto" else int(args.baud)
    try:
        run(transmitter, args.port, baudrate, threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        chip.powerDown()
    return 0
