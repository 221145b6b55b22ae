"""Command line: ``python -m custom_components.gestion_energie.tic decode FILE``.

Prints one JSON object per frame with at least one valid group, in stream order:
``{"mode": ..., "groups": {LABEL: DATA}, "horodates": {LABEL: HORODATE}, "invalid_groups": N}``
with the raw strings as transmitted. Exits 0 unless FILE cannot be read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING

from .decoder import TicDecoder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .decoder import Frame

_CHUNK = 1 << 20  # read in chunks: a capture may be larger than memory allows


def frame_json(frame: Frame) -> str:
    """Render one frame as its JSON line."""
    groups = frame.groups.values()
    return json.dumps(
        {
            "mode": frame.mode.value,
            "groups": {group.label: group.data for group in groups},
            "horodates": {
                group.label: group.horodate for group in groups if group.horodate is not None
            },
            "invalid_groups": frame.invalid_groups,
        }
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.gestion_energie.tic",
        description="Decode Linky TIC (télé-information client) captures.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser("decode", help="print the frames of a raw byte capture as JSON")
    decode.add_argument("file", type=Path, help="raw bytes as read from the meter")
    args = parser.parse_args(argv)

    decoder = TicDecoder()
    out = sys.stdout
    try:
        with args.file.open("rb") as capture:
            while chunk := capture.read(_CHUNK):
                lines = [frame_json(frame) for frame in decoder.feed(chunk)]
                if lines:
                    out.write("\n".join(lines) + "\n")
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
