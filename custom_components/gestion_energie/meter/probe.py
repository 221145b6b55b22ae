"""Listen to a source for a while and tell what is on the line: a meter, noise, or nothing.

The config flow uses it to test a source before configuring it. No Home Assistant import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..tic import TicDecoder, TicMode

ADDRESS_LABELS = ("ADSC", "ADCO")


class _Source(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class NoSignalError(Exception):
    """Nothing that looks like TIC arrived."""


class CorruptSignalError(Exception):
    """Frames arrive but no group passes its checks: wiring, adapter or speed."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What was found on the line."""

    mode: TicMode
    address: str
    frames: int


async def probe_meter(
    make_source: Callable[[Callable[[bytes], None]], _Source], listen_s: float
) -> ProbeResult:
    """Start a source, wait for a verified frame carrying the meter's address, stop it."""
    decoder = TicDecoder()
    found: asyncio.Future[ProbeResult] = asyncio.get_running_loop().create_future()
    frames = 0

    def on_data(data: bytes) -> None:
        nonlocal frames
        for frame in decoder.feed(data):
            frames += 1
            address = next(
                (frame.groups[label].data for label in ADDRESS_LABELS if label in frame.groups),
                None,
            )
            if address is not None and not found.done():
                found.set_result(ProbeResult(frame.mode, address, frames))

    source = make_source(on_data)
    await source.start()
    try:
        return await asyncio.wait_for(asyncio.shield(found), listen_s)
    except TimeoutError:
        stats = decoder.stats
        if stats.bad_checksum or stats.bad_format or stats.empty_frames:
            raise CorruptSignalError from None
        raise NoSignalError from None
    finally:
        await source.stop()
