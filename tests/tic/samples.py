"""Real captures of ../shared/tic-samples, turned into group listings and raw frames."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from custom_components.gestion_energie.tic import Group, TicMode, encode_group, parse_group

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "tic-samples"
_FRAME_MARKS = b"\x02\x03\r"


@dataclass(frozen=True)
class Capture:
    """A capture: its frames, each a list of group bodies (between LF and CR)."""

    name: str
    frames: list[list[bytes]]

    def bodies(self) -> list[bytes]:
        return [body for frame in self.frames for body in frame]

    def raw(self) -> bytes:
        """The capture as the meter would have sent it."""
        return b"".join(
            b"\x02" + b"".join(b"\n" + body + b"\r" for body in frame) + b"\x03"
            for frame in self.frames
        )


def _label(body: bytes) -> bytes:
    return body.replace(b"\t", b" ").split(b" ", 1)[0]


def _from_txt(text: bytes) -> list[list[bytes]]:
    """One group per line; a label seen again starts a new frame."""
    frames: list[list[bytes]] = [[]]
    for line in text.split(b"\n"):
        body = line.rstrip(b"\r")
        if not body:
            continue
        if any(_label(body) == _label(seen) for seen in frames[-1]):
            frames.append([])
        frames[-1].append(body)
    return [frame for frame in frames if frame]


def _from_reprs(text: bytes) -> list[list[bytes]]:
    """pyteleinfo's listing: one Python bytes literal per frame."""
    frames = []
    for line in text.decode().splitlines():
        if line.startswith("b'"):
            raw = ast.literal_eval(line)
            frames.append([chunk[1:] for chunk in raw.strip(b"\x02\x03").split(b"\r") if chunk])
    return frames


def _from_log(text: bytes) -> list[list[bytes]]:
    """teleinfo2mqtt debug log: a line of only ETX/STX separates frames."""
    frames: list[list[bytes]] = [[]]
    for line in text.split(b"\n"):
        if not line.strip(_FRAME_MARKS):
            if line:
                frames.append([])
            continue
        frames[-1].append(line.rstrip(b"\r"))
    return [frame for frame in frames if frame]


def load(path: Path) -> Capture:
    text = path.read_bytes()
    if path.name == "pyteleinfo_captured_frames.txt":
        frames = _from_reprs(text)
    elif path.suffix == ".log":
        frames = _from_log(text)
    else:
        frames = _from_txt(text)
    return Capture(path.name, frames)


def listings() -> list[Capture]:
    """Every group listing (.txt and .log), in name order."""
    return [load(path) for path in sorted(SAMPLES.iterdir()) if path.suffix in {".txt", ".log"}]


def has_control_bytes(body: bytes) -> bool:
    return any(byte < 0x20 and byte != 0x09 for byte in body)


def verified(frame_groups: dict[str, Group], mode: TicMode, sent: bytes) -> bool:
    """Whatever comes out was sent as a whole group and passes every check again."""
    stripped = sent.translate(bytes(b & 0x7F for b in range(256)))
    for group in frame_groups.values():
        encoded = encode_group(group, mode)
        if encoded not in stripped or parse_group(encoded[1:-1]) != (mode, group):
            return False
    return True
