"""Listen to a source for a while and tell what is on the line: a meter, noise, or nothing.

The config flow uses it to test a source before configuring it. No Home Assistant import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ..radio.chip import RadioError
from ..sources.base import DataCallback, MeterSource, SourceSilentError
from ..sources.detect import NoTicSignalError
from ..tic import TicDecoder, TicMode

ADDRESS_LABELS = ("ADSC", "ADCO")
_CHECK_EVERY = 0.2  # seconds between looks at the source's status while listening


class NoSignalError(Exception):
    """Nothing that looks like TIC arrived."""


class CorruptSignalError(Exception):
    """Frames arrive but no group passes its checks: wiring, adapter or speed."""


class SourceUnavailableError(Exception):
    """The source cannot be opened at all (missing port, busy port, no radio chip...)."""

    def __init__(self, error: Exception) -> None:
        """Keep the source's own error, which says why."""
        super().__init__(str(error) or type(error).__name__)
        self.error = error


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What was found on the line."""

    mode: TicMode
    address: str
    frames: int


def cannot_open(error: Exception) -> bool:
    """Whether a source's error means it cannot be opened, rather than that it is quiet."""
    if isinstance(error, RadioError):
        return True
    return isinstance(error, OSError) and not isinstance(
        error, (SourceSilentError, NoTicSignalError)
    )


async def probe_meter(
    make_source: Callable[[DataCallback], MeterSource], listen_s: float
) -> ProbeResult:
    """Start a source, wait for a verified frame carrying the meter's address, stop it.

    Gives up at once when the source cannot be opened, after `listen_s` otherwise.
    """
    decoder = TicDecoder()
    found: list[ProbeResult] = []
    frames = 0

    def on_data(data: bytes) -> None:
        nonlocal frames
        for frame in decoder.feed(data):
            frames += 1
            address = next(
                (frame.groups[label].data for label in ADDRESS_LABELS if label in frame.groups),
                None,
            )
            if address is not None and not found:
                found.append(ProbeResult(frame.mode, address, frames))

    source = make_source(on_data)
    source.probing = True
    await source.start()
    try:
        async with asyncio.timeout(listen_s):
            while not found:
                error = source.status.last_error
                if error is not None and cannot_open(error):
                    raise SourceUnavailableError(error)
                await asyncio.sleep(_CHECK_EVERY)
    except TimeoutError:
        stats = decoder.stats
        if stats.bad_checksum or stats.bad_format or stats.empty_frames:
            raise CorruptSignalError from None
        raise NoSignalError from None
    finally:
        await source.stop()
    return found[0]
