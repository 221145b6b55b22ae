"""Database growth per day of the meter at its default policy, on SQLite, PostgreSQL, MariaDB.

Starts Home Assistant (bootstrap, recorder) in a temporary configuration, once per database:
SQLite (the recorder's default file), PostgreSQL and MariaDB (throw-away servers of Debian's
packages, tools/postgresql.py and tools/mariadb.py, installed when missing). Adds the
simulated meter (standard mode, Tempo, 6 kVA) with its default options, stops its real-time
source and feeds it one frame per second of a simulated clock (winter evening peak), then
measures the recorder's tables apart:

- states (states, state_attributes, states_meta): their growth over the simulated hours,
  scaled to a day;
- statistics: the meter's statistic ids (each sensor with a state class) get one day of
  rows through the recorder's import (hourly into `statistics`, 5-minute into
  `statistics_short_term`), as the recorder's own compiler writes them each hour and each
  five minutes of a real day. The clock is simulated, so the compiler itself never runs here.

One year is projected with the recorder's default purge: states and 5-minute statistics
kept 10 days (`purge_keep_days`), hourly statistics kept for ever. SQLite reuses the pages a
purge frees (and the recorder repacks the file monthly); the projection is of what is kept.

Run: scripts/run python benchmarks/database_growth.py [--hours 1]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import sqlite3
import subprocess
import sys
import tempfile
from typing import Any

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.db_schema import Statistics, StatisticsShortTerm
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import list_statistic_ids
from homeassistant.core import HomeAssistant

from benchmarks.home_assistant import (
    add_simulated_meter,
    count_meter_writes,
    settle,
    start_home_assistant,
)
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import TicMode
from tools.mariadb import MariaDB, mariadb_server
from tools.postgresql import PostgreSQL, postgresql_server

# 17:00 in Paris, a winter evening peak; ahead of the real clock, which the timers of the
# update policy (held-back writes) follow: behind it, they would never fire.
START = datetime(2036, 1, 15, 16, tzinfo=UTC)
KEEP_DAYS = 10  # the recorder's default purge_keep_days
STATES_TABLES = ("states", "state_attributes", "states_meta")
STATISTICS_TABLES = {"hourly": ("statistics",), "five_minutes": ("statistics_short_term",)}
META_TABLES = ("statistics_meta",)
MB = 1e6
BACKENDS = ("sqlite", "postgresql", "mariadb")

type TableSizes = Callable[[], dict[str, int]]


async def measure(backend: str, hours: float) -> dict[str, float]:
    """Bytes per day of states, hourly and 5-minute statistics, on one backend."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        config_dir = Path(tmp)
        if backend == "postgresql":
            with postgresql_server() as postgresql:
                url = postgresql.create_database("recorder")
                return await _measure(config_dir, hours, url, _postgresql_sizes(postgresql))
        if backend == "mariadb":
            with mariadb_server() as mariadb:
                url = mariadb.create_database("recorder")
                return await _measure(config_dir, hours, url, _mariadb_sizes(mariadb))
        return await _measure(config_dir, hours, None, _sqlite_sizes(config_dir))


async def _measure(
    config_dir: Path, hours: float, db_url: str | None, sizes: TableSizes
) -> dict[str, float]:
    recorder = "recorder:\n  commit_interval: 1\n"
    if db_url is not None:
        recorder += f"  db_url: {db_url}\n"
    hass = await start_home_assistant(config_dir, recorder)
    coordinator = await add_simulated_meter(hass, {})
    before = sizes()
    writes = count_meter_writes(hass)
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=Contract.TEMPO)
    for second in range(int(hours * 3600)):
        now = START.timestamp() + second

        def clock(now: float = now) -> float:
            return now

        coordinator.clock = clock
        coordinator.async_receive(meter.frame(now))
        if second % 60 == 0:
            await hass.async_block_till_done()
    await settle(hass)
    after_states = sizes()
    per_day = {
        "states": _grown(before, after_states, STATES_TABLES) * 24 / hours,
        "writes": writes() * 24 / hours,
    }
    statistic_ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    ours = [found for found in statistic_ids if found["statistic_id"].startswith("sensor.linky")]
    previous = after_states
    for kind, table in (("hourly", Statistics), ("five_minutes", StatisticsShortTerm)):
        _import_a_day(hass, ours, table)
        await settle(hass)
        now_sizes = sizes()
        per_day[kind] = _grown(previous, now_sizes, STATISTICS_TABLES[kind])
        previous = now_sizes
    per_day["statistic_ids"] = len(ours)
    await hass.async_stop()
    return per_day


