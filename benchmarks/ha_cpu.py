"""Home Assistant's CPU, state writes and database growth with a meter on a serial port.

Starts two real Home Assistant processes (`python -m homeassistant`, recorder on SQLite,
each in its own temporary configuration on a free loopback port), onboards both through
the REST API and adds the meter to one of them through the integration's config flow, on
a pseudo-terminal. The other one stays idle: the baseline. A writer sends the simulated
meter's standard-mode single-phase frames (values change with every frame) at one frame
per second of real time, each in 16-byte writes at the pace of a 9600-baud line, as a USB
adapter delivers them. After a warm-up, it reads both processes' CPU time from /proc and
the meter's rows in the states table over the measured minutes.

Run: scripts/run python benchmarks/ha_cpu.py [--minutes 10] [--warmup 60]
The two processes' ids are printed, for a profiler (py-spy) to attach to.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
from datetime import datetime
import errno
import json
import os
from pathlib import Path
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
from urllib import parse, request

from benchmarks.home_assistant import INTEGRATION, free_port
from custom_components.gestion_energie.const import DOMAIN
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import PARIS, TicMode

BAUD = 9600
BITS_PER_CHARACTER = 10  # 7E1: start, 7 data, parity, stop
CHUNK = 16  # bytes per write, as a USB serial adapter hands them over
CLIENT_ID = "http://127.0.0.1/"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Meter(threading.Thread):
    """Writes frames into a pseudo-terminal at the line's pace, one per second."""

    def __init__(self, start_time: float) -> None:
        super().__init__(daemon=True)
        self.master, slave = os.openpty()
        os.set_blocking(self.master, False)
        self.port = os.ttyname(slave)
        os.close(slave)  # only Home Assistant holds the device open, as with an adapter
        self.simulated = start_time
        self.meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
        self.frames = 0
        self.lost_writes = 0  # writes the pseudo-terminal refused (nobody reading, or full)
        self.lost_errors: collections.Counter[str] = collections.Counter()
        self.stopped = threading.Event()

    def run(self) -> None:
        """One frame per second, sent in chunks spaced as the line would space them."""
        pace = CHUNK * BITS_PER_CHARACTER / BAUD
        next_frame = time.monotonic()
        while not self.stopped.is_set():
            frame = self.meter.frame(self.simulated)
            for offset in range(0, len(frame), CHUNK):
                try:
                    os.write(self.master, frame[offset : offset + CHUNK])
                except OSError as err:  # nobody has the port open, or its buffer is full
                    self.lost_writes += 1
                    self.lost_errors[errno.errorcode.get(err.errno or 0, "?")] += 1
                time.sleep(pace)
            self.frames += 1
            self.simulated += 1
            next_frame += 1
            time.sleep(max(0.0, next_frame - time.monotonic()))


@dataclass
class Instance:
    """One Home Assistant process and its configuration."""

    config_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    token: str = ""
    profile: Path | None = None  # run under cProfile, its statistics written there at exit

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        custom = self.config_dir / "custom_components"
        custom.mkdir()
        (custom / DOMAIN).symlink_to(INTEGRATION)
        # No http: block: Home Assistant takes one as a trial, reverted with a restart unless
        # confirmed within 5 minutes (seen here: every run longer than that went wrong).
        # SETUP_PORT sets the port of a configuration without HTTP settings.
        (self.config_dir / "configuration.yaml").write_text(
            "recorder:\nonboarding:\nconfig:\n", encoding="utf-8"
        )
        log = (self.config_dir / "stdout.log").open("wb")
        profiler = [] if self.profile is None else ["-m", "cProfile", "-o", str(self.profile)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                *profiler,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                "--skip-pip",  # installing requirements would load one instance, not the other
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "SETUP_PORT": str(self.port)},
        )

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User and system CPU time of the process so far, all its threads."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def call(self, method: str, path: str, body: Any = None, *, form: bool = False) -> Any:
        """A REST call; JSON (or form) body, JSON answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None and form:
            data = parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # Only ever http://127.0.0.1 (self.url).
        req = request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        with request.urlopen(req, timeout=60) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def wait_started(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                self.call("GET", "/api/onboarding")
                return
            time.sleep(1)
        raise SystemExit(f"Home Assistant in {self.config_dir} did not start")

    def onboard(self) -> None:
        """Create the owner and log in, as the first page of the frontend does."""
        user = {
            "client_id": CLIENT_ID,
            "name": "Bench",
            "username": "bench",
            "password": "bench-password",
            "language": "en",
        }
        code = self.call("POST", "/api/onboarding/users", user)["auth_code"]
        grant = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID}
        self.token = self.call("POST", "/auth/token", grant, form=True)["access_token"]

    def add_meter(self, port: str) -> dict[str, Any]:
        """The config flow a user goes through: serial source, the port typed in."""
        flow = self.call("POST", "/api/config/config_entries/flow", {"handler": DOMAIN})
        path = f"/api/config/config_entries/flow/{flow['flow_id']}"
        self.call("POST", path, {"next_step_id": "serial"})
        result: dict[str, Any] = self.call("POST", path, {"port": port, "mode": "standard"})
        if result.get("type") != "create_entry":
            raise SystemExit(f"the config flow did not create the entry: {result}")
        return result

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def starts(self) -> int:
        """Times Home Assistant started in this process (more than once: it restarted).

        Each start with --skip-pip warns that it skips pip: a line logged at the default level.
        """
        log = (self.config_dir / "stdout.log").read_text(encoding="utf-8", errors="replace")
        return log.count("Skipping pip installation")

    def used_bytes(self) -> int:
        """Bytes the database's tables and indexes hold (the write-ahead log's included).

        Payload, not pages: a few minutes of rows fill less than the pages already there.
        """
        with contextlib.closing(self._database()) as db:
            payload = db.execute("SELECT SUM(payload) FROM dbstat").fetchone()[0]
        return int(payload or 0)

    def meter_writes(self, start: float, end: float) -> dict[str, int]:
        """States rows of the integration's entities written between two times, per entity."""
        registry = json.loads((self.config_dir / ".storage" / "core.entity_registry").read_text())
        ours = {e["entity_id"] for e in registry["data"]["entities"] if e["platform"] == DOMAIN}
        query = (
            "SELECT states_meta.entity_id, COUNT(*)"
            " FROM states JOIN states_meta USING (metadata_id)"
            " WHERE last_updated_ts >= ? AND last_updated_ts < ? GROUP BY states_meta.entity_id"
        )
        with contextlib.closing(self._database()) as db:
            rows = db.execute(query, (start, end)).fetchall()
        return {entity: count for entity, count in rows if entity in ours}

    def _database(self) -> sqlite3.Connection:
        path = self.config_dir / "home-assistant_v2.db"
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@contextlib.contextmanager
def instances(profile: Path | None) -> Iterator[tuple[Instance, Instance]]:
    with (
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as busy_dir,
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as idle_dir,
    ):
        busy = Instance(Path(busy_dir), free_port(), profile=profile)
        idle = Instance(Path(idle_dir), free_port())
        try:
            busy.start()
            idle.start()
            yield busy, idle
        finally:
            busy.stop()
            idle.stop()


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[2]  # over 15 minutes


