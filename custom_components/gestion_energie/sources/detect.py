"""Telling a TIC stream from noise, to find the serial speed (shared with the transmitter)."""

from __future__ import annotations

from collections.abc import Callable

from ..tic import TicDecoder

SPEEDS = (1200, 9600)
"""Historic mode, standard mode."""

Judge = Callable[[bytes], bool]
"""Fed the bytes read at one speed, chunk by chunk; True once they are a TIC stream."""


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
