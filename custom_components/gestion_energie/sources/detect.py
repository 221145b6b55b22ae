"""Telling a TIC stream from noise, to find the serial speed (shared with the transmitter)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib

from ..tic import TicDecoder

SPEEDS = (1200, 9600)
"""Historic mode, standard mode."""

DETECT_WINDOW = 6.0
"""Long enough for two historic frames at 1200 baud (about 2.5 s each)."""

Judge = Callable[[bytes], bool]
"""Fed the bytes read at one speed, chunk by chunk; True once they are a TIC stream."""


class NoTicSignalError(ConnectionError):
    """The link opened but no valid TIC frame came (at any speed tried)."""


def tic_judge() -> Judge:
    """Return a judge that accepts a stream once it yields a frame with two valid groups.

    A wrong speed reads noise: a checksummed, catalogued group is already rare in noise, two
    in one frame with fewer invalid than valid ones do not happen by chance.
    """
    decoder = TicDecoder()

    def judge(chunk: bytes) -> bool:
        return any(
            len(frame.groups) >= 2 and len(frame.groups) > frame.invalid_groups
            for frame in decoder.feed(chunk)
        )

    return judge


async def listen(
    read: Callable[[], Awaitable[bytes]],
    *,
    window: float = DETECT_WINDOW,
    judge_factory: Callable[[], Judge] = tic_judge,
) -> bytes | None:
    """Read for up to `window` seconds; the bytes read once the judge accepts them, or None."""
    judge, sample = judge_factory(), bytearray()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(window):
            while True:
                chunk = await read()
                if not chunk:
                    raise EOFError("closed while listening for a TIC signal")
                sample += chunk
                if judge(chunk):
                    return bytes(sample)
    return None