def main(minutes: float, warmup: float, start_hour: int, profile: Path | None) -> None:
    """Measure, and print the figures as a Markdown table."""
    today = datetime.now(PARIS)
    meter = Meter(today.replace(hour=start_hour, minute=0, second=0).timestamp())
    meter.start()
    with instances(profile) as (busy, idle):
        for instance in (busy, idle):
            instance.wait_started()
            instance.onboard()
        busy.add_meter(meter.port)
        print(f"meter on {meter.port}; busy pid {busy.pid}, idle pid {idle.pid}", flush=True)
        time.sleep(warmup)
        frames, lost, start = meter.frames, meter.lost_writes, time.time()
        cpu = [instance.cpu_seconds() for instance in (busy, idle)]
        used = [instance.used_bytes() for instance in (busy, idle)]
        load_before = os.getloadavg()[0]
        time.sleep(minutes * 60)
        end = time.time()
        cpu = [
            instance.cpu_seconds() - before
            for instance, before in zip((busy, idle), cpu, strict=True)
        ]
        used = [
            instance.used_bytes() - before
            for instance, before in zip((busy, idle), used, strict=True)
        ]
        frames, lost = meter.frames - frames, meter.lost_writes - lost
        load_after = os.getloadavg()[0]
        meter.stopped.set()
        busy.stop()
        idle.stop()
        writes = busy.meter_writes(start, end)
        restarted = [i.config_dir.name for i in (busy, idle) if i.starts() != 1]
    hours = (end - start) / 3600
    total = sum(writes.values())
    print(f"\n{minutes:g} min measured after {warmup:g} s of warm-up, {frames} frames sent")
    print(f"{lost} writes refused by the pseudo-terminal during the window (should be 0)")
    print(f"refused writes since the start, by error: {dict(meter.lost_errors)}")
    print(f"{meter.frames} frames sent since the start (for the reads per frame of --profile)")
    if lost:
        print("WARNING: Home Assistant stopped reading the port for a while: figures not valid")
    if restarted:
        print(f"WARNING: Home Assistant restarted during the run ({restarted}): figures not valid")
    print(f"load average (1 min) {load_before:.2f} at the start, {load_after:.2f} at the end\n")
    print("| figure | value |")
    print("| --- | --- |")
    print(f"| CPU, Home Assistant with the meter | {cpu[0] / hours:.1f} s/h |")
    print(f"| CPU, idle Home Assistant | {cpu[1] / hours:.1f} s/h |")
    print(f"| **CPU above idle** | **{(cpu[0] - cpu[1]) / hours:.1f} s/h** |")
    print(f"| **state writes of the meter's entities** | **{total / hours:,.0f} per hour** |")
    growth = (used[0] - used[1]) / hours * 24 / 1e6
    print(f"| **database growth above idle** | **{growth:.1f} MB per day** |")
    print("\n| entity | writes per hour |")
    print("| --- | --- |")
    for entity, count in sorted(writes.items(), key=lambda item: -item[1]):
        print(f"| {entity} | {count / hours:,.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds")
    parser.add_argument(
        "--start-hour", type=int, default=19, help="the simulated meter's hour of day at start"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the meter's Home Assistant under cProfile (slower), statistics to this file",
    )
    arguments = parser.parse_args()
    main(arguments.minutes, arguments.warmup, arguments.start_hour, arguments.profile)
