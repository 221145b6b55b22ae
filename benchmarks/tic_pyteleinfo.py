"""pyteleinfo 0.4.0 doing the CLI's job, the other side of `tic_decode.py`.

    python benchmarks/tic_pyteleinfo.py FILE

Reads the raw capture, cuts it at STX...ETX (pyteleinfo only decodes complete frames), decodes
and verifies each frame with `teleinfo.codec.decode` and prints one JSON line per frame in the
CLI's format. Only pyteleinfo and the standard library are imported, so its start-up stays its
own.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from teleinfo import codec


def main(path: Path) -> None:
    """Decode `path` and print its frames."""
    data = path.read_bytes()
    out = []
    start = data.find(b"\x02")
    while start >= 0:
        end = data.find(b"\x03", start)
        if end < 0:
            break
        try:
            groups = codec.decode(data[start : end + 1])
        except Exception:  # pyteleinfo drops a whole frame on any error
            groups = None
        if groups:
            frame = {"mode": "historic", "groups": groups, "horodates": {}, "invalid_groups": 0}
            out.append(json.dumps(frame))
        start = data.find(b"\x02", end)
    if out:
        sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
