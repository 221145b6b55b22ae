"""The transmitter program: framing the TIC, retries, heartbeat, serial loop on a real pty."""

from __future__ import annotations

import os
import threading
import time

import pytest

from custom_components.gestion_energie.radio import (
    Heartbeat,
    MeterMode,
    Reassembler,
    decode_packet,
)
from custom_components.gestion_energie.radio.chip import RadioConfig, open_chip
from custom_components.gestion_energie.simulators.fake_radio import FakeAir, FakeRF24
from custom_components.gestion_energie.tic import Group, TicMode, encode_frame
from transmitter.app import Framer, Transmitter, detect_baudrate, main, run

pytestmark = pytest.mark.timeout(60)

FRAME = encode_frame([Group("ADCO", "012345678910"), Group("BASE", "000001234")], TicMode.HISTORIC)


class Chip:
    """A chip whose writes succeed per a script, recording what it sends."""

    def __init__(self, script: list[bool] | None = None) -> None:
        self.script = script or []
        self.sent: list[bytes] = []

    def write(self, buf: bytes, multicast: bool = False) -> bool:
        self.sent.append(bytes(buf))
        return self.script.pop(0) if self.script else True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_framer_cuts_frames_in_any_chunking() -> None:
    framer = Framer()
    stream = b"noise" + FRAME + b"\x02partial\x04" + FRAME + b"\x02cut" + FRAME
    out = [frame for byte in stream for frame in framer.feed(bytes([byte]))]
    assert out == [FRAME, FRAME, FRAME]
    assert framer.aborted == 2  # EOT, then a new STX before ETX
    with_parity = bytes(b | 0x80 for b in FRAME)
    assert list(Framer().feed(with_parity)) == [FRAME]


def test_framer_bounds_memory() -> None:
    framer = Framer()
    assert list(framer.feed(b"\x02" + b"A" * 10_000 + b"\x03" + FRAME)) == [FRAME]
    assert framer.aborted == 1


def test_frames_retries_and_heartbeat() -> None:
    clock = Clock()
    chip = Chip()
    tx = Transmitter(
        chip,  # type: ignore[arg-type]
        mode=MeterMode.HISTORIC,
        clock=clock,
        sleep=lambda _: None,
        sequence=7,
        heartbeat_interval=10,
    )
    tx.feed(FRAME[:20])
    assert len(chip.sent) == 1  # the first heartbeat goes out at once
    assert isinstance(decode_packet(chip.sent[0]), Heartbeat)
    tx.feed(FRAME[20:])
    reassembler = Reassembler()
    assert [reassembler.feed(p) for p in chip.sent[1:]][-1] == FRAME

    # One packet fails twice then passes: two retries, the frame still gets through.
    chip.sent.clear()
    chip.script = [True, False, False, True]
    assert tx.send_frame(FRAME)
    assert tx.packet_retries == 2
    # A packet that never passes: the frame is given up, the rest is not sent.
    chip.sent.clear()
    chip.script = [False] * 6
    assert not tx.send_frame(FRAME)
    assert len(chip.sent) == 6
    assert (tx.frames_read, tx.frames_sent, tx.frames_abandoned) == (1, 2, 1)

    clock.now += 25
    tx.tick()
    beat = decode_packet(chip.sent[-1])
    assert beat == Heartbeat((1, 0), MeterMode.HISTORIC, 25, 1, 2, 1, 7, 0)
    tx.tick()  # not due yet
    assert len(chip.sent) == 7


class FakePort:
    """A pyserial-like port fed by a meter at `meter_speed`."""

    def __init__(self, meter_speed: int) -> None:
        self.meter_speed = meter_speed
        self.baudrate = 0
        self.in_waiting = 0

    def reset_input_buffer(self) -> None:
        pass

    def read(self, _: int) -> bytes:
        time.sleep(0.001)
        return FRAME if self.baudrate == self.meter_speed else bytes(len(FRAME))


def test_detect_baudrate() -> None:
    assert detect_baudrate(FakePort(9600), window=0.05) == 9600
    assert detect_baudrate(FakePort(1200), window=0.05) == 1200
    assert detect_baudrate(FakePort(300), window=0.02) is None


@pytest.mark.parametrize("baudrate", [1200, None])
def test_serial_loop_on_a_real_pty(baudrate: int | None) -> None:
    """pyserial reads a pty; frames go over the fake air and come back whole."""
    pytest.importorskip("serial")
    air = FakeAir(time_scale=0.01)
    config = RadioConfig()
    rx = open_chip(lambda _: FakeRF24(air), config, receive=True)
    tx = Transmitter(open_chip(lambda _: FakeRF24(air), config, receive=False))
    master, slave = os.openpty()
    os.set_blocking(master, False)
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(tx, os.ttyname(slave), baudrate, stop), kwargs={"detect_window": 0.3}
    )
    thread.start()
    reassembler, frames = Reassembler(), list[bytes]()
    try:
        deadline = time.monotonic() + 10
        while len(frames) < 3 and time.monotonic() < deadline:
            os.write(master, FRAME)
            time.sleep(0.05)
            while rx.available():
                out = reassembler.feed(bytes(rx.read(rx.getDynamicPayloadSize())))
                if isinstance(out, bytes):
                    frames.append(out)
    finally:
        stop.set()
        thread.join()
        os.close(master)
        os.close(slave)
    assert frames[:3] == [FRAME] * 3
    assert tx.mode is MeterMode.HISTORIC


def test_serial_errors_are_counted_and_retried() -> None:
    pytest.importorskip("serial")
    tx = Transmitter(Chip(), clock=Clock())  # type: ignore[arg-type]
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(tx, "/nonexistent/tty", 1200, stop), kwargs={"reopen_delay": 0.01}
    )
    thread.start()
    deadline = time.monotonic() + 5
    while tx.serial_errors < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert tx.serial_errors >= 3


def test_main_without_radio_exits_2(caplog: pytest.LogCaptureFixture) -> None:
    air = FakeAir()
    assert main(["--port", "/dev/null"], chip_factory=lambda _: FakeRF24(air, present=False)) == 2
    assert "no nRF24L01" in caplog.text
