"""USB and GPIO TIC adapters, and network serial servers (rfc2217://, socket://)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from pathlib import Path
import time
from typing import Any, cast

import serialx

from .base import Backoff, DataCallback, SourceSilentError, StatusCallback, StreamSource
from .detect import SPEEDS, Judge, tic_judge

BY_ID = Path("/dev/serial/by-id")
DETECT_WINDOW = 6.0
"""Long enough for two historic frames at 1200 baud (about 2.5 s each)."""


class NoTicSignalError(ConnectionError):
    """The port opened but no valid TIC frame came at any speed tried."""


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
        judge, sample = judge_factory(), bytearray()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(window):
                while True:
                    chunk = await read()
                    if not chunk:
                        raise EOFError("port closed during detection")
                    sample += chunk
                    if judge(chunk):
                        return speed, bytes(sample)
    return None


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
        return await serialx.open_serial_connection(
            self.port,
            baudrate=self._speeds()[0],
            parity=serialx.Parity.EVEN,
            stopbits=serialx.StopBits.ONE,
            byte_size=7,
        )

    def _speeds(self) -> list[int]:
        """The speeds to try, the last one that worked first."""
        speeds = [self.baudrate] if self.baudrate else []
        return speeds + [s for s in SPEEDS if s not in speeds]

    async def _use(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read the open port; with detection, detect again whenever valid frames stop."""
        if self.fixed_baudrate is not None:
            await self._pump(reader)  # ends only by raising: a fixed speed is never judged
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
            await self._pump(reader)
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
