"""Serial source against real pseudo-terminals (no mocks of the serial library).

A pty carries bytes but ignores the line speed, so speed detection is tested with a meter
that reads the speed the source set on the line (a pty shares it with its master side) and
sends valid frames only at its own speed, noise otherwise, as a UART at the wrong speed
would deliver. That proves the detection logic and its use of the real port; it cannot prove
how a real UART garbles bytes at the wrong speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
from pathlib import Path
import termios
from typing import TYPE_CHECKING

import pytest

from custom_components.gestion_energie.sources import Backoff, SourceSilentError
from custom_components.gestion_energie.sources.detect import NoTicSignalError, tic_judge
from custom_components.gestion_energie.sources.serialport import (
    SerialSource,
    detect_speed,
    probe_serial,
    stable_port,
)

from .frames import decode, garble, historic_frame, up, wait_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.timeout(30)

FAST = Backoff(initial=0.02, maximum=0.2)
TERMIOS_SPEED = {termios.B1200: 1200, termios.B9600: 9600}


class Pty:
    """A pseudo-terminal reached through a symlink that can be re-pointed (a replug)."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.plug()

    def plug(self) -> None:
        self.master, slave = os.openpty()
        # Never block the test's event loop when nobody reads the other side.
        os.set_blocking(self.master, False)
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        self.link.symlink_to(os.ttyname(slave))
        # Only the source holds the device open, as with a real adapter (the exclusive-open
        # flag it sets lasts as long as anyone holds the tty open).
        os.close(slave)

    def unplug(self) -> None:
        os.close(self.master)
        self.link.unlink()

    def speed(self) -> int | None:
        return TERMIOS_SPEED.get(termios.tcgetattr(self.master)[4])

    def write(self, data: bytes) -> None:
        os.write(self.master, data)


@pytest.fixture
def pty(tmp_path: Path) -> Pty:
    return Pty(tmp_path / "ttyTIC")


@pytest.fixture
async def meter(pty: Pty) -> AsyncIterator[list[int]]:
    """A meter on `pty` at the speed put in the yielded list (empty: silent)."""
    speed: list[int] = []

    async def run() -> None:
        index = 0
        while True:
            await asyncio.sleep(0.02)
            if speed and pty.master >= 0:
                index += 1
                frame = historic_frame(index)
                with contextlib.suppress(OSError):
                    pty.write(frame if pty.speed() == speed[0] else garble(frame))

    task = asyncio.create_task(run())
    yield speed
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_fixed_speed_unplug_and_replug(pty: Pty) -> None:
    received = bytearray()
    source = SerialSource(received.extend, str(pty.link), 1200, backoff=FAST)
    await source.start()
    try:
        await wait_for(lambda: pty.speed() == 1200)  # the port is open, 7E1 at 1200
        pty.write(historic_frame(1) + historic_frame(2))
        await wait_for(lambda: decode(bytes(received)) == [1, 2])
        assert up(source)

        pty.unplug()
        await wait_for(lambda: not up(source))
        await wait_for(lambda: source.status.errors >= 2)  # the device is gone: retries fail
        assert isinstance(source.status.last_error, FileNotFoundError)

        pty.plug()
        await wait_for(lambda: pty.speed() == 1200)
        pty.write(historic_frame(3))
        await wait_for(lambda: decode(bytes(received)) == [1, 2, 3])
        status = source.status
        assert (status.connected, status.connects, status.disconnects) == (True, 2, 1)
    finally:
        await source.stop()
    assert not up(source)


@pytest.mark.parametrize("meter_speed", [1200, 9600])
async def test_auto_detects_the_meter_speed(pty: Pty, meter: list[int], meter_speed: int) -> None:
    meter.append(meter_speed)
    received = bytearray()
    source = SerialSource(received.extend, str(pty.link), backoff=FAST, detect_window=0.5)
    await source.start()
    try:
        await wait_for(lambda: len(decode(bytes(received))) >= 3)
        assert source.baudrate == meter_speed
        assert pty.speed() == meter_speed
        indexes = decode(bytes(received))
        assert indexes == sorted(indexes)
    finally:
        await source.stop()


async def test_redetects_after_the_meter_changes_mode(pty: Pty, meter: list[int]) -> None:
    """The meter is switched to standard mode (9600): the source finds it again."""
    meter.append(1200)
    received = bytearray()
    source = SerialSource(
        received.extend, str(pty.link), backoff=FAST, detect_window=0.3, silence_timeout=0.3
    )
    await source.start()
    try:
        await wait_for(lambda: source.baudrate == 1200 and up(source))
        meter[0] = 9600  # bytes keep coming, but noise at 1200 baud
        await wait_for(lambda: not up(source))
        assert isinstance(source.status.last_error, SourceSilentError)
        await wait_for(lambda: source.baudrate == 9600 and up(source))
    finally:
        await source.stop()


async def test_quiet_line_says_so_and_keeps_the_port(pty: Pty) -> None:
    received = bytearray()
    source = SerialSource(received.extend, str(pty.link), 9600, backoff=FAST, silence_timeout=0.2)
    await source.start()
    try:
        await wait_for(lambda: pty.speed() == 9600)
        pty.write(historic_frame(1))
        await wait_for(lambda: up(source))
        await wait_for(lambda: not up(source))  # the TIC wire is cut
        assert isinstance(source.status.last_error, SourceSilentError)
        with pytest.raises(OSError, match="locked") as busy:  # the config flow's "port busy"
            await probe_serial(str(pty.link), window=0.1)
        assert busy.value.errno == errno.EBUSY
        pty.write(historic_frame(2))  # the port stayed open: nothing lost
        await wait_for(lambda: decode(bytes(received)) == [1, 2])
        assert up(source)
        assert source.status.errors == 0
    finally:
        await source.stop()


