"""Latency and CPU cost of the meter sources, up to the decoded frame.

For each source, a writer thread sends historic-mode TIC frames one at a time; the clock starts
when the frame's last byte is written (to a pseudo-terminal, or handed to the fake radio by the
real transmitter code) and stops when the TicDecoder fed by the source's `on_data` returns the
frame, in the event loop. CPU is the process's CPU time during the run, less the writer's own,
per frame: what the source, the event loop and the decoder cost (idle polling included).

    scripts/run python benchmarks/source_latency.py [--frames N]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import os
from pathlib import Path
import statistics
import sys
import threading
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.gestion_energie.radio.chip import RadioConfig, open_chip
from custom_components.gestion_energie.simulators.fake_radio import (
    FakeAir,
    FakeIrq,
    FakeRF24,
)
from custom_components.gestion_energie.sources import MeterSource
from custom_components.gestion_energie.sources.radio import RadioSource
from custom_components.gestion_energie.sources.serialport import SerialSource
from custom_components.gestion_energie.tic import TicDecoder
from tests.sources.frames import historic_frame as frame
from transmitter.app import Transmitter

Writer = Callable[[bytes], float]
"""Writes a frame; returns the perf_counter time its last byte was written."""


async def measure(
    make_source: Callable[[Callable[[bytes], None]], MeterSource],
    write: Writer,
    count: int,
    interval: float,
) -> tuple[list[float], float]:
    """Latencies (s) of `count` frames, and receiver CPU seconds per frame."""
    decoder = TicDecoder()
    sent: dict[int, float] = {}
    arrived: dict[int, float] = {}
    done = asyncio.Event()

    def on_data(data: bytes) -> None:
        now = time.perf_counter()
        for decoded in decoder.feed(data):
            arrived[int(decoded.groups["BASE"].data)] = now
        if len(arrived) >= count:
            done.set()

    source = make_source(on_data)
    await source.start()
    await asyncio.sleep(0.3)  # port open, chip listening
    writer_cpu = 0.0

    def writer() -> None:
        nonlocal writer_cpu
        start = time.thread_time()
        for index in range(1, count + 1):
            sent[index] = write(frame(index))
            time.sleep(interval)
        writer_cpu = time.thread_time() - start

    cpu = time.process_time()
    thread = threading.Thread(target=writer)
    thread.start()
    async with asyncio.timeout(60 + count * interval * 4):
        await done.wait()
    cpu = time.process_time() - cpu
    await asyncio.to_thread(thread.join)
    await source.stop()
    return [arrived[i] - sent[i] for i in sent], (cpu - writer_cpu) / count


def pty_case() -> tuple[Callable[[Callable[[bytes], None]], MeterSource], Writer]:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    return (lambda on_data: SerialSource(on_data, path, 9600)), (lambda d: _write(master, d))


def _write(fd: int, data: bytes) -> float:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return time.perf_counter()


def radio_case(*, irq: bool) -> tuple[Callable[[Callable[[bytes], None]], MeterSource], Writer]:
    air = FakeAir(time_scale=1.0)
    rx = FakeRF24(air)
    config = RadioConfig()
    tx = FakeRF24(air)
    last_write = 0.0
    real_write = tx.write

    def timed_write(buf: bytes | bytearray, multicast: bool = False) -> bool:
        nonlocal last_write
        last_write = time.perf_counter()  # the packet is on the air from here
        return real_write(buf, multicast)

    tx.write = timed_write  # type: ignore[method-assign]
    transmitter = Transmitter(open_chip(lambda _: tx, config, receive=False))

    def make(on_data: Callable[[bytes], None]) -> MeterSource:
        return RadioSource(
            on_data,
            config,
            chip_factory=lambda _: rx,
            irq_factory=(lambda _, chip: FakeIrq(rx)) if irq else None,
        )

    def write(data: bytes) -> float:
        if not transmitter.send_frame(data):
            raise RuntimeError("frame abandoned")
        return last_write

    return make, write


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between frames")
    args = parser.parse_args()
    cases = {
        "serial (pty, 9600 baud)": pty_case(),
        "radio, polling every 5 ms": radio_case(irq=False),
        "radio, IRQ line": radio_case(irq=True),
    }
    print(
        f"{args.frames} historic frames of {len(frame(1))} bytes, {args.interval * 1000:g} ms apart"
    )
    print(f"{'source':28} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/frame':>13}")
    for name, (make, write) in cases.items():
        latencies, cpu = await measure(make, write, args.frames, args.interval)
        ms = sorted(x * 1000 for x in latencies)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(f"{name:28} {statistics.median(ms):8.3f} {p99:8.3f} {cpu * 1000:13.3f}")


if __name__ == "__main__":
    asyncio.run(main())