def _import_a_day(hass: HomeAssistant, found: list[dict[str, Any]], table: Any) -> None:
    """A day of rows of each statistic, as the recorder compiles them (sums or means)."""
    step = timedelta(hours=1) if table is Statistics else timedelta(minutes=5)
    starts = [START + n * step for n in range(int(timedelta(days=1) / step))]
    for statistic in found:
        has_sum = bool(statistic["has_sum"])
        metadata = StatisticMetaData(
            mean_type=StatisticMeanType.NONE if has_sum else StatisticMeanType.ARITHMETIC,
            has_sum=has_sum,
            name=None,
            source="recorder",
            statistic_id=statistic["statistic_id"],
            unit_class=statistic["unit_class"],
            unit_of_measurement=statistic["statistics_unit_of_measurement"],
        )
        rows = [
            StatisticData(start=start, state=1000.0 + n, sum=float(n))
            if has_sum
            else StatisticData(start=start, mean=230.0 + n % 7, min=225.0, max=240.0)
            for n, start in enumerate(starts)
        ]
        get_instance(hass).async_import_statistics(metadata, rows, table)


def _grown(before: dict[str, int], after: dict[str, int], tables: tuple[str, ...]) -> float:
    return float(sum(after.get(table, 0) - before.get(table, 0) for table in tables))


def _sqlite_sizes(config_dir: Path) -> TableSizes:
    """Bytes of each table and its indexes in the SQLite file (SQLite's dbstat)."""

    def sizes() -> dict[str, int]:
        with sqlite3.connect(config_dir / "home-assistant_v2.db") as db:
            rows = db.execute(
                "SELECT coalesce(tbl_name, d.name), sum(pgsize) FROM dbstat AS d"
                " LEFT JOIN sqlite_schema AS s ON s.name = d.name GROUP BY 1"
            ).fetchall()
        return {str(table): int(size) for table, size in rows}

    return sizes


def _postgresql_sizes(server: PostgreSQL) -> TableSizes:
    """Bytes of each table with its indexes and TOAST (pg_total_relation_size)."""

    def sizes() -> dict[str, int]:
        server.sql("CHECKPOINT")
        text = server.sql(
            "SELECT relname || ' ' || pg_total_relation_size(oid) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
            "recorder",
        )
        return {name: int(size) for name, size in (line.split() for line in text.splitlines())}

    return sizes


def _mariadb_sizes(server: MariaDB) -> TableSizes:
    """Bytes of each table with its indexes (InnoDB's pages in use, statistics made anew)."""

    def sizes() -> dict[str, int]:
        tables = server.sql("SHOW TABLES", "recorder").split()
        server.sql(f"ANALYZE TABLE {', '.join(tables)}", "recorder")
        text = server.sql(
            "SELECT table_name, data_length + index_length FROM information_schema.tables"
            " WHERE table_schema = 'recorder'"
        )
        return {name: int(size) for name, size in (line.split() for line in text.splitlines())}

    return sizes


def main(hours: float) -> None:
    """Measure each backend in a fresh process (Home Assistant starts once per process)."""
    print(f"{hours:g} h of standard-mode frames, one per second, default update policy\n")
    print(
        "| database | state writes per day | states per day | hourly statistics per day"
        " | 5-minute statistics per day | one year, default purge |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for backend in BACKENDS:
        result = subprocess.run(
            [sys.executable, __file__, "--hours", str(hours), "--backend", backend],
            check=True,
            capture_output=True,
            text=True,
        )
        day = json.loads(result.stdout.splitlines()[-1])
        year = KEEP_DAYS * (day["states"] + day["five_minutes"]) + 365 * day["hourly"]
        print(
            f"| {backend} ({day['statistic_ids']:.0f} statistics) | {day['writes']:,.0f}"
            f" | {day['states'] / MB:.1f} MB"
            f" | {day['hourly'] / MB:.2f} MB | {day['five_minutes'] / MB:.2f} MB"
            f" | {year / MB:.0f} MB |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--backend", choices=BACKENDS, help="one (internal)")
    arguments = parser.parse_args()
    if arguments.backend is None:
        main(arguments.hours)
    else:
        print(json.dumps(asyncio.run(measure(arguments.backend, arguments.hours))))
