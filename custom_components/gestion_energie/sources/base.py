"""What every meter source shares: the interface, its status, backoff and link logging."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import logging
import time
from typing import cast

_LOGGER = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0

DataCallback = Callable[[bytes], None]
StatusCallback = Callable[["SourceStatus"], None]


@dataclass(slots=True)
class SourceStatus:
    """Where a source stands; a copy is handed out, never the live object."""

    connected: bool = False
    """Data is flowing (bytes, or for the radio, packets with heartbeats)."""
    last_data: datetime | None = None
    """Wall-clock time (UTC) of the last bytes received."""
    bytes_received: int = 0
    connects: int = 0
    """Times the link came up (the first time included)."""
    disconnects: int = 0
    """Times an established link was lost."""
    errors: int = 0
    """Failed attempts: could not open, or lost before any data."""
    last_error: Exception | None = None
    """Why the link is down (a typed exception the config flow and repairs translate)."""


@dataclass(slots=True)
class Backoff:
    """Exponential delays between reconnection attempts, capped."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def next(self) -> float:
        """Return the delay before the next attempt, and lengthen the one after."""
        delay = self._next or self.initial
        self._next = min(delay * self.factor, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from the initial delay (data flowed)."""
        self._next = 0.0


class SourceSilentError(ConnectionError):
    """No data for longer than the silence timeout."""


class FramePacer:
    """When to read a byte stream again, so that a frame costs about two reads, not dozens.

    An adapter hands a 9600-baud line over a few bytes at a time, and every read wakes the
    event loop for a few bytes of a frame that is not whole yet. A frame lasts about as long
    as the one before it: once its start (STX) is read, reading pauses (the bytes wait in the
    kernel) until just after the time it should end, then goes on as bytes come until its end
    (ETX). A frame shorter than the last one is read that much late (a few milliseconds: the
    lengths of a meter's frames differ by a few characters), and the next pause is guessed
    from it.
    """

    # Read again this share of the last frame's duration after its end would come: frames
    # a few characters longer are still whole then (at 9600 baud, 16 ms of 0.8 s).
    LATE = 0.02
    LONGEST = 5.0  # seconds: a longer "frame" lost its end, it tells nothing
    # Seconds at most between two reads: the kernel holds only 4 KB of a tty's input (4.3 s
    # at 9600 baud); beyond, bytes are lost, frames break, and their lengths mislead.
    LONGEST_PAUSE = 1.0
    SHORTEST_PAUSE = 0.005  # seconds: a shorter pause would cost more than the read it saves

    def __init__(self) -> None:
        """Nothing seen yet: no pause until a whole frame was timed."""
        self._started: float | None = None  # when the frame in progress started
        self._duration: float | None = None  # how long the last whole frame took

    def pause_after(self, data: bytes, now: float) -> float:
        """Seconds to leave the stream unread after `data`, read at `now` (monotonic)."""
        end = data.rfind(b"\x03")
        start = data.rfind(b"\x02")
        if end >= 0 and self._started is not None:
            took = now - self._started
            self._duration = took if took < self.LONGEST else None
            self._started = None
        if start > end:
            self._started = now
        if self._started is None or self._duration is None:
            return 0.0
        pause = self._started + self._duration * (1 + self.LATE) - now
        return min(pause, self.LONGEST_PAUSE) if pause >= self.SHORTEST_PAUSE else 0.0


class MeterSource(ABC):
    """Bytes from a meter, delivered to `on_data` in the event loop, with self-healing.

    `start` returns at once; the source connects, reads and reconnects in the background
    (backoff between attempts, capped) until `stop`. A lost link is logged once as a warning
    and its return once as info.
    """

    name: str = "meter source"

    def __init__(
        self,
        on_data: DataCallback,
        *,
        on_status: StatusCallback | None = None,
        silence_timeout: float = 60.0,
        backoff: Backoff | None = None,
    ) -> None:
        """Deliver bytes to `on_data`; `on_status` hears the link come up and every failure."""
        self._on_data = on_data
        self._on_status = on_status
        self.silence_timeout = silence_timeout
        self.backoff = backoff or Backoff()
        self._status = SourceStatus()
        self._down_logged = False
        # A form's test of the source shows its failures: the log needs no warning then.
        self.probing = False
        self._last_data_monotonic: float | None = None

    @property
    def status(self) -> SourceStatus:
        """A snapshot of the status."""
        return replace(self._status)

    @property
    def seconds_since_data(self) -> float | None:
        """Age of the last data, on the monotonic clock (None before any)."""
        if self._last_data_monotonic is None:
            return None
        return time.monotonic() - self._last_data_monotonic

    @abstractmethod
    async def start(self) -> None:
        """Begin connecting in the background."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop and release the device; no callback is called afterwards."""

    def _data(self, data: bytes) -> None:
        """Record and deliver received bytes (event loop only)."""
        self._status.bytes_received += len(data)
        self._status.last_data = datetime.now(UTC)
        self._last_data_monotonic = time.monotonic()
        if not self._status.connected:
            self._link_up()
        self.backoff.reset()
        try:
            self._on_data(data)
        except Exception:
            # The consumer's fault, not the link's: keep reading.
            _LOGGER.exception("%s: error handling received data", self.name)

    def _link_up(self) -> None:
        status = self._status
        status.connected = True
        status.connects += 1
        status.last_error = None
        if self._down_logged:
            _LOGGER.info("%s is back", self.name)
            self._down_logged = False
        self._notify()

    def _link_down(self, error: Exception) -> None:
        status = self._status
        status.last_error = error
        if status.connected:
            status.connected = False
            status.disconnects += 1
        else:
            status.errors += 1
        self._notify()
        if not self._down_logged:
            log = _LOGGER.debug if self.probing else _LOGGER.warning
            log("%s is unavailable: %s", self.name, str(error) or type(error).__name__)
            self._down_logged = True
        else:
            _LOGGER.debug("%s still unavailable: %s", self.name, error)

    def _notify(self) -> None:
        if self._on_status is not None:
            self._on_status(self.status)


class StreamSource(MeterSource):
    """A source read as a byte stream (serial port, TCP), reopened when it fails."""

    read_size = 4096
    reopen_on_silence = True
    """Reconnect after `silence_timeout` without data (a TCP connection may be half-open);
    if False, only say the link is down and keep the stream open."""

    _task: asyncio.Task[None] | None = None

    @abstractmethod
    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open the link, or raise an OSError (or a subclass of it)."""

    async def start(self) -> None:
        """Begin connecting in the background."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._supervise(), name=self.name)

    async def stop(self) -> None:
        """Close the link and stop reconnecting."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if (current := asyncio.current_task()) is not None and current.cancelling():
                    raise
        if self._status.connected:
            self._status.connected = False
            self._notify()

    async def _supervise(self) -> None:
        while True:
            try:
                await self._session()
            except Exception as err:  # whatever breaks the link, retry
                self._link_down(err)
            await asyncio.sleep(self.backoff.next())

    async def _session(self) -> None:
        reader, writer = await self._open()
        try:
            await self._use(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await writer.wait_closed()

    async def _use(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read an open link until it fails."""
        await self._pump(reader, writer)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Deliver what arrives until the stream fails, or `_received` says to stop."""
        pacer = FramePacer()
        transport = cast("asyncio.Transport", writer.transport)  # reads as well: a stream's
        while True:
            try:
                async with asyncio.timeout(self.silence_timeout):
                    data = await reader.read(self.read_size)
            except TimeoutError:
                silent = SourceSilentError(f"no data for {self.silence_timeout:g} s")
                if self.reopen_on_silence:
                    raise silent from None
                if self._status.connected:
                    self._link_down(silent)
                continue
            if not data:
                raise EOFError("connection closed")
            if not self._received(data):
                return
            if pause := pacer.pause_after(data, time.monotonic()):
                transport.pause_reading()
                try:
                    await asyncio.sleep(pause)
                finally:
                    if not transport.is_closing():
                        transport.resume_reading()

    def _received(self, data: bytes) -> bool:
        """Handle bytes read from the stream; False to stop reading."""
        self._data(data)
        return True
