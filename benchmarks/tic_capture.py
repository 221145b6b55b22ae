"""Long, realistic TIC captures for the benchmarks: simulated meters plus the real captures.

A capture is what a TIC reader would have recorded from a meter over hours: one frame every
1 to 2 seconds (drawn from a seeded random generator), from `SimulatedMeter`, so apparent power,
currents, indexes, tariff periods, Tempo colours and horodates change as a real meter's do.
Nothing is repeated: each frame is the meter's state at its own time.

- historic: three meters (Base, HC/HP, Tempo) one after the other, each running `hours` from
  its own start time (chosen to cross the 22:00 and 06:00 tariff switches, midnight and a Tempo
  day change), then the real historic captures of ../shared/tic-samples: the `.bin` as is and
  the historic listings framed as the meter sent them;
- standard: the same three contracts in standard mode (one crossing the spring change to
  summer time), then the real standard listings (including their known-bad groups).

The same seed and hours give the same bytes. Usage, to keep a capture:

    scripts/run python benchmarks/tic_capture.py historic --hours 6 > historic.bin
"""

from __future__ import annotations

import argparse
from datetime import datetime
import random
import sys

from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import PARIS, TicMode
from tests.tic.samples import SAMPLES, listings

# (contract, local start time) of each simulated meter, per mode.
_METERS = {
    TicMode.HISTORIC: (
        (Contract.BASE, datetime(2026, 1, 14, 17, 0, tzinfo=PARIS)),
        (Contract.OFF_PEAK, datetime(2026, 1, 14, 20, 30, tzinfo=PARIS)),
        (Contract.TEMPO, datetime(2026, 1, 15, 2, 0, tzinfo=PARIS)),
    ),
    TicMode.STANDARD: (
        (Contract.BASE, datetime(2026, 6, 10, 7, 0, tzinfo=PARIS)),
        (Contract.OFF_PEAK, datetime(2026, 3, 28, 21, 0, tzinfo=PARIS)),  # to summer time
        (Contract.TEMPO, datetime(2026, 2, 5, 3, 0, tzinfo=PARIS)),
    ),
}
_REAL_HISTORIC_BIN = "pyteleinfo_captured_frames.bin"


def simulated(mode: TicMode, hours: float, seed: int = 2026) -> bytes:
    """Frames of the three simulated meters of `mode`, each running `hours`."""
    steps = random.Random(seed)
    chunks = []
    for number, (contract, start) in enumerate(_METERS[mode]):
        meter = SimulatedMeter(mode=mode, contract=contract, seed=seed + number)
        now = start.timestamp()
        end = now + hours * 3600
        while now < end:
            chunks.append(meter.frame(now))
            now += steps.uniform(1.0, 2.0)
    return b"".join(chunks)


def real(mode: TicMode) -> bytes:
    """The real captures of `mode`: the raw `.bin` as is, the listings framed."""
    prefix = b""
    if mode is TicMode.HISTORIC:
        prefix = (SAMPLES / _REAL_HISTORIC_BIN).read_bytes()
    framed = [
        capture.raw()
        for capture in listings()
        if (b"\t" in capture.bodies()[0]) is (mode is TicMode.STANDARD)
    ]
    return prefix + b"".join(framed)


def capture(mode: TicMode, hours: float, seed: int = 2026) -> bytes:
    """The long capture of one mode: simulated meters, then the real captures."""
    return simulated(mode, hours, seed) + real(mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=[mode.value for mode in TicMode])
    parser.add_argument("--hours", type=float, default=6.0, help="hours of each meter")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sys.stdout.buffer.write(capture(TicMode(args.mode), args.hours, args.seed))


if __name__ == "__main__":
    main()