async def test_no_tic_signal(pty: Pty, meter: list[int]) -> None:
    meter.append(4800)  # a speed never tried: only noise
    source = SerialSource(lambda _: None, str(pty.link), backoff=FAST, detect_window=0.2)
    await source.start()
    try:
        await wait_for(lambda: isinstance(source.status.last_error, NoTicSignalError))
        assert not up(source)
        assert "1200 or 9600" in str(source.status.last_error)
    finally:
        await source.stop()


async def test_probe_for_the_config_flow(pty: Pty, meter: list[int], tmp_path: Path) -> None:
    meter.append(9600)
    speed, sample = await probe_serial(str(pty.link), window=0.3)
    assert speed == 9600
    assert decode(sample)
    meter[0] = 300
    with pytest.raises(NoTicSignalError):
        await probe_serial(str(pty.link), 1200, window=0.2)
    with pytest.raises(FileNotFoundError):
        await probe_serial(str(tmp_path / "ttyUSB9"))


async def test_detect_speed_decision() -> None:
    """The decision alone: the first speed whose bytes hold valid frames wins."""
    line = {"speed": 1200}
    meter_speed = 9600
    set_to: list[int] = []

    async def read() -> bytes:
        await asyncio.sleep(0.01)
        frame = historic_frame(1)
        return frame if line["speed"] == meter_speed else garble(frame)

    async def set_speed(speed: int) -> None:
        set_to.append(speed)
        line["speed"] = speed

    found = await detect_speed(read, set_speed, (1200, 9600), window=0.2)
    assert found is not None
    assert found[0] == 9600
    assert decode(found[1]) == [1]
    assert set_to == [9600]

    meter_speed = 300
    assert await detect_speed(read, set_speed, (1200, 9600), window=0.05) is None

    async def closed() -> bytes:
        return b""

    with pytest.raises(EOFError):
        await detect_speed(closed, set_speed, (1200,), window=0.05)


def test_judge_needs_a_real_frame() -> None:
    judge = tic_judge()
    frame = historic_frame(42)
    assert not judge(frame[:50])
    assert judge(frame[50:])  # fed in pieces, like a port delivers
    assert not tic_judge()(garble(frame * 3))
    assert not tic_judge()(os.urandom(4000).replace(b"\x02", b""))


def test_stable_port_prefers_by_id(tmp_path: Path) -> None:
    device = tmp_path / "ttyUSB0"
    device.touch()
    other = tmp_path / "ttyUSB1"
    other.touch()
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    (by_id / "usb-FTDI_TIC_A1-if00-port0").symlink_to(device)
    assert stable_port(str(device), by_id) == str(by_id / "usb-FTDI_TIC_A1-if00-port0")
    assert stable_port(str(other), by_id) == str(other)
    assert stable_port(str(tmp_path / "missing"), by_id) == str(tmp_path / "missing")
    assert stable_port(str(device), tmp_path / "no-by-id") == str(device)
    assert stable_port("rfc2217://bridge.local:2217", by_id) == "rfc2217://bridge.local:2217"


def test_rejects_a_speed_that_is_not_tic() -> None:
    with pytest.raises(ValueError, match="1200 or 9600"):
        SerialSource(lambda _: None, "/dev/ttyUSB0", 115200)


@pytest.mark.usefixtures("socket_enabled")
async def test_socket_url_through_serialx() -> None:
    """A pyserial-style socket:// URL (a network serial server) on the loopback."""
    writers: list[asyncio.StreamWriter] = []

    async def client(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    received = bytearray()
    source = SerialSource(received.extend, f"socket://127.0.0.1:{port}", 9600, backoff=FAST)
    await source.start()
    try:
        await wait_for(lambda: writers)
        writers[0].write(historic_frame(5))
        await wait_for(lambda: decode(bytes(received)) == [5])
    finally:
        await source.stop()
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_frame_in_small_writes_is_read_in_a_few_reads(pty: Pty) -> None:
    """An adapter hands a frame over 16 bytes at a time: the source does not wake for each."""
    reads: list[bytes] = []
    source = SerialSource(reads.append, str(pty.link), 1200, backoff=FAST)
    await source.start()
    try:
        await wait_for(lambda: pty.speed() == 1200)
        chunks_per_frame: list[int] = []
        reads_per_frame: list[int] = []
        for index in range(1, 7):
            frame = historic_frame(index)
            before = len(reads)
            chunks = [frame[at : at + 16] for at in range(0, len(frame), 16)]
            for chunk in chunks:
                pty.write(chunk)
                await asyncio.sleep(0.01)  # the line's pace, faster than 1200 baud
            await wait_for(lambda: decode(b"".join(reads))[-1:] == [index])  # noqa: B023
            chunks_per_frame.append(len(chunks))
            reads_per_frame.append(len(reads) - before)
            await asyncio.sleep(0.05)  # the gap between frames
        assert decode(b"".join(reads)) == [1, 2, 3, 4, 5, 6]
        # The first frames are read as they come; once a frame's length is known, the
        # next ones in a few reads (generous bounds: the machine may be busy).
        assert reads_per_frame[0] >= chunks_per_frame[0] // 2
        assert all(
            reads <= chunks // 2
            for reads, chunks in zip(reads_per_frame[2:], chunks_per_frame[2:], strict=True)
        ), (reads_per_frame, chunks_per_frame)
    finally:
        await source.stop()
