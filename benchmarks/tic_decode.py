"""Decode a long historic capture with our CLI and with pyteleinfo 0.4.0; compare the times.

Usage (from the checkout, pyteleinfo==0.4.0 installed in the same environment):

    scripts/run python benchmarks/tic_decode.py [--repeat 4000] [--runs 5]

The capture is ../shared/tic-samples/pyteleinfo_captured_frames.bin (a historic Tempo meter,
10 frames of 16 groups) repeated. Both sides run as a fresh process doing the same job: read the
raw file, cut it into frames, verify and decode every group, print one JSON line per frame.
pyteleinfo only decodes complete frames, so its side finds STX...ETX itself. Start-up (Python,
imports) is measured on an empty file and taken off; the best of `--runs` is kept.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).absolute().parents[1]
CAPTURE = ROOT / ".." / "shared" / "tic-samples" / "pyteleinfo_captured_frames.bin"


def pyteleinfo_decode(path: Path) -> None:
    """The same job with pyteleinfo: split at STX/ETX, decode each frame, print JSON."""
    from teleinfo import codec  # noqa: PLC0415 - only in the pyteleinfo subprocess

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


def _best(command: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4000, help="copies of the capture")
    parser.add_argument("--runs", type=int, default=5, help="runs of each, the best is kept")
    parser.add_argument("--pyteleinfo", type=Path, help=argparse.SUPPRESS)  # the child side
    args = parser.parse_args()
    if args.pyteleinfo:
        pyteleinfo_decode(args.pyteleinfo)
        return

    with tempfile.TemporaryDirectory() as scratch:
        long_capture = Path(scratch) / "long.bin"
        long_capture.write_bytes(CAPTURE.read_bytes() * args.repeat)
        empty = Path(scratch) / "empty.bin"
        empty.write_bytes(b"")
        ours = [sys.executable, "-m", "custom_components.gestion_energie.tic", "decode"]
        theirs = [sys.executable, __file__, "--pyteleinfo"]
        # Same output, frame for frame.
        mine = subprocess.run([*ours, str(long_capture)], check=True, capture_output=True, cwd=ROOT)
        other = subprocess.run(
            [*theirs, str(long_capture)], check=True, capture_output=True, cwd=ROOT
        )
        mine_frames = [json.loads(line) for line in mine.stdout.splitlines()]
        other_frames = [json.loads(line) for line in other.stdout.splitlines()]
        assert mine_frames == other_frames, "the two decoders disagree"  # noqa: S101
        frames = len(mine_frames)
        groups = sum(len(frame["groups"]) for frame in mine_frames)

        results = {}
        for name, command in (("gestion_energie", ours), ("pyteleinfo 0.4.0", theirs)):
            startup = _best([*command, str(empty)], args.runs)
            total = _best([*command, str(long_capture)], args.runs)
            results[name] = total - startup
            rate = groups / (total - startup) / 1e3
            print(
                f"{name:16}  total {total:6.3f} s  start-up {startup:6.3f} s  "
                f"decode {total - startup:6.3f} s  {rate:7.0f} k groups/s"
            )
    size = args.repeat * len(CAPTURE.read_bytes())
    print(f"capture: {size / 1e6:.1f} MB, {frames} frames, {groups} groups")
    print(f"speed-up: {results['pyteleinfo 0.4.0'] / results['gestion_energie']:.1f}x")


if __name__ == "__main__":
    main()
