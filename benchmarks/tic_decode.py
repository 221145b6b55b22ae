"""Decode long realistic captures with our CLI and with pyteleinfo 0.4.0; compare the times.

Usage (from the checkout, pyteleinfo==0.4.0 installed in the same environment):

    scripts/run python benchmarks/tic_decode.py [--hours 24] [--standard-hours 6] [--runs 5]

The captures come from `tic_capture.py` (seeded by `--seed`): simulated meters sending a frame
every 1-2 s for `--hours` each (`--standard-hours` in standard mode, whose frames are four times
longer); values change as a real meter's: power, currents, indexes, periods, horodates. They are
followed by the real captures of ../shared/tic-samples. Each side (ours: the CLI; theirs:
`tic_pyteleinfo.py`) runs as a fresh process doing the same job: read the raw file, cut it into
frames, verify every group, print one JSON line per frame. Start-up (Python, imports) is
measured on an empty file and taken off; the best of `--runs` is kept. Times are the child's
CPU time (user + system): on a shared machine the wall time also counts waiting for a core; it
is printed beside for reference.

pyteleinfo 0.4.0 implements the historic mode only: on a standard frame it rejects the whole
frame as soon as a value holds a space (NGTF, LTARF, MSG1 do in every frame), and it knows no
horodates. So the comparison runs on the historic capture (outputs checked identical, line for
line); the standard capture is timed for our decoder alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.tic_capture import capture
from custom_components.gestion_energie.tic import TicMode

ROOT = Path(__file__).absolute().parents[1]
OURS = [sys.executable, "-m", "custom_components.gestion_energie.tic", "decode"]
THEIRS = [sys.executable, str(Path(__file__).with_name("tic_pyteleinfo.py"))]


def _frames(command: list[str], path: Path) -> list[dict[str, Any]]:
    done = subprocess.run([*command, str(path)], check=True, capture_output=True, cwd=ROOT)
    return [json.loads(line) for line in done.stdout.splitlines()]


def _run(command: list[str]) -> tuple[float, float]:
    """CPU time (user + system) and wall time of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def _decode_times(
    commands: dict[str, list[str]], path: Path, empty: Path, runs: int
) -> dict[str, float]:
    """Best CPU time of each command decoding `path`, start-up taken off; print them.

    The runs are interleaved (each command on the empty file, then on the capture, in turn), so
    a change of load on the machine weighs on every figure alike.
    """
    best = {(name, file): (float("inf"), float("inf")) for name in commands for file in (0, 1)}
    for _ in range(runs):
        for name, command in commands.items():
            for file, argument in enumerate((empty, path)):
                cpu, wall = _run([*command, str(argument)])
                best[name, file] = (min(best[name, file][0], cpu), min(best[name, file][1], wall))
    decode = {}
    for name in commands:
        (startup, startup_wall), (total, total_wall) = best[name, 0], best[name, 1]
        decode[name] = total - startup
        print(
            f"  {name:16}  CPU: total {total:6.3f} s, start-up {startup:5.3f} s, "
            f"decode {total - startup:6.3f} s  (wall: decode {total_wall - startup_wall:6.3f} s)"
        )
    return decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="hours of each historic meter")
    parser.add_argument(
        "--standard-hours", type=float, default=6.0, help="hours of each standard meter"
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the frame intervals")
    parser.add_argument("--runs", type=int, default=5, help="runs of each, the best is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        empty = Path(scratch) / "empty.bin"
        empty.write_bytes(b"")
        for mode in TicMode:
            path = Path(scratch) / f"{mode.value}.bin"
            hours = args.hours if mode is TicMode.HISTORIC else args.standard_hours
            path.write_bytes(capture(mode, hours, args.seed))
            mine = _frames(OURS, path)
            other = _frames(THEIRS, path)
            groups = sum(len(frame["groups"]) for frame in mine)
            print(
                f"{mode.value} capture: {path.stat().st_size / 1e6:.1f} MB, "
                f"{len(mine)} frames, {groups} valid groups; "
                f"pyteleinfo decodes {len(other)} frames"
            )
            commands = {"gestion_energie": OURS}
            if mode is TicMode.HISTORIC:
                assert mine == other, "the two decoders disagree"  # noqa: S101
                commands["pyteleinfo 0.4.0"] = THEIRS
            decode = _decode_times(commands, path, empty, args.runs)
            for name, seconds in decode.items():
                print(f"  {name:16}  {groups / seconds / 1e3:.0f} k groups/s")
            if len(decode) == 2:
                print(f"  speed-up: {decode['pyteleinfo 0.4.0'] / decode['gestion_energie']:.1f}x")


if __name__ == "__main__":
    main()
