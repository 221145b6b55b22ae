"""Draw the integration's brand icon (256 x 256 PNG) with the standard library only.

A white lightning bolt inside a house outline on a rounded green square: the
Linky's colour, a home, electricity. Run: scripts/run python tools/make_icon.py
"""

from pathlib import Path
import struct
import zlib

SIZE = 256
SUPERSAMPLE = 4
GREEN = (22, 163, 74)
WHITE = (255, 255, 255)
OUTPUT = Path("custom_components/gestion_energie/brand/icon.png")

type Point = tuple[float, float]

HOUSE: list[Point] = [
    (128, 40),
    (216, 116),
    (196, 116),
    (196, 212),
    (60, 212),
    (60, 116),
    (40, 116),
]
HOUSE_INSIDE: list[Point] = [(128, 66), (178, 110), (178, 196), (78, 196), (78, 110)]
BOLT: list[Point] = [(140, 86), (100, 150), (126, 150), (114, 186), (158, 126), (132, 126)]


def inside_polygon(x: float, y: float, polygon: list[Point]) -> bool:
    """Even-odd rule: count the edges a ray to the right crosses."""
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def inside_rounded_square(x: float, y: float, radius: float = 48) -> bool:
    """Whether (x, y) lies on the rounded background square."""
    cx = min(max(x, radius), SIZE - radius)
    cy = min(max(y, radius), SIZE - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def colour_at(x: float, y: float) -> tuple[int, int, int, int]:
    """RGBA of one sample point."""
    if not inside_rounded_square(x, y):
        return (0, 0, 0, 0)
    on_house_wall = inside_polygon(x, y, HOUSE) and not inside_polygon(x, y, HOUSE_INSIDE)
    if on_house_wall or inside_polygon(x, y, BOLT):
        return (*WHITE, 255)
    return (*GREEN, 255)


def render() -> bytes:
    """Rows of RGBA pixels, each averaged over SUPERSAMPLE² samples."""
    rows = bytearray()
    step = 1 / SUPERSAMPLE
    for py in range(SIZE):
        rows.append(0)  # PNG filter type: none
        for px in range(SIZE):
            samples = [
                colour_at(px + (i + 0.5) * step, py + (j + 0.5) * step)
                for i in range(SUPERSAMPLE)
                for j in range(SUPERSAMPLE)
            ]
            alpha = sum(s[3] for s in samples)
            if alpha == 0:
                rows.extend((0, 0, 0, 0))
                continue
            rows.extend(round(sum(s[c] * s[3] for s in samples) / alpha) for c in range(3))
            rows.append(round(alpha / len(samples)))
    return bytes(rows)


def png(width: int, height: int, raw_rows: bytes) -> bytes:
    """A minimal RGBA PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(png(SIZE, SIZE, render()))
