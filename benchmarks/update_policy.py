"""State writes and database growth of each update policy, in a real Home Assistant.

Starts Home Assistant (bootstrap, recorder on SQLite) in a temporary configuration,
adds the simulated meter (standard mode, Tempo, 6 kVA), stops its real-time source
and feeds it one frame per second of a simulated clock, then counts the states
written for the meter's entities and the growth of the database file.

Run: scripts/run python benchmarks/update_policy.py [--hours 1]
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
import subprocess
import sys
import tempfile

from benchmarks.home_assistant import (
    add_simulated_meter,
    count_meter_writes,
    settle,
    start_home_assistant,
)
from custom_components.gestion_energie.const import CONF_UPDATE_INTERVAL, UPDATE_INTERVALS
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import PARIS, TicMode

# A winter evening peak, later than the real clock: the entities' first writes, during
# set-up, are stamped with the real time, and a simulated clock behind it would hold
# every later write of theirs back.
START = datetime(2036, 1, 15, 17, 0, tzinfo=PARIS).timestamp()


def _database(config_dir: Path) -> int:
    return sum(path.stat().st_size for path in config_dir.glob("home-assistant_v2.db*"))


async def measure(interval_s: int, hours: float) -> tuple[int, int, int]:
    """(state writes, database size once closed, frames) for one policy."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        config_dir = Path(tmp)
        hass = await start_home_assistant(config_dir, "recorder:\n  commit_interval: 1\n")
        coordinator = await add_simulated_meter(hass, {CONF_UPDATE_INTERVAL: interval_s})
        writes = count_meter_writes(hass)
        meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
        frames = int(hours * 3600)
        for second in range(frames):
            now = START + second

            def clock(now: float = now) -> float:
                return now

            coordinator.clock = clock
            coordinator.async_receive(meter.frame(now))
            coordinator.async_write_due()  # the held-back writes' timer, on the simulated clock
            if second % 60 == 0:
                await hass.async_block_till_done()
        await settle(hass)
        await hass.async_stop()
        return writes(), _database(config_dir), frames


def main(hours: float) -> None:
    """Measure every policy, each in a fresh process (Home Assistant starts once per process)."""
    print(f"{hours:g} h of standard-mode frames, one per second\n")
    print("| policy | state writes per hour | database growth per day |")
    print("| --- | --- | --- |")
    _writes, empty = _run(0, 0)  # the database of the same setup without frames
    for interval in UPDATE_INTERVALS:
        writes, size = _run(interval, hours)
        name = "real time" if interval == 0 else f"{interval} s"
        grown_mb = (size - empty) / hours * 24 / 1e6
        print(f"| {name} | {writes / hours:,.0f} | {grown_mb:.1f} MB |")


def _run(interval: int, hours: float) -> tuple[int, int]:
    result = subprocess.run(
        [sys.executable, __file__, "--hours", str(hours), "--interval", str(interval)],
        check=True,
        capture_output=True,
        text=True,
    )
    writes, size = map(int, result.stdout.split())
    return writes, size


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--interval", type=int, help="measure one policy (internal)")
    arguments = parser.parse_args()
    if arguments.interval is None:
        main(arguments.hours)
    else:
        writes, grown, _frames = asyncio.run(measure(arguments.interval, arguments.hours))
        print(writes, grown)
