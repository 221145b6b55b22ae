"""USB and GPIO TIC adapters, and network serial servers (rfc2217://, socket://)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
import errno
from pathlib import Path
import time
from typing import Any, cast

import serialx

from .base import (
    CLOSE_TIMEOUT,
    Backoff,
    DataCallback,
    SourceSilentError,
    StatusCallback,
    StreamSource,
)
from .detect import DETECT_WINDOW, SPEEDS, Judge, NoTicSignalError, listen, tic_judge

BY_ID = Path("/dev/serial/by-id")


async def detect_speed(
    read: Callable[[], Awaitable[bytes]],
    set_speed: Callable[[int], Awaitable[None]],
    speeds: Sequence[int] = SPEEDS,
    *,
    window: float = DETECT_WINDOW,
    judge_factory: Callable[[], Judge] = tic_judge,
) -> tuple[int, bytes] | None:
    """Try each speed in turn for up to `window` seconds; the first one the judge accepts.

    Returns the speed and the bytes read at it (they hold valid frames, worth decoding), or
    None. The first speed is assumed already set.
    """
    for n, speed in enumerate(speeds):
        if n:
            await set_speed(speed)
        sample = await listen(read, window=window, judge_factory=judge_factory)
        if sample is not None:
            return speed, sample
    return None


async def open_tic_port(
    port: str, baudrate: int
) -> tuple[asyncio.StreamReader, serialx.SerialStreamWriter[Any]]:
    """Open a TIC line: 7 data bits, even parity, 1 stop bit.

    Some kernels refuse (EINVAL) to set a tty to the speed it already has when the settings
    are built from scratch, as on reopening a port: then open at the other TIC speed and
    switch, which they accept.
    """
    try:
        return await _open_7e1(port, baudrate)
    except OSError as err:
        if err.errno != errno.EINVAL:
            raise
    other = next(speed for speed in SPEEDS if speed != baudrate)
    reader, writer = await _open_7e1(port, other)
    try:
        await writer.transport.reconfigure_port(baudrate=baudrate)
    except BaseException:
        writer.close()
        raise
    return reader, writer


async def _open_7e1(
    port: str, baudrate: int
) -> tuple[asyncio.StreamReader, serialx.SerialStreamWriter[Any]]:
    return await serialx.open_serial_connection(
        port,
        baudrate=baudrate,
        parity=serialx.Parity.EVEN,
        stopbits=serialx.StopBits.ONE,
        byte_size=7,
    )


async def probe_serial(
    port: str,
    baudrate: int | None = None,
    *,
    window: float = DETECT_WINDOW,
    judge_factory: Callable[[], Judge] = tic_judge,
) -> tuple[int, bytes]:
    """Check a port for a TIC signal, for the config flow: the speed and the bytes read.

    Tries `baudrate`, or both speeds. Raises OSError (missing, busy: see its errno) or
    NoTicSignalError. Decode the bytes to tell the mode, the meter's address and whether
    only checksum errors came.
    """
    speeds = [baudrate] if baudrate else list(SPEEDS)
    reader, writer = await open_tic_port(port, speeds[0])
    try:
        found = await detect_speed(
            lambda: reader.read(4096),
            lambda speed: writer.transport.reconfigure_port(baudrate=speed),
            speeds,
            window=window,
            judge_factory=judge_factory,
        )
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await writer.wait_closed()
    if found is None:
        raise NoTicSignalError(f"no TIC frame at {' or '.join(map(str, speeds))} baud")
    return found


def stable_port(port: str, by_id: Path = BY_ID) -> str:
    """Return the /dev/serial/by-id name of a device when there is one, else `port`.

    ttyUSB numbers change when adapters are replugged; the by-id name does not.
    """
    if "://" in port:
        return port
    try:
        target = Path(port).resolve(strict=True)
        for link in sorted(by_id.iterdir()):
            if link.resolve() == target:
                return str(link)
    except OSError:
        pass
    return port


class SerialSource(StreamSource):
    """A TIC serial line, 7E1 at 1200 or 9600 baud; `baudrate=None` detects it.

    The port is reopened only when it fails (unplugged adapter, closed pty); a quiet line
    keeps it open and only says the link is down.
    """

    reopen_on_silence = False

    def __init__(
        self,
        on_data: DataCallback,
        port: str,
        baudrate: int | None = None,
        *,
        on_status: StatusCallback | None = None,
        silence_timeout: float = 30.0,
        backoff: Backoff | None = None,
        detect_window: float = DETECT_WINDOW,
        judge_factory: Callable[[], Judge] = tic_judge,
    ) -> None:
        """Read `port` (a device path or a pyserial-style URL) once started."""
        super().__init__(
            on_data, on_status=on_status, silence_timeout=silence_timeout, backoff=backoff
        )
        if baudrate is not None and baudrate not in SPEEDS:
            raise ValueError(f"TIC speed is 1200 or 9600 baud, not {baudrate}")
        self.port = port
        self.fixed_baudrate = baudrate
        self.baudrate = baudrate
        """The speed in use; None until detected."""
        self.detect_window = detect_window
        self._judge_factory = judge_factory
        self._watch: Judge | None = None
        self._last_valid = 0.0
        self.name = f"TIC serial port {port}"

    async def start(self) -> None:
        """Switch to the stable by-id name of the device, then start."""
        self.port = await asyncio.to_thread(stable_port, self.port)
        await super().start()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await open_tic_port(self.port, self._speeds()[0])

    def _speeds(self) -> list[int]:
        """The speeds to try, the last one that worked first."""
        speeds = [self.baudrate] if self.baudrate else []
        return speeds + [s for s in SPEEDS if s not in speeds]

    async def _use(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read the open port; with detection, detect again whenever valid frames stop."""
        if self.fixed_baudrate is not None:
            await self._pump(reader, writer)  # ends only by raising: a fixed speed is never judged
        else:
            await self._detect_and_read(reader, writer)

    async def _detect_and_read(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        transport = cast("serialx.SerialStreamWriter[Any]", writer).transport
        while True:
            speeds = self._speeds()
            found = await detect_speed(
                lambda: reader.read(self.read_size),
                lambda speed: transport.reconfigure_port(baudrate=speed),
                speeds,
                window=self.detect_window,
                judge_factory=self._judge_factory,
            )
            if found is None:
                raise NoTicSignalError(f"no TIC frame at {' or '.join(map(str, speeds))} baud")
            self.baudrate, sample = found
            self._watch, self._last_valid = self._judge_factory(), time.monotonic()
            self._data(sample)
            await self._pump(reader, writer)
            # The meter's mode can change (Enedis can switch it remotely): detect again, on
            # the open port (a quiet or noisy line is not a broken port).
            self._link_down(SourceSilentError(f"no valid TIC frame for {self.silence_timeout:g} s"))

    def _received(self, data: bytes) -> bool:
        """Deliver bytes; with detection, stop when no valid frame came for too long."""
        if self._watch is not None:
            now = time.monotonic()
            if self._watch(data):
                self._last_valid = now
            elif now - self._last_valid > self.silence_timeout:
                return False
        self._data(data)
        return True
