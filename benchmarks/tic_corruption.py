"""How many wrong values get through when bytes are corrupted, with and without format checks.

Usage: scripts/run python benchmarks/tic_corruption.py [--frames 200000] [--seed 1]

The long capture is every real capture of ../shared/tic-samples (historic and standard) repeated.
In every frame one group is hit: one byte (single) or two bytes of the same group (double) are
replaced by a different random 7-bit character other than STX/ETX/EOT (so that framing survives
and only the group checks are measured). A value "gets through wrong" when the decoder hands out
a group (label, data, horodate) that is not in the clean capture. "Checksum only" is the same
decoder with the catalogue's format checks replaced by the bare structure (any label, any data).
"""

# ruff: noqa: SLF001 - the measure swaps the decoder's group check for a checksum-only one

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
import random
import sys

sys.path.insert(0, str(Path(__file__).absolute().parents[1]))

from custom_components.gestion_energie.tic import Group, TicDecoder, TicMode, decoder
from tests.tic.samples import SAMPLES, listings

_CONTROL = {0x02, 0x03, 0x04}


def _checksum_only(chunk: bytes) -> tuple[TicMode, Group]:
    """Structure and checksum, nothing else: what most TIC decoders do."""
    if len(chunk) < 5 or chunk.rfind(decoder.LF) != 0:
        raise decoder._Rejected("bad_format")
    standard = chunk[-2] == decoder.HT
    if chunk[-2] not in {decoder.HT, decoder.SP}:
        raise decoder._Rejected("bad_format")
    covered = chunk[1:-1] if standard else chunk[1:-2]
    if decoder.checksum(covered) != chunk[-1]:
        raise decoder._Rejected("bad_checksum")
    text = chunk[1:-2].decode("ascii")
    if standard:
        fields = text.split("\t")
        if len(fields) not in {2, 3}:
            raise decoder._Rejected("bad_format")
        horodate = fields[1] if len(fields) == 3 else None
        return _any_label(TicMode.STANDARD, Group(fields[0], fields[-1], horodate))
    label, space, data = text.partition(" ")
    if not space:
        raise decoder._Rejected("bad_format")
    return _any_label(TicMode.HISTORIC, Group(label, data))


def _any_label(mode: TicMode, group: Group) -> tuple[TicMode, Group]:
    """A label outside the catalogue belongs to the mode its separators tell."""
    decoder._MODE_OF.setdefault(group.label, mode)
    return mode, group


def _frames() -> list[bytes]:
    raw = (SAMPLES / "pyteleinfo_captured_frames.bin").read_bytes()
    raw += b"".join(capture.raw() for capture in listings())
    return [b"\x02" + part + b"\x03" for part in raw.strip(b"\x02\x03").split(b"\x03\x02")]


def _corrupt(frame: bytes, rng: random.Random, hits: int) -> bytes:
    data = bytearray(frame)
    start = rng.randrange(1, len(data) - 1)
    group_start = data.rfind(b"\n", 0, start + 1)
    group_end = data.find(b"\r", start)
    span = range(max(group_start, 1), group_end + 1 if group_end > 0 else len(data) - 1)
    for position in rng.sample(span, min(hits, len(span))):
        choices = [b for b in range(128) if b != data[position] and b not in _CONTROL]
        data[position] = rng.choice(choices)
    return bytes(data)


def _run(stream: bytes, parse: Callable[[bytes], tuple[TicMode, Group]]) -> list[Group]:
    original, modes = decoder._parse, dict(decoder._MODE_OF)
    decoder.__dict__["_parse"] = parse
    try:
        frames = TicDecoder().feed(stream)
    finally:
        decoder.__dict__["_parse"] = original
        decoder._MODE_OF.clear()
        decoder._MODE_OF.update(modes)
    return [group for frame in frames for group in frame.groups.values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = _frames()
    frames = (base * (args.frames // len(base) + 1))[: args.frames]
    truth = set(_run(b"".join(base), decoder._parse))
    groups = sum(frame.count(b"\r") for frame in frames)
    print(f"{len(frames)} frames, {groups} groups, one corrupted group per frame")
    for hits, name in ((1, "single-byte"), (2, "double-byte")):
        rng = random.Random(args.seed)
        stream = b"".join(_corrupt(frame, rng, hits) for frame in frames)
        for checks, parse in (("format checks", decoder._parse), ("checksum only", _checksum_only)):
            wrong = sum(group not in truth for group in _run(stream, parse))
            print(
                f"{name:12} {checks:14} wrong values: {wrong:6}  "
                f"= {wrong / len(frames) * 1e6:8.0f} per million corrupted groups, "
                f"{wrong / groups * 1e6:7.0f} per million groups"
            )


if __name__ == "__main__":
    main()
