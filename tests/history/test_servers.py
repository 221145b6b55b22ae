"""Everything the meter records, on real database servers: states, statistics, adoption.

Throw-away servers (Debian's postgresql and mariadb-server, installed when missing) on a
loopback port serve one new database per test as the recorder's `db_url`: PostgreSQL through
Home Assistant's driver (psycopg2), MariaDB through PyMySQL (`mysql+pymysql://`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.coordinator import MeterCoordinator
from tools.mariadb import mariadb_server
from tools.postgresql import postgresql_server

from .recording import check_recorded_and_adopted


class Server(Protocol):
    """A throw-away database server of tools/."""

    def create_database(self, name: str) -> str: ...  # its URL
    def drop_database(self, name: str) -> None: ...


# Each server, started how, and the dialect the recorder then reports.
SERVERS: dict[str, tuple[Callable[..., AbstractContextManager[Server]], str]] = {
    "postgresql": (postgresql_server, "postgresql"),
    "mariadb": (mariadb_server, "mysql"),
}


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, socket_enabled: None) -> Iterator[tuple[Server, str]]:
    """A server for the test (sockets: its free port is found by binding one), removed after."""
    start, dialect = SERVERS[request.param]
    with start(durable=False) as running:
        yield running, dialect


@pytest.fixture
def recorder_db_url(server: tuple[Server, str]) -> Iterator[str]:
    """The recorder's database: a new one in the server, dropped after the test."""
    name = f"recorder_{uuid.uuid4().hex[:12]}"
    yield server[0].create_database(name)
    server[0].drop_database(name)


async def test_states_statistics_and_an_adopted_history_on_a_database_server(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    before_start: None,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    recorder_mock: Recorder,
    server: tuple[Server, str],
) -> None:
    assert recorder_mock.dialect_name == server[1]
    await check_recorded_and_adopted(hass, freezer, coordinator, loaded_simulator)
