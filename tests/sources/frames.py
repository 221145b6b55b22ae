"""TIC frames for source tests, built with the project's encoder."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from custom_components.gestion_energie.tic import Group, TicDecoder, TicMode, encode_frame

if TYPE_CHECKING:
    from collections.abc import Callable

    from custom_components.gestion_energie.sources import MeterSource


def historic_frame(
    index: int, *, power: int = 2390, current: int = 11, address: str = "012345678910"
) -> bytes:
    """A historic-mode frame whose energy index is `index` Wh."""
    groups = [
        Group("ADCO", address),
        Group("OPTARIF", "BASE"),
        Group("ISOUSC", "30"),
        Group("BASE", f"{index:09d}"),
        Group("PTEC", "TH.."),
        Group("IINST", f"{current:03}"),
        Group("IMAX", "090"),
        Group("PAPP", f"{power:05}"),
        Group("MOTDETAT", "000000"),
    ]
    return encode_frame(groups, TicMode.HISTORIC)


def garble(data: bytes) -> bytes:
    """What a UART set to the wrong speed makes of a stream: noise with no frame in it."""
    return bytes((b * 7 + 13) & 0x7F for b in data).replace(b"\x02", b"\x7f")


def decode(data: bytes) -> list[int]:
    """The BASE index of every frame decoded from `data`."""
    return [int(f.groups["BASE"].data) for f in TicDecoder().feed(data)]


async def wait_for(condition: Callable[[], object], limit: float = 5.0) -> None:
    """Poll `condition()` until it is true (it changes from callbacks and threads)."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def up(source: MeterSource) -> bool:
    """Whether the source says its link is up (a call, so type checkers do not narrow it)."""
    return source.status.connected
