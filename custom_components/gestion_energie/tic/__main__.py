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

    from .decoder import Frame, Group

_CHUNK = 1 << 20  # read in chunks: a capture may be larger than memory allows
_FRAGMENTS_KEPT = 1024
_json = json.JSONEncoder().encode  # what json.dumps does with its defaults, without the set-up


class _Fragments(dict["Group", tuple[str, str]]):
    """The JSON of recent groups: ``"LABEL": "DATA"`` and ``"LABEL": "HORODATE"`` (or "").

    Most groups come back identical frame after frame, so each is rendered once by the JSON encoder
    and its fragments are joined into the frame's line: the same text as `json.dumps` of the
    whole frame with its default separators, at a third of the cost. Bounded.
    """

    def __missing__(self, group: Group) -> tuple[str, str]:
        label = _json(group.label)
        horodate = "" if group.horodate is None else f"{label}: {_json(group.horodate)}"
        fragments = (f"{label}: {_json(group.data)}", horodate)
        if len(self) >= _FRAGMENTS_KEPT:
            self.clear()
        self[group] = fragments
        return fragments


_FRAGMENTS = _Fragments()


def frame_json(frame: Frame) -> str:
    """Render one frame as its JSON line (keys in the contract's order)."""
    groups, horodates = zip(*map(_FRAGMENTS.__getitem__, frame.groups.values()), strict=True)
    return (
        f'{{"mode": "{frame.mode.value}", "groups": {{{", ".join(groups)}}}, '
        f'"horodates": {{{", ".join(filter(None, horodates))}}}, '
        f'"invalid_groups": {frame.invalid_groups}}}'
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
